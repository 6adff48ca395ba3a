/**
 * The sandbox clock: a sandbox tenant reads and moves its own "now" forward, and everything that
 * tenant does (business dates, due work) follows it. Live tenants run on real time.
 *
 * Modules that hang due work on the clock (bill runs, scheduled payments, retries) register a
 * handler with onClockAdvanced; it runs in the advancing transaction with the new time.
 */
import {
  businessDate,
  isBusinessDate,
  parseInstant,
  startOfBusinessDate,
} from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import type { Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { setClockOffset } from '../tenants/service.js';

export interface ClockView {
  now: string;
  today: string;
  time_zone: string;
  movable: boolean;
}

/** What an advance found due and set going (the work itself may finish later, in the worker). */
export interface FellDue {
  /** Bill runs the tenant's schedule started. */
  bill_runs: string[];
  /** Payment runs whose date (or bill run) came, started. */
  payment_runs: string[];
  /** Scheduled payments whose date came, handed to the worker to charge. */
  scheduled_payments: number;
  /** Failed payments whose automatic retry date came, handed to the worker. */
  retries: number;
  /** Sandbox bank debits that settled or came back returned. */
  settlements: number;
}

export interface AdvanceView extends ClockView {
  fell_due: FellDue;
}

type DueWork = (tx: Tx, ctx: Ctx, from: Date, to: Date) => Promise<Partial<FellDue> | undefined>;
const dueWork: DueWork[] = [];

export function onClockAdvanced(handler: DueWork): void {
  dueWork.push(handler);
}

export function readClock(ctx: Ctx): ClockView {
  const now = tenantNow(ctx);
  return {
    now: now.toISOString(),
    today: businessDate(now, ctx.tenant.timeZone),
    time_zone: ctx.tenant.timeZone,
    movable: ctx.tenant.mode === 'sandbox',
  };
}

export interface Advance {
  /** An instant, or a business date meaning the start of that day in the tenant's zone. */
  to?: string | undefined;
  days?: number | undefined;
  hours?: number | undefined;
}

export async function advanceClock(ctx: Ctx, input: Advance): Promise<AdvanceView> {
  requirePermission(ctx, 'clock:advance');
  if (ctx.tenant.mode !== 'sandbox') throw new AppError('clock_not_movable');
  return ctx.db.tx(async (tx) => {
    const row = await tx.one<{ clock_offset_ms: number }>(
      'SELECT clock_offset_ms FROM tenants WHERE id = $1 FOR NO KEY UPDATE',
      [ctx.tenant.id],
    );
    const locked: Ctx = { ...ctx, tenant: { ...ctx.tenant, clockOffsetMs: row.clock_offset_ms } };
    const from = tenantNow(locked);
    let to: Date;
    if (input.to !== undefined) {
      const parsed = isBusinessDate(input.to)
        ? startOfBusinessDate(input.to, ctx.tenant.timeZone)
        : parseInstant(input.to);
      if (!parsed) throw new AppError('validation_failed', { field: 'to' });
      to = parsed;
    } else {
      to = new Date(from.getTime() + ((input.days ?? 0) * 24 + (input.hours ?? 0)) * 3600_000);
    }
    if (to.getTime() < from.getTime()) {
      throw new AppError('clock_cannot_go_back', { now: from.toISOString(), to: to.toISOString() });
    }
    const offset = row.clock_offset_ms + (to.getTime() - from.getTime());
    await setClockOffset(tx, ctx.tenant.id, offset);
    const moved: Ctx = { ...ctx, tenant: { ...ctx.tenant, clockOffsetMs: offset } };
    const view = readClock(moved);
    await recordChange(tx, moved, {
      action: 'clock.advanced',
      objectType: 'tenant',
      objectId: ctx.tenant.id,
      before: { now: from.toISOString() },
      after: view,
    });
    const fell: FellDue = {
      bill_runs: [],
      payment_runs: [],
      scheduled_payments: 0,
      retries: 0,
      settlements: 0,
    };
    for (const handler of dueWork) {
      const found = await handler(tx, moved, from, to);
      if (!found) continue;
      fell.bill_runs.push(...(found.bill_runs ?? []));
      fell.payment_runs.push(...(found.payment_runs ?? []));
      fell.scheduled_payments += found.scheduled_payments ?? 0;
      fell.retries += found.retries ?? 0;
      fell.settlements += found.settlements ?? 0;
    }
    return { ...view, fell_due: fell };
  });
}
