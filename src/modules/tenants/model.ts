/** Tenant settings (A1): what a tenant configures, with the defaults a new tenant gets. */
import { z } from 'zod';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../../core/dates.js';
import { Email, Password } from '../staff/model.js';

export const TenantSettings = z.strictObject({
  /** Net days from invoice date to due date. */
  payment_terms_days: z.number().int().min(0).max(365),
  /** Post a bill run's invoices as soon as it finishes (C5). */
  auto_post: z.boolean(),
  /** Email invoices as soon as they are posted (C5). */
  auto_email: z.boolean(),
  /** Days after a failed payment on which it is retried (F2). */
  retry_schedule_days: z.array(z.number().int().min(1).max(60)).max(10),
  email_from_name: z.string().max(200).nullable(),
  email_from_address: z.email().max(320).nullable(),
  /**
   * Day of the month (1–31, clamped to short months) on which a bill run for that date starts
   * by itself, with the auto-post and auto-email settings; null for no schedule.
   */
  bill_run_day: z.number().int().min(1).max(31).nullable(),
  /** Start a payment run for autopay customers as soon as each bill run is posted (F3). */
  payment_run_after_bill_run: z.boolean(),
  /**
   * Start a payment run every business day (F1), when the tenant's clock reaches the day: it
   * collects the posted invoices due by then. Independent of payment_run_after_bill_run: a bill
   * run posted later that day is collected by that setting's run, or by the next day's.
   */
  payment_run_daily: z
    .boolean()
    .describe(
      'Start a payment run for autopay customers every business day; it collects posted invoices due by that day',
    ),
  /**
   * Days after a bank debit settled during which refunding it is refused, because the bank may
   * still return it (consumer returns such as R10 come up to 60 days later). 0 allows refunds at
   * once; a return after a refund is then billed back to the customer.
   */
  refund_guard_days: z
    .number()
    .int()
    .min(0)
    .max(120)
    .describe(
      'Days after a bank debit settled during which it cannot be refunded, since the bank may still return it (0–120; default 60, the consumer return window)',
    ),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

export const DEFAULT_SETTINGS: TenantSettings = {
  payment_terms_days: 30,
  auto_post: false,
  auto_email: false,
  retry_schedule_days: [3, 5, 7],
  email_from_name: null,
  email_from_address: null,
  bill_run_day: null,
  payment_run_after_bill_run: false,
  payment_run_daily: false,
  refund_guard_days: 60,
};

export const TimeZone = z
  .string()
  .max(64)
  .refine(isValidTimeZone, { message: 'not a known IANA time zone' })
  .describe('IANA time zone, e.g. America/New_York');

export const TenantPatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  time_zone: TimeZone.optional(),
  settings: TenantSettings.partial().optional(),
});
export type TenantPatch = z.infer<typeof TenantPatch>;

export const TenantView = z.object({
  id: z.string(),
  name: z.string(),
  mode: z.enum(['sandbox', 'live']),
  time_zone: z.string(),
  currency: z.literal('USD'),
  settings: TenantSettings,
  created_at: z.string(),
});
export type TenantView = z.infer<typeof TenantView>;

export { DEFAULT_TIME_ZONE };

/** GET /setup: whether this installation still needs its first tenant. */
export const SetupStatus = z.object({
  needed: z
    .boolean()
    .describe('True while the installation has no tenant: the console offers its first run'),
});

const SetupOwner = {
  owner_name: z.string().trim().min(1).max(200),
  email: Email,
  password: Password,
};

/** POST /setup: the first tenant and its owner, or the demo data with this owner. */
export const SetupBody = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('organisation'),
    tenant_name: z.string().trim().min(1).max(200),
    time_zone: TimeZone.optional(),
    live: z.boolean().optional().describe('A live tenant (real gateway); sandbox when absent'),
    ...SetupOwner,
  }),
  z.strictObject({
    kind: z.literal('demo'),
    ...SetupOwner,
  }),
]);
export type SetupBody = z.output<typeof SetupBody>;
