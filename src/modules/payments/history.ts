/** Transaction history (E7): payments newest first, filtered by customer and status. */
import { cursorId } from '../../core/schemas.js';
import { prepared } from '../../db/db.js';
import { paymentRemainingSql } from '../books/service.js';
import { type Ctx, requirePermission } from '../context.js';
import type { AppliedView, PaymentRow, PaymentStatus, PaymentView } from './model.js';
import {
  findPaymentRow,
  type PaymentParts,
  paymentApplicationsSql,
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

/**
 * What a customer's own payment history shows of each payment (the portal's list): fewer fields
 * than a PaymentView — no refunds, return debits, gateway or sync details — so the list reads and
 * parses only these. `unapplied` is the books' remainder (amount − refunded − applied, if the
 * payment counts), the figure a PaymentView carries too.
 */
export interface PaymentSummary {
  id: string;
  status: PaymentStatus;
  amount: number;
  currency: 'USD';
  method_type: PaymentRow['method_type'];
  reference: string | null;
  scheduled_for: string | null;
  failure_message: string | null;
  amount_refunded: number;
  unapplied: number;
  applications: AppliedView[];
  expected_settlement_date: string | null;
  attempted_at: string | null;
  settled_at: string | null;
  created_at: string;
}

type SummaryRow = Omit<PaymentSummary, 'attempted_at' | 'settled_at' | 'created_at'> & {
  attempted_at: Date | null;
  settled_at: Date | null;
  created_at: Date;
};

/** One customer's payments, newest first, as summaries (a page after `cursor`). */
export async function listPaymentSummaries(
  ctx: Ctx,
  f: { customer: string; cursor?: string | undefined; limit: number },
): Promise<{ data: PaymentSummary[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  const cursor = cursorId(f.cursor);
  // The first page and the others are two statements, each prepared with a plan of its own.
  const rows = await ctx.db.query<SummaryRow>(
    prepared(
      `SELECT p.id, p.status, p.amount, p.currency, p.method_type, p.reference, p.scheduled_for,
              p.failure_message, p.amount_refunded, (${paymentRemainingSql('p')})::bigint AS unapplied,
              ${paymentApplicationsSql('p')} AS applications,
              p.expected_settlement_date, p.attempted_at, p.settled_at, p.created_at
         FROM payments p
        WHERE p.tenant_id = $1 AND p.customer_id = $2 ${cursor == null ? '' : 'AND p.id < $4'}
        ORDER BY p.id DESC LIMIT $3`,
    ),
    cursor == null
      ? [ctx.tenant.id, f.customer, f.limit + 1]
      : [ctx.tenant.id, f.customer, f.limit + 1, cursor],
  );
  const data = rows.slice(0, f.limit).map((r) => ({
    ...r,
    attempted_at: r.attempted_at?.toISOString() ?? null,
    settled_at: r.settled_at?.toISOString() ?? null,
    created_at: r.created_at.toISOString(),
  }));
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
