/** Accounting sync (E8, K2): the adapter's queue and the results it reports, as shapes. */
import { z } from 'zod';
import { BusinessDate, ListQuery } from '../../core/schemas.js';
import { CreditMemoView } from '../credits/model.js';
import { InvoiceView } from '../invoices/model.js';
import { PAYMENT_STATUSES } from '../payments/model.js';

export const SYNC_TYPES = ['invoice', 'payment', 'credit_memo'] as const;
export type SyncType = (typeof SYNC_TYPES)[number];
export const SYNC_STATES = ['pending', 'synced', 'failed'] as const;
export type SyncState = (typeof SYNC_STATES)[number];

/** How many results one POST /accounting/sync-results may carry. */
export const MAX_SYNC_RESULTS = 1000;
/**
 * 1,000 results with a 1,000-character error and a 200-character external id each stay under
 * 2 MiB of JSON; the app's default 256 KiB would refuse a full batch with long messages.
 */
export const SYNC_RESULTS_BODY_LIMIT = 2 * 1024 * 1024;

export const PendingQuery = ListQuery.extend({
  type: z.enum(SYNC_TYPES),
  state: z
    .enum(['pending', 'failed'])
    .optional()
    .describe('Only records never sent or changed since (pending), or only failed ones'),
});
export type PendingQuery = z.output<typeof PendingQuery>;

export const SyncView = z.object({
  state: z.enum(SYNC_STATES),
  revision: z
    .number()
    .int()
    .describe('Bumped whenever the record changes; send it back as revision with the result'),
  synced_at: z.string().nullable().describe('When the adapter last confirmed the record'),
  error: z.string().nullable().describe('The adapter’s message for its last failure'),
  external_id: z.string().nullable().describe('The record’s id in the accounting system'),
});
export type SyncView = z.infer<typeof SyncView>;

export const CustomerRef = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  accounting_id: z.string().nullable().describe('The customer’s link to the accounting system'),
});
export type CustomerRef = z.infer<typeof CustomerRef>;

const Application = z.object({ invoice_id: z.string(), amount: z.number() });

/**
 * The payment as GET /payments/{id} shows it. The fields an accounting system needs are listed;
 * the others pass through unchanged.
 */
export const PaymentRecord = z.looseObject({
  id: z.string(),
  customer_id: z.string(),
  status: z.enum(PAYMENT_STATUSES).describe('succeeded, refunded, or returned after it settled'),
  amount: z.number(),
  currency: z.literal('USD'),
  method_type: z.string(),
  reference: z.string().nullable(),
  amount_refunded: z.number(),
  unapplied: z.number(),
  applications: z.array(Application).describe('Net per invoice (refunds subtracted)'),
  refunds: z.array(z.looseObject({ id: z.string(), amount: z.number(), status: z.string() })),
  return_code: z.string().nullable(),
  settled_at: z.string().nullable(),
  returned_at: z.string().nullable(),
  created_at: z.string(),
});

const base = { id: z.string(), sync: SyncView, customer: CustomerRef };
export const PendingRecord = z.discriminatedUnion('type', [
  z.object({ type: z.literal('invoice'), ...base, invoice: InvoiceView }),
  z.object({ type: z.literal('payment'), ...base, payment: PaymentRecord }),
  z.object({ type: z.literal('credit_memo'), ...base, credit_memo: CreditMemoView }),
]);
export type PendingRecord = z.infer<typeof PendingRecord>;

export const PendingPage = z.object({
  data: z.array(PendingRecord),
  next_cursor: z.string().nullable(),
});

export const SyncResult = z
  .strictObject({
    type: z.enum(SYNC_TYPES),
    id: z.string().min(1).max(64),
    state: z.enum(['synced', 'failed']),
    revision: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        'The revision the adapter sent (from the pending list): if the record changed since, the result is ignored (outcome stale) and the record stays pending',
      ),
    external_id: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .optional()
      .describe('The record’s id in the accounting system; kept when omitted'),
    error: z
      .string()
      .trim()
      .min(1)
      .max(1000)
      .optional()
      .describe('Why the accounting system refused the record: required with state failed'),
  })
  .refine((r) => (r.state === 'failed') === (r.error !== undefined), {
    message: 'error is required with state failed and not allowed with state synced',
    path: ['error'],
  });
export type SyncResult = z.output<typeof SyncResult>;

export const SyncResultsBody = z.strictObject({
  results: z
    .array(SyncResult)
    .min(1)
    .max(MAX_SYNC_RESULTS)
    .refine((rs) => new Set(rs.map((r) => `${r.type}:${r.id}`)).size === rs.length, {
      message: 'each record (type and id) at most once',
    }),
});
export type SyncResultsBody = z.output<typeof SyncResultsBody>;

export const SyncOutcome = z.object({
  type: z.enum(SYNC_TYPES),
  id: z.string(),
  outcome: z
    .enum(['updated', 'unchanged', 'stale'])
    .describe(
      'updated: the state was recorded; unchanged: it was already so (a repeat); stale: the record changed after the revision given and stays pending',
    ),
  sync: SyncView,
});
export type SyncOutcome = z.infer<typeof SyncOutcome>;

export const SyncResultsView = z.object({ data: z.array(SyncOutcome) });
export type SyncResultsView = z.infer<typeof SyncResultsView>;

/** GET /accounting/journal: a range of business dates, both ends included. */
export const JournalQuery = z
  .strictObject({
    from: BusinessDate.describe('First business date of the range (tenant time zone), included'),
    to: BusinessDate.describe('Last business date of the range (tenant time zone), included'),
  })
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
export type JournalQuery = z.output<typeof JournalQuery>;

/** The columns of the journal CSV, in order. */
export const JOURNAL_COLUMNS = [
  'entry_id',
  'date',
  'entry_type',
  'account',
  'account_name',
  'debit',
  'credit',
  'currency',
  'customer_number',
  'customer_name',
  'document',
] as const;

/** Minor units as a decimal with two places, without floating point: 123456 → "1234.56". */
export function decimalAmount(minor: number): string {
  const sign = minor < 0 ? '-' : '';
  const digits = String(Math.abs(minor)).padStart(3, '0');
  return `${sign}${digits.slice(0, -2)}.${digits.slice(-2)}`;
}

/**
 * One CSV field (RFC 4180): quoted when it holds a comma, quote or line break; a text that a
 * spreadsheet would run as a formula (=, +, -, @ first) is prefixed with an apostrophe.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
