/**
 * The largest balance (issue 10 item 8): posting may not take a customer's open balance beyond
 * MAX_BALANCE. Summed in SQL as numeric, so the check itself never meets an inexact number.
 */
import { MAX_BALANCE } from '../../core/money.js';
import type { Queryable } from '../../db/db.js';
import { openSql, owedSql } from '../books/service.js';

export interface OverBalance {
  customer_id: string;
  /** The customer's drafts among those asked about (all stay drafts). */
  invoice_ids: string[];
}

/**
 * Customers whose open balance (the positive open balances of their posted invoices, as the
 * balance card sums them) plus the drafts among `ids` would exceed MAX_BALANCE once posted.
 * Cheap for a bill run: the open balances are computed only for customers whose posted totals
 * alone could get there (an open balance is never above its invoice's total).
 */
export async function draftsOverBalance(
  q: Queryable,
  tenantId: string,
  ids: string[],
): Promise<OverBalance[]> {
  if (ids.length === 0) return [];
  return q.query<OverBalance>(
    `WITH adding AS (
       SELECT d.customer_id, array_agg(d.id ORDER BY d.id) AS invoice_ids,
              sum(d.total) FILTER (WHERE d.total > 0) AS adding
         FROM invoices d
        WHERE d.tenant_id = $1 AND d.id = ANY ($2::text[]) AND d.status = 'draft'
        GROUP BY d.customer_id
     ),
     candidates AS MATERIALIZED (
       SELECT a.* FROM adding a
        WHERE a.adding IS NOT NULL
          AND a.adding + coalesce((SELECT sum(i.total) FROM invoices i
                                    WHERE i.tenant_id = $1 AND i.customer_id = a.customer_id
                                      AND i.status = 'posted' AND i.total > 0), 0) > $3
     )
     SELECT c.customer_id, c.invoice_ids FROM candidates c
      WHERE c.adding + coalesce((
              SELECT sum(o.balance) FROM (
                SELECT ${openSql('i')} AS balance FROM invoices i
                 WHERE i.tenant_id = $1 AND i.customer_id = c.customer_id AND ${owedSql('i')}
              ) o), 0) > $3
      ORDER BY c.customer_id`,
    [tenantId, ids, MAX_BALANCE],
  );
}

/**
 * The customer's open balance as exact decimal text: the positive open balances of its posted
 * invoices, as the balance card sums them (for the upcoming estimate's check).
 */
export async function openBalanceText(
  q: Queryable,
  tenantId: string,
  customerId: string,
): Promise<string> {
  const row = await q.one<{ balance: string }>(
    `SELECT coalesce(sum(o.balance), 0)::text AS balance FROM (
       SELECT ${openSql('i')} AS balance FROM invoices i
        WHERE i.tenant_id = $1 AND i.customer_id = $2 AND ${owedSql('i')}
     ) o`,
    [tenantId, customerId],
  );
  return row.balance;
}
