/**
 * The credits view (H3): open credit memos with something left, and unapplied payments
 * (succeeded or partly refunded payments whose amount − refunded − applications is above zero),
 * with a header total and count.
 */
import { businessDate } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { prepared, type Queryable } from '../../db/db.js';
import {
  memoRemainingSql,
  memoUnappliedSql,
  paymentRemainingSql,
  paymentUnappliedSql,
} from '../books/service.js';
import { type Ctx, requirePermission } from '../context.js';
import type { CreditRow, CreditsView } from './model.js';

interface Raw {
  id: string;
  at: Date;
  amount: number;
  remaining: number;
  reference: string | null;
}

export async function memoCredits(q: Queryable, tenantId: string, customerIds: string[]) {
  return q.query<Raw & { customer_id: string }>(
    prepared(`SELECT * FROM (
       SELECT m.id, m.customer_id, m.created_at AS at, m.amount, m.reason AS reference,
              (${memoRemainingSql('m')})::bigint AS remaining
         FROM credit_memos m
        WHERE m.tenant_id = $1 AND m.customer_id = ANY($2::text[]) AND ${memoUnappliedSql('m')}) x
      ORDER BY id`),
    [tenantId, customerIds],
  );
}

export async function unappliedPayments(q: Queryable, tenantId: string, customerIds: string[]) {
  return q.query<Raw & { customer_id: string }>(
    prepared(`SELECT * FROM (
       SELECT p.id, p.customer_id, coalesce(p.settled_at, p.created_at) AS at, p.amount,
              coalesce(p.reference, p.method_type) AS reference,
              (${paymentRemainingSql('p')})::bigint AS remaining
         FROM payments p
        WHERE p.tenant_id = $1 AND p.customer_id = ANY($2::text[]) AND ${paymentUnappliedSql('p')}) x
      ORDER BY id`),
    [tenantId, customerIds],
  );
}

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

export async function customerCredits(
  ctx: Ctx,
  customerId: string,
  type: 'memo' | 'unapplied' | 'all',
): Promise<CreditsView> {
  requirePermission(ctx, 'billing:read');
  const exists = await ctx.db.maybeOne('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2', [
    ctx.tenant.id,
    customerId,
  ]);
  if (!exists) throw new AppError('customer_not_found', { id: customerId });
  const row =
    (kind: CreditRow['type']) =>
    (r: Raw): CreditRow => ({
      id: r.id,
      type: kind,
      date: businessDate(r.at, ctx.tenant.timeZone),
      amount: r.amount,
      remaining: r.remaining,
      reference: r.reference,
    });
  const data: CreditRow[] = [];
  if (type !== 'unapplied') {
    data.push(...(await memoCredits(ctx.db, ctx.tenant.id, [customerId])).map(row('memo')));
  }
  if (type !== 'memo') {
    data.push(
      ...(await unappliedPayments(ctx.db, ctx.tenant.id, [customerId])).map(row('unapplied')),
    );
  }
  data.sort((a, b) => (a.date === b.date ? a.id.localeCompare(b.id) : a.date < b.date ? 1 : -1));
  return {
    customer_id: customerId,
    type,
    currency: 'USD',
    total: data.reduce((s, r) => s + r.remaining, 0),
    count: data.length,
    data,
  };
}
