/**
 * Response schemas of the payment routes, for the OpenAPI document and the serializer. The
 * checks at the bottom keep them equal to the view types the services return: a field added to
 * a view and not here fails the typecheck instead of vanishing from the response.
 */
import { z } from 'zod';
import { pageOf } from '../../core/schemas.js';
import {
  type AdjustedScheduled,
  PAYMENT_SOURCES,
  PAYMENT_STATUSES,
  type PaymentView,
  REFUND_OUTCOMES,
  type RefundView,
} from './model.js';
import type { payOptions } from './options.js';
import type { previewPayment } from './preview.js';
import type { PaymentResponse } from './service.js';
import type { InvoicePaymentSummary } from './summary.js';

const instant = z.string().describe('ISO-8601 instant (UTC)');
const date = z.string().describe('Business date YYYY-MM-DD in the tenant time zone');
const amount = z.number().int().describe('Minor units (cents)');

const Application = z.object({ invoice_id: z.string(), amount });
const Applied = Application.extend({
  invoice_number: z.string().nullable().describe('The invoice number (given at posting)'),
});

const Refund = z.object({
  id: z.string(),
  amount,
  reason: z.string().nullable(),
  outcome: z
    .enum(REFUND_OUTCOMES)
    .describe(
      'credit: a credit memo credits what the refund took back, the invoices stay settled; reopen: their balances opened again',
    ),
  credit_memo_id: z
    .string()
    .nullable()
    .describe(
      'The credit memo of a credit refund (null while pending, for reopen, or when the refund came from the unapplied remainder only)',
    ),
  status: z.enum(['pending', 'succeeded', 'failed']),
  failure_message: z.string().nullable(),
  created_at: instant,
});

export const PaymentViewSchema = z.object({
  id: z.string(),
  customer_id: z.string(),
  status: z.enum(PAYMENT_STATUSES),
  amount,
  currency: z.literal('USD'),
  method_type: z.enum(['card', 'bank_account', 'check', 'wire', 'cash']),
  payment_method_id: z.string().nullable(),
  reference: z.string().nullable().describe('Check number or wire/cash reference'),
  source: z.enum(PAYMENT_SOURCES),
  prepayment: z.boolean(),
  scheduled_for: date.nullable(),
  autopay_rule_id: z.string().nullable(),
  payment_run_id: z.string().nullable(),
  retry_of: z.string().nullable(),
  autopay_invoice_id: z.string().nullable(),
  gateway: z.enum(['sandbox', 'stripe']).nullable(),
  gateway_charge_id: z.string().nullable(),
  decline_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  return_code: z.string().nullable(),
  amount_refunded: amount,
  planned_allocations: z
    .array(Application)
    .nullable()
    .describe('For a scheduled payment: the invoices it means to pay'),
  unapplied: amount.describe('Not applied to any invoice, net of refunds taken from it: a credit'),
  applications: z.array(Applied).describe('Net applications per invoice (refunds subtracted)'),
  refundable: amount.describe(
    'What a refund may take back now: the amount less what was refunded and what pending refunds hold; 0 unless the payment succeeded (a bank debit is still refused within its return window, see refund_guard_days)',
  ),
  refunds: z.array(Refund),
  return_debit_invoice_ids: z
    .array(z.string())
    .describe(
      'Invoices that bill back what was refunded on this bank debit before the bank returned it: the customer got that money without having paid',
    ),
  expected_settlement_date: date.nullable(),
  next_retry_date: date.nullable(),
  retry_count: z.number().int(),
  sync_state: z.enum(['pending', 'synced', 'failed']),
  synced_at: instant.nullable(),
  sync_error: z.string().nullable(),
  attempted_at: instant.nullable(),
  settled_at: instant.nullable(),
  failed_at: instant.nullable(),
  returned_at: instant.nullable(),
  cancelled_at: instant.nullable(),
  created_at: instant,
  updated_at: instant,
});

const AdjustedScheduledSchema = z.object({
  id: z.string(),
  old_amount: amount,
  new_amount: amount.nullable().describe('null when the scheduled payment was cancelled'),
});

/** A payment just made, with the scheduled payments it made smaller or cancelled. */
export const PaymentResponseSchema = PaymentViewSchema.extend({
  adjusted_scheduled: z
    .array(AdjustedScheduledSchema)
    .describe('Scheduled payments of the same invoices reduced (or cancelled) to fit'),
});

export const PaymentPage = pageOf(PaymentViewSchema);

/** A refund just made: the payment after it, and the refund itself (what it meant). */
export const RefundResponseSchema = PaymentViewSchema.extend({
  refund: Refund.describe('The refund this request made, with its outcome and credit memo'),
});

export const InvoicePaymentSummarySchema = z.object({
  id: z.string(),
  number: z.string().nullable(),
  status: z.string(),
  invoice_date: date,
  due_date: date.nullable(),
  total: amount,
  balance: amount,
  po_number: z.string().nullable(),
  payment_pending: z.boolean(),
  payment_scheduled: z.array(z.object({ id: z.string(), scheduled_for: date, amount })),
  payments: z.array(
    z.object({
      payment_id: z.string(),
      status: z.string(),
      method_type: z.string(),
      amount,
      date,
    }),
  ),
  credits: z.array(
    z.object({
      credit_memo_id: z.string(),
      refund_id: z
        .string()
        .nullable()
        .describe('The refund this memo credits (a refund with outcome credit)'),
      amount,
      date,
    }),
  ),
  refunds: z
    .array(
      z.object({
        refund_id: z.string(),
        payment_id: z.string(),
        amount: amount.describe('What the refund took back from this invoice'),
        outcome: z
          .enum(REFUND_OUTCOMES)
          .describe(
            'credit: its credit memo keeps the invoice settled; reopen: the amount is owed again',
          ),
        credit_memo_id: z.string().nullable(),
        date,
      }),
    )
    .describe('Refunds that took money back from this invoice, and what each meant for it'),
  autopay_rule: z.object({ id: z.string(), name: z.string() }).nullable(),
});

export const PayOptionsSchema = z.object({
  customer_id: z.string(),
  currency: z.literal('USD'),
  today: date,
  invoices: z
    .array(
      z.object({
        id: z.string(),
        number: z.string().nullable(),
        invoice_date: date,
        due_date: date.nullable(),
        total: amount,
        balance: amount.describe('Total less paid and credited'),
        pending: amount.describe('Held by payments in flight (a bank debit not settled yet)'),
        available: amount.describe('What a new payment may take: balance less pending'),
        past_due: z.boolean(),
      }),
    )
    .describe(
      'Posted invoices with an open balance, oldest first: as many as one payment may pay (500)',
    ),
  total_available: amount.describe('What all open invoices leave to pay, listed or not'),
  payable_count: z
    .number()
    .int()
    .describe('Open invoices with something left to pay, listed or not'),
  unlisted_count: z.number().int().describe('Open invoices left off the list (the newest)'),
  methods: z
    .array(
      z.object({
        id: z.string(),
        kind: z.enum(['card', 'bank_account']),
        label: z.string().describe('"Visa ending 4242", "Checking account ending 6789"'),
        expires: z.string().nullable().describe('MM/YYYY of a card'),
        is_default: z.boolean(),
        inherited: z.boolean().describe('Shared by a parent account'),
      }),
    )
    .describe('Usable methods: verified, not expired, own or shared by a parent'),
  preselected_method_id: z.string().nullable().describe('Used last, else the default'),
});

/** POST /payments/preview: what a payment would do, before it is made (E3). */
export const PaymentPreviewSchema = z.object({
  customer_id: z.string(),
  currency: z.literal('USD'),
  scheduled_for: date.nullable().describe('null: paid now'),
  today: date,
  lines: z.array(
    z.object({
      invoice_id: z.string(),
      number: z.string().nullable(),
      due_date: date.nullable(),
      balance: amount,
      pending: amount.describe('Held by bank debits not settled yet'),
      amount: amount.describe('What this payment pays on it'),
      remaining: amount.describe('Left to pay on the invoice after this payment'),
    }),
  ),
  total: amount.describe('What will be charged'),
  reduces: z
    .array(
      z.object({
        id: z.string(),
        scheduled_for: date.nullable(),
        source: z.enum(PAYMENT_SOURCES).describe('scheduled, autopay, …'),
        old_amount: amount,
        new_amount: amount.nullable().describe('null: it would be cancelled'),
      }),
    )
    .describe(
      'Scheduled or autopay payments this payment would lower or cancel (E3); empty for a payment on a later date',
    ),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameView: Same<z.infer<typeof PaymentViewSchema>, PaymentView> = true;
const sameResponse: Same<z.infer<typeof PaymentResponseSchema>, PaymentResponse> = true;
const sameAdjusted: Same<z.infer<typeof AdjustedScheduledSchema>, AdjustedScheduled> = true;
const sameRefund: Same<z.infer<typeof Refund>, RefundView> = true;
const sameSummary: Same<z.infer<typeof InvoicePaymentSummarySchema>, InvoicePaymentSummary> = true;
const samePreview: Same<
  z.infer<typeof PaymentPreviewSchema>,
  Awaited<ReturnType<typeof previewPayment>>
> = true;
const sameOptions: Same<
  z.infer<typeof PayOptionsSchema>,
  Awaited<ReturnType<typeof payOptions>>
> = true;
void [sameView, sameResponse, sameAdjusted, sameSummary, sameRefund, sameOptions, samePreview];
