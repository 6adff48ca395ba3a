/** Invoice lists (C8): filter by customer, bill run and the derived status; newest first. */
import { cursorId } from '../../core/schemas.js';
import { prepared } from '../../db/db.js';
import { appliedSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import type { InvoiceStatus, InvoiceSummary } from './model.js';
import { INVOICE_SELECT, type InvoiceRow, summaries } from './queries.js';

/** What is applied to invoice `i` (paid and credited), for filtering by status. */
const APPLIED_SQL = appliedSql('i');

/**
 * The condition of each derived status; `today()` adds the tenant's date as a parameter and
 * gives its placeholder (only the statuses that compare with it ask: an unused parameter would
 * have no type).
 */
const STATUS_SQL: Record<InvoiceStatus, (today: () => string) => string> = {
  draft: () => `i.status = 'draft'`,
  void: () => `i.status = 'void'`,
  paid: () => `i.status = 'posted' AND i.total - ${APPLIED_SQL} <= 0`,
  partially_paid: (
    today,
  ) => `i.status = 'posted' AND ${APPLIED_SQL} > 0 AND i.total - ${APPLIED_SQL} > 0
                   AND (i.due_date IS NULL OR i.due_date >= ${today()}::date)`,
  open: (today) =>
    `i.status = 'posted' AND ${APPLIED_SQL} = 0 AND i.total > 0 AND (i.due_date IS NULL OR i.due_date >= ${today()}::date)`,
  past_due: (today) =>
    `i.status = 'posted' AND i.total - ${APPLIED_SQL} > 0 AND i.due_date < ${today()}::date`,
};

export interface InvoiceFilter {
  customer?: string | undefined;
  bill_run?: string | undefined;
  status?: InvoiceStatus | undefined;
  /** Words of an invoice number, or of the customer's name or number (case-insensitive). */
  q?: string | undefined;
  /** Leave drafts out (the customer portal shows posted and void invoices only). */
  postedOnly?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
}

export async function listInvoices(
  ctx: Ctx,
  f: InvoiceFilter,
): Promise<{ data: InvoiceSummary[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  const today = tenantToday(ctx);
  // The statement names only the filters in use (no `$n IS NULL OR …`), so that each
  // combination has a plan of its own and, without a search text, runs prepared (db.ts).
  const params: unknown[] = [ctx.tenant.id];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const where = ['i.tenant_id = $1'];
  if (f.customer != null) where.push(`i.customer_id = ${param(f.customer)}`);
  if (f.bill_run != null) where.push(`i.bill_run_id = ${param(f.bill_run)}`);
  const cursor = cursorId(f.cursor);
  if (cursor != null) where.push(`i.id < ${param(cursor)}`);
  if (f.status) where.push(`(${STATUS_SQL[f.status](() => param(today))})`);
  if (f.postedOnly) where.push(`i.status <> 'draft'`);
  if (f.q) {
    const q = `${param(likeEscape(f.q))}::text`;
    where.push(`(i.number ILIKE '%' || ${q} || '%' ESCAPE '\\'
             OR EXISTS (SELECT 1 FROM customers c
                         WHERE c.tenant_id = i.tenant_id AND c.id = i.customer_id
                           AND (c.name ILIKE '%' || ${q} || '%' ESCAPE '\\'
                                OR c.number ILIKE ${q} ESCAPE '\\')))`);
  }
  const text = `${INVOICE_SELECT}
      WHERE ${where.join(' AND ')}
      ORDER BY i.id DESC LIMIT ${param(f.limit + 1)}`;
  const rows = await ctx.db.query<InvoiceRow>(f.q ? text : prepared(text), params);
  const data = summaries(rows.slice(0, f.limit), today);
  return { data, next_cursor: rows.length > f.limit ? (data[data.length - 1]?.id ?? null) : null };
}

/** A search text with LIKE's wildcards (and the escape character) taken literally. */
function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The names of the customers of listed invoices, in one query (the console shows them). */
export async function customerNames(
  ctx: Ctx,
  invoices: { customer_id: string }[],
): Promise<Map<string, string>> {
  const ids = [...new Set(invoices.map((i) => i.customer_id))];
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.query<{ id: string; name: string }>(
    'SELECT id, name FROM customers WHERE tenant_id = $1 AND id = ANY($2::text[])',
    [ctx.tenant.id, ids],
  );
  return new Map(rows.map((r) => [r.id, r.name]));
}

/**
 * SQL scalar: the id of the customer's newest posted (or void) invoice, by id — the dashboard's
 * "View last invoice" — for tenant and customer parameters `tenant` and `customer` ("$1", "$2"),
 * as a column of a statement that reads more (portal/service.ts reads it beside the balance).
 */
export function lastPostedInvoiceIdSql(tenant: string, customer: string): string {
  return `(SELECT li.id FROM invoices li
            WHERE li.tenant_id = ${tenant} AND li.customer_id = ${customer} AND li.status <> 'draft'
            ORDER BY li.id DESC LIMIT 1)`;
}
