/**
 * `billow verify`: checks the books of a tenant against the invariants of DESIGN.md and lists
 * every violation. Scenario tests end by calling it; an operator runs it after an incident.
 * Each check is one set-based query that returns the offending rows (none when all is well).
 * The payments issue adds its invariants (payments = applications + unapplied, customer balance)
 * to CHECKS.
 */
import type { Queryable } from '../../db/db.js';

export interface Violation {
  check: string;
  object_id: string;
  detail: string;
}

interface Check {
  name: string;
  /** $1 is the tenant id; returns rows of (object_id, detail). */
  sql: string;
}

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
];

export async function verifyTenant(q: Queryable, tenantId: string): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const check of CHECKS) {
    const rows = await q.query<{ object_id: string; detail: string }>(check.sql, [tenantId]);
    for (const r of rows) out.push({ check: check.name, object_id: r.object_id, detail: r.detail });
  }
  return out;
}
