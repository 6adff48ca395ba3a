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

/**
 * The columns of a PaymentRow, by name rather than `*`: a prepared statement (db.ts) whose result
 * columns change fails on PostgreSQL ("cached plan must not change result type"), which a server
 * still running while a newer release adds a column would otherwise hit
 * (test/api/prepared-statements.test.ts).
 */
const PAYMENT_ROW_COLUMNS = [
  'id',
  'tenant_id',
  'customer_id',
  'method_type',
  'payment_method_id',
  'reference',
  'amount',
  'currency',
  'status',
  'source',
  'prepayment',
  'scheduled_for',
  'autopay_rule_id',
  'payment_run_id',
  'retry_of',
  'autopay_invoice_id',
  'gateway',
  'gateway_charge_id',
  'decline_code',
  'failure_message',
  'return_code',
  'amount_refunded',
  'expected_settlement_date',
  'next_retry_date',
  'retry_count',
  'sync_state',
  'synced_at',
  'sync_error',
  'attempted_at',
  'settled_at',
  'failed_at',
  'returned_at',
  'cancelled_at',
  'created_by',
  'created_at',
  'updated_at',
  'planned_allocations',
] as const satisfies readonly (keyof PaymentRow)[];
// Every field of PaymentRow is read: a field added to the type without its column fails to compile.
const _everyField: [Exclude<keyof PaymentRow, (typeof PAYMENT_ROW_COLUMNS)[number]>] extends [never]
  ? true
  : never = true;

/** The PaymentRow columns of payment `alias`, for a select list. */
export function paymentColumnsSql(alias: string): string {
  return PAYMENT_ROW_COLUMNS.map((c) => `${alias}.${c}`).join(', ');
}

/**
 * SQL scalar: the applications of payment `alias` as a JSON array of {invoice_id,
 * invoice_number, amount}, net per invoice, in allocation order (oldest invoice first).
 */
export function paymentApplicationsSql(alias: string): string {
  return `(SELECT coalesce(json_agg(json_build_object('invoice_id', a.id, 'invoice_number', a.number,
                                                'amount', a.amount)
                              ORDER BY ${oldestFirstSql('a')}), '[]')
       FROM (SELECT i.id, i.number, i.invoice_date, i.due_date, sum(pa.amount)::bigint AS amount
               FROM payment_applications pa JOIN invoices i ON i.id = pa.invoice_id
              WHERE pa.payment_id = ${alias}.id
              GROUP BY i.id) a)`;
}

/**
 * What the view of payment `alias` reads besides its row, as JSON columns of the same statement
 * (no second round trip): its applications net per invoice in allocation order (oldest invoice
 * first — application ids made in one millisecond do not sort in the order they were made), its
 * refunds with the memo that credits each, and the debits its return put on invoices.
 */
export function paymentPartsSql(alias: string): string {
  return `
    ${paymentApplicationsSql(alias)} AS view_applications,
    (SELECT coalesce(json_agg(f ORDER BY f.id), '[]')
       FROM (SELECT r.id, r.amount, r.reason, r.outcome, m.id AS credit_memo_id, r.status,
                    r.failure_message, r.created_at
               FROM refunds r LEFT JOIN credit_memos m ON m.refund_id = r.id
              WHERE r.payment_id = ${alias}.id) f) AS view_refunds,
    (SELECT coalesce(json_agg(d.id ORDER BY d.id), '[]') FROM invoices d
      WHERE d.returned_payment_id = ${alias}.id) AS view_return_debits`;
}

/** The columns paymentPartsSql adds to a payment row. */
export interface PaymentParts {
  view_applications: AppliedView[];
  // JSON carries timestamps as text.
  view_refunds: (Omit<RefundView, 'created_at'> & { created_at: string })[];
  view_return_debits: string[];
}

const PARTS_SQL = prepared(
  `SELECT p.id, ${paymentPartsSql('p')} FROM payments p WHERE p.id = ANY ($1::text[])`,
);

/** Views of payment rows with their applications (net per invoice) and refunds. */
export async function paymentViews(q: Queryable, rows: PaymentRow[]): Promise<PaymentView[]> {
  if (rows.length === 0) return [];
  const parts = new Map(
    (await q.query<{ id: string } & PaymentParts>(PARTS_SQL, [rows.map((r) => r.id)])).map((p) => [
      p.id,
      p,
    ]),
  );
  return viewsWithParts(
    rows.map((r) => {
      const p = parts.get(r.id);
      if (!p) throw new AppError('payment_not_found', { id: r.id });
      return { ...r, ...p };
    }),
  );
}

/** Views of payment rows read with paymentPartsSql's columns. */
export function viewsWithParts(rows: (PaymentRow & PaymentParts)[]): PaymentView[] {
  return rows.map((r) => {
    const applications = r.view_applications;
    const applied = applications.reduce((s, a) => s + a.amount, 0);
    const counts = paymentCounts(r.status);
    const mine = r.view_refunds;
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
      refunds: mine.map((f) => ({ ...f, created_at: new Date(f.created_at).toISOString() })),
      return_debit_invoice_ids: r.view_return_debits,
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
