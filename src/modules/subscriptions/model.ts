/**
 * Subscriptions (B2) and pending one-time charges: shapes and the pure rules of service dates
 * and cancellation. A subscription serves [start_date, end_date), end exclusive; its periods
 * start on the billing anchor day (see billing/periods.ts).
 */
import { z } from 'zod';
import { BusinessDate, ListQuery, MinorAmount } from '../../core/schemas.js';
import { type Interval, type Period, periodContaining } from '../billing/model.js';
import { INTERVALS, PRICE_KINDS, PRICING_MODELS, QueryBool } from '../catalog/model.js';

export const SUBSCRIPTION_STATUSES = ['active', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

const Id = z.string().min(1).max(64);
const Quantity = z.number().int('must be a whole number').min(1).max(1_000_000);

export const SubscriptionCreate = z.strictObject({
  customer_id: Id,
  price_id: Id.describe('A recurring or usage price'),
  quantity: Quantity.optional().describe('Units of a recurring price (default 1); usage prices: 1'),
  start_date: BusinessDate.optional().describe('Default: today in the tenant time zone'),
  billing_anchor_day: z
    .number()
    .int()
    .min(1)
    .max(31)
    .optional()
    .describe('Day of the month periods start (clamped to short months); default the start day'),
});
export type SubscriptionCreate = z.output<typeof SubscriptionCreate>;

export const SubscriptionPatch = z.strictObject({
  quantity: Quantity.describe(
    'New quantity of a recurring subscription; it applies to the periods not yet billed',
  ),
});
export type SubscriptionPatch = z.output<typeof SubscriptionPatch>;

export const CancelAt = z
  .union([z.enum(['period_end', 'now']), BusinessDate])
  .describe('period_end, now, or a business date the service ends at the start of');
export const SubscriptionCancel = z.strictObject({ at: CancelAt.default('period_end') });
export type SubscriptionCancel = z.output<typeof SubscriptionCancel>;

export const SubscriptionListQuery = ListQuery.extend({
  customer: Id.optional(),
  status: z.enum(SUBSCRIPTION_STATUSES).optional(),
  price: Id.optional(),
});

export const SubscriptionView = z.object({
  id: z.string(),
  customer_id: z.string(),
  price_id: z.string(),
  price: z.object({
    kind: z.enum(PRICE_KINDS),
    pricing_model: z.enum(PRICING_MODELS),
    billing_interval: z.enum(INTERVALS),
    unit_amount: z.number().int().nullable(),
    unit_of_measure: z.string().nullable(),
    product_id: z.string(),
    product_name: z.string(),
    nickname: z.string().nullable(),
  }),
  quantity: z.number().int(),
  status: z
    .enum(SUBSCRIPTION_STATUSES)
    .describe('canceled once canceled now or on a date, or once a period-end cancellation passed'),
  start_date: z.string(),
  end_date: z.string().nullable().describe('Service ends at the start of this date (exclusive)'),
  billing_anchor_day: z.number().int(),
  cancel_at_period_end: z.boolean(),
  canceled_at: z.string().nullable().describe('When the cancellation was asked for'),
  current_period: z
    .object({ start: z.string(), end: z.string() })
    .nullable()
    .describe('The period containing today (or the first one, before the start); null once ended'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type SubscriptionView = z.infer<typeof SubscriptionView>;

/** A yearly subscription's periods start in the month it started. */
export function anchorMonth(startDate: string): number {
  return Number(startDate.slice(5, 7));
}

/** The period of the subscription containing `date`, or the first one while it has not started. */
export function currentPeriod(
  sub: { start_date: string; billing_anchor_day: number },
  interval: Interval,
  today: string,
): Period {
  const on = today < sub.start_date ? sub.start_date : today;
  return periodContaining(on, interval, sub.billing_anchor_day, anchorMonth(sub.start_date));
}

/** Status as seen today: a period-end cancellation makes it canceled once the end is reached. */
export function effectiveStatus(
  sub: { status: SubscriptionStatus; end_date: string | null },
  today: string,
): SubscriptionStatus {
  return sub.status === 'canceled' || (sub.end_date !== null && sub.end_date <= today)
    ? 'canceled'
    : 'active';
}

export type CancelPlan =
  | { ok: true; endDate: string; atPeriodEnd: boolean }
  | { ok: false; message: string };

/**
 * When a cancellation ends the service. now: today (or the start date of a subscription not
 * started yet); period_end: the end of the current period; a date: that date, which may not be
 * before today nor before the start (a past date would rewrite billed history). A later
 * cancellation of a subscription set to end at period end replaces that plan.
 */
export function planCancel(
  sub: { start_date: string; billing_anchor_day: number },
  interval: Interval,
  at: SubscriptionCancel['at'],
  today: string,
): CancelPlan {
  const notBefore = today < sub.start_date ? sub.start_date : today;
  if (at === 'now') return { ok: true, endDate: notBefore, atPeriodEnd: false };
  if (at === 'period_end') {
    return { ok: true, endDate: currentPeriod(sub, interval, today).end, atPeriodEnd: true };
  }
  if (at < notBefore) {
    return {
      ok: false,
      message: `must be on or after ${notBefore} (today, or the start date); use "now" to end today`,
    };
  }
  return { ok: true, endDate: at, atPeriodEnd: false };
}

// --- pending one-time charges ------------------------------------------------------------

export const ChargeCreate = z.strictObject({
  price_id: Id.describe('A one-time price'),
  quantity: Quantity.optional().describe('Default 1'),
  description: z.string().trim().min(1).max(500).optional().describe('Default: the price’s name'),
  charge_date: BusinessDate.optional().describe(
    'Billed by the first bill run on or after this date; default today',
  ),
});
export type ChargeCreate = z.output<typeof ChargeCreate>;

export const ChargeListQuery = ListQuery.extend({
  pending: QueryBool.optional().describe('true: not invoiced yet; false: invoiced'),
});

export const ChargeView = z.object({
  id: z.string(),
  customer_id: z.string(),
  price_id: z.string(),
  quantity: z.number().int(),
  unit_amount: MinorAmount,
  amount: MinorAmount,
  currency: z.literal('USD'),
  description: z.string().nullable(),
  charge_date: z.string(),
  pending: z.boolean(),
  invoice_id: z.string().nullable(),
  created_at: z.string(),
});
export type ChargeView = z.infer<typeof ChargeView>;

const ToFollowLines = z.array(
  z.object({
    description: z.string(),
    period_start: z.string(),
    period_end: z.string(),
    amount: z.number().describe('Minor units, positive'),
  }),
);

const CreditToFollow = z
  .object({
    amount: z.number().describe('What the customer is credited, in minor units'),
    lines: ToFollowLines,
  })
  .nullable()
  .describe(
    'The credit for days billed in advance (on posted invoices) that are no longer served: the next bill run puts it on its invoice as far as that invoice’s charges absorb it, and issues the rest at once as a credit memo on the customer’s account, applied to open invoices oldest first. null when nothing was billed beyond the end.',
  );

const ChargesToFollow = z
  .object({
    amount: z.number().describe('What the bill runs still charge, in minor units'),
    lines: ToFollowLines,
  })
  .nullable()
  .describe(
    'The periods the subscription still serves that no invoice billed yet, the last prorated by day: what the bill runs up to its end charge. null when every served period is billed. Usage subscriptions bill their recorded usage in arrears and show neither.',
  );

/** The cancel answer: the subscription, and what the next bill runs give and charge for its end. */
export const SubscriptionCanceled = SubscriptionView.extend({
  credit_to_follow: CreditToFollow,
  charges_to_follow: ChargesToFollow,
});

/** What a cancel would do, written nowhere: the same figures as the cancel's answer. */
export const SubscriptionCancelPreview = z.object({
  subscription_id: z.string(),
  at: CancelAt,
  end_date: z.string().describe('The service would end at the start of this date'),
  cancel_at_period_end: z.boolean(),
  status: z
    .enum(SUBSCRIPTION_STATUSES)
    .describe('The status the subscription would have once canceled'),
  credit_to_follow: CreditToFollow,
  charges_to_follow: ChargesToFollow,
});
export type SubscriptionCancelPreview = z.infer<typeof SubscriptionCancelPreview>;
