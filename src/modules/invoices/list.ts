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
      ORDER BY i.id DESC LIMIT $6`,
    [
      ctx.tenant.id,
      f.customer ?? null,
      f.bill_run ?? null,
      cursorId(f.cursor) ?? null,
      today,
      f.limit + 1,
      f.postedOnly ?? false,
    ],
  );
  const data = await summaries(ctx.db, ctx.tenant.id, rows.slice(0, f.limit), today);
  return { data, next_cursor: rows.length > f.limit ? (data[data.length - 1]?.id ?? null) : null };
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
