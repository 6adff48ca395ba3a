/**
 * Refunds (E10): full or partial, up to what is left of the payment. The money comes from the
 * unapplied remainder first, then from the newest applications (negative 'refund' rows). A
 * refund says what it means for those invoices (`outcome`): 'credit' (the default) issues a
 * credit memo linked to the refund and applies it where the money was taken back, in the same
 * transaction, so the invoices stay settled and nothing collects them again; 'reopen' leaves
 * their balances open (the customer still owes it). A gateway payment is refunded at the gateway
 * between two transactions, like a charge: intent (pending refund row with its outcome), gateway
 * call, result.
 */
import { businessDate } from '../../core/dates.js';
import { AppError, type ErrorCode } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import { isGatewayError, type RefundResult } from '../../gateways/index.js';
import { recordChange } from '../audit/service.js';
import { lockInvoices } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { issueRefundCredit } from '../credits/service.js';
import { gatewayNamed } from '../methods/service.js';
import { billReturnedRefund, refundGuardDays } from './ach.js';
import type {
  Allocation,
  PaymentRow,
  PaymentStatus,
  PaymentView,
  RefundCreate,
  RefundOutcome,
  RefundView,
} from './model.js';
import { findPaymentRow, paymentView } from './queries.js';
import { insertApplications } from './record.js';

interface RefundRow {
  id: string;
  payment_id: string;
  amount: number;
  reason: string | null;
  outcome: RefundOutcome;
  status: 'pending' | 'succeeded' | 'failed';
}

const REFUND_COLUMNS = 'id, payment_id, amount, reason, outcome, status';

/** A refund just made: the payment after it, and the refund (its outcome and credit memo). */
export type RefundResponse = PaymentView & { refund: RefundView };

function withRefund(view: PaymentView, refundId: string): RefundResponse {
  const refund = view.refunds.find((r) => r.id === refundId);
  if (!refund) throw new Error(`refund ${refundId} missing from its payment's view`);
  return { ...view, refund };
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
 * A bank debit may still come back for a while after it settled; refunding it in that time would
 * give the payer the money twice if it does (the merchant loses it). Refused for the tenant's
 * `refund_guard_days` after settlement (default 60, the consumer return window); a card payment or
 * an external one is refundable at once. A return that comes after a refund anyway is billed back
 * (ach.ts).
 */
async function returnWindowCheck(tx: Tx, ctx: Ctx, row: PaymentRow): Promise<void> {
  if (row.method_type !== 'bank_account' || !row.settled_at) return;
  const days = await refundGuardDays(tx, ctx);
  const until = new Date(row.settled_at.getTime() + days * 86_400_000);
  if (tenantNow(ctx) < until) {
    throw new AppError('refund_in_return_window', {
      id: row.id,
      settled_at: row.settled_at.toISOString(),
      refundable_from: businessDate(until, ctx.tenant.timeZone),
      refund_guard_days: days,
    });
  }
}

/**
 * What the refund takes from each invoice: after the remainder, newest applications first, and
 * among applications made together the newest invoice first (the allocation order reversed).
 */
async function refundParts(tx: Tx, row: PaymentRow, amount: number): Promise<Allocation[]> {
  const apps = await tx.query<{ invoice_id: string; net: number }>(
    `SELECT pa.invoice_id, sum(pa.amount)::bigint AS net
       FROM payment_applications pa JOIN invoices i ON i.id = pa.invoice_id
      WHERE pa.payment_id = $1
      GROUP BY pa.invoice_id, i.id
      ORDER BY max(pa.created_at) FILTER (WHERE pa.kind = 'payment') DESC NULLS LAST,
               i.invoice_date DESC, i.due_date DESC NULLS FIRST, i.id DESC`,
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

/**
 * Applies a succeeded refund to the books (tx2, or the only tx of an external payment): the
 * negative rows, and for outcome 'credit' the credit memo over the same invoices. A payment the
 * bank returned while the refund was at the gateway gets that refund billed back too.
 */
async function settleRefund(tx: Tx, ctx: Ctx, refund: RefundRow, gatewayRefundId: string | null) {
  // The lock order of applying a payment: its invoices (in id order), then the payment. Which
  // invoices is read before the lock and again under it (another change may have moved them).
  const peek = await findPaymentRow(tx, ctx.tenant.id, refund.payment_id);
  const lockParts = async (parts: Allocation[]) =>
    lockInvoices(
      tx,
      ctx.tenant.id,
      parts.map((p) => p.invoice_id),
    );
  await lockParts(await refundParts(tx, peek, refund.amount));
  const row = await findPaymentRow(tx, ctx.tenant.id, refund.payment_id, 'FOR NO KEY UPDATE');
  const parts = await refundParts(tx, row, refund.amount);
  await lockParts(parts);
  await insertApplications(tx, ctx, row.id, parts, 'refund', refund.id);
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
  if (refund.outcome === 'credit' && parts.length > 0) {
    await issueRefundCredit(tx, ctx, {
      customerId: row.customer_id,
      refundId: refund.id,
      reason: `Refund ${refund.id} of payment ${row.id}${refund.reason ? `: ${refund.reason}` : ''}`,
      allocations: parts.map((p) => ({ invoice_id: p.invoice_id, amount: -p.amount })),
    });
  }
  if (row.status === 'returned') await billReturnedRefund(tx, ctx, after, refund.amount);
  const view = await paymentView(tx, after);
  const mine = view.refunds.find((r) => r.id === refund.id);
  await recordChange(tx, ctx, {
    action: 'payment.refunded',
    objectType: 'payment',
    objectId: row.id,
    before: { status: row.status, amount_refunded: row.amount_refunded },
    after: {
      ...view,
      refund_id: refund.id,
      outcome: refund.outcome,
      credit_memo_id: mine?.credit_memo_id ?? null,
    },
  });
  return view;
}

export async function refundPayment(
  ctx: Ctx,
  id: string,
  input: Pick<RefundCreate, 'amount' | 'reason'> & { outcome?: RefundOutcome | undefined },
): Promise<RefundResponse> {
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
    await returnWindowCheck(tx, ctx, row);
    const pending = await tx.one<{ sum: number }>(
      `SELECT coalesce(sum(amount), 0)::bigint AS sum FROM refunds WHERE payment_id = $1 AND status = 'pending'`,
      [id],
    );
    const refundable = row.amount - row.amount_refunded - pending.sum;
    if (input.amount > refundable) {
      throw new AppError('refund_exceeds_payment', { requested: input.amount, refundable });
    }
    const refund = await tx.one<RefundRow>(
      `INSERT INTO refunds (id, tenant_id, payment_id, amount, reason, outcome, status, created_by,
                            created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $8) RETURNING ${REFUND_COLUMNS}`,
      [
        newId('refund'),
        ctx.tenant.id,
        id,
        input.amount,
        input.reason ?? null,
        input.outcome ?? 'credit',
        ctx.actor.id,
        tenantNow(ctx),
      ],
    );
    if (!row.gateway_charge_id)
      return { refund, settled: await settleRefund(tx, ctx, refund, null) };
    return { refund, row, settled: null };
  });
  if (intent.settled) return withRefund(intent.settled, intent.refund.id);
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
  return withRefund(await recordRefundResult(ctx, intent.refund, result), intent.refund.id);
}

/** tx2 of a gateway refund; a failed refund stays on record and changes nothing else. */
export async function recordRefundResult(
  ctx: Ctx,
  refund: Pick<RefundRow, 'id' | 'payment_id'>,
  result: RefundResult,
): Promise<PaymentView> {
  const view = await ctx.db.tx(async (tx) => {
    const current = await tx.one<RefundRow>(
      `SELECT ${REFUND_COLUMNS} FROM refunds WHERE id = $1 FOR NO KEY UPDATE`,
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
