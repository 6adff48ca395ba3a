/** Transaction history (E7): payments newest first, filtered by customer and status. */
import { cursorId } from '../../core/schemas.js';
import { prepared } from '../../db/db.js';
import { type Ctx, requirePermission } from '../context.js';
import type { PaymentRow, PaymentStatus, PaymentView } from './model.js';
import {
  findPaymentRow,
  type PaymentParts,
  paymentColumnsSql,
  paymentPartsSql,
  paymentView,
  viewsWithParts,
} from './queries.js';

export async function getPayment(ctx: Ctx, id: string): Promise<PaymentView> {
  requirePermission(ctx, 'billing:read');
  return paymentView(ctx.db, await findPaymentRow(ctx.db, ctx.tenant.id, id));
}

export async function listPayments(
  ctx: Ctx,
  f: {
    customer?: string | undefined;
    status?: PaymentStatus | undefined;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ data: PaymentView[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  // Only the filters in use are named, so each combination runs prepared with a plan of its own.
  const params: unknown[] = [ctx.tenant.id];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['p.tenant_id = $1'];
  if (f.customer != null) where.push(`p.customer_id = ${param(f.customer)}`);
  if (f.status != null) where.push(`p.status = ${param(f.status)}`);
  const cursor = cursorId(f.cursor);
  if (cursor != null) where.push(`p.id < ${param(cursor)}`);
  // The page and what its views read, in one statement (the lookahead row's parts are read too).
  const rows = await ctx.db.query<PaymentRow & PaymentParts>(
    prepared(
      `SELECT ${paymentColumnsSql('p')}, ${paymentPartsSql('p')} FROM payments p
        WHERE ${where.join(' AND ')} ORDER BY p.id DESC LIMIT ${param(f.limit + 1)}`,
    ),
    params,
  );
  const data = viewsWithParts(rows.slice(0, f.limit));
  return { data, next_cursor: rows.length > f.limit ? (data[data.length - 1]?.id ?? null) : null };
}

/** The method of the customer's latest payment through a saved method ("the method used last"). */
export async function lastUsedMethodId(ctx: Ctx, customerId: string): Promise<string | null> {
  requirePermission(ctx, 'billing:read');
  const row = await ctx.db.maybeOne<{ payment_method_id: string }>(
    `SELECT payment_method_id FROM payments
      WHERE tenant_id = $1 AND customer_id = $2 AND payment_method_id IS NOT NULL
        AND status <> 'cancelled'
      ORDER BY id DESC LIMIT 1`,
    [ctx.tenant.id, customerId],
  );
  return row?.payment_method_id ?? null;
}

/** The customer's newest succeeded payment: its id, amount and when it was paid (the dashboard). */
export interface LastPayment {
  id: string;
  amount: number;
  at: string;
}

/**
 * SQL scalar: the customer's newest succeeded payment as JSON (id, amount, when it was paid in
 * milliseconds since the epoch), or null, for tenant and customer parameters `tenant` and
 * `customer`, as a column of a statement that reads more (the portal's dashboard reads it beside
 * the balance); `lastPaymentOf` turns it into a LastPayment.
 */
export function lastSucceededPaymentSql(tenant: string, customer: string): string {
  return `(SELECT json_build_object(
              'id', lp.id, 'amount', lp.amount,
              'at_ms', floor(extract(epoch FROM coalesce(lp.settled_at, lp.attempted_at, lp.created_at))
                             * 1000)::bigint)
             FROM payments lp
            WHERE lp.tenant_id = ${tenant} AND lp.customer_id = ${customer} AND lp.status = 'succeeded'
            ORDER BY lp.id DESC LIMIT 1)`;
}

export function lastPaymentOf(value: unknown): LastPayment | null {
  if (value === null || value === undefined) return null;
  const v = value as { id: string; amount: number | string; at_ms: number | string };
  return { id: v.id, amount: Number(v.amount), at: new Date(Number(v.at_ms)).toISOString() };
}
