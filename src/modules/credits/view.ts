/**
 * The credits view (H3): open credit memos with something left, and unapplied payments
 * (succeeded or partly refunded payments whose amount − refunded − applications is above zero),
 * with a header total and count.
 */
import { businessDate } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { cursorId } from '../../core/schemas.js';
import { prepared } from '../../db/db.js';
import {
  memoRemainingSql,
  memoUnappliedSql,
  paymentRemainingSql,
  paymentUnappliedSql,
} from '../books/service.js';
import { type Ctx, requirePermission } from '../context.js';
import type { CreditRow, CreditsView } from './model.js';

/** What one row of the credits statement holds; the totals repeat on every row. */
interface Raw {
  count: number;
  total: number;
  /** When a cursor was given: when its credit arose (null when it names no credit of ours). */
  cursor_at: Date | null;
  kind: CreditRow['type'] | null;
  id: string | null;
  at: Date | null;
  amount: number | null;
  remaining: number | null;
  reference: string | null;
}

/**
 * The credits of one customer, newest first, in one statement: open memos with something left
 * and payments with an unapplied remainder ($3 picks the kinds), their count and total, and the
 * page after the credit $4 (when it arose, then id, so that the order is total) of at most $5
 * rows (all when null). The cursor is looked up among the customer's own memos and payments
 * whether or not they still hold something, so a page stays valid after its last credit is used. The totals come from the same snapshot as the page, and a customer with
 * no credits still gets its one row of totals.
 */
const CREDITS_SQL = prepared(`WITH c AS (
    SELECT 'memo' AS kind, m.id, m.created_at AS at, m.amount, m.reason AS reference,
           (${memoRemainingSql('m')})::bigint AS remaining
      FROM credit_memos m
     WHERE m.tenant_id = $1 AND m.customer_id = $2 AND $3::text <> 'unapplied'
       AND ${memoUnappliedSql('m')}
    UNION ALL
    SELECT 'unapplied', p.id, coalesce(p.settled_at, p.created_at), p.amount,
           coalesce(p.reference, p.method_type), (${paymentRemainingSql('p')})::bigint
      FROM payments p
     WHERE p.tenant_id = $1 AND p.customer_id = $2 AND $3::text <> 'memo'
       AND ${paymentUnappliedSql('p')}
  ), after AS (
    SELECT m.created_at AS at FROM credit_memos m
     WHERE m.tenant_id = $1 AND m.customer_id = $2 AND m.id = $4::text
    UNION ALL
    SELECT coalesce(p.settled_at, p.created_at) FROM payments p
     WHERE p.tenant_id = $1 AND p.customer_id = $2 AND p.id = $4::text
  ), totals AS (
    SELECT count(*)::int AS count, coalesce(sum(c.remaining), 0)::bigint AS total,
           (SELECT a.at FROM after a LIMIT 1) AS cursor_at
      FROM c
  )
  SELECT t.count, t.total, t.cursor_at, r.kind, r.id, r.at, r.amount, r.remaining, r.reference
    FROM totals t
    LEFT JOIN LATERAL (
      SELECT c.kind, c.id, c.at, c.amount, c.remaining, c.reference FROM c
       WHERE $4::text IS NULL OR (c.at, c.id) < (t.cursor_at, $4::text)
       ORDER BY c.at DESC, c.id DESC
       LIMIT $5::int
    ) r ON true
   ORDER BY r.at DESC, r.id DESC`);

/**
 * SQL: what the customer `customer` (a placeholder or column) of tenant `tenant` holds unapplied,
 * as a numeric: the sum of the remainders memoCredits and unappliedPayments list, in one
 * expression so that the balance reads it in its own statement (from the partial indexes of
 * memos and payments with a remainder).
 */
export function unappliedSumSql(tenant: string, customer: string): string {
  return `(coalesce((SELECT sum(${memoRemainingSql('m')}) FROM credit_memos m
              WHERE m.tenant_id = ${tenant} AND m.customer_id = ${customer}
                AND ${memoUnappliedSql('m')}), 0)
         + coalesce((SELECT sum(${paymentRemainingSql('p')}) FROM payments p
              WHERE p.tenant_id = ${tenant} AND p.customer_id = ${customer}
                AND ${paymentUnappliedSql('p')}), 0))`;
}

/**
 * The credits view of a customer (H3), newest first: a page of at most `page.limit` credits after
 * `page.cursor` (every credit when no page is asked, as a statement lists them), with the total
 * and count of all of them.
 */
export async function customerCredits(
  ctx: Ctx,
  customerId: string,
  type: 'memo' | 'unapplied' | 'all',
  page?: { cursor?: string | undefined; limit: number },
): Promise<CreditsView> {
  requirePermission(ctx, 'billing:read');
  const exists = await ctx.db.maybeOne('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2', [
    ctx.tenant.id,
    customerId,
  ]);
  if (!exists) throw new AppError('customer_not_found', { id: customerId });
  const cursor = cursorId(page?.cursor) ?? null;
  const limit = page ? page.limit : null;
  const rows = await ctx.db.query<Raw>(CREDITS_SQL, [
    ctx.tenant.id,
    customerId,
    type,
    cursor,
    limit === null ? null : limit + 1,
  ]);
  const head = rows[0];
  if (cursor !== null && !head?.cursor_at) throw new AppError('invalid_cursor');
  const data: CreditRow[] = rows.flatMap((r) =>
    r.id === null || r.kind === null || r.at === null
      ? []
      : [
          {
            id: r.id,
            type: r.kind,
            date: businessDate(r.at, ctx.tenant.timeZone),
            amount: Number(r.amount),
            remaining: Number(r.remaining),
            reference: r.reference,
          },
        ],
  );
  const shown = limit === null ? data : data.slice(0, limit);
  return {
    customer_id: customerId,
    type,
    currency: 'USD',
    total: Number(head?.total ?? 0),
    count: head?.count ?? 0,
    data: shown,
    next_cursor:
      limit !== null && data.length > limit ? (shown[shown.length - 1]?.id ?? null) : null,
  };
}
