/**
 * Reading payments: rows and their views (applications net per invoice, refunds, unapplied
 * remainder). What payments take from invoices is the books module's (books/service.ts).
 */
import { AppError } from '../../core/errors.js';
import { prepared, type Queryable } from '../../db/db.js';
import { oldestFirstSql, paymentCounts } from '../books/service.js';
import type { AppliedView, PaymentRow, PaymentView, RefundView } from './model.js';

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
/**
 * What the views of payments `$1` read besides their rows, in one statement (one round trip):
 * applications net per invoice in allocation order (oldest invoice first — application ids made
 * in one millisecond do not sort in the order they were made), refunds with the memo that
 * credits each, and the debits that returned payments put on invoices, each as a JSON array.
 */
const VIEW_PARTS_SQL = prepared(`
  SELECT
    (SELECT coalesce(json_agg(a ORDER BY a.n), '[]')
       FROM (SELECT pa.payment_id, pa.invoice_id, i.number AS invoice_number,
                    sum(pa.amount)::bigint AS amount,
                    row_number() OVER (ORDER BY pa.payment_id, ${oldestFirstSql('i')}) AS n
               FROM payment_applications pa JOIN invoices i ON i.id = pa.invoice_id
              WHERE pa.payment_id = ANY ($1::text[])
              GROUP BY pa.payment_id, pa.invoice_id, i.id) a) AS applications,
    (SELECT coalesce(json_agg(f ORDER BY f.id), '[]')
       FROM (SELECT r.id, r.payment_id, r.amount, r.reason, r.outcome, m.id AS credit_memo_id,
                    r.status, r.failure_message, r.created_at
               FROM refunds r LEFT JOIN credit_memos m ON m.refund_id = r.id
              WHERE r.payment_id = ANY ($1::text[])) f) AS refunds,
    (SELECT coalesce(json_agg(d ORDER BY d.id), '[]')
       FROM (SELECT id, returned_payment_id FROM invoices
              WHERE returned_payment_id = ANY ($1::text[])) d) AS debits`);

/** Views of payment rows with their applications (net per invoice) and refunds. */
export async function paymentViews(q: Queryable, rows: PaymentRow[]): Promise<PaymentView[]> {
  if (rows.length === 0) return [];
  const parts = await q.one<{
    applications: {
      payment_id: string;
      invoice_id: string;
      invoice_number: string | null;
      amount: number;
    }[];
    // JSON carries timestamps as text.
    refunds: (Omit<RefundView, 'created_at'> & { payment_id: string; created_at: string })[];
    debits: { id: string; returned_payment_id: string }[];
  }>(VIEW_PARTS_SQL, [rows.map((r) => r.id)]);
  const apps = parts.applications;
  const refunds = parts.refunds;
  const debits = parts.debits;
  return rows.map((r) => {
    const applications: AppliedView[] = apps
      .filter((a) => a.payment_id === r.id)
      .map((a) => ({
        invoice_id: a.invoice_id,
        invoice_number: a.invoice_number,
        amount: a.amount,
      }));
    const applied = applications.reduce((s, a) => s + a.amount, 0);
    const counts = paymentCounts(r.status);
    const mine = refunds.filter((f) => f.payment_id === r.id);
    const pending = mine.filter((f) => f.status === 'pending').reduce((s, f) => s + f.amount, 0);
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
      // As refundPayment counts it: only a succeeded payment holds money to give back.
      refundable:
        r.status === 'succeeded' ? Math.max(0, r.amount - r.amount_refunded - pending) : 0,
      refunds: mine.map(({ payment_id: _p, ...f }) => ({
        ...f,
        created_at: new Date(f.created_at).toISOString(),
      })),
      return_debit_invoice_ids: debits
        .filter((d) => d.returned_payment_id === r.id)
        .map((d) => d.id),
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
