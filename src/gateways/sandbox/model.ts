/**
 * Request and response shapes of the sandbox's tokenization endpoint. The raw fields are plain
 * bounded strings here; their real checks (Luhn, brand, expiry, CVC, ABA checksum) are in
 * validate.ts, which answers with precise error codes and never echoes a value.
 */
import { z } from 'zod';
import { Address } from '../../http/schemas.js';

const Name = z.string().trim().min(1).max(200);
const Currency = z
  .string()
  .max(10)
  .optional()
  .describe('USD (the only currency payments are processed in); anything else is refused');

export const CardInput = z.strictObject({
  number: z.string().max(40).describe('12 to 19 digits; spaces or dashes between groups allowed'),
  expiry: z.string().max(10).describe('MM/YY, not in the past'),
  cvc: z.string().max(10).describe('3 digits, 4 for American Express; checked and never stored'),
  name: Name.describe('Name as on the card'),
  address: Address.optional().describe('Billing address'),
});

export const BankAccountInput = z.strictObject({
  holder_type: z.enum(['personal', 'business']),
  account_type: z.enum(['checking', 'savings']),
  name: Name.describe('Name on the account (a person or a business)'),
  account_number: z.string().max(40).describe('4 to 17 digits'),
  routing_number: z.string().max(40).describe('9 digits with a valid ABA checksum'),
  address: Address.optional(),
});

export const TokenCreate = z
  .strictObject({
    card: CardInput.optional(),
    bank_account: BankAccountInput.optional(),
    currency: Currency,
  })
  .refine((b) => (b.card === undefined) !== (b.bank_account === undefined), {
    message: 'give exactly one of "card" or "bank_account"',
  });
export type TokenCreate = z.infer<typeof TokenCreate>;

export const TokenView = z.object({
  id: z.string().describe('tok_…: single-use, for this tenant only, valid 30 minutes'),
  object: z.literal('token'),
  kind: z.enum(['card', 'bank_account']),
  card: z
    .object({
      brand: z.enum(['visa', 'mastercard', 'amex', 'discover']),
      last4: z.string(),
      exp_month: z.number().int(),
      exp_year: z.number().int(),
    })
    .nullable(),
  bank_account: z
    .object({
      last4: z.string(),
      routing_last4: z.string(),
      account_type: z.enum(['checking', 'savings']),
      holder_type: z.enum(['personal', 'business']),
    })
    .nullable(),
  name: z.string(),
  created_at: z.string(),
  expires_at: z.string(),
});
export type TokenView = z.infer<typeof TokenView>;
