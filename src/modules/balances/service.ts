/**
 * Customer balances (A3, J3): derived from the postings every time (principle 3), never stored.
 * Open balance of a posted invoice = total − paid − credits; the customer's total balance is the
 * sum of those, its net balance subtracts unapplied credits (memo remainders and unapplied
 * payments), and a parent sees its descendants' balances rolled up.
 */
import { AppError } from '../../core/errors.js';
import type { Queryable } from '../../db/db.js';
import { openSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import type { BalanceView } from '../credits/model.js';
import { memoCredits, unappliedPayments } from '../credits/service.js';

/** Deeper than any real account structure; bounds the recursive walk (as customers/hierarchy). */
const MAX_DEPTH = 100;

/** Open balance of posted invoice `alias`. */
export function openBalanceSql(alias: string): string {
  return openSql(alias);
}

/**
 * SQL condition: customer `alias` has a posted invoice with an open balance. For the customers
 * list filter `?has_open_invoices=true` (J2).
 */
export function hasOpenInvoiceSql(alias: string): string {
  return `EXISTS (SELECT 1 FROM invoices oi WHERE oi.tenant_id = ${alias}.tenant_id
            AND oi.customer_id = ${alias}.id AND oi.status = 'posted' AND ${openBalanceSql('oi')} > 0)`;
}

/** Ids of the tenant's customers with at least one posted invoice with an open balance. */
export async function customersWithOpenInvoices(q: Queryable, tenantId: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM customers c WHERE c.tenant_id = $1 AND ${hasOpenInvoiceSql('c')} ORDER BY c.id`,
    [tenantId],
  );
  return rows.map((r) => r.id);
}

/** The customer and all its descendants (the customer first). */
async function withDescendants(q: Queryable, tenantId: string, id: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `WITH RECURSIVE down (id, depth) AS (
       SELECT id, 0 FROM customers WHERE tenant_id = $1 AND id = $2
       UNION ALL
       SELECT c.id, down.depth + 1 FROM customers c JOIN down ON c.tenant_id = $1 AND c.parent_id = down.id
        WHERE down.depth < $3
     )
     SELECT DISTINCT id FROM down`,
    [tenantId, id, MAX_DEPTH],
  );
  const ids = rows.map((r) => r.id).filter((x) => x !== id);
  return rows.length === 0 ? [] : [id, ...ids];
}

export async function customerBalance(ctx: Ctx, customerId: string): Promise<BalanceView> {
  requirePermission(ctx, 'billing:read');
  const q = ctx.db;
  const tenantId = ctx.tenant.id;
  const ids = await withDescendants(q, tenantId, customerId);
  if (ids.length === 0) throw new AppError('customer_not_found', { id: customerId });
  const today = tenantToday(ctx);
  const open = `SELECT i.id, i.customer_id, i.number, i.due_date, i.invoice_date,
                       ${openBalanceSql('i')} AS balance
                  FROM invoices i
                 WHERE i.tenant_id = $1 AND i.status = 'posted' AND i.customer_id = ANY($2::text[])`;
  const sums = await q.query<{ own: boolean; total: number; past_due: number; n: number }>(
    `SELECT customer_id = $3 AS own, coalesce(sum(balance), 0)::bigint AS total,
            coalesce(sum(balance) FILTER (WHERE due_date < $4::date), 0)::bigint AS past_due,
            count(*)::int AS n
       FROM (${open}) o WHERE balance > 0 GROUP BY customer_id = $3`,
    [tenantId, ids, customerId, today],
  );
  const oldest = await q.maybeOne<{ id: string; number: string | null; due_date: string | null }>(
    `SELECT id, number, due_date FROM (${open}) o WHERE balance > 0
      ORDER BY due_date NULLS LAST, invoice_date, id LIMIT 1`,
    [tenantId, [customerId]],
  );
  const memos = await memoCredits(q, tenantId, [customerId]);
  const payments = await unappliedPayments(q, tenantId, [customerId]);
  const unapplied = [...memos, ...payments].reduce((s, r) => s + r.remaining, 0);
  const own = sums.find((s) => s.own) ?? { total: 0, past_due: 0, n: 0 };
  const children = sums.find((s) => !s.own) ?? { total: 0, past_due: 0 };
  return {
    customer_id: customerId,
    currency: ctx.tenant.currency,
    total_balance: own.total,
    total_past_due: own.past_due,
    oldest_open_invoice: oldest ?? null,
    open_invoice_count: own.n,
    unapplied_credits: unapplied,
    net_balance: own.total - unapplied,
    children: {
      count: ids.length - 1,
      total_balance: children.total,
      total_past_due: children.past_due,
    },
  };
}
