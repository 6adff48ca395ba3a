/**
 * The books (0009_payments.sql): what is applied to an invoice, what is open on it, what pending
 * payments reserve, what a payment or credit memo still holds unapplied, the order in which money
 * is spread over invoices and the order in which invoices are locked. Invoices, payments, credits,
 * balances, autopay, the calendar, payment runs and `billow verify` ask here; none of them sums
 * applications or decides "oldest first" itself.
 *
 * The rows belong to their modules (payment_applications and payments to payments,
 * credit_applications and credit_memos to credits, invoices to invoices); this module only reads
 * them and takes row locks, so any process that imports it sees the same figures, whatever else
 * it has imported or wired.
 */
import { prepared, type Queryable } from '../../db/db.js';

/** Payment statuses whose applications count as paid (refunds are negative rows). */
export const COUNTING_PAYMENT_STATUSES = ['succeeded', 'refunded'] as const;
/** Payment statuses whose applications hold an invoice's balance: in flight, not yet paid. */
export const RESERVING_PAYMENT_STATUSES = ['pending'] as const;
/** Credit memo statuses whose applications count as credited (a void memo's do not). */
export const COUNTING_MEMO_STATUSES = ['open'] as const;

const list = (statuses: readonly string[]) => `(${statuses.map((s) => `'${s}'`).join(', ')})`;

/** `('succeeded', 'refunded')`: payments whose applications count. */
export const COUNTING_SQL = list(COUNTING_PAYMENT_STATUSES);
/** `('pending')`: payments whose applications reserve. */
export const RESERVING_SQL = list(RESERVING_PAYMENT_STATUSES);
/** Payments whose applications take from what may still be collected: counting or reserving. */
export const TAKING_SQL = list([...RESERVING_PAYMENT_STATUSES, ...COUNTING_PAYMENT_STATUSES]);
/** `('open')`: credit memos whose applications count. */
export const COUNTING_MEMO_SQL = list(COUNTING_MEMO_STATUSES);

/** Whether a payment in this status counts (its applications are paid, its rest unapplied). */
export function paymentCounts(status: string): boolean {
  return (COUNTING_PAYMENT_STATUSES as readonly string[]).includes(status);
}

/** Paid on invoice `alias`: applications of counting payments, net of refunds. */
export function paidSql(alias: string): string {
  return `coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                      JOIN payments p ON p.id = pa.payment_id
                     WHERE pa.invoice_id = ${alias}.id AND p.status IN ${COUNTING_SQL}), 0)`;
}

/** Reserved on invoice `alias` by payments in flight (pending). */
export function reservedSql(alias: string): string {
  return `coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                      JOIN payments p ON p.id = pa.payment_id
                     WHERE pa.invoice_id = ${alias}.id AND p.status IN ${RESERVING_SQL}), 0)`;
}

/** Credited on invoice `alias`: applications of open credit memos. */
export function creditedSql(alias: string): string {
  return `coalesce((SELECT sum(ca.amount) FROM credit_applications ca
                      JOIN credit_memos m ON m.id = ca.credit_memo_id
                     WHERE ca.invoice_id = ${alias}.id AND m.status IN ${COUNTING_MEMO_SQL}), 0)`;
}

/** Applied to invoice `alias`: paid plus credited. */
export function appliedSql(alias: string): string {
  return `(${paidSql(alias)} + ${creditedSql(alias)})`;
}

/** Open balance of invoice `alias` (meaningful for posted ones): total − paid − credited. */
export function openSql(alias: string): string {
  return `(${alias}.total - ${paidSql(alias)} - ${creditedSql(alias)})`;
}

/** What remains on memo `alias`: its amount less its applications (0 for a void memo). */
export function memoRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status IN ${COUNTING_MEMO_SQL} THEN ${alias}.amount - coalesce((
            SELECT sum(ca.amount) FROM credit_applications ca WHERE ca.credit_memo_id = ${alias}.id), 0)
          ELSE 0 END`;
}

/** Unapplied remainder of payment `alias`: amount − refunded − net applications, if it counts. */
export function paymentRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status IN ${COUNTING_SQL} THEN ${alias}.amount - ${alias}.amount_refunded
            - coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                         WHERE pa.payment_id = ${alias}.id), 0)
          ELSE 0 END`;
}

export interface Applied {
  /** Applications of counting payments, net of refunds. */
  paid: number;
  /** Applications of open credit memos. */
  credits: number;
  /** Held by payments still in flight (an ACH debit not yet settled): not paid, not payable. */
  reserved: number;
}

/** Paid, credited and reserved per invoice among `invoiceIds` (absent: nothing applied). */
export async function appliedTo(
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
): Promise<Map<string, Applied>> {
  if (invoiceIds.length === 0) return new Map();
  const rows = await q.query<{ invoice_id: string } & Applied>(
    prepared(
      `SELECT invoice_id, sum(paid)::bigint AS paid, sum(credits)::bigint AS credits,
            sum(reserved)::bigint AS reserved
       FROM (SELECT pa.invoice_id,
                    coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${COUNTING_SQL}), 0) AS paid,
                    0 AS credits,
                    coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${RESERVING_SQL}), 0) AS reserved
               FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
              WHERE pa.tenant_id = $1 AND pa.invoice_id = ANY ($2::text[])
                AND p.status IN ${TAKING_SQL}
              GROUP BY pa.invoice_id
             UNION ALL
             SELECT ca.invoice_id, 0, sum(ca.amount), 0
               FROM credit_applications ca JOIN credit_memos m ON m.id = ca.credit_memo_id
              WHERE ca.tenant_id = $1 AND ca.invoice_id = ANY ($2::text[])
                AND m.status IN ${COUNTING_MEMO_SQL}
              GROUP BY ca.invoice_id) AS a
      GROUP BY invoice_id`,
    ),
    [tenantId, invoiceIds],
  );
  return new Map(
    rows.map((r) => [r.invoice_id, { paid: r.paid, credits: r.credits, reserved: r.reserved }]),
  );
}

/** Open balance of a posted invoice: total − paid − credited (reservations are not paid). */
export function openBalance(total: number, applied: Pick<Applied, 'paid' | 'credits'>): number {
  return total - applied.paid - applied.credits;
}

export interface InvoiceBalance {
  id: string;
  customer_id: string;
  status: 'draft' | 'posted' | 'void';
  invoice_date: string;
  due_date: string | null;
  total: number;
  /** Paid and reserved by payments. */
  taken: number;
  credits: number;
  /** What a new payment or credit may still take: 0 for drafts and void invoices. */
  available: number;
}

/**
 * Oldest first, the one order in which payments and credits alike fill invoices: invoice date,
 * then due date (none last), then id. As SQL over invoice `alias`, and as a comparison.
 */
export function oldestFirstSql(alias: string): string {
  return `${alias}.invoice_date, ${alias}.due_date NULLS LAST, ${alias}.id`;
}

export function compareOldestFirst(
  a: Pick<InvoiceBalance, 'invoice_date' | 'due_date' | 'id'>,
  b: Pick<InvoiceBalance, 'invoice_date' | 'due_date' | 'id'>,
): number {
  if (a.invoice_date !== b.invoice_date) return a.invoice_date < b.invoice_date ? -1 : 1;
  if (a.due_date !== b.due_date) {
    if (a.due_date === null) return 1;
    if (b.due_date === null) return -1;
    return a.due_date < b.due_date ? -1 : 1;
  }
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Balances of the tenant's invoices among `ids`, oldest first (unknown ids are left out). */
export async function invoiceBalances(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<InvoiceBalance[]> {
  if (ids.length === 0) return [];
  const rows = await q.query<Omit<InvoiceBalance, 'available'>>(
    `SELECT i.id, i.customer_id, i.status, i.invoice_date, i.due_date, i.total,
            coalesce((SELECT sum(pa.amount) FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
                       WHERE pa.invoice_id = i.id AND p.status IN ${TAKING_SQL}), 0)::bigint AS taken,
            ${creditedSql('i')}::bigint AS credits
       FROM invoices i WHERE i.tenant_id = $1 AND i.id = ANY ($2::text[])
      ORDER BY ${oldestFirstSql('i')}`,
    [tenantId, ids],
  );
  return rows.map((r) => ({
    ...r,
    available: r.status === 'posted' ? Math.max(0, r.total - r.taken - r.credits) : 0,
  }));
}

/** Per invoice: what may still be applied (total − paid − credits − reserved; 0 unless posted). */
export async function availableOn(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<Map<string, number>> {
  const rows = await invoiceBalances(q, tenantId, ids);
  return new Map(rows.map((r) => [r.id, r.available]));
}

/** The customer's posted invoices with something left to take, oldest first. */
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

export interface Allocation {
  invoice_id: string;
  amount: number;
}

/** Spreads `amount` over the invoices oldest first, each up to what it has available. */
export function fillOldestFirst(
  open: InvoiceBalance[],
  amount: number,
): { allocations: Allocation[]; remainder: number } {
  const allocations: Allocation[] = [];
  let left = amount;
  for (const inv of [...open].sort(compareOldestFirst)) {
    if (left <= 0) break;
    const take = Math.min(left, Math.max(0, inv.available));
    if (take > 0) allocations.push({ invoice_id: inv.id, amount: take });
    left -= take;
  }
  return { allocations, remainder: left };
}

/**
 * Locks invoices `FOR NO KEY UPDATE` in id order: the one lock order of everything that applies
 * money to invoices (payments, credits, adjustments), so that racing writers serialise without
 * deadlock. Take it before reading balances; returns the locked rows (unknown ids left out).
 */
export async function lockInvoices(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<{ id: string; customer_id: string; status: string }[]> {
  if (ids.length === 0) return [];
  return q.query<{ id: string; customer_id: string; status: string }>(
    `SELECT id, customer_id, status FROM invoices
      WHERE tenant_id = $1 AND id = ANY ($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
    [tenantId, [...new Set(ids)].sort()],
  );
}

/** A posted invoice with something still open: what a payer is offered (portal "Make a payment"). */
export interface PayableInvoice {
  id: string;
  number: string | null;
  invoice_date: string;
  due_date: string | null;
  total: number;
  /** total − paid − credited. */
  balance: number;
  /** Held by payments in flight (a bank debit not yet settled): not paid, not payable again. */
  pending: number;
  /** What a new payment may take: balance − pending. */
  available: number;
}

/**
 * The customer's posted invoices whose open balance is above zero, oldest first, with what
 * payments in flight hold and what is left to pay (`ids` narrows them to those invoices).
 */
export async function payableInvoicesOf(
  q: Queryable,
  tenantId: string,
  customerId: string,
  ids?: string[],
): Promise<PayableInvoice[]> {
  const rows = await q.query<Omit<PayableInvoice, 'available'>>(
    `SELECT i.id, i.number, i.invoice_date, i.due_date, i.total,
            ${openSql('i')}::bigint AS balance, ${reservedSql('i')}::bigint AS pending
       FROM invoices i
      WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.status = 'posted' AND i.total > 0
        AND ($3::text[] IS NULL OR i.id = ANY ($3::text[]))
        AND ${openSql('i')} > 0
      ORDER BY ${oldestFirstSql('i')}`,
    [tenantId, customerId, ids ?? null],
  );
  return rows.map((r) => ({ ...r, available: Math.max(0, r.balance - r.pending) }));
}

export {
  JOURNAL_ACCOUNTS,
  JOURNAL_ENTRY_TYPES,
  type JournalAccount,
  type JournalCursor,
  type JournalEntryType,
  type JournalLine,
  journalLines,
  journalPage,
} from './journal.js';
