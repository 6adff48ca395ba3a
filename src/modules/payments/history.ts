/** Transaction history (E7): payments newest first, filtered by customer and status. */
import { cursorId } from '../../core/schemas.js';
import { prepared } from '../../db/db.js';
import { type Ctx, requirePermission } from '../context.js';
import type { PaymentRow, PaymentStatus, PaymentView } from './model.js';
import {
  findPaymentRow,
  type PaymentParts,
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
      `SELECT p.*, ${paymentPartsSql('p')} FROM payments p
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

const LAST_SUCCEEDED_SQL = prepared(
  `SELECT id, amount, coalesce(settled_at, attempted_at, created_at) AS at FROM payments
    WHERE tenant_id = $1 AND customer_id = $2 AND status = 'succeeded'
    ORDER BY id DESC LIMIT 1`,
);

/** The customer's newest succeeded payment: its id, amount and when it was paid (the dashboard). */
export async function lastSucceededPayment(
  ctx: Ctx,
  customerId: string,
): Promise<{ id: string; amount: number; at: string } | null> {
  requirePermission(ctx, 'billing:read');
  const row = await ctx.db.maybeOne<{ id: string; amount: number; at: Date }>(LAST_SUCCEEDED_SQL, [
    ctx.tenant.id,
    customerId,
  ]);
  return row ? { id: row.id, amount: Number(row.amount), at: row.at.toISOString() } : null;
}
