/** Invoice lists (C8): filter by customer, bill run and the derived status; newest first. */
import { cursorId } from '../../core/schemas.js';
import { appliedSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import type { InvoiceStatus, InvoiceSummary } from './model.js';
import { INVOICE_SELECT, type InvoiceRow, summaries } from './queries.js';

/** What is applied to invoice `i` (paid and credited), for filtering by status. */
const APPLIED_SQL = appliedSql('i');

const STATUS_SQL: Record<InvoiceStatus, string> = {
  draft: `i.status = 'draft'`,
  void: `i.status = 'void'`,
  paid: `i.status = 'posted' AND i.total - ${APPLIED_SQL} <= 0`,
  partially_paid: `i.status = 'posted' AND ${APPLIED_SQL} > 0 AND i.total - ${APPLIED_SQL} > 0
                   AND (i.due_date IS NULL OR i.due_date >= $5)`,
  open: `i.status = 'posted' AND ${APPLIED_SQL} = 0 AND i.total > 0 AND (i.due_date IS NULL OR i.due_date >= $5)`,
  past_due: `i.status = 'posted' AND i.total - ${APPLIED_SQL} > 0 AND i.due_date < $5`,
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
  const rows = await ctx.db.query<InvoiceRow>(
    `${INVOICE_SELECT}
      WHERE i.tenant_id = $1 AND ($2::text IS NULL OR i.customer_id = $2)
        AND ($3::text IS NULL OR i.bill_run_id = $3) AND ($4::text IS NULL OR i.id < $4)
        -- $5 (today) is typed here, as not every status filter mentions it.
        AND $5::date IS NOT NULL AND ${f.status ? STATUS_SQL[f.status] : 'true'}
        AND NOT ($7::boolean AND i.status = 'draft')
        AND ($8::text IS NULL OR i.number ILIKE '%' || $8 || '%' ESCAPE '\\'
             OR EXISTS (SELECT 1 FROM customers c
                         WHERE c.tenant_id = i.tenant_id AND c.id = i.customer_id
                           AND (c.name ILIKE '%' || $8 || '%' ESCAPE '\\'
                                OR c.number ILIKE $8 ESCAPE '\\')))
      ORDER BY i.id DESC LIMIT $6`,
    [
      ctx.tenant.id,
      f.customer ?? null,
      f.bill_run ?? null,
      cursorId(f.cursor) ?? null,
      today,
      f.limit + 1,
      f.postedOnly ?? false,
      f.q ? likeEscape(f.q) : null,
    ],
  );
  const data = await summaries(ctx.db, ctx.tenant.id, rows.slice(0, f.limit), today);
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

/** The customer's newest posted (or void) invoice, by id: the dashboard's "View last invoice". */
export async function lastPostedInvoiceId(ctx: Ctx, customerId: string): Promise<string | null> {
  requirePermission(ctx, 'billing:read');
  const row = await ctx.db.maybeOne<{ id: string }>(
    `SELECT id FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND status <> 'draft'
      ORDER BY id DESC LIMIT 1`,
    [ctx.tenant.id, customerId],
  );
  return row?.id ?? null;
}
