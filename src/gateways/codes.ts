/**
 * Normalised decline codes and ACH return codes. Every gateway's own codes map onto these six,
 * so payments, retries and emails reason about one vocabulary; the gateway's own message is kept
 * beside the code for the payer.
 */
import { AppError } from '../core/errors.js';

export const DECLINE_CODES = [
  'insufficient_funds',
  'card_declined',
  'expired_card',
  'incorrect_cvc',
  'invalid_account',
  'processing_error',
] as const;
export type DeclineCode = (typeof DECLINE_CODES)[number];

/** What each decline means, for the payer and for the retry logic of payments. */
export const DECLINE_DESCRIPTIONS: Record<DeclineCode, { message: string; retryable: boolean }> = {
  insufficient_funds: { message: 'The account has insufficient funds.', retryable: true },
  card_declined: { message: 'The card was declined by its issuer.', retryable: false },
  expired_card: { message: 'The card has expired.', retryable: false },
  incorrect_cvc: { message: 'The card’s security code is incorrect.', retryable: false },
  invalid_account: { message: 'The card or bank account is not valid.', retryable: false },
  processing_error: {
    message: 'The payment could not be processed; try again.',
    retryable: true,
  },
};

/**
 * NACHA return codes an ACH debit can come back with, and the decline each amounts to
 * (card_declined is the generic "refused": the vocabulary has no "unauthorised").
 */
export const ACH_RETURN_CODES: Record<string, { meaning: string; decline: DeclineCode }> = {
  R01: { meaning: 'Insufficient funds', decline: 'insufficient_funds' },
  R02: { meaning: 'Account closed', decline: 'invalid_account' },
  R03: { meaning: 'No account / unable to locate account', decline: 'invalid_account' },
  R04: { meaning: 'Invalid account number', decline: 'invalid_account' },
  R10: { meaning: 'Customer advises not authorised', decline: 'card_declined' },
  R16: { meaning: 'Account frozen', decline: 'invalid_account' },
  R29: { meaning: 'Corporate customer advises not authorised', decline: 'card_declined' },
};

/** Stripe's failure codes for ACH debits, as NACHA return codes. */
const STRIPE_ACH_FAILURES: Record<string, string> = {
  insufficient_funds: 'R01',
  account_closed: 'R02',
  no_account: 'R03',
  invalid_account_number: 'R04',
  debit_not_authorized: 'R10',
  bank_account_restricted: 'R16',
};

export function achReturnCodeOfStripe(failureCode: string | null | undefined): string | null {
  if (!failureCode) return null;
  return STRIPE_ACH_FAILURES[failureCode] ?? null;
}

/**
 * A Stripe error's `code` and `decline_code` as a normalised decline
 * (https://docs.stripe.com/declines/codes and /error-codes).
 */
export function declineOfStripe(code: string | undefined, declineCode?: string): DeclineCode {
  const reason = declineCode ?? code ?? '';
  switch (reason) {
    case 'insufficient_funds':
    case 'withdrawal_count_limit_exceeded':
    case 'card_velocity_exceeded':
      return 'insufficient_funds';
    case 'expired_card':
      return 'expired_card';
    case 'incorrect_cvc':
    case 'invalid_cvc':
      return 'incorrect_cvc';
    case 'processing_error':
    case 'try_again_later':
    case 'issuer_not_available':
    case 'reenter_transaction':
      return 'processing_error';
    case 'incorrect_number':
    case 'invalid_number':
    case 'invalid_account':
    case 'account_closed':
    case 'no_account':
    case 'invalid_account_number':
    case 'bank_account_unusable':
    case 'bank_account_restricted':
      return 'invalid_account';
  }
  if (code === 'expired_card' || code === 'incorrect_cvc' || code === 'processing_error') {
    return declineOfStripe(code);
  }
  return 'card_declined';
}

/**
 * Payment processing is in USD only (D8). A currency given anywhere in the payment-method and
 * gateway endpoints must be USD (any letter case); anything else is refused clearly.
 */
export function assertCurrencySupported(currency: string | undefined): void {
  if (currency === undefined || currency.trim().toUpperCase() === 'USD') return;
  throw new AppError('currency_not_supported', { currency, supported: ['USD'] });
}
