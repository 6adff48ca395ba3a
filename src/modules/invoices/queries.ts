/** Reading invoices with their lines, adjustments and what is applied to them. */
import { AppError } from '../../core/errors.js';
import { MAX_AMOUNT, withinMaxAmount } from '../../core/money.js';
import type { Queryable } from '../../db/db.js';
import { type Applied, appliedColumnsSql, openBalance } from '../books/service.js';
import { deriveStatus, type InvoiceSummary, type InvoiceView } from './model.js';

/** An invoice row as INVOICE_SELECT reads it: its columns, its lines' subtotal, what is applied. */
export interface InvoiceRow extends Applied {
  id: string;
  tenant_id: string;
  customer_id: string;
  bill_run_id: string | null;
  number: string | null;
  status: 'draft' | 'posted' | 'void';
  currency: 'USD';
  invoice_date: string;
  due_date: string | null;
  po_number: string | null;
  memo: string | null;
  total: number;
  subtotal: number;
  posted_at: Date | null;
  voided_at: Date | null;
  void_reason: string | null;
  sync_state: 'pending' | 'synced' | 'failed';
  synced_at: Date | null;
  sync_error: string | null;
  created_at: Date;
}

/** Columns of `invoices i` plus the subtotal of its lines and what is applied (the books'). */
export const INVOICE_SELECT = `
  SELECT i.id, i.tenant_id, i.customer_id, i.bill_run_id, i.number, i.status, i.currency,
         i.invoice_date, i.due_date, i.po_number, i.memo, i.total, i.posted_at, i.voided_at,
         i.void_reason, i.sync_state, i.synced_at, i.sync_error, i.created_at,
         coalesce((SELECT sum(l.amount) FROM invoice_lines l WHERE l.invoice_id = i.id), 0)::bigint
           AS subtotal,
         ${appliedColumnsSql('i')}
    FROM invoices i`;

/** Summaries of rows read with INVOICE_SELECT, their status derived as of `today`. */
export function summaries(rows: InvoiceRow[], today: string): InvoiceSummary[] {
  return rows.map((r) => {
    return {
      id: r.id,
      number: r.number,
      customer_id: r.customer_id,
      bill_run_id: r.bill_run_id,
      status: deriveStatus({ ...r, today }),
      currency: r.currency,
      invoice_date: r.invoice_date,
      due_date: r.due_date,
      po_number: r.po_number,
      memo: r.memo,
      subtotal: r.subtotal,
      adjustments_total: r.total - r.subtotal,
      total: r.total,
      amount_paid: r.paid,
      credits_applied: r.credits,
      balance: r.status === 'void' ? 0 : openBalance(r.total, r),
      pending_amount: r.reserved,
      posted_at: r.posted_at?.toISOString() ?? null,
      voided_at: r.voided_at?.toISOString() ?? null,
      sync_state: r.sync_state,
      synced_at: r.synced_at?.toISOString() ?? null,
      sync_error: r.sync_error,
      created_at: r.created_at.toISOString(),
    };
  });
}

export async function loadInvoice(
  q: Queryable,
  tenantId: string,
  id: string,
  today: string,
  lock = false,
): Promise<{ row: InvoiceRow; view: InvoiceView } | undefined> {
  if (lock) {
    const locked = await q.maybeOne(
      'SELECT id FROM invoices WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE',
      [tenantId, id],
    );
    if (!locked) return undefined;
  }
  const row = await q.maybeOne<InvoiceRow>(
    `${INVOICE_SELECT} WHERE i.tenant_id = $1 AND i.id = $2`,
    [tenantId, id],
  );
  if (!row) return undefined;
  const [summary] = summaries([row], today);
  const lines = await q.query<InvoiceView['lines'][number]>(
    `SELECT id, kind, description, subscription_id, price_id, quantity::text AS quantity, unit_amount,
            amount, period_start, period_end
       FROM invoice_lines WHERE invoice_id = $1 ORDER BY period_start NULLS LAST, id`,
    [id],
  );
  const adjustments = await q.query<{
    id: string;
    line_id: string | null;
    kind: 'credit' | 'charge';
    amount: number;
    reason: string;
    created_at: Date;
  }>(
    `SELECT id, line_id, kind, amount, reason, created_at FROM invoice_adjustments
      WHERE invoice_id = $1 ORDER BY id`,
    [id],
  );
  return {
    row,
    view: {
      ...(summary as InvoiceSummary),
      void_reason: row.void_reason,
      lines: lines.map((l) => ({
        ...l,
        quantity: l.quantity === null ? null : trimZeros(l.quantity),
      })),
      adjustments: adjustments.map((a) => ({ ...a, created_at: a.created_at.toISOString() })),
    },
  };
}

/** numeric(24,6) comes back as "2.500000"; show "2.5". */
export function trimZeros(decimal: string): string {
  return decimal.includes('.') ? decimal.replace(/\.?0+$/, '') : decimal;
}

/** Recomputes the cached total: lines plus charge adjustments minus credit adjustments. */
export async function refreshTotal(q: Queryable, invoiceId: string): Promise<number> {
  // Summed as numeric and read as text: a total beyond the maximum is refused (422), never
  // stored, so no later read of the invoice meets an amount it cannot hold exactly.
  const sum = await q.one<{ total: string }>(
    `SELECT (coalesce((SELECT sum(amount) FROM invoice_lines WHERE invoice_id = $1), 0)
           + coalesce((SELECT sum(CASE kind WHEN 'charge' THEN amount ELSE -amount END)
                         FROM invoice_adjustments WHERE invoice_id = $1), 0))::text AS total`,
    [invoiceId],
  );
  if (!withinMaxAmount(BigInt(sum.total))) {
    throw new AppError('amount_too_large', { field: 'total', max: MAX_AMOUNT });
  }
  const total = Number(sum.total);
  await q.query('UPDATE invoices SET total = $2 WHERE id = $1', [invoiceId, total]);
  return total;
}
