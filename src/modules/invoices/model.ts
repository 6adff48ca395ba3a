/** Invoice shapes and the derived status (C4, C7). */
import { z } from 'zod';
import { MAX_AMOUNT } from '../../core/money.js';
import { BusinessDate } from '../../core/schemas.js';

export const INVOICE_STATUSES = [
  'draft',
  'open',
  'partially_paid',
  'paid',
  'past_due',
  'void',
] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

/** The status a user sees, derived from the stored state, the balance and the business date. */
export function deriveStatus(inv: {
  status: 'draft' | 'posted' | 'void';
  total: number;
  paid: number;
  credits: number;
  due_date: string | null;
  today: string;
}): InvoiceStatus {
  if (inv.status !== 'posted') return inv.status;
  const balance = inv.total - inv.paid - inv.credits;
  if (balance <= 0) return 'paid';
  if (inv.due_date !== null && inv.due_date < inv.today) return 'past_due';
  return inv.paid + inv.credits > 0 ? 'partially_paid' : 'open';
}

const Amount = z.number().int().min(-MAX_AMOUNT).max(MAX_AMOUNT);

export const LineInput = z.union([
  z.strictObject({
    description: z.string().trim().min(1).max(500),
    amount: Amount.describe('Minor units; negative for a discount on a draft'),
  }),
  z.strictObject({
    price_id: z.string().max(64).describe('A one-time price'),
    quantity: z.number().int().min(1).max(1_000_000).default(1),
    description: z.string().trim().min(1).max(500).optional(),
  }),
]);
export type LineInput = z.infer<typeof LineInput>;

export const InvoiceCreate = z.strictObject({
  customer_id: z.string().max(64),
  invoice_date: BusinessDate.optional(),
  po_number: z.string().trim().max(100).optional(),
  memo: z.string().max(2000).optional(),
  lines: z.array(LineInput).max(500).default([]),
});

export const InvoicePatch = z.strictObject({
  invoice_date: BusinessDate.optional(),
  po_number: z.string().trim().max(100).nullable().optional(),
  memo: z.string().max(2000).nullable().optional(),
});

export const AdjustmentInput = z.strictObject({
  kind: z.enum(['credit', 'charge']),
  amount: z.number().int().min(1).max(MAX_AMOUNT),
  reason: z.string().trim().min(1).max(500),
  line_id: z.string().max(64).optional(),
});

export const VoidInput = z.strictObject({ reason: z.string().trim().min(1).max(500) });

export const LineView = z.object({
  id: z.string(),
  kind: z.string(),
  description: z.string(),
  subscription_id: z.string().nullable(),
  price_id: z.string().nullable(),
  quantity: z.string().nullable(),
  unit_amount: z.number().nullable(),
  amount: z.number(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
});

export const AdjustmentView = z.object({
  id: z.string(),
  line_id: z.string().nullable(),
  kind: z.enum(['credit', 'charge']),
  amount: z.number(),
  reason: z.string(),
  created_at: z.string(),
});

export const InvoiceSummary = z.object({
  id: z.string(),
  number: z.string().nullable(),
  customer_id: z.string(),
  bill_run_id: z.string().nullable(),
  status: z.enum(INVOICE_STATUSES),
  currency: z.literal('USD'),
  invoice_date: z.string(),
  due_date: z.string().nullable(),
  po_number: z.string().nullable(),
  memo: z.string().nullable(),
  subtotal: z.number(),
  adjustments_total: z.number(),
  total: z.number(),
  amount_paid: z.number(),
  credits_applied: z.number(),
  balance: z.number(),
  pending_amount: z
    .number()
    .describe(
      'Held by payments in flight (a bank debit not settled yet): part of the balance that a new payment cannot take until they settle or fail',
    ),
  posted_at: z.string().nullable(),
  voided_at: z.string().nullable(),
  sync_state: z
    .enum(['pending', 'synced', 'failed'])
    .describe('Accounting sync (E8): pending until the adapter confirms it, again after a change'),
  synced_at: z.string().nullable().describe('When the accounting adapter last confirmed it'),
  sync_error: z.string().nullable().describe('The accounting adapter’s last failure'),
  created_at: z.string(),
});
export type InvoiceSummary = z.infer<typeof InvoiceSummary>;

export const InvoiceView = InvoiceSummary.extend({
  void_reason: z.string().nullable(),
  lines: z.array(LineView),
  adjustments: z.array(AdjustmentView),
});
export type InvoiceView = z.infer<typeof InvoiceView>;

/** A scheduled payment clipped because an invoice's open balance fell (E3), as POST /payments says. */
export const AdjustedScheduledView = z.object({
  id: z.string(),
  old_amount: z.number(),
  new_amount: z.number().nullable().describe('null when the scheduled payment was cancelled'),
});
export type AdjustedScheduledView = z.infer<typeof AdjustedScheduledView>;

/** An invoice after a change that lowered its open balance, with the scheduled payments clipped. */
export const InvoiceChange = InvoiceView.extend({
  adjusted_scheduled: z
    .array(AdjustedScheduledView)
    .describe('scheduled payments reduced or cancelled because the invoice now has less open'),
});
export type InvoiceChange = z.infer<typeof InvoiceChange>;
