/**
 * Reading payments and what they take from invoices. The books (0009_payments.sql): an invoice's
 * paid amount is the applications of payments that count (succeeded, refunded); a pending
 * payment's applications reserve the invoice; scheduled, failed, returned and cancelled
 * payments take nothing.
 */
import { AppError } from '../../core/errors.js';
import type { Queryable } from '../../db/db.js';
import {
  type ApplicationView,
  type PaymentRow,
  type PaymentView,
  RESERVING_STATUSES,
  type RefundView,
} from './model.js';

export interface InvoiceBalance {
  id: string;
  customer_id: string;
  status: 'draft' | 'posted' | 'void';
  invoice_date: string;
  total: number;
  /** Paid and reserved by payments. */
  taken: number;
  credits: number;
  /** What a new payment may still collect: 0 for drafts and void invoices. */
  available: number;
}

/** Balances of the tenant's invoices among `ids` (unknown ids are left out). */
export async function invoiceBalances(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<InvoiceBalance[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<Omit<InvoiceBalance, 'available'>>(
    `SELECT i.id, i.customer_id, i.status, i.invoice_date, i.total,
            coalesce((SELECT sum(pa.amount) FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
                       WHERE pa.invoice_id = i.id AND p.status IN ${RESERVING_STATUSES}), 0)::bigint AS taken,
            coalesce((SELECT sum(ca.amount) FROM credit_applications ca
                        JOIN credit_memos cm ON cm.id = ca.credit_memo_id
                       WHERE ca.invoice_id = i.id AND cm.status = 'open'), 0)::bigint AS credits
       FROM invoices i WHERE i.tenant_id = $1 AND i.id = ANY ($2::text[])
      ORDER BY i.invoice_date, i.id`,
    [tenantId, ids],
  );
  return rows.map((r) => ({
    ...r,
    available: r.status === 'posted' ? Math.max(0, r.total - r.taken - r.credits) : 0,
  }));
}

/** The customer's posted invoices with something left to collect, oldest first. */
export async function openInvoicesOf(
  q: Queryable,
  tenantId: string,
  customerId: string,
): Promise<InvoiceBalance[]> {
  const ids = await q.query<{ id: string }>(
    `SELECT id FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND status = 'posted' AND total > 0`,
    [tenantId, customerId],
  );
  const all = await invoiceBalances(
    q,
    tenantId,
    ids.map((r) => r.id),
  );
  return all.filter((b) => b.available > 0);
}

/** Per posted invoice: total − paid − credits − reserved by pending payments (0 otherwise). */
export async function availableToPay(
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
): Promise<Map<string, number>> {
  const rows = await invoiceBalances(q, tenantId, invoiceIds);
  return new Map(rows.map((r) => [r.id, r.available]));
}

/** Locks invoices in id order (so that payments racing on them serialise without deadlock). */
export async function lockInvoices(q: Queryable, tenantId: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `SELECT id FROM invoices WHERE tenant_id = $1 AND id = ANY ($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
    [tenantId, [...new Set(ids)].sort()],
  );
}

export async function findPaymentRow(
  q: Queryable,
  tenantId: string,
  id: string,
  lock = '',
): Promise<PaymentRow> {
  const row = await q.maybeOne<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [tenantId, id],
  );
  if (!row) throw new AppError('payment_not_found', { id });
  return row;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Views of payment rows with their applications (net per invoice) and refunds. */
export async function paymentViews(q: Queryable, rows: PaymentRow[]): Promise<PaymentView[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const apps = await q.query<{ payment_id: string; invoice_id: string; amount: number }>(
    // In allocation order (oldest invoice first): application ids made in one millisecond do
    // not sort in the order they were made.
    `SELECT pa.payment_id, pa.invoice_id, sum(pa.amount)::bigint AS amount
       FROM payment_applications pa JOIN invoices i ON i.id = pa.invoice_id
      WHERE pa.payment_id = ANY ($1::text[]) GROUP BY pa.payment_id, pa.invoice_id, i.invoice_date
      ORDER BY pa.payment_id, i.invoice_date, pa.invoice_id`,
    [ids],
  );
  const refunds = await q.query<RefundView & { payment_id: string; created_at: Date }>(
    `SELECT id, payment_id, amount, reason, status, failure_message, created_at FROM refunds
      WHERE payment_id = ANY ($1::text[]) ORDER BY id`,
    [ids],
  );
  return rows.map((r) => {
    const applications: ApplicationView[] = apps
      .filter((a) => a.payment_id === r.id)
      .map((a) => ({ invoice_id: a.invoice_id, amount: a.amount }));
    const applied = applications.reduce((s, a) => s + a.amount, 0);
    const counts = r.status === 'succeeded' || r.status === 'refunded';
    return {
      id: r.id,
      customer_id: r.customer_id,
      status: r.status,
      amount: r.amount,
      currency: r.currency,
      method_type: r.method_type,
      payment_method_id: r.payment_method_id,
      reference: r.reference,
      source: r.source,
      prepayment: r.prepayment,
      scheduled_for: r.scheduled_for,
      autopay_rule_id: r.autopay_rule_id,
      payment_run_id: r.payment_run_id,
      retry_of: r.retry_of,
      autopay_invoice_id: r.autopay_invoice_id,
      gateway: r.gateway,
      gateway_charge_id: r.gateway_charge_id,
      decline_code: r.decline_code,
      failure_message: r.failure_message,
      return_code: r.return_code,
      amount_refunded: r.amount_refunded,
      planned_allocations: r.planned_allocations,
      unapplied: counts ? r.amount - r.amount_refunded - applied : 0,
      applications,
      refunds: refunds
        .filter((f) => f.payment_id === r.id)
        .map(({ payment_id: _p, ...f }) => ({ ...f, created_at: f.created_at.toISOString() })),
      expected_settlement_date: r.expected_settlement_date,
      next_retry_date: r.next_retry_date,
      retry_count: r.retry_count,
      sync_state: r.sync_state,
      synced_at: iso(r.synced_at),
      sync_error: r.sync_error,
      attempted_at: iso(r.attempted_at),
      settled_at: iso(r.settled_at),
      failed_at: iso(r.failed_at),
      returned_at: iso(r.returned_at),
      cancelled_at: iso(r.cancelled_at),
      created_at: r.created_at.toISOString(),
      updated_at: r.updated_at.toISOString(),
    };
  });
}

export async function paymentView(q: Queryable, row: PaymentRow): Promise<PaymentView> {
  return (await paymentViews(q, [row]))[0] as PaymentView;
}

export async function loadPaymentView(
  q: Queryable,
  tenantId: string,
  id: string,
): Promise<PaymentView> {
  return paymentView(q, await findPaymentRow(q, tenantId, id));
}
