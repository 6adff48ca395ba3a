/**
 * Payment methods (D1–D8): request and response shapes and the pure rules of usability. A method
 * is a gateway reference plus display data; the numbers stay at the gateway.
 */
import { z } from 'zod';
import { Address } from '../../core/schemas.js';

const Currency = z
  .string()
  .max(10)
  .optional()
  .describe('USD, the only currency payments are processed in; anything else is refused');
const FriendlyName = z.string().trim().min(1).max(100);
const Authorized = z
  .boolean()
  .optional()
  .describe('The customer’s authorisation tick: must be true (D7)');

export const MethodCreate = z.strictObject({
  gateway_token: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .describe('A token from POST /sandbox/tokens, or a Stripe.js PaymentMethod id (pm_…)'),
  authorized: Authorized,
  friendly_name: FriendlyName.nullable().optional(),
  shared_with_children: z.boolean().optional().describe('Offer this method to child accounts'),
  make_default: z
    .boolean()
    .optional()
    .describe(
      'Default true: the newest usable method becomes the default (a bank account once verified)',
    ),
  currency: Currency,
});
export type MethodCreate = z.infer<typeof MethodCreate>;

/** Edit = re-entry (D5): every gateway-side field comes again, as a new token. */
export const MethodReplace = MethodCreate.omit({ make_default: true });
export type MethodReplace = z.infer<typeof MethodReplace>;

/** Billow-side preferences only; card and bank data change by replacement. */
export const MethodPatch = z.strictObject({
  friendly_name: FriendlyName.nullable().optional(),
  shared_with_children: z.boolean().optional(),
});
export type MethodPatch = z.infer<typeof MethodPatch>;

export const VerifyBody = z.strictObject({
  amounts: z
    .tuple([z.number().int().min(1).max(99), z.number().int().min(1).max(99)])
    .describe('The two micro-deposits in cents (1–99), in any order'),
  currency: Currency,
});
export type VerifyBody = z.infer<typeof VerifyBody>;

/** What a card shows of itself: brand, last four digits, expiry. */
export const CardSummary = z.object({
  brand: z.enum(['visa', 'mastercard', 'amex', 'discover']),
  last4: z.string(),
  exp_month: z.number().int(),
  exp_year: z.number().int(),
});

export const METHOD_STATUSES = [
  'usable',
  'unverified',
  'verification_locked',
  'expired',
  'deleted',
] as const;
export type MethodStatus = (typeof METHOD_STATUSES)[number];

export const MethodView = z.object({
  id: z.string(),
  customer_id: z.string().describe('The owner: for an inherited method, the ancestor sharing it'),
  kind: z.enum(['card', 'bank_account']),
  gateway: z.enum(['sandbox', 'stripe']),
  gateway_method_id: z.string().describe('The gateway’s token for the method'),
  status: z.enum(METHOD_STATUSES),
  usable: z.boolean().describe('Can pay now (verified, not expired, not deleted)'),
  card: CardSummary.nullable(),
  bank_account: z
    .object({
      last4: z.string(),
      routing_last4: z.string().nullable(),
      bank_name: z.string().nullable(),
      account_type: z.enum(['checking', 'savings']),
      holder_type: z.enum(['personal', 'business']),
    })
    .nullable(),
  fingerprint: z.string(),
  name: z.string().nullable(),
  billing_address: Address,
  friendly_name: z.string().nullable(),
  shared_with_children: z.boolean(),
  is_default: z.boolean(),
  inherited: z.boolean().describe('Listed for a child: shared by an ancestor'),
  verification: z
    .object({
      verified_at: z.string().nullable(),
      micro_deposits_sent_at: z.string().nullable(),
      attempts: z.number().int(),
      attempts_left: z.number().int(),
      locked_at: z.string().nullable(),
    })
    .nullable()
    .describe('Micro-deposit verification of a bank account; null for a card'),
  currency: z.literal('USD'),
  authorized_at: z.string(),
  replaced_at: z.string().nullable(),
  deleted_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type MethodView = z.infer<typeof MethodView>;

export const MethodList = z.object({
  data: z.array(MethodView).describe('Own methods (newest first), then inherited ones'),
  next_cursor: z.null(),
  default_method_id: z
    .string()
    .nullable()
    .describe('The method charges use: the own default, else an inherited one'),
  billing_ready: z.boolean().describe('Whether a subscription may start (A7)'),
});
export type MethodList = z.infer<typeof MethodList>;

export const MicroDepositsView = z.object({
  payment_method_id: z.string(),
  amounts: z.tuple([z.number().int(), z.number().int()]),
  currency: z.literal('USD'),
  sent_at: z.string(),
  returned: z.boolean().describe('True when the bank sent the deposits back'),
});

/** Verification attempts before a bank account is locked (D3). */
export const MAX_VERIFICATION_ATTEMPTS = 3;

/** The tenant's current month as year·12 + month, for expiry checks. */
export function monthIndex(today: string): number {
  const [y, m] = today.split('-').map(Number) as [number, number];
  return y * 12 + m;
}

export interface UsabilityFacts {
  kind: 'card' | 'bank_account';
  exp_month: number | null;
  exp_year: number | null;
  verified_at: Date | null;
  verification_locked_at: Date | null;
  deleted_at: Date | null;
}

export function statusOf(m: UsabilityFacts, today: string): MethodStatus {
  if (m.deleted_at) return 'deleted';
  if (m.kind === 'card') {
    return (m.exp_year ?? 0) * 12 + (m.exp_month ?? 0) < monthIndex(today) ? 'expired' : 'usable';
  }
  if (m.verified_at) return 'usable';
  return m.verification_locked_at ? 'verification_locked' : 'unverified';
}

/** SQL: the method row aliased `m` can pay on the month index $N. */
export function usableSql(month: string): string {
  return `(m.deleted_at IS NULL AND m.verified_at IS NOT NULL
           AND (m.kind <> 'card' OR m.exp_year * 12 + m.exp_month >= ${month}))`;
}

/** How a method is named to people: "Visa ending 4242", "Checking account ending 6789". */
export function methodLabel(m: {
  kind: 'card' | 'bank_account';
  card?: { brand: string; last4: string } | null | undefined;
  bank_account?: { account_type: 'checking' | 'savings'; last4: string } | null | undefined;
}): string {
  if (m.kind === 'card' && m.card) {
    const brand = m.card.brand === 'amex' ? 'American Express' : m.card.brand;
    return `${brand[0]?.toUpperCase()}${brand.slice(1)} ending ${m.card.last4}`;
  }
  const type = m.bank_account?.account_type === 'savings' ? 'Savings' : 'Checking';
  return `${type} account ending ${m.bank_account?.last4 ?? '????'}`;
}

/** A usable method as a payer chooses it: name, expiry, default and inherited flags. */
export function methodSummary(m: MethodView) {
  return {
    id: m.id,
    kind: m.kind,
    label: methodLabel(m),
    expires: m.card ? `${String(m.card.exp_month).padStart(2, '0')}/${m.card.exp_year}` : null,
    is_default: m.is_default,
    inherited: m.inherited,
  };
}
