/**
 * The sandbox gateway on the sandbox clock: when a tenant's clock moves, pending debits whose
 * settlement date has come settle, and returns that are due arrive (R01, R10), in the advancing
 * transaction. Listeners (the payments module) hear of each change there, the way a real
 * gateway's webhooks would tell Billow; fetchStatus() gives the same answer at any time.
 */
import { businessDate } from '../../core/dates.js';
import type { Tx } from '../../db/db.js';
import type { Ctx } from '../../modules/context.js';
import { type ChargeUpdate, settleDue } from './charges.js';
import { purgeExpiredTokens } from './vault.js';

export type { ChargeUpdate } from './charges.js';

type Listener = (tx: Tx, ctx: Ctx, update: ChargeUpdate) => Promise<void>;
const listeners: Listener[] = [];

/** Hears every settlement and return of a sandbox charge, in the clock's transaction. */
export function onSandboxChargeUpdate(listener: Listener): () => void {
  listeners.push(listener);
  return () => {
    const i = listeners.indexOf(listener);
    if (i >= 0) listeners.splice(i, 1);
  };
}

/** A sandbox clock advance settles what is due and tells the listeners (wired in wiring.ts). */
export async function sandboxOnClock(
  tx: Tx,
  ctx: Ctx,
  _from: Date,
  to: Date,
): Promise<{ settlements: number }> {
  await purgeExpiredTokens(tx, ctx.tenant.id, to);
  const updates = await settleDue(tx, ctx.tenant.id, businessDate(to, ctx.tenant.timeZone), to);
  for (const update of updates) {
    for (const listener of listeners) await listener(tx, ctx, update);
  }
  return { settlements: updates.length };
}
