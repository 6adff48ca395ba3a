/**
 * Scheduled payments (E2, E3): a payment on a future business date reserves nothing; it keeps a
 * plan of what it means to pay. A new payment clips the plans that would now overpay (reduced,
 * or cancelled at zero); on its date the payment runs against what is still open then.
 */
import { AppError, isAppError } from '../../core/errors.js';
import type { Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { availableOn as availableToPay, lockInvoices } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { type MethodRow, usableMethodFor } from '../methods/service.js';
import { clipPlan } from './allocate.js';
import { followUpFailure } from './failures.js';
import type { AdjustedScheduled, Allocation, PaymentRow, PaymentView } from './model.js';
import { findPaymentRow, paymentView } from './queries.js';
import { insertApplications } from './record.js';

/** The scheduled payments that will charge the method (its use, for deleting it; D4). */
export async function scheduledPaymentsUsing(
  q: Queryable,
  tenantId: string,
  methodId: string,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM payments WHERE tenant_id = $1 AND payment_method_id = $2 AND status = 'scheduled'
      ORDER BY id`,
    [tenantId, methodId],
  );
  return rows.map((r) => r.id);
}

/**
 * What the tenant's scheduled payments (arranged by the customer or staff, not yet run) mean to
 * pay on each of `invoiceIds`, whatever their date: autopay collects only the rest (issue 10
 * item 2), so a payment run never takes what a scheduled payment was arranged to pay, and the
 * calendar projects the same amount.
 */
export async function scheduledCover(
  q: Queryable,
  tenantId: string,
  invoiceIds: readonly string[],
): Promise<Map<string, number>> {
  const cover = new Map<string, number>();
  if (invoiceIds.length === 0) return cover;
  const rows = await q.query<{ invoice_id: string; amount: number }>(
    `SELECT x.invoice_id, sum(x.amount)::bigint AS amount
       FROM payments p
      CROSS JOIN LATERAL (
        SELECT a.invoice_id, a.amount FROM jsonb_to_recordset(p.planned_allocations)
            AS a(invoice_id text, amount bigint)
         WHERE p.planned_allocations IS NOT NULL
        UNION ALL
        SELECT p.autopay_invoice_id, p.amount WHERE p.planned_allocations IS NULL
      ) x
      WHERE p.tenant_id = $1 AND p.status = 'scheduled' AND x.invoice_id = ANY ($2::text[])
      GROUP BY x.invoice_id`,
    [tenantId, [...invoiceIds]],
  );
  for (const r of rows) cover.set(r.invoice_id, Number(r.amount));
  return cover;
}

/** What a scheduled payment means to pay. */
export function planOf(row: PaymentRow): Allocation[] {
  if (row.planned_allocations) return row.planned_allocations;
  if (row.autopay_invoice_id) return [{ invoice_id: row.autopay_invoice_id, amount: row.amount }];
  return [];
}

/** Cancels a scheduled payment (its date moves to the audit log: the row keeps no schedule). */
export async function cancelScheduledRow(
  tx: Tx,
  ctx: Ctx,
  row: PaymentRow,
  reason: string,
): Promise<PaymentRow> {
  const after = await tx.one<PaymentRow>(
    `UPDATE payments SET status = 'cancelled', cancelled_at = $2, scheduled_for = NULL, updated_at = $2
      WHERE id = $1 RETURNING *`,
    [row.id, tenantNow(ctx)],
  );
  await recordChange(tx, ctx, {
    action: 'payment.cancelled',
    objectType: 'payment',
    objectId: row.id,
    before: { status: row.status, scheduled_for: row.scheduled_for, amount: row.amount },
    after: { ...(await paymentView(tx, after)), reason },
  });
  return after;
}

/**
 * E3: after a payment took its share, clips the customer's scheduled payments (in date order)
 * to what the invoices still have open; returns those that changed.
 */
export async function adjustScheduled(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
): Promise<AdjustedScheduled[]> {
  const rows = await tx.query<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND customer_id = $2 AND status = 'scheduled'
      ORDER BY scheduled_for, id FOR NO KEY UPDATE`,
    [ctx.tenant.id, customerId],
  );
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((r) => planOf(r).map((a) => a.invoice_id)))];
  const available = await availableToPay(tx, ctx.tenant.id, ids);
  const adjusted: AdjustedScheduled[] = [];
  for (const row of rows) {
    const { plan, cut } = clipPlan(planOf(row), available);
    if (cut === 0) continue;
    const amount = row.amount - cut;
    if (amount <= 0) {
      await cancelScheduledRow(tx, ctx, row, 'the invoices it was to pay were paid');
      adjusted.push({ id: row.id, old_amount: row.amount, new_amount: null });
      continue;
    }
    const after = await tx.one<PaymentRow>(
      `UPDATE payments SET amount = $2, planned_allocations = $3, updated_at = $4 WHERE id = $1 RETURNING *`,
      [row.id, amount, JSON.stringify(plan), tenantNow(ctx)],
    );
    await recordChange(tx, ctx, {
      action: 'payment.reduced',
      objectType: 'payment',
      objectId: row.id,
      before: { amount: row.amount, planned_allocations: planOf(row) },
      after: await paymentView(tx, after),
    });
    adjusted.push({ id: row.id, old_amount: row.amount, new_amount: amount });
  }
  return adjusted;
}

export function checkFutureDate(ctx: Ctx, date: string): void {
  const today = tenantToday(ctx);
  if (date <= today) throw new AppError('scheduled_date_in_past', { scheduled_for: date, today });
}

async function changeScheduled(
  ctx: Ctx,
  id: string,
  change: (tx: Tx, row: PaymentRow) => Promise<PaymentRow>,
): Promise<PaymentView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await findPaymentRow(tx, ctx.tenant.id, id, 'FOR NO KEY UPDATE');
    if (row.status !== 'scheduled') {
      throw new AppError('payment_not_cancellable', { id, status: row.status });
    }
    return paymentView(tx, await change(tx, row));
  });
}

export function reschedulePayment(ctx: Ctx, id: string, date: string): Promise<PaymentView> {
  checkFutureDate(ctx, date);
  return changeScheduled(ctx, id, async (tx, row) => {
    const after = await tx.one<PaymentRow>(
      'UPDATE payments SET scheduled_for = $2, updated_at = $3 WHERE id = $1 RETURNING *',
      [id, date, tenantNow(ctx)],
    );
    await recordChange(tx, ctx, {
      action: 'payment.rescheduled',
      objectType: 'payment',
      objectId: id,
      before: { scheduled_for: row.scheduled_for },
      after: await paymentView(tx, after),
    });
    return after;
  });
}

export function cancelPayment(ctx: Ctx, id: string): Promise<PaymentView> {
  return changeScheduled(ctx, id, (tx, row) => cancelScheduledRow(tx, ctx, row, 'cancelled'));
}

export type Started =
  | { kind: 'charge'; row: PaymentRow; method: MethodRow }
  | { kind: 'done'; view: PaymentView };

/**
 * tx1 of a due scheduled payment: re-allocates its plan against what is open today, reduces it
 * or cancels it, and otherwise turns it pending with its applications (the charge follows).
 */
export async function startScheduled(ctx: Ctx, id: string): Promise<Started | null> {
  return ctx.db.tx(async (tx) => {
    const peek = await findPaymentRow(tx, ctx.tenant.id, id);
    if (peek.status !== 'scheduled') return null;
    await lockInvoices(
      tx,
      ctx.tenant.id,
      planOf(peek).map((a) => a.invoice_id),
    );
    const row = await findPaymentRow(tx, ctx.tenant.id, id, 'FOR NO KEY UPDATE');
    if (row.status !== 'scheduled' || (row.scheduled_for ?? '') > tenantToday(ctx)) return null;
    const plan = planOf(row);
    const now = tenantNow(ctx);
    let method: MethodRow;
    try {
      method = await usableMethodFor(
        tx,
        ctx,
        row.customer_id,
        row.payment_method_id ?? '',
        'FOR SHARE',
      );
    } catch (err) {
      if (!isAppError(err)) throw err;
      const failed = await tx.one<PaymentRow>(
        `UPDATE payments SET status = 'failed', attempted_at = $2, failed_at = $2, updated_at = $2,
                decline_code = $3, failure_message = $4 WHERE id = $1 RETURNING *`,
        [id, now, err.code === 'card_expired' ? 'expired_card' : 'invalid_account', err.message],
      );
      const view = await paymentView(tx, failed);
      await recordChange(tx, ctx, {
        action: 'payment.failed',
        objectType: 'payment',
        objectId: id,
        after: view,
      });
      return { kind: 'done', view: await followUpFailure(tx, ctx, view) };
    }
    const available = await availableToPay(
      tx,
      ctx.tenant.id,
      plan.map((a) => a.invoice_id),
    );
    const clipped = clipPlan(plan, available);
    const amount = row.amount - clipped.cut;
    if (amount <= 0) {
      const after = await cancelScheduledRow(tx, ctx, row, 'nothing left to pay on its date');
      return { kind: 'done', view: await paymentView(tx, after) };
    }
    const after = await tx.one<PaymentRow>(
      `UPDATE payments SET status = 'pending', amount = $2, planned_allocations = $3, attempted_at = $4,
              updated_at = $4 WHERE id = $1 RETURNING *`,
      [id, amount, JSON.stringify(clipped.plan), now],
    );
    await insertApplications(tx, ctx, id, clipped.plan);
    await recordChange(tx, ctx, {
      action: 'payment.started',
      objectType: 'payment',
      objectId: id,
      before: { status: 'scheduled', amount: row.amount },
      after: await paymentView(tx, after),
    });
    return { kind: 'charge', row: after, method };
  });
}

/** Ids of the tenant's scheduled payments due by today. */
export async function duePaymentIds(q: Queryable, ctx: Ctx): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM payments WHERE tenant_id = $1 AND status = 'scheduled' AND scheduled_for <= $2
      ORDER BY scheduled_for, id`,
    [ctx.tenant.id, tenantToday(ctx)],
  );
  return rows.map((r) => r.id);
}

/** A scheduled (or autopay) payment a new payment would lower, as the payer is told before paying. */
export interface ScheduledReduction {
  id: string;
  scheduled_for: string | null;
  source: PaymentRow['source'];
  old_amount: number;
  /** null: it would be cancelled (nothing left for it to pay). */
  new_amount: number | null;
}

/**
 * E3 before the fact: which of the customer's scheduled payments a payment of `allocations`
 * would clip, computed as adjustScheduled will (same plans, same order), without changing any.
 */
export async function scheduledReducedBy(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
  allocations: Allocation[],
): Promise<ScheduledReduction[]> {
  const rows = await q.query<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND customer_id = $2 AND status = 'scheduled'
      ORDER BY scheduled_for, id`,
    [ctx.tenant.id, customerId],
  );
  if (rows.length === 0) return [];
  const ids = [...new Set(rows.flatMap((r) => planOf(r).map((a) => a.invoice_id)))];
  const available = await availableToPay(q, ctx.tenant.id, ids);
  for (const a of allocations) {
    if (available.has(a.invoice_id)) {
      available.set(a.invoice_id, Math.max(0, (available.get(a.invoice_id) ?? 0) - a.amount));
    }
  }
  const out: ScheduledReduction[] = [];
  for (const row of rows) {
    const { cut } = clipPlan(planOf(row), available);
    if (cut === 0) continue;
    const amount = row.amount - cut;
    out.push({
      id: row.id,
      scheduled_for: row.scheduled_for,
      source: row.source,
      old_amount: row.amount,
      new_amount: amount <= 0 ? null : amount,
    });
  }
  return out;
}
