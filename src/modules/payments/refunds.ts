/**
 * Refunds (E10): full or partial, up to what is left of the payment. The money comes from the
 * unapplied remainder first, then from the newest applications (negative 'refund' rows), so
 * only what is refunded reopens. A gateway payment is refunded at the gateway between two
 * transactions, like a charge: intent (pending refund row), gateway call, result.
 */
import { businessDate } from '../../core/dates.js';
import { AppError, type ErrorCode } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import { isGatewayError, type RefundResult } from '../../gateways/index.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { gatewayNamed } from '../methods/service.js';
import { RETURN_WINDOW_DAYS } from './ach.js';
import type { Allocation, PaymentRow, PaymentStatus, PaymentView } from './model.js';
import { findPaymentRow, paymentView } from './queries.js';
import { insertApplications } from './record.js';

interface RefundRow {
  id: string;
  payment_id: string;
  amount: number;
  status: 'pending' | 'succeeded' | 'failed';
}

/**
 * Why a payment in this status cannot be refunded, or null when it can (E4, E10): only a
 * succeeded payment holds money the payer could get back. A returned one already went back, a
 * pending one has not settled, and scheduled, failed or cancelled ones never collected.
 */
function refusalFor(status: PaymentStatus): ErrorCode | null {
  switch (status) {
    case 'succeeded':
      return null;
    case 'returned':
      return 'payment_returned_not_refundable';
    case 'pending':
      return 'payment_not_settled';
    case 'scheduled':
    case 'failed':
    case 'cancelled':
      return 'payment_not_collected';
    case 'refunded':
      return 'payment_not_refundable';
  }
}

/**
 * A bank debit may still come back for RETURN_WINDOW_DAYS after it settled; refunding it in that
 * time would give the payer the money twice if it does (the merchant loses it). Refused until the
 * window has passed; a card payment or an external one is refundable at once.
 */
function returnWindowCheck(ctx: Ctx, row: PaymentRow): void {
  if (row.method_type !== 'bank_account' || !row.settled_at) return;
  const until = new Date(row.settled_at.getTime() + RETURN_WINDOW_DAYS * 86_400_000);
  if (tenantNow(ctx) < until) {
    throw new AppError('refund_in_return_window', {
      id: row.id,
      settled_at: row.settled_at.toISOString(),
      refundable_from: businessDate(until, ctx.tenant.timeZone),
    });
  }
}

/** What the refund takes from each invoice: after the remainder, newest applications first. */
async function refundParts(tx: Tx, row: PaymentRow, amount: number): Promise<Allocation[]> {
  const apps = await tx.query<{ invoice_id: string; net: number }>(
    `SELECT invoice_id, sum(amount)::bigint AS net FROM payment_applications WHERE payment_id = $1
      GROUP BY invoice_id ORDER BY max(id) FILTER (WHERE kind = 'payment') DESC, invoice_id DESC`,
    [row.id],
  );
  const applied = apps.reduce((s, a) => s + a.net, 0);
  const unapplied = row.amount - row.amount_refunded - applied;
  let left = amount - Math.min(amount, Math.max(0, unapplied));
  const parts: Allocation[] = [];
  for (const a of apps) {
    if (left === 0) break;
    const take = Math.min(left, a.net);
    if (take > 0) parts.push({ invoice_id: a.invoice_id, amount: -take });
    left -= take;
  }
  return parts;
}

/** Applies a succeeded refund to the books (tx2, or the only tx of an external payment). */
async function settleRefund(tx: Tx, ctx: Ctx, refund: RefundRow, gatewayRefundId: string | null) {
  const row = await findPaymentRow(tx, ctx.tenant.id, refund.payment_id, 'FOR NO KEY UPDATE');
  await insertApplications(tx, ctx, row.id, await refundParts(tx, row, refund.amount), 'refund');
  const refunded = row.amount_refunded + refund.amount;
  const after = await tx.one<PaymentRow>(
    // Only a succeeded payment becomes 'refunded': a bank return recorded while the refund was at
    // the gateway keeps its status (its applications, the refund's included, stop counting).
    `UPDATE payments SET amount_refunded = $2,
            status = CASE WHEN $2 = amount AND status = 'succeeded' THEN 'refunded' ELSE status END,
            updated_at = $3 WHERE id = $1 RETURNING *`,
    [row.id, refunded, tenantNow(ctx)],
  );
  await tx.query(`UPDATE refunds SET status = 'succeeded', gateway_refund_id = $2 WHERE id = $1`, [
    refund.id,
    gatewayRefundId,
  ]);
  const view = await paymentView(tx, after);
  await recordChange(tx, ctx, {
    action: 'payment.refunded',
    objectType: 'payment',
    objectId: row.id,
    before: { status: row.status, amount_refunded: row.amount_refunded },
    after: { ...view, refund_id: refund.id },
  });
  return view;
}

export async function refundPayment(
  ctx: Ctx,
  id: string,
  input: { amount: number; reason?: string | undefined },
): Promise<PaymentView> {
  requirePermission(ctx, 'billing:write');
  // tx1: check and record the intent; concurrent refunds count each other's pending ones.
  const intent = await ctx.db.tx(async (tx) => {
    const row = await findPaymentRow(tx, ctx.tenant.id, id, 'FOR NO KEY UPDATE');
    const refusal = refusalFor(row.status);
    if (refusal) {
      throw new AppError(refusal, {
        id,
        status: row.status,
        refundable: 0,
        ...(row.return_code && { return_code: row.return_code }),
      });
    }
    returnWindowCheck(ctx, row);
    const pending = await tx.one<{ sum: number }>(
      `SELECT coalesce(sum(amount), 0)::bigint AS sum FROM refunds WHERE payment_id = $1 AND status = 'pending'`,
      [id],
    );
    const refundable = row.amount - row.amount_refunded - pending.sum;
    if (input.amount > refundable) {
      throw new AppError('refund_exceeds_payment', { requested: input.amount, refundable });
    }
    const refund = await tx.one<RefundRow>(
      `INSERT INTO refunds (id, tenant_id, payment_id, amount, reason, status, created_by, created_at)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, $7) RETURNING id, payment_id, amount, status`,
      [
        newId('refund'),
        ctx.tenant.id,
        id,
        input.amount,
        input.reason ?? null,
        ctx.actor.id,
        tenantNow(ctx),
      ],
    );
    if (!row.gateway_charge_id)
      return { refund, settled: await settleRefund(tx, ctx, refund, null) };
    return { refund, row, settled: null };
  });
  if (intent.settled) return intent.settled;
  const row = intent.row as PaymentRow;
  let result: RefundResult;
  try {
    const gw = await gatewayNamed(ctx, row.gateway ?? 'sandbox');
    result = await gw.refund({
      gatewayChargeId: row.gateway_charge_id as string,
      amount: input.amount,
      currency: 'USD',
      idempotencyKey: intent.refund.id,
    });
  } catch (err) {
    const message = isGatewayError(err) ? err.message : String(err);
    result = { status: 'failed', gatewayRefundId: null, declineCode: 'processing_error', message };
  }
  return recordRefundResult(ctx, intent.refund, result);
}

/** tx2 of a gateway refund; a failed refund stays on record and changes nothing else. */
export async function recordRefundResult(
  ctx: Ctx,
  refund: RefundRow,
  result: RefundResult,
): Promise<PaymentView> {
  const view = await ctx.db.tx(async (tx) => {
    const current = await tx.one<RefundRow>(
      'SELECT id, payment_id, amount, status FROM refunds WHERE id = $1 FOR NO KEY UPDATE',
      [refund.id],
    );
    if (current.status !== 'pending') return null;
    if (result.status !== 'failed') return settleRefund(tx, ctx, current, result.gatewayRefundId);
    await tx.query(
      `UPDATE refunds SET status = 'failed', gateway_refund_id = $2, failure_message = $3 WHERE id = $1`,
      [refund.id, result.gatewayRefundId, result.message],
    );
    await recordChange(tx, ctx, {
      action: 'payment.refund_failed',
      objectType: 'payment',
      objectId: refund.payment_id,
      after: { refund_id: refund.id, message: result.message },
    });
    return { failed: result.message };
  });
  if (view && 'failed' in view) {
    throw new AppError('refund_failed', { refund_id: refund.id, message: view.failed });
  }
  if (view) return view;
  return paymentView(ctx.db, await findPaymentRow(ctx.db, ctx.tenant.id, refund.payment_id));
}
