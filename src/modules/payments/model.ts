/** Payments (E1–E11): statuses, the stored row, its view and the request shapes. */
import { z } from 'zod';
import { MAX_AMOUNT } from '../../core/money.js';
import { BusinessDate } from '../../core/schemas.js';

export const PAYMENT_STATUSES = [
  'scheduled',
  'pending',
  'succeeded',
  'failed',
  'returned',
  'refunded',
  'cancelled',
] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

export const PAYMENT_SOURCES = [
  'manual',
  'scheduled',
  'autopay',
  'payment_run',
  'external',
  'retry',
] as const;
export type PaymentSource = (typeof PAYMENT_SOURCES)[number];

export interface PaymentRow {
  id: string;
  tenant_id: string;
  customer_id: string;
  method_type: 'card' | 'bank_account' | 'check' | 'wire' | 'cash';
  payment_method_id: string | null;
  reference: string | null;
  amount: number;
  currency: 'USD';
  status: PaymentStatus;
  source: PaymentSource;
  prepayment: boolean;
  scheduled_for: string | null;
  autopay_rule_id: string | null;
  payment_run_id: string | null;
  retry_of: string | null;
  autopay_invoice_id: string | null;
  gateway: 'sandbox' | 'stripe' | null;
  gateway_charge_id: string | null;
  decline_code: string | null;
  failure_message: string | null;
  return_code: string | null;
  amount_refunded: number;
  expected_settlement_date: string | null;
  next_retry_date: string | null;
  retry_count: number;
  sync_state: 'pending' | 'synced' | 'failed';
  synced_at: Date | null;
  sync_error: string | null;
  attempted_at: Date | null;
  settled_at: Date | null;
  failed_at: Date | null;
  returned_at: Date | null;
  cancelled_at: Date | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  planned_allocations: { invoice_id: string; amount: number }[] | null;
}

export type ApplicationView = {
  invoice_id: string;
  amount: number;
};

/** What a payment paid on an invoice, with the invoice's number (given at posting). */
export type AppliedView = ApplicationView & { invoice_number: string | null };

/**
 * What a refund means for the invoices it takes money back from (E10): 'credit' — a credit memo
 * linked to the refund credits the same amount, so they stay settled; 'reopen' — the customer
 * still owes it and their balances open again.
 */
export const REFUND_OUTCOMES = ['credit', 'reopen'] as const;
export type RefundOutcome = (typeof REFUND_OUTCOMES)[number];

export type RefundView = {
  id: string;
  amount: number;
  reason: string | null;
  outcome: RefundOutcome;
  /** The memo that credits it (outcome credit, once it succeeded and took from an invoice). */
  credit_memo_id: string | null;
  status: 'pending' | 'succeeded' | 'failed';
  failure_message: string | null;
  created_at: string;
};

export type PaymentView = {
  id: string;
  customer_id: string;
  status: PaymentStatus;
  amount: number;
  currency: 'USD';
  method_type: PaymentRow['method_type'];
  payment_method_id: string | null;
  reference: string | null;
  source: PaymentSource;
  prepayment: boolean;
  scheduled_for: string | null;
  autopay_rule_id: string | null;
  payment_run_id: string | null;
  retry_of: string | null;
  autopay_invoice_id: string | null;
  gateway: 'sandbox' | 'stripe' | null;
  gateway_charge_id: string | null;
  decline_code: string | null;
  failure_message: string | null;
  return_code: string | null;
  amount_refunded: number;
  /** For a scheduled payment: the invoices it means to pay. */
  planned_allocations: ApplicationView[] | null;
  /** What is not applied to any invoice (net of refunds taken from it): a credit (H2). */
  unapplied: number;
  /** Net applications per invoice (refunds subtracted). */
  applications: AppliedView[];
  /**
   * What a refund may take back: the amount less what was refunded and what pending refunds
   * hold; 0 unless the payment succeeded (refunds.ts refusalFor).
   */
  refundable: number;
  refunds: RefundView[];
  /** Invoices billing back what was refunded before the bank returned the debit. */
  return_debit_invoice_ids: string[];
  expected_settlement_date: string | null;
  next_retry_date: string | null;
  retry_count: number;
  sync_state: 'pending' | 'synced' | 'failed';
  synced_at: string | null;
  sync_error: string | null;
  attempted_at: string | null;
  settled_at: string | null;
  failed_at: string | null;
  returned_at: string | null;
  cancelled_at: string | null;
  created_at: string;
  updated_at: string;
};

export type AdjustedScheduled = {
  id: string;
  old_amount: number;
  /** null when the scheduled payment was cancelled. */
  new_amount: number | null;
};

const id = z.string().min(1).max(64);
const positive = z.number().int().positive().max(MAX_AMOUNT);
const date = BusinessDate;

export const Allocation = z.strictObject({ invoice_id: id, amount: positive });
export type Allocation = z.infer<typeof Allocation>;

/** The most invoices one payment pays (staff); what staff's pay options list at most. */
export const MAX_ALLOCATIONS = 500;

const allocations = z
  .array(Allocation)
  .min(1)
  .max(MAX_ALLOCATIONS)
  .refine((a) => new Set(a.map((x) => x.invoice_id)).size === a.length, {
    message: 'each invoice at most once',
  });

export const PaymentCreate = z.strictObject({
  customer_id: id,
  payment_method_id: id,
  amount: positive,
  allocations: allocations.optional(),
  scheduled_for: date.optional(),
  prepayment: z.boolean().optional(),
});
export type PaymentCreate = z.infer<typeof PaymentCreate>;

/**
 * The body of POST /payments: as PaymentCreate, but the amount may be left out when allocations
 * are given (it is then their sum), so a client never adds up money itself.
 */
export const PaymentCreateBody = PaymentCreate.extend({
  amount: positive
    .optional()
    .describe('Required without allocations; with them, defaults to their sum'),
}).refine((p) => p.amount !== undefined || p.allocations !== undefined, {
  message: 'give an amount, or allocations to pay',
  path: ['amount'],
});
export type PaymentCreateBody = z.infer<typeof PaymentCreateBody>;

/** The payment a body stands for: without an amount, the sum of its allocations. */
export function paymentOfBody(body: PaymentCreateBody): PaymentCreate {
  const { amount, ...rest } = body;
  return { ...rest, amount: amount ?? (body.allocations ?? []).reduce((s, a) => s + a.amount, 0) };
}

/** POST /payments/preview: the invoices and amounts a payment would pay, and its date. */
export const PaymentPreviewBody = z.strictObject({
  customer_id: id,
  allocations,
  scheduled_for: date.optional().describe('A later date; absent or today: paid now'),
});

export const ExternalPaymentCreate = z
  .strictObject({
    customer_id: id,
    method: z.enum(['check', 'wire', 'cash']),
    reference: z.string().trim().min(1).max(200).optional(),
    amount: positive,
    received_on: date.optional(),
    allocations: allocations.optional(),
    prepayment: z.boolean().optional(),
  })
  .refine((p) => p.method !== 'check' || p.reference !== undefined, {
    message: 'a check needs its number as reference',
    path: ['reference'],
  });
export type ExternalPaymentCreate = z.infer<typeof ExternalPaymentCreate>;

export const Reschedule = z.strictObject({ scheduled_for: date });
export const ApplyInput = z.strictObject({ allocations });
export const RefundCreate = z.strictObject({
  amount: positive,
  reason: z.string().trim().min(1).max(500).optional(),
  outcome: z
    .enum(REFUND_OUTCOMES)
    .default('credit')
    .describe(
      'What the refund means for the invoices it takes money back from. credit (default): a credit memo linked to the refund credits the same amount in the same transaction, so the invoices stay settled and nothing collects them again. reopen: the customer still owes it (e.g. a payment taken from the wrong card); the balances open again and autopay collects them like any other open balance. A refund taken from the unapplied remainder touches no invoice either way.',
    ),
});
export type RefundCreate = z.output<typeof RefundCreate>;

export const PaymentListQuery = z.strictObject({
  customer: id.optional(),
  status: z.enum(PAYMENT_STATUSES).optional(),
  cursor: z.string().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
