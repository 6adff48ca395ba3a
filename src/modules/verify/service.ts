/**
 * `billow verify`: checks the books of a tenant against the invariants of DESIGN.md and lists
 * every violation. Scenario tests end by calling it; an operator runs it after an incident.
 * Each check is one set-based query that returns the offending rows (none when all is well).
 * The payments issue adds its invariants (payments = applications + unapplied, customer balance)
 * to CHECKS.
 */
import type { Queryable } from '../../db/db.js';
import { COUNTING_MEMO_SQL, COUNTING_SQL, RESERVING_SQL, TAKING_SQL } from '../books/service.js';

export interface Violation {
  check: string;
  object_id: string;
  detail: string;
}

export interface Check {
  name: string;
  /** $1 is the tenant id; returns rows of (object_id, detail). */
  sql: string;
}

/*
 * The books (0009_payments.sql), summed here independently of the queries the services use, but
 * with the books module's statuses (what counts, what reserves): per invoice, what counting
 * payments paid (refunds are negative rows), what pending payments reserve and what open credit
 * memos credit.
 */
const PER_INVOICE = `
  SELECT i.id, i.customer_id, i.status, i.total, i.paid_amount, i.credited_amount,
         i.reserved_amount,
         coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${COUNTING_SQL}), 0) AS paid,
         coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${RESERVING_SQL}), 0) AS reserved,
         coalesce((SELECT sum(ca.amount) FROM credit_applications ca
                     JOIN credit_memos m ON m.id = ca.credit_memo_id AND m.status IN ${COUNTING_MEMO_SQL}
                    WHERE ca.invoice_id = i.id), 0) AS credited
    FROM invoices i
    LEFT JOIN payment_applications pa ON pa.invoice_id = i.id
    LEFT JOIN payments p ON p.id = pa.payment_id
   WHERE i.tenant_id = $1
   GROUP BY i.id`;

/** Per payment: its net applications and what the refund rows took back. */
const PER_PAYMENT = `
  SELECT p.id, p.customer_id, p.status, p.amount, p.amount_refunded, p.applied_amount,
         coalesce(sum(pa.amount), 0) AS applied,
         coalesce(-sum(pa.amount) FILTER (WHERE pa.kind = 'refund'), 0) AS refunded_rows,
         count(*) FILTER (WHERE (pa.kind = 'payment' AND pa.amount < 0)
                             OR (pa.kind = 'refund' AND pa.amount > 0)) AS wrong_sign
    FROM payments p LEFT JOIN payment_applications pa ON pa.payment_id = p.id
   WHERE p.tenant_id = $1
   GROUP BY p.id`;

/*
 * The cached figures (0027_applied_cache.sql and 0031_reserved_cache.sql, kept by the database's triggers; the services read
 * them through books/service.ts) equal the sums above: principle 3's check.
 */
export const CACHE_CHECKS: Check[] = [
  {
    name: 'cached paid, reserved and credited amounts of an invoice = its applications',
    sql: `SELECT id AS object_id, 'cached paid ' || paid_amount || ', reserved ' || reserved_amount
                 || ', credited ' || credited_amount || '; applications make paid ' || paid
                 || ', reserved ' || reserved || ', credited ' || credited AS detail
            FROM (${PER_INVOICE}) x
           WHERE paid_amount <> paid OR reserved_amount <> reserved OR credited_amount <> credited`,
  },
  {
    name: 'cached applied amount of a payment = its applications',
    sql: `SELECT id AS object_id, 'cached applied ' || applied_amount || '; applications make '
                 || applied AS detail
            FROM (${PER_PAYMENT}) x WHERE applied_amount <> applied`,
  },
  {
    name: 'cached applied amount of a credit memo = its applications',
    sql: `SELECT m.id AS object_id, 'cached applied ' || m.applied_amount || '; applications make '
                 || coalesce(sum(ca.amount), 0) AS detail
            FROM credit_memos m LEFT JOIN credit_applications ca ON ca.credit_memo_id = m.id
           WHERE m.tenant_id = $1 GROUP BY m.id
          HAVING m.applied_amount <> coalesce(sum(ca.amount), 0)`,
  },
];

const BOOKS: Check[] = [
  ...CACHE_CHECKS,
  {
    name: 'no invoice is paid beyond its total',
    sql: `SELECT id AS object_id, 'total ' || total || ' but paid ' || paid || ' and credited ' || credited AS detail
            FROM (${PER_INVOICE}) x WHERE status = 'posted' AND paid + credited > total`,
  },
  {
    name: 'payments in flight reserve no more than the open balance',
    sql: `SELECT id AS object_id, 'total ' || total || ', paid ' || paid || ', credited ' || credited
                 || ', reserved by pending payments ' || reserved AS detail
            FROM (${PER_INVOICE}) x
           WHERE status = 'posted' AND paid + credited <= total AND paid + credited + reserved > total`,
  },
  {
    name: 'paid and credited amounts are not negative',
    sql: `SELECT id AS object_id, 'paid ' || paid || ', credited ' || credited || ', reserved ' || reserved AS detail
            FROM (${PER_INVOICE}) x WHERE paid < 0 OR credited < 0 OR reserved < 0`,
  },
  {
    name: 'draft and void invoices carry no applications',
    sql: `SELECT id AS object_id, status || ' invoice with paid ' || paid || ', reserved ' || reserved
                 || ', credited ' || credited AS detail
            FROM (${PER_INVOICE}) x WHERE status <> 'posted' AND (paid <> 0 OR reserved <> 0 OR credited <> 0)`,
  },
  {
    name: 'payment amount = applications + unapplied remainder + refunded',
    sql: `SELECT id AS object_id, 'amount ' || amount || ', refunded ' || amount_refunded
                 || ', net applications ' || applied AS detail
            FROM (${PER_PAYMENT}) x
           WHERE status IN ${TAKING_SQL}
             AND (applied < 0 OR applied > amount - amount_refunded)`,
  },
  {
    name: 'refund rows are negative, take back no more than was refunded',
    sql: `SELECT id AS object_id, 'refunded ' || amount_refunded || ', refund rows ' || refunded_rows
                 || ', rows of the wrong sign ' || wrong_sign AS detail
            FROM (${PER_PAYMENT}) x WHERE wrong_sign > 0 OR refunded_rows > amount_refunded`,
  },
  {
    name: 'a payment applies no negative net amount to an invoice',
    sql: `SELECT pa.payment_id AS object_id, 'net ' || sum(pa.amount) || ' on ' || pa.invoice_id AS detail
            FROM payment_applications pa WHERE pa.tenant_id = $1
           GROUP BY pa.payment_id, pa.invoice_id HAVING sum(pa.amount) < 0`,
  },
  {
    name: 'applications stay within the customer',
    sql: `SELECT pa.id AS object_id, 'payment of ' || p.customer_id || ' on invoice of ' || i.customer_id AS detail
            FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
            JOIN invoices i ON i.id = pa.invoice_id
           WHERE pa.tenant_id = $1 AND (p.customer_id <> i.customer_id OR p.tenant_id <> pa.tenant_id)
          UNION ALL
          SELECT ca.id, 'memo of ' || m.customer_id || ' on invoice of ' || i.customer_id
            FROM credit_applications ca JOIN credit_memos m ON m.id = ca.credit_memo_id
            JOIN invoices i ON i.id = ca.invoice_id
           WHERE ca.tenant_id = $1 AND (m.customer_id <> i.customer_id OR m.tenant_id <> ca.tenant_id)`,
  },
  {
    name: 'credit memo applied <= amount; a void memo has no applications',
    sql: `SELECT m.id AS object_id, m.status || ' memo of ' || m.amount || ' with ' || coalesce(sum(ca.amount), 0)
                 || ' applied' AS detail
            FROM credit_memos m LEFT JOIN credit_applications ca ON ca.credit_memo_id = m.id
           WHERE m.tenant_id = $1 GROUP BY m.id
          HAVING coalesce(sum(ca.amount), 0) > m.amount OR (m.status = 'void' AND count(ca.id) > 0)`,
  },
  {
    // From the invoices: open balances less unapplied credits. From the postings: everything
    // invoiced less everything received (net of refunds) less every credit issued.
    name: 'customer balance = open balances − unapplied credits (two derivations agree)',
    sql: `WITH inv AS (${PER_INVOICE}), pay AS (${PER_PAYMENT}),
          memo AS (SELECT m.id, m.customer_id, m.amount,
                          m.amount - coalesce((SELECT sum(amount) FROM credit_applications
                                                WHERE credit_memo_id = m.id), 0) AS remaining
                     FROM credit_memos m WHERE m.tenant_id = $1 AND m.status IN ${COUNTING_MEMO_SQL}),
          a AS (SELECT c.id,
                  coalesce((SELECT sum(total - paid - credited) FROM inv WHERE customer_id = c.id
                              AND status = 'posted'), 0)
                - coalesce((SELECT sum(remaining) FROM memo WHERE customer_id = c.id), 0)
                - coalesce((SELECT sum(amount - amount_refunded - applied) FROM pay WHERE customer_id = c.id
                              AND status IN ${COUNTING_SQL}), 0) AS from_invoices,
                  coalesce((SELECT sum(total) FROM inv WHERE customer_id = c.id AND status = 'posted'), 0)
                - coalesce((SELECT sum(amount - amount_refunded) FROM pay WHERE customer_id = c.id
                              AND status IN ${COUNTING_SQL}), 0)
                - coalesce((SELECT sum(amount) FROM memo WHERE customer_id = c.id), 0) AS from_postings
                  FROM customers c WHERE c.tenant_id = $1)
          SELECT id AS object_id, 'from invoices ' || from_invoices || ', from postings ' || from_postings AS detail
            FROM a WHERE from_invoices <> from_postings`,
  },
  {
    // E10: a credited refund's memo matches what the refund took back from invoices; a refund
    // that reopened, failed or is still pending has none.
    name: 'a credited refund has a memo for what it took from invoices; no other refund has one',
    sql: `SELECT r.id AS object_id, r.status || ' ' || r.outcome || ' refund took '
                 || coalesce(-sum(pa.amount), 0) || ' from invoices, memo ' || coalesce(m.amount::text, 'none') AS detail
            FROM refunds r
            LEFT JOIN payment_applications pa ON pa.refund_id = r.id
            LEFT JOIN credit_memos m ON m.refund_id = r.id
           WHERE r.tenant_id = $1
           GROUP BY r.id, r.status, r.outcome, m.amount
          HAVING (r.status = 'succeeded' AND r.outcome = 'credit'
                  AND coalesce(-sum(pa.amount), 0) <> coalesce(m.amount, 0))
              OR ((r.status <> 'succeeded' OR r.outcome <> 'credit') AND m.amount IS NOT NULL)`,
  },
  {
    // E10: a bank debit returned after a refund: the refunded money is billed back.
    name: 'what was refunded on a returned payment is billed back',
    sql: `SELECT p.id AS object_id, 'refunded ' || p.amount_refunded || ', billed back '
                 || coalesce(sum(l.amount), 0) AS detail
            FROM payments p
            LEFT JOIN invoices i ON i.returned_payment_id = p.id AND i.status <> 'draft'
            LEFT JOIN invoice_lines l ON l.invoice_id = i.id
           WHERE p.tenant_id = $1 AND (p.status = 'returned' OR i.id IS NOT NULL)
           GROUP BY p.id
          HAVING coalesce(sum(l.amount), 0) <> CASE WHEN p.status = 'returned' THEN p.amount_refunded ELSE 0 END`,
  },
  {
    name: 'at most one live autopay charge per invoice',
    sql: `SELECT autopay_invoice_id AS object_id, count(*) || ' live autopay charges' AS detail
            FROM payments WHERE tenant_id = $1 AND autopay_invoice_id IS NOT NULL
             AND status IN ('scheduled', 'pending', 'succeeded') AND amount_refunded = 0
           GROUP BY autopay_invoice_id HAVING count(*) > 1`,
  },
];

export const CHECKS: Check[] = [
  {
    name: 'invoice total = lines + adjustments',
    sql: `SELECT i.id AS object_id, 'total ' || i.total || ' but lines and adjustments make ' || d.sum AS detail
            FROM invoices i
            CROSS JOIN LATERAL (
              SELECT coalesce((SELECT sum(amount) FROM invoice_lines WHERE invoice_id = i.id), 0)
                   + coalesce((SELECT sum(CASE kind WHEN 'charge' THEN amount ELSE -amount END)
                                 FROM invoice_adjustments WHERE invoice_id = i.id), 0) AS sum) d
           WHERE i.tenant_id = $1 AND i.total <> d.sum`,
  },
  {
    name: 'posted invoice total is not negative',
    sql: `SELECT id AS object_id, 'total ' || total AS detail FROM invoices
           WHERE tenant_id = $1 AND status = 'posted' AND total < 0`,
  },
  {
    name: 'invoice numbers are gap-free',
    sql: `WITH numbered AS (
            SELECT substring(number from '[0-9]+$')::bigint AS n FROM invoices
             WHERE tenant_id = $1 AND number IS NOT NULL),
          counter AS (SELECT coalesce((SELECT last_value FROM invoice_number_counters WHERE tenant_id = $1), 0) AS last)
          SELECT $1 AS object_id,
                 count(*) || ' numbered invoices, ' || count(DISTINCT n) || ' distinct numbers, counter at '
                 || (SELECT last FROM counter) AS detail
            FROM numbered
          HAVING count(*) <> (SELECT last FROM counter) OR count(DISTINCT n) <> count(*)
              OR coalesce(max(n), 0) <> (SELECT last FROM counter)`,
  },
  {
    name: 'no subscription period billed twice',
    sql: `SELECT subscription_id AS object_id, 'period ' || period_start || ' on ' || count(*) || ' lines' AS detail
            FROM invoice_lines WHERE tenant_id = $1 AND kind = 'subscription'
           GROUP BY subscription_id, period_start HAVING count(*) > 1`,
  },
  {
    name: 'billed usage belongs to an invoice of its customer',
    sql: `SELECT u.id AS object_id, 'billed to ' || u.invoice_id AS detail
            FROM usage_records u LEFT JOIN invoices i ON i.id = u.invoice_id
           WHERE u.tenant_id = $1 AND u.invoice_id IS NOT NULL
             AND (i.id IS NULL OR i.customer_id <> u.customer_id OR i.tenant_id <> u.tenant_id)`,
  },
  {
    name: 'bill run counts match its batches',
    sql: `SELECT r.id AS object_id,
                 'processed ' || r.processed_customers || ' but done batches hold ' || coalesce(b.n, 0) AS detail
            FROM bill_runs r
            LEFT JOIN (SELECT bill_run_id, sum(cardinality(customer_ids)) AS n FROM bill_run_batches
                        WHERE done_at IS NOT NULL GROUP BY bill_run_id) b ON b.bill_run_id = r.id
           WHERE r.tenant_id = $1 AND r.processed_customers <> coalesce(b.n, 0)`,
  },
  ...BOOKS,
];

export async function verifyTenant(
  q: Queryable,
  tenantId: string,
  checks: Check[] = CHECKS,
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const check of checks) {
    const rows = await q.query<{ object_id: string; detail: string }>(check.sql, [tenantId]);
    for (const r of rows) out.push({ check: check.name, object_id: r.object_id, detail: r.detail });
  }
  return out;
}
