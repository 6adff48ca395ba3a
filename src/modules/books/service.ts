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
 *
 * Paid, credited, reserved and applied are cached (issue 11): invoices.paid_amount,
 * credited_amount and reserved_amount, payments.applied_amount and credit_memos.applied_amount.
 * The database keeps them — triggers in 0027_applied_cache.sql and 0031_reserved_cache.sql
 * recompute them whenever applications or a payment's or memo's counting (or reserving) status
 * change, whichever code path (or SQL) made the change, and refuse any other write — and
 * `billow verify` checks each against its derivation from the applications. The SQL fragments
 * below read the cache.
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

/**
 * Paid on invoice `alias`: applications of counting payments, net of refunds. Read from the cache
 * the database keeps (invoices.paid_amount, 0027_applied_cache.sql); `billow verify` checks it.
 */
export function paidSql(alias: string): string {
  return `${alias}.paid_amount`;
}

/**
 * Reserved on invoice `alias` by payments in flight (pending): applications of reserving
 * payments, read from the cache (invoices.reserved_amount, 0031_reserved_cache.sql).
 */
export function reservedSql(alias: string): string {
  return `${alias}.reserved_amount`;
}

/** Credited on invoice `alias`: applications of open credit memos (invoices.credited_amount). */
export function creditedSql(alias: string): string {
  return `${alias}.credited_amount`;
}

/** Applied to invoice `alias`: paid plus credited. */
export function appliedSql(alias: string): string {
  return `(${paidSql(alias)} + ${creditedSql(alias)})`;
}

/** Open balance of invoice `alias` (meaningful for posted ones): total − paid − credited. */
export function openSql(alias: string): string {
  return `(${alias}.total - ${paidSql(alias)} - ${creditedSql(alias)})`;
}

/**
 * Invoice `alias` is posted and owed (open balance above zero), in the very words of the
 * `invoices_owed` partial index's predicate, so that the planner reads that index.
 */
export function owedSql(alias: string): string {
  return `${alias}.status = 'posted' AND ${alias}.total - ${alias}.paid_amount - ${alias}.credited_amount > 0`;
}

/** What remains on memo `alias`: its amount less its applications (0 for a void memo). */
export function memoRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status IN ${COUNTING_MEMO_SQL} THEN ${alias}.amount - ${alias}.applied_amount
          ELSE 0 END`;
}

/** Memo `alias` counts and has something left, as the `credit_memos_unapplied` index says it. */
export function memoUnappliedSql(alias: string): string {
  return `${alias}.status IN ${COUNTING_MEMO_SQL} AND ${alias}.amount - ${alias}.applied_amount > 0`;
}

/** Unapplied remainder of payment `alias`: amount − refunded − net applications, if it counts. */
export function paymentRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status IN ${COUNTING_SQL}
            THEN ${alias}.amount - ${alias}.amount_refunded - ${alias}.applied_amount
          ELSE 0 END`;
}

/** Payment `alias` counts and has something unapplied, as the `payments_unapplied` index says it. */
export function paymentUnappliedSql(alias: string): string {
  return `${alias}.status IN ${COUNTING_SQL}
          AND ${alias}.amount - ${alias}.amount_refunded - ${alias}.applied_amount > 0`;
}

export interface Applied {
  /** Applications of counting payments, net of refunds. */
  paid: number;
  /** Applications of open credit memos. */
  credits: number;
  /** Held by payments still in flight (an ACH debit not yet settled): not paid, not payable. */
  reserved: number;
}

/**
 * Paid, credited and reserved on invoice `alias` as the columns `paid`, `credits` and `reserved`:
 * for a query that reads invoices with what is applied to them (one statement, not two).
 */
export function appliedColumnsSql(alias: string): string {
  return `${paidSql(alias)} AS paid, ${creditedSql(alias)} AS credits,
          ${reservedSql(alias)}::bigint AS reserved`;
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
      `SELECT i.id AS invoice_id, ${appliedColumnsSql('i')}
         FROM invoices i WHERE i.tenant_id = $1 AND i.id = ANY ($2::text[])`,
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
            (${paidSql('i')} + ${reservedSql('i')})::bigint AS taken,
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
      WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.total > 0 AND ${owedSql('i')}
        AND ($3::text[] IS NULL OR i.id = ANY ($3::text[]))
      ORDER BY ${oldestFirstSql('i')}`,
    [tenantId, customerId, ids ?? null],
  );
  return rows.map((r) => ({ ...r, available: Math.max(0, r.balance - r.pending) }));
}

/**
 * The oldest `limit` of the customer's payable invoices (as payableInvoicesOf), for a page that
 * offers them — one payment covers a bounded number of invoices, and a customer may have
 * thousands open — with what the whole set holds: what all of them leave to pay, how many have
 * something to pay, and how many were left off the list. One statement.
 */
export async function payableInvoicePage(
  q: Queryable,
  tenantId: string,
  customerId: string,
  limit: number,
): Promise<{
  invoices: PayableInvoice[];
  total_available: number;
  payable_count: number;
  unlisted_count: number;
}> {
  const rows = await q.query<
    Omit<PayableInvoice, 'available'> & {
      all_count: number;
      payable_count: number;
      total_available: string;
      n: string;
    }
  >(
    `SELECT * FROM (
       SELECT o.*, count(*) OVER ()::int AS all_count,
              (count(*) FILTER (WHERE o.balance > o.pending) OVER ())::int AS payable_count,
              (sum(greatest(o.balance - o.pending, 0)) OVER ())::text AS total_available,
              row_number() OVER (ORDER BY ${oldestFirstSql('o')}) AS n
         FROM (SELECT i.id, i.number, i.invoice_date, i.due_date, i.total,
                      ${openSql('i')}::bigint AS balance, ${reservedSql('i')}::bigint AS pending
                 FROM invoices i
                WHERE i.tenant_id = $1 AND i.customer_id = $2 AND i.total > 0 AND ${owedSql('i')}) o
     ) x
     WHERE n <= $3 ORDER BY n`,
    [tenantId, customerId, limit],
  );
  const first = rows[0];
  const invoices = rows.map(({ all_count, payable_count, total_available, n, ...r }) => ({
    ...r,
    available: Math.max(0, r.balance - r.pending),
  }));
  return {
    invoices,
    total_available: first ? Number(first.total_available) : 0,
    payable_count: first?.payable_count ?? 0,
    unlisted_count: first ? first.all_count - rows.length : 0,
  };
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
