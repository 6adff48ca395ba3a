/**
 * The invoice summary (C9): due date, total, open balance, PO number, whether a payment is
 * pending or scheduled, the autopay rule that would pay it, the payments and credits applied, and
 * the refunds that took money back from it with what each meant (E10: credited by a memo, or
 * reopened).
 */

import { AppError } from '../../core/errors.js';
import { matchingRuleFor } from '../autopay/service.js';
import { COUNTING_MEMO_SQL } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import { loadInvoice } from '../invoices/service.js';
import type { RefundOutcome } from './model.js';

export interface InvoicePaymentSummary {
  id: string;
  number: string | null;
  status: string;
  invoice_date: string;
  due_date: string | null;
  total: number;
  balance: number;
  po_number: string | null;
  payment_pending: boolean;
  payment_scheduled: { id: string; scheduled_for: string; amount: number }[];
  payments: {
    payment_id: string;
    status: string;
    method_type: string;
    amount: number;
    date: string;
  }[];
  credits: { credit_memo_id: string; refund_id: string | null; amount: number; date: string }[];
  refunds: {
    refund_id: string;
    payment_id: string;
    amount: number;
    outcome: RefundOutcome;
    credit_memo_id: string | null;
    date: string;
  }[];
  autopay_rule: { id: string; name: string } | null;
}

export async function invoiceSummary(ctx: Ctx, id: string): Promise<InvoicePaymentSummary> {
  requirePermission(ctx, 'billing:read');
  const loaded = await loadInvoice(ctx.db, ctx.tenant.id, id, tenantToday(ctx));
  if (!loaded) throw new AppError('invoice_not_found', { id });
  const inv = loaded.view;
  const payments = await ctx.db.query<{
    payment_id: string;
    status: string;
    method_type: string;
    amount: number;
    date: Date;
  }>(
    `SELECT p.id AS payment_id, p.status, p.method_type, sum(pa.amount)::bigint AS amount,
            coalesce(p.attempted_at, p.created_at) AS date
       FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
      WHERE pa.tenant_id = $1 AND pa.invoice_id = $2
      GROUP BY p.id ORDER BY p.id`,
    [ctx.tenant.id, id],
  );
  const scheduled = await ctx.db.query<{ id: string; scheduled_for: string; amount: number }>(
    `SELECT p.id, p.scheduled_for,
            coalesce((SELECT sum((a->>'amount')::bigint) FROM jsonb_array_elements(p.planned_allocations) a
                       WHERE a->>'invoice_id' = $2), p.amount)::bigint AS amount
       FROM payments p
      WHERE p.tenant_id = $1 AND p.status = 'scheduled'
        AND (p.autopay_invoice_id = $2 OR p.planned_allocations @> jsonb_build_array(jsonb_build_object('invoice_id', $2::text)))
      ORDER BY p.scheduled_for, p.id`,
    [ctx.tenant.id, id],
  );
  const credits = await ctx.db.query<{
    credit_memo_id: string;
    refund_id: string | null;
    amount: number;
    date: Date;
  }>(
    `SELECT ca.credit_memo_id, cm.refund_id, sum(ca.amount)::bigint AS amount,
            min(ca.created_at) AS date
       FROM credit_applications ca JOIN credit_memos cm ON cm.id = ca.credit_memo_id
      WHERE ca.tenant_id = $1 AND ca.invoice_id = $2 AND cm.status IN ${COUNTING_MEMO_SQL}
      GROUP BY ca.credit_memo_id, cm.refund_id ORDER BY ca.credit_memo_id`,
    [ctx.tenant.id, id],
  );
  // Refunds that took money back from this invoice (their negative rows), with their meaning.
  const refunds = await ctx.db.query<{
    refund_id: string;
    payment_id: string;
    amount: number;
    outcome: RefundOutcome;
    credit_memo_id: string | null;
    date: Date;
  }>(
    `SELECT r.id AS refund_id, r.payment_id, (-sum(pa.amount))::bigint AS amount, r.outcome,
            (SELECT m.id FROM credit_memos m WHERE m.refund_id = r.id) AS credit_memo_id,
            min(pa.created_at) AS date
       FROM payment_applications pa JOIN refunds r ON r.id = pa.refund_id
      WHERE pa.tenant_id = $1 AND pa.invoice_id = $2 AND pa.kind = 'refund'
      GROUP BY r.id ORDER BY r.id`,
    [ctx.tenant.id, id],
  );
  return {
    id: inv.id,
    number: inv.number,
    status: inv.status,
    invoice_date: inv.invoice_date,
    due_date: inv.due_date,
    total: inv.total,
    balance: inv.balance,
    po_number: inv.po_number,
    payment_pending: payments.some((p) => p.status === 'pending'),
    payment_scheduled: scheduled,
    payments: payments.map((p) => ({ ...p, date: p.date.toISOString() })),
    credits: credits.map((c) => ({ ...c, date: c.date.toISOString() })),
    refunds: refunds.map((r) => ({ ...r, date: r.date.toISOString() })),
    // The rule autopay would use now (G4); null for paid invoices and customers without one.
    autopay_rule:
      inv.status === 'draft' || inv.status === 'void' || inv.balance <= 0
        ? null
        : await matchingRuleFor(ctx.db, ctx, id),
  };
}
