/**
 * Bank debits after the charge (E4): they come back 'pending' and settle after business days on
 * the tenant clock, or come back returned (R01, R10 …) — even after settling, and even after a
 * refund. A return marks the payment returned: its applications stop counting (the invoices
 * reopen) and the customer is told. A return after a refund (E10) is recorded on top of it: what
 * was refunded went to a customer who, it turns out, never paid, so it is billed back on an
 * invoice of its own and staff are told (audit entry, payment.returned event, an email). The
 * sandbox tells us in the clock's transaction (like a gateway webhook); the sweep asks any
 * gateway with fetchStatus.
 */

import { formatMoney } from '../../core/money.js';
import type { Queryable, Tx } from '../../db/db.js';
import { ACH_RETURN_CODES } from '../../gateways/codes.js';
import type { ChargeUpdate } from '../../gateways/sandbox/clock.js';
import { recordChange } from '../audit/service.js';
import { lockInvoices } from '../books/service.js';
import { type Ctx, tenantNow, tenantToday } from '../context.js';
import { queueEmails } from '../email/service.js';
import { billReturnedRefundIn } from '../invoices/service.js';
import { gatewayNamed } from '../methods/service.js';
import { billingStaffEmails } from '../staff/service.js';
import type { PaymentRow } from './model.js';
import { paymentView } from './queries.js';
import { queueReceipt, queueReturnNotice } from './receipts.js';

/** Default of the tenant setting `refund_guard_days`: the consumer return window (R10 and kin). */
export const DEFAULT_REFUND_GUARD_DAYS = 60;

/** Days after settling during which a bank debit is not refunded (tenant setting, 0–120). */
export async function refundGuardDays(q: Queryable, ctx: Ctx): Promise<number> {
  const row = await q.one<{ days: number }>(
    `SELECT coalesce((settings->>'refund_guard_days')::int, $2::int) AS days FROM tenants WHERE id = $1`,
    [ctx.tenant.id, DEFAULT_REFUND_GUARD_DAYS],
  );
  return row.days;
}

/**
 * What was refunded on a payment the bank returned: billed back to the customer on a posted
 * invoice due at once (invoices billReturnedRefundIn), and staff told by email. Returns the
 * invoice's id.
 */
export async function billReturnedRefund(
  tx: Tx,
  ctx: Ctx,
  payment: PaymentRow,
  amount: number,
): Promise<string> {
  const code = payment.return_code ?? 'return';
  const invoice = await billReturnedRefundIn(tx, ctx, {
    customerId: payment.customer_id,
    paymentId: payment.id,
    amount,
    description: `Refunded on payment ${payment.id}, whose bank debit was returned (${code})`,
  });
  const customer = await tx.one<{ name: string; number: string }>(
    'SELECT name, number FROM customers WHERE id = $1',
    [payment.customer_id],
  );
  const money = formatMoney(amount);
  const to = await billingStaffEmails(tx, ctx.tenant.id);
  await queueEmails(
    tx,
    ctx,
    to.map((address) => ({
      kind: 'other' as const,
      to: address,
      subject: `Bank return after a refund: ${customer.name} owes ${money}`,
      bodyText:
        `The bank returned payment ${payment.id} of ${formatMoney(payment.amount)} ` +
        `(${code}: ${payment.failure_message ?? 'returned'}) from ${customer.name} ` +
        `(${customer.number}) after ${money} of it had been refunded. The customer got that ` +
        `money without having paid: invoice ${invoice.number} bills it back, and the invoices ` +
        'the payment paid are open again unless a refund credited them.',
      customerId: payment.customer_id,
      invoiceId: invoice.id,
    })),
  );
  return invoice.id;
}

/** Applies a settlement or a return the gateway reported for one of its charges. */
export async function applyChargeUpdate(
  tx: Tx,
  ctx: Ctx,
  gatewayChargeId: string,
  status: 'succeeded' | 'returned',
  returnCode: string | null,
): Promise<PaymentRow | undefined> {
  // The lock order of applying a payment: its invoices (in id order), then the payment. A
  // settlement or a return changes what the invoices are paid (the database rewrites their cached
  // paid amounts, 0027_applied_cache.sql), so it takes their locks first, as a refund does.
  const found = await tx.maybeOne<{ id: string }>(
    'SELECT id FROM payments WHERE tenant_id = $1 AND gateway_charge_id = $2',
    [ctx.tenant.id, gatewayChargeId],
  );
  if (!found) return undefined;
  const invoiceIds = await tx.query<{ invoice_id: string }>(
    'SELECT DISTINCT invoice_id FROM payment_applications WHERE payment_id = $1',
    [found.id],
  );
  await lockInvoices(
    tx,
    ctx.tenant.id,
    invoiceIds.map((r) => r.invoice_id),
  );
  const row = await tx.maybeOne<PaymentRow>(
    'SELECT * FROM payments WHERE id = $1 FOR NO KEY UPDATE',
    [found.id],
  );
  if (!row) return undefined;
  const now = tenantNow(ctx);
  let after: PaymentRow;
  if (status === 'succeeded') {
    if (row.status !== 'pending') return row;
    after = await tx.one<PaymentRow>(
      `UPDATE payments SET status = 'succeeded', settled_at = $2, updated_at = $2 WHERE id = $1 RETURNING *`,
      [row.id, now],
    );
    await queueReceipt(tx, ctx, after);
  } else {
    // A refunded payment is returned too: the return is recorded on top of the refund.
    if (row.status !== 'pending' && row.status !== 'succeeded' && row.status !== 'refunded') {
      return row;
    }
    const meaning = returnCode ? ACH_RETURN_CODES[returnCode] : undefined;
    after = await tx.one<PaymentRow>(
      `UPDATE payments SET status = 'returned', return_code = $2, returned_at = $3, updated_at = $3,
              decline_code = $4, failure_message = $5 WHERE id = $1 RETURNING *`,
      [
        row.id,
        returnCode,
        now,
        meaning?.decline ?? 'processing_error',
        meaning?.meaning ?? 'The bank returned the debit.',
      ],
    );
    await queueReturnNotice(tx, ctx, after);
  }
  const debitInvoiceId =
    after.status === 'returned' && row.amount_refunded > 0
      ? await billReturnedRefund(tx, ctx, after, row.amount_refunded)
      : null;
  await recordChange(tx, ctx, {
    action: `payment.${after.status}`,
    objectType: 'payment',
    objectId: row.id,
    before: { status: row.status, amount_refunded: row.amount_refunded },
    after: {
      ...(await paymentView(tx, after)),
      ...(debitInvoiceId && {
        returned_after_refund: { amount: row.amount_refunded, invoice_id: debitInvoiceId },
      }),
    },
  });
  return after;
}

/** A sandbox charge settled or came back: the payment follows (wired in wiring.ts). */
export async function paymentsOnChargeUpdate(
  tx: Tx,
  ctx: Ctx,
  update: ChargeUpdate,
): Promise<void> {
  await applyChargeUpdate(tx, ctx, update.gatewayChargeId, update.status, update.returnCode);
}

/**
 * Asks the gateway about pending debits due to settle and bank debits settled (refunded or not)
 * within the return window (the tenant's refund guard, at least the 60-day consumer window);
 * records what changed. Returns the number of payments that changed.
 */
export async function checkSettlements(ctx: Ctx): Promise<number> {
  const today = tenantToday(ctx);
  const days = Math.max(await refundGuardDays(ctx.db, ctx), DEFAULT_REFUND_GUARD_DAYS);
  const rows = await ctx.db.query<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND gateway_charge_id IS NOT NULL AND (
        (status = 'pending' AND (expected_settlement_date IS NULL OR expected_settlement_date <= $2))
        OR (status IN ('succeeded', 'refunded') AND method_type = 'bank_account' AND settled_at >= $3))
      ORDER BY id`,
    [ctx.tenant.id, today, new Date(tenantNow(ctx).getTime() - days * 86_400_000)],
  );
  let changed = 0;
  for (const row of rows) {
    const gw = await gatewayNamed(ctx, row.gateway ?? 'sandbox');
    const status = await gw.fetchStatus({ gatewayChargeId: row.gateway_charge_id as string });
    const s = status.status;
    if (s === 'pending' || (s === 'succeeded' && row.status !== 'pending')) continue;
    // A debit refused after acceptance ('failed') is a return without a code.
    const update = s === 'succeeded' ? 'succeeded' : 'returned';
    await ctx.db.tx((tx) =>
      applyChargeUpdate(tx, ctx, status.gatewayChargeId, update, status.returnCode),
    );
    changed += 1;
  }
  return changed;
}
