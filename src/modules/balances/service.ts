/**
 * Customer balances (A3, J3): derived every time from the invoices' cached paid and credited
 * amounts (kept by the database, checked by `billow verify`: books/service.ts), never stored.
 * Open balance of a posted invoice = total − paid − credits; the customer's total balance is the
 * sum of those, its net balance subtracts unapplied credits (memo remainders and unapplied
 * payments), and a parent sees its descendants' balances rolled up.
 */
import { AppError } from '../../core/errors.js';
import { exactSum, MAX_BALANCE } from '../../core/money.js';
import { prepared, type Queryable } from '../../db/db.js';
import { openSql, owedSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import type { BalanceView } from '../credits/model.js';
import { unappliedSumSql } from '../credits/service.js';

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
            AND oi.customer_id = ${alias}.id AND ${owedSql('oi')})`;
}

/** Ids of the tenant's customers with at least one posted invoice with an open balance. */
export async function customersWithOpenInvoices(q: Queryable, tenantId: string): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM customers c WHERE c.tenant_id = $1 AND ${hasOpenInvoiceSql('c')} ORDER BY c.id`,
    [tenantId],
  );
  return rows.map((r) => r.id);
}

/**
 * The balance statement (one round trip): the customer and its descendants, their owed invoices
 * (read from the invoices_owed partial index over the cached paid and credited amounts), the sums
 * for the customer and for its descendants, the customer's oldest open invoice, and what it holds
 * unapplied (memos and payments); `extra` adds columns after those.
 */
function balanceSql(extra: string): string {
  return `WITH RECURSIVE down (id, depth) AS (
       SELECT id, 0 FROM customers WHERE tenant_id = $1 AND id = $2
       UNION ALL
       SELECT c.id, down.depth + 1 FROM customers c JOIN down ON c.tenant_id = $1 AND c.parent_id = down.id
        WHERE down.depth < $4
     ),
     members AS (SELECT DISTINCT id FROM down),
     owed AS MATERIALIZED (
       SELECT i.id, i.customer_id, i.number, i.due_date, i.invoice_date,
              ${openBalanceSql('i')} AS balance
         FROM invoices i
        WHERE i.tenant_id = $1 AND i.customer_id IN (SELECT id FROM members) AND ${owedSql('i')}
     )
     SELECT (SELECT count(*)::int FROM members) AS members, s.*,
            oldest.id AS oldest_id, oldest.number AS oldest_number, oldest.due_date AS oldest_due_date,
            ${unappliedSumSql('$1', '$2')}::text AS unapplied${extra}
       FROM (SELECT
               coalesce(sum(balance) FILTER (WHERE customer_id = $2), 0)::text AS own_total,
               coalesce(sum(balance) FILTER (WHERE customer_id = $2 AND due_date < $3::date), 0)::text
                 AS own_past_due,
               (count(*) FILTER (WHERE customer_id = $2))::int AS own_n,
               coalesce(sum(balance) FILTER (WHERE customer_id <> $2), 0)::text AS children_total,
               coalesce(sum(balance) FILTER (WHERE customer_id <> $2 AND due_date < $3::date), 0)::text
                 AS children_past_due
             FROM owed) s
       LEFT JOIN LATERAL (
         SELECT o.id, o.number, o.due_date FROM owed o WHERE o.customer_id = $2
          ORDER BY o.due_date NULLS LAST, o.invoice_date, o.id LIMIT 1
       ) oldest ON true`;
}

/** A balance statement and the names of the columns it reads besides the balance. */
export interface BalanceStatement<K extends string> {
  text: string;
  keys: readonly K[];
}

/**
 * A balance statement that also reads `columns`: SQL scalars over the tenant ($1) and the
 * customer ($2) named by their keys, for a page that shows the balance beside other figures in
 * the same round trip (the portal's dashboard: its last invoice and last payment). Made once,
 * when a module loads: the text is a prepared statement (db.ts).
 */
export function balanceStatement<K extends string>(
  columns: Record<K, string>,
): BalanceStatement<K> {
  const keys = Object.keys(columns) as K[];
  for (const key of keys) {
    if (!/^[a-z_]+$/.test(key)) throw new Error(`balance column ${key}: lower case and _ only`);
  }
  const extra = keys.map((key) => `,\n            ${columns[key]} AS extra_${key}`).join('');
  return { text: prepared(balanceSql(extra)), keys };
}

/** The balance alone; made at first use (the books and credits modules it reads import this one). */
let plain: BalanceStatement<never> | undefined;

export async function customerBalance(ctx: Ctx, customerId: string): Promise<BalanceView> {
  plain ??= balanceStatement({});
  return (await customerBalanceWith(ctx, customerId, plain)).balance;
}

/** The customer's balance and the other columns `statement` reads, in one statement. */
export async function customerBalanceWith<K extends string>(
  ctx: Ctx,
  customerId: string,
  statement: BalanceStatement<K>,
): Promise<{ balance: BalanceView; columns: Record<K, unknown> }> {
  requirePermission(ctx, 'billing:read');
  const tenantId = ctx.tenant.id;
  const today = tenantToday(ctx);
  const found = await ctx.db.maybeOne<
    {
      members: number;
      own_total: string;
      own_past_due: string;
      own_n: number;
      children_total: string;
      children_past_due: string;
      oldest_id: string | null;
      oldest_number: string | null;
      oldest_due_date: string | null;
      unapplied: string;
    } & Record<string, unknown>
  >(statement.text, [tenantId, customerId, today, MAX_DEPTH]);
  if (!found || found.members === 0) throw new AppError('customer_not_found', { id: customerId });
  // Summed exactly (numeric in SQL, bigint here) and checked before they become JS numbers: a
  // balance beyond the safe range (data from before the largest balance was enforced, or a
  // roll-up of many children) is reported, never rounded or answered with a 500.
  const exact = (text: string, field: string): number => {
    const n = exactSum(text);
    if (n === null) {
      throw new AppError('amount_too_large', { field, customer_id: customerId, max: MAX_BALANCE });
    }
    return n;
  };
  const ownTotal = exact(found.own_total, 'balance');
  const ownPastDue = exact(found.own_past_due, 'balance');
  const childrenTotal = exact(found.children_total, 'children.total_balance');
  const childrenPastDue = exact(found.children_past_due, 'children.total_past_due');
  const unapplied = exact(found.unapplied, 'unapplied_credits');
  const net = exact((BigInt(ownTotal) - BigInt(unapplied)).toString(), 'net_balance');
  const oldest =
    found.oldest_id === null
      ? null
      : { id: found.oldest_id, number: found.oldest_number, due_date: found.oldest_due_date };
  const balance: BalanceView = {
    customer_id: customerId,
    currency: ctx.tenant.currency,
    total_balance: ownTotal,
    total_past_due: ownPastDue,
    oldest_open_invoice: oldest,
    open_invoice_count: found.own_n,
    unapplied_credits: unapplied,
    net_balance: net,
    children: {
      count: found.members - 1,
      total_balance: childrenTotal,
      total_past_due: childrenPastDue,
    },
  };
  const columns = Object.fromEntries(
    statement.keys.map((key) => [key, found[`extra_${key}`] ?? null]),
  ) as Record<K, unknown>;
  return { balance, columns };
}
