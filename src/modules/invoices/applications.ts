/**
 * The invoices module's announcement that an invoice's open balance fell (a credit applied, an
 * invoice credited or voided). The payments module listens (it clips scheduled payments, E3);
 * wiring.ts connects the two, so the invoices module does not import payments.
 */
import type { Tx } from '../../db/db.js';
import type { Ctx } from '../context.js';
import type { AdjustedScheduledView } from './model.js';

type BalanceListener = (tx: Tx, ctx: Ctx, customerId: string) => Promise<AdjustedScheduledView[]>;
const balanceListeners: BalanceListener[] = [];

/** Lets the payments module clip scheduled payments when an invoice's open balance falls (E3). */
export function onOpenBalanceReduced(listener: BalanceListener): void {
  balanceListeners.push(listener);
}

/**
 * Call in the transaction that lowered a customer's open balance (a credit adjustment, a void),
 * after the change: returns the scheduled payments that were reduced or cancelled.
 */
export async function openBalanceReduced(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
): Promise<AdjustedScheduledView[]> {
  const out: AdjustedScheduledView[] = [];
  for (const listener of balanceListeners) out.push(...(await listener(tx, ctx, customerId)));
  return out;
}
