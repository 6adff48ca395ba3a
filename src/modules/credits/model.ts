/** Credit memos and the credits view (H1–H3): request and response shapes. */
import { z } from 'zod';
import { MAX_AMOUNT } from '../../core/money.js';
import { ListQuery } from '../../core/schemas.js';
import { AdjustedScheduledView } from '../invoices/model.js';

const Id = z.string().min(1).max(64);
const Positive = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .min(1, 'must be greater than zero')
  .max(MAX_AMOUNT, 'must be at most 10000000000000 (the largest amount Billow holds)')
  .describe('Amount in minor units (cents), greater than zero, at most 10^13');

export const CreditMemoCreate = z.strictObject({
  customer_id: Id,
  amount: Positive,
  reason: z.string().trim().min(1).max(500),
  invoice_id: Id.optional().describe(
    'A posted invoice of the customer: the memo is applied to it at once, up to its open amount',
  ),
});
export type CreditMemoCreate = z.output<typeof CreditMemoCreate>;

export const CreditAllocation = z.strictObject({ invoice_id: Id, amount: Positive });
export type CreditAllocation = z.output<typeof CreditAllocation>;

export const CreditApply = z.strictObject({
  allocations: z
    .array(CreditAllocation)
    .min(1)
    .max(100)
    .refine((a) => new Set(a.map((x) => x.invoice_id)).size === a.length, {
      message: 'each invoice may appear once',
    })
    .optional()
    .describe('Where to apply; when omitted, the oldest open invoices first'),
});
export type CreditApply = z.output<typeof CreditApply>;

export const CreditMemoListQuery = ListQuery.extend({
  customer: Id.optional(),
});

export const CreditApplicationView = z.object({
  id: z.string(),
  invoice_id: z.string(),
  amount: z.number(),
  created_at: z.string(),
});

export const CreditMemoView = z.object({
  id: z.string(),
  customer_id: z.string(),
  invoice_id: z.string().nullable(),
  status: z.enum(['open', 'void']),
  currency: z.literal('USD'),
  amount: z.number(),
  applied: z.number(),
  remaining: z.number(),
  reason: z.string(),
  refund_id: z
    .string()
    .nullable()
    .describe(
      'The refund this memo credits (a refund with outcome credit): applied where the refund took the money back',
    ),
  sync_state: z.enum(['pending', 'synced', 'failed']),
  synced_at: z.string().nullable(),
  sync_error: z.string().nullable(),
  applications: z.array(CreditApplicationView),
  proration: z
    .object({
      subscription_id: z.string(),
      period_start: z.string(),
      period_end: z.string(),
      bill_run_id: z.string().nullable(),
    })
    .nullable()
    .describe(
      'For a credit a bill run issued for the unused, prepaid days of a canceled subscription: the subscription period it credits (null for memos staff issue)',
    ),
  created_by: z.string().nullable(),
  created_at: z.string(),
});
export type CreditMemoView = z.infer<typeof CreditMemoView>;

/** A memo after issuing or applying it, with the scheduled payments it reduced or cancelled. */
export const CreditMemoChange = CreditMemoView.extend({
  adjusted_scheduled: z
    .array(AdjustedScheduledView)
    .describe(
      'Scheduled payments of the customer reduced (new_amount) or cancelled (null) because the credit left less open on their invoices',
    ),
});
export type CreditMemoChange = z.infer<typeof CreditMemoChange>;

export const CreditMemoPage = z.object({
  data: z.array(CreditMemoView),
  next_cursor: z.string().nullable(),
});

export const CREDIT_TYPES = ['memo', 'unapplied', 'all'] as const;
export const CreditsQuery = ListQuery.extend({ type: z.enum(CREDIT_TYPES).default('all') });

export const CreditRow = z.object({
  id: z.string(),
  type: z.enum(['memo', 'unapplied']),
  date: z.string().describe('Business date the credit arose'),
  amount: z.number(),
  remaining: z.number(),
  reference: z.string().nullable(),
});
export type CreditRow = z.infer<typeof CreditRow>;

export const CreditsView = z.object({
  customer_id: z.string(),
  type: z.enum(CREDIT_TYPES),
  currency: z.literal('USD'),
  total: z.number().describe('Sum of the remaining amounts'),
  count: z.number().describe('How many credits there are in all (every page)'),
  data: z.array(CreditRow).describe('This page, newest first'),
  next_cursor: z.string().nullable(),
});
export type CreditsView = z.infer<typeof CreditsView>;

export const BalanceView = z.object({
  customer_id: z.string(),
  currency: z.literal('USD'),
  total_balance: z.number().describe('Sum of the open balances of posted invoices'),
  total_past_due: z.number().describe('Open balances whose due date is before today'),
  oldest_open_invoice: z
    .object({ id: z.string(), number: z.string().nullable(), due_date: z.string().nullable() })
    .nullable(),
  open_invoice_count: z.number(),
  unapplied_credits: z.number().describe('Remaining credit memos plus unapplied payments'),
  net_balance: z.number().describe('total_balance − unapplied_credits'),
  children: z.object({
    count: z.number().describe('All descendants, however deep'),
    total_balance: z.number(),
    total_past_due: z.number(),
  }),
});
export type BalanceView = z.infer<typeof BalanceView>;
