/**
 * Draft invoices made many at a time (a bill-run batch): one INSERT of the invoices and one of
 * their lines, each from `unnest` arrays, in the caller's transaction. The bill runs module
 * decides what the lines are; this module writes its own rows.
 */
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import { type Ctx, tenantNow } from '../context.js';

/** One line of a new draft invoice; the id is given here. */
export interface NewDraftLine {
  kind: 'subscription' | 'usage' | 'one_time' | 'proration';
  description: string;
  subscription_id: string | null;
  price_id: string | null;
  quantity: string | null;
  unit_amount: number | null;
  amount: number;
  period_start: string | null;
  period_end: string | null;
}

export interface NewDraftInvoice {
  id: string;
  customer_id: string;
  lines: readonly NewDraftLine[];
}

/**
 * Inserts the drafts of a bill run dated `invoiceDate`, set-based; returns the new lines' ids
 * in the order of `invoices.flatMap((i) => i.lines)`.
 */
export async function insertDraftInvoices(
  tx: Tx,
  ctx: Ctx,
  billRunId: string,
  invoiceDate: string,
  invoices: readonly NewDraftInvoice[],
): Promise<string[]> {
  const now = tenantNow(ctx);
  await tx.query(
    `INSERT INTO invoices (id, tenant_id, customer_id, bill_run_id, status, invoice_date, total,
                           created_at, updated_at)
     SELECT id, $1, customer_id, $2, 'draft', $3, total, $4, $4
       FROM unnest($5::text[], $6::text[], $7::bigint[]) AS i(id, customer_id, total)`,
    [
      ctx.tenant.id,
      billRunId,
      invoiceDate,
      now,
      invoices.map((i) => i.id),
      invoices.map((i) => i.customer_id),
      invoices.map((i) => i.lines.reduce((s, l) => s + l.amount, 0)),
    ],
  );
  const lines = invoices.flatMap((i) =>
    i.lines.map((l) => ({ ...l, invoice_id: i.id, id: newId('invoiceLine') })),
  );
  await tx.query(
    `INSERT INTO invoice_lines (id, tenant_id, invoice_id, kind, description, subscription_id, price_id,
                                quantity, unit_amount, amount, period_start, period_end, created_at)
     SELECT id, $1, invoice_id, kind, description, subscription_id, price_id, quantity, unit_amount,
            amount, period_start, period_end, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::numeric[], $10::bigint[], $11::bigint[], $12::date[], $13::date[])
         AS l(id, invoice_id, kind, description, subscription_id, price_id, quantity, unit_amount,
              amount, period_start, period_end)`,
    [
      ctx.tenant.id,
      now,
      lines.map((l) => l.id),
      lines.map((l) => l.invoice_id),
      lines.map((l) => l.kind),
      lines.map((l) => l.description),
      lines.map((l) => l.subscription_id),
      lines.map((l) => l.price_id),
      lines.map((l) => l.quantity),
      lines.map((l) => l.unit_amount),
      lines.map((l) => l.amount),
      lines.map((l) => l.period_start),
      lines.map((l) => l.period_end),
    ],
  );
  return lines.map((l) => l.id);
}
