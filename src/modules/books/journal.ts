/**
 * The journal (K2): the books as double-entry postings, derived here — the books' one home — from
 * the documents that move money, with the statuses of service.ts (what counts). Each source row
 * is one entry whose lines sum to zero:
 *
 * | entry              | source row                          | debit            | credit            |
 * |--------------------|-------------------------------------|------------------|-------------------|
 * | invoice            | a posted (or later void) invoice    | receivable       | revenue (lines)   |
 * | adjustment         | a credit or charge on it            | adjustments      | receivable (±)    |
 * | void               | the invoice voided                  | revenue, adj.    | receivable        |
 * | payment            | a payment that moved money          | cash             | unapplied         |
 * | payment_application| what it paid on an invoice (refund  | unapplied        | receivable (±)    |
 * |                    | rows negative)                      |                  |                   |
 * | refund             | a succeeded refund                  | unapplied        | cash              |
 * | return             | a bank return after settlement      | receivable, unap.| cash (all of it)  |
 * | credit_memo        | a credit memo (void ones too)       | adjustments      | customer credit   |
 * | credit_memo_void   | the memo voided (its reversal)      | cust. credit, ar.| adjustments       |
 * | credit_application | what it credited on an invoice      | customer credit  | receivable        |
 *
 * A bank return takes back the whole debit, a part already refunded included: that part is a
 * loss (adjustments) until the invoice that bills it back (invoices billReturnedRefundIn) books
 * it as revenue again.
 *
 * Money passes through "unapplied payments" and "customer credit" so that each entry stands on
 * one row of one table (a payment applied to invoices later, a memo spent over months) and is
 * dated when that row happened. A voided credit memo stays in the journal on the day it was
 * made, and its void (`voided_at`) is a reversing entry on the day it was voided: what was not
 * applied leaves customer credit, what was applied (its applications stop counting) goes back to
 * receivable, the whole amount back out of adjustments. A period already exported therefore never
 * changes, and every range balances.
 *
 * Dates are business dates in the tenant's time zone of the instant each row records. Lines come
 * in pages ordered by (date, entry, line), so a long range is read page by page, never at once;
 * each page reads only the days it spans (see journalLines).
 */
import { addDays, startOfBusinessDate } from '../../core/dates.js';
import type { Queryable } from '../../db/db.js';
import { COUNTING_MEMO_SQL, COUNTING_SQL } from './service.js';

export const JOURNAL_ACCOUNTS = {
  cash: { code: '1000', name: 'Cash and gateway clearing' },
  receivable: { code: '1100', name: 'Accounts receivable' },
  unapplied: { code: '2100', name: 'Unapplied payments' },
  customer_credit: { code: '2200', name: 'Customer credit' },
  revenue: { code: '4000', name: 'Revenue' },
  adjustments: { code: '4900', name: 'Credits and adjustments' },
} as const;
export type JournalAccount = keyof typeof JOURNAL_ACCOUNTS;

export const JOURNAL_ENTRY_TYPES = [
  'invoice',
  'adjustment',
  'void',
  'payment',
  'payment_application',
  'refund',
  'return',
  'credit_memo',
  'credit_memo_void',
  'credit_application',
] as const;
export type JournalEntryType = (typeof JOURNAL_ENTRY_TYPES)[number];

export interface JournalLine {
  /** `type:id` of the source row; the lines of one entry sum to zero. */
  entry_id: string;
  /** Business date, YYYY-MM-DD, in the tenant's time zone. */
  date: string;
  type: JournalEntryType;
  line: number;
  account: JournalAccount;
  /** Minor units: positive is a debit, negative a credit. */
  amount: number;
  customer_id: string;
  customer_number: string;
  customer_name: string;
  /** The document the entry books: the invoice number, or the payment, refund or memo id. */
  document: string;
}

/** Payments that moved money (the syncable ones of accounting), and when they did (lazy: service.ts re-exports this file). */
const moved = () =>
  `(p.status IN ${COUNTING_SQL} OR (p.status = 'returned' AND p.settled_at IS NOT NULL))`;
/** When a payment moved money; payments_journal_paid indexes this very expression. */
const PAID_AT = 'coalesce(p.settled_at, p.attempted_at, p.created_at)';

/**
 * `at` in [lo, hi) for an entry dated by the later of two instants, as two disjoint conditions
 * that each bound one indexed column from below: the earlier-made row's instant falls in the
 * range, or it came before and the other one falls in it.
 */
const laterOf = (a: string, b: string, lo: string, hi: string): [string, string] => [
  `${a} >= ${lo} AND ${a} < ${hi} AND ${b} < ${hi}`,
  `${a} < ${lo} AND ${b} >= ${lo} AND ${b} < ${hi}`,
];

/**
 * Every line of the tenant's journal dated by an instant in [lo, hi), one SELECT per entry type
 * (two for an entry dated by the later of two instants): (entry_id, at, type, line, account,
 * amount, customer_id, document). $1 is the tenant id; lo and hi are SQL for timestamptz.
 */
const sources = (lo: string, hi: string) => {
  const within = (at: string) => `${at} >= ${lo} AND ${at} < ${hi}`;
  const adjustment = (when: string) => `
  SELECT 'adjustment:' || a.id, greatest(a.created_at, i.posted_at), 'adjustment', l.line,
         l.account, l.amount, i.customer_id, i.number
    FROM invoice_adjustments a JOIN invoices i ON i.id = a.invoice_id
    CROSS JOIN LATERAL (SELECT CASE WHEN a.kind = 'charge' THEN a.amount ELSE -a.amount END AS signed) s
    CROSS JOIN LATERAL (VALUES (1, 'receivable', s.signed), (2, 'adjustments', -s.signed)) AS l(line, account, amount)
   WHERE a.tenant_id = $1 AND i.status <> 'draft' AND ${when}`;
  const application = (when: string) => `
  SELECT 'payment_application:' || pa.id, greatest(pa.created_at, ${PAID_AT}), 'payment_application',
         l.line, l.account, l.amount, p.customer_id, i.number
    FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
    JOIN invoices i ON i.id = pa.invoice_id
    CROSS JOIN LATERAL (VALUES (1, 'unapplied', pa.amount), (2, 'receivable', -pa.amount)) AS l(line, account, amount)
   WHERE pa.tenant_id = $1 AND p.tenant_id = $1 AND ${moved()} AND ${when}`;
  const [adjA, adjB] = laterOf('a.created_at', 'i.posted_at', lo, hi);
  const [appA, appB] = laterOf('pa.created_at', PAID_AT, lo, hi);
  return `
  SELECT 'invoice:' || i.id AS entry_id, i.posted_at AS at, 'invoice' AS type, l.line,
         l.account, l.amount, i.customer_id, i.number AS document
    FROM invoices i
    CROSS JOIN LATERAL (SELECT i.total - coalesce((SELECT sum(CASE WHEN a.kind = 'charge' THEN a.amount ELSE -a.amount END)
                                                      FROM invoice_adjustments a WHERE a.invoice_id = i.id), 0) AS net) n
    CROSS JOIN LATERAL (VALUES (1, 'receivable', n.net), (2, 'revenue', -n.net)) AS l(line, account, amount)
   WHERE i.tenant_id = $1 AND i.status <> 'draft' AND ${within('i.posted_at')}
  UNION ALL ${adjustment(adjA)}
  UNION ALL ${adjustment(adjB)}
  UNION ALL
  SELECT 'void:' || i.id, i.voided_at, 'void', l.line, l.account, l.amount, i.customer_id, i.number
    FROM invoices i
    CROSS JOIN LATERAL (SELECT coalesce(sum(CASE WHEN a.kind = 'charge' THEN a.amount ELSE -a.amount END), 0) AS adj
                          FROM invoice_adjustments a WHERE a.invoice_id = i.id) s
    CROSS JOIN LATERAL (VALUES (1, 'revenue', i.total - s.adj), (2, 'adjustments', s.adj),
                               (3, 'receivable', -i.total)) AS l(line, account, amount)
   WHERE i.tenant_id = $1 AND i.status = 'void' AND ${within('i.voided_at')}
  UNION ALL
  SELECT 'payment:' || p.id, ${PAID_AT}, 'payment', l.line, l.account, l.amount, p.customer_id, p.id
    FROM payments p
    CROSS JOIN LATERAL (VALUES (1, 'cash', p.amount), (2, 'unapplied', -p.amount)) AS l(line, account, amount)
   WHERE p.tenant_id = $1 AND ${moved()} AND ${within(PAID_AT)}
  UNION ALL ${application(appA)}
  UNION ALL ${application(appB)}
  UNION ALL
  SELECT 'refund:' || r.id, r.created_at, 'refund', l.line, l.account, l.amount, p.customer_id, r.id
    FROM refunds r JOIN payments p ON p.id = r.payment_id
    CROSS JOIN LATERAL (VALUES (1, 'unapplied', r.amount), (2, 'cash', -r.amount)) AS l(line, account, amount)
   WHERE r.tenant_id = $1 AND r.status = 'succeeded' AND ${moved()} AND ${within('r.created_at')}
  UNION ALL
  SELECT 'return:' || p.id, p.returned_at, 'return', l.line, l.account, l.amount, p.customer_id, p.id
    FROM payments p
    CROSS JOIN LATERAL (SELECT coalesce(sum(pa.amount), 0) AS applied FROM payment_applications pa
                         WHERE pa.payment_id = p.id) s
    CROSS JOIN LATERAL (VALUES (1, 'receivable', s.applied),
                               (2, 'unapplied', p.amount - p.amount_refunded - s.applied),
                               (3, 'adjustments', p.amount_refunded),
                               (4, 'cash', -p.amount)) AS l(line, account, amount)
   WHERE p.tenant_id = $1 AND p.status = 'returned' AND p.settled_at IS NOT NULL
     AND ${within('p.returned_at')}
  UNION ALL
  SELECT 'credit_memo:' || m.id, m.created_at, 'credit_memo', l.line, l.account, l.amount, m.customer_id, m.id
    FROM credit_memos m
    CROSS JOIN LATERAL (VALUES (1, 'adjustments', m.amount), (2, 'customer_credit', -m.amount)) AS l(line, account, amount)
   WHERE m.tenant_id = $1 AND ${within('m.created_at')}
  UNION ALL
  SELECT 'credit_memo_void:' || m.id, m.voided_at, 'credit_memo_void', l.line, l.account, l.amount,
         m.customer_id, m.id
    FROM credit_memos m
    CROSS JOIN LATERAL (SELECT coalesce(sum(ca.amount), 0) AS applied FROM credit_applications ca
                         WHERE ca.credit_memo_id = m.id) s
    CROSS JOIN LATERAL (VALUES (1, 'customer_credit', m.amount - s.applied), (2, 'receivable', s.applied),
                               (3, 'adjustments', -m.amount)) AS l(line, account, amount)
   WHERE m.tenant_id = $1 AND m.status NOT IN ${COUNTING_MEMO_SQL} AND ${within('m.voided_at')}
  UNION ALL
  SELECT 'credit_application:' || ca.id, ca.created_at, 'credit_application', l.line, l.account,
         l.amount, m.customer_id, i.number
    FROM credit_applications ca JOIN credit_memos m ON m.id = ca.credit_memo_id
    JOIN invoices i ON i.id = ca.invoice_id
    CROSS JOIN LATERAL (VALUES (1, 'customer_credit', ca.amount), (2, 'receivable', -ca.amount)) AS l(line, account, amount)
   WHERE ca.tenant_id = $1 AND ${within('ca.created_at')}`;
};

/**
 * The instants the journal's rows are dated by (or, for an entry dated by the later of two, the
 * row's own earlier bound), each from its index: what a page's end is estimated from.
 */
const INSTANTS: readonly (readonly [table: string, at: string, where: string])[] = [
  ['invoices', 'posted_at', `status <> 'draft'`],
  ['invoices', 'voided_at', `status = 'void'`],
  ['invoice_adjustments', 'created_at', 'true'],
  ['payments', 'coalesce(settled_at, attempted_at, created_at)', 'true'],
  ['payments', 'returned_at', 'returned_at IS NOT NULL'],
  ['payment_applications', 'created_at', 'true'],
  ['refunds', 'created_at', 'true'],
  ['credit_memos', 'created_at', 'true'],
  ['credit_memos', 'voided_at', 'voided_at IS NOT NULL'],
  ['credit_applications', 'created_at', 'true'],
];

/** Where a page starts: after this line. */
export interface JournalCursor {
  date: string;
  entry_id: string;
  line: number;
}

/**
 * One page of the journal's lines dated `from` to `to` (inclusive business dates in `zone`),
 * after `after`, at most `limit` lines, in (date, entry, line) order. Zero lines are left out.
 * Each source reads only its rows dated from the cursor's day to `to` (by its index), so a page
 * costs what the days it spans hold, not what lies before it.
 */
export async function journalPage(
  q: Queryable,
  tenantId: string,
  zone: string,
  range: { from: string; to: string },
  after: JournalCursor | null,
  limit: number,
): Promise<JournalLine[]> {
  const first = after && after.date > range.from ? after.date : range.from;
  return q.query<JournalLine>(
    `SELECT j.entry_id, j.date::text AS date, j.type, j.line, j.account, j.amount::bigint AS amount,
            j.customer_id, c.number AS customer_number, c.name AS customer_name, j.document
       FROM (SELECT s.*, (s.at AT TIME ZONE $2)::date AS date
               FROM (${sources('$9::timestamptz', '$10::timestamptz')}) s) j
       JOIN customers c ON c.id = j.customer_id AND c.tenant_id = $1
      WHERE j.date BETWEEN $3::date AND $4::date AND j.amount <> 0
        AND ($5::date IS NULL OR (j.date, j.entry_id, j.line) > ($5::date, $6::text, $7::int))
      ORDER BY j.date, j.entry_id, j.line
      LIMIT $8`,
    [
      tenantId,
      zone,
      range.from,
      range.to,
      after?.date ?? null,
      after?.entry_id ?? null,
      after?.line ?? null,
      limit,
      startOfBusinessDate(first, zone),
      startOfBusinessDate(addDays(range.to, 1), zone),
    ],
  );
}

/**
 * The business date by which at least `rows` of the journal's source rows dated from `from` on
 * have happened (each source read by its index, `rows` at most), or `to` if fewer lie before it:
 * where a page of lines starting on `from` will end, about. Only an estimate — a source row
 * may give zero lines or be dated by a later instant — so the caller reads on past it.
 */
async function pageEnd(
  q: Queryable,
  tenantId: string,
  zone: string,
  range: { from: string; to: string },
  rows: number,
): Promise<string> {
  const each = INSTANTS.map(
    ([table, at, where]) =>
      `(SELECT ${at} AS at FROM ${table}
         WHERE tenant_id = $1 AND ${where} AND ${at} >= $3 AND ${at} < $4
         ORDER BY ${at} LIMIT $5)`,
  );
  const nth = await q.maybeOne<{ date: string }>(
    `SELECT (at AT TIME ZONE $2)::date::text AS date FROM (${each.join(' UNION ALL ')}) s
      ORDER BY at OFFSET $5 - 1 LIMIT 1`,
    [
      tenantId,
      zone,
      startOfBusinessDate(range.from, zone),
      startOfBusinessDate(addDays(range.to, 1), zone),
      rows,
    ],
  );
  return nth && nth.date < range.to ? nth.date : range.to;
}

/**
 * All the journal's lines of the range, a page at a time. Keyset paging over the postings: each
 * page reads from the last line's day to about where a page ends (pageEnd), never the range
 * before it, so reading a long range costs about what it holds, not its square.
 */
export async function* journalLines(
  q: Queryable,
  tenantId: string,
  zone: string,
  range: { from: string; to: string },
  pageSize = 1000,
): AsyncGenerator<JournalLine[]> {
  let from = range.from;
  let after: JournalCursor | null = null;
  for (;;) {
    // A page starts on `from`, or after the cursor: its day is read whole, the estimate from
    // the day after (the cursor's day may hold more than a page).
    const estimateFrom = after ? addDays(after.date, 1) : from;
    const to =
      estimateFrom > range.to
        ? range.to
        : await pageEnd(q, tenantId, zone, { from: estimateFrom, to: range.to }, pageSize);
    const rows = await journalPage(q, tenantId, zone, { from, to }, after, pageSize);
    if (rows.length > 0) yield rows;
    if (rows.length === pageSize) {
      const last = rows[rows.length - 1] as JournalLine;
      after = { date: last.date, entry_id: last.entry_id, line: last.line };
      continue;
    }
    // Fewer than a page: every line through `to` has been read.
    if (to >= range.to) return;
    from = addDays(to, 1);
    after = null;
  }
}
