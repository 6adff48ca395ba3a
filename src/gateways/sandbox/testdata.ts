/**
 * The sandbox gateway's deterministic test numbers (documented in the README and
 * docs/gateways.md; a test checks that the README lists every one). Like a real gateway's test
 * mode, behaviour is decided by the number; any other valid number behaves like the first row.
 */
import type { DeclineCode } from '../codes.js';
import type { CardBrand } from '../types.js';

export interface TestCard {
  number: string;
  brand: CardBrand;
  /** 'approve', or the decline every charge gets. */
  outcome: 'approve' | DeclineCode;
  /** Business days from the charge until it settles (0: at once). */
  settleDays: number;
  description: string;
}

export const TEST_CARDS: readonly TestCard[] = [
  {
    number: '4242424242424242',
    brand: 'visa',
    outcome: 'approve',
    settleDays: 0,
    description: 'approves',
  },
  {
    number: '5555555555554444',
    brand: 'mastercard',
    outcome: 'approve',
    settleDays: 0,
    description: 'approves',
  },
  {
    number: '2223003122003222',
    brand: 'mastercard',
    outcome: 'approve',
    settleDays: 0,
    description: 'approves (2-series BIN)',
  },
  {
    number: '378282246310005',
    brand: 'amex',
    outcome: 'approve',
    settleDays: 0,
    description: 'approves (4-digit CVC)',
  },
  {
    number: '6011111111111117',
    brand: 'discover',
    outcome: 'approve',
    settleDays: 0,
    description: 'approves',
  },
  {
    number: '4000000000000077',
    brand: 'visa',
    outcome: 'approve',
    settleDays: 2,
    description: 'approves; pending, settles 2 business days later',
  },
  {
    number: '4000000000009995',
    brand: 'visa',
    outcome: 'insufficient_funds',
    settleDays: 0,
    description: 'declines: insufficient_funds',
  },
  {
    number: '4000000000000002',
    brand: 'visa',
    outcome: 'card_declined',
    settleDays: 0,
    description: 'declines: card_declined',
  },
  {
    number: '4000000000000069',
    brand: 'visa',
    outcome: 'expired_card',
    settleDays: 0,
    description: 'declines: expired_card',
  },
  {
    number: '4000000000000127',
    brand: 'visa',
    outcome: 'incorrect_cvc',
    settleDays: 0,
    description: 'declines: incorrect_cvc',
  },
  {
    number: '4000000000000010',
    brand: 'visa',
    outcome: 'invalid_account',
    settleDays: 0,
    description: 'declines: invalid_account',
  },
  {
    number: '4000000000000119',
    brand: 'visa',
    outcome: 'processing_error',
    settleDays: 0,
    description: 'declines: processing_error',
  },
];

/** A routing number with a valid ABA checksum; any valid routing number works the same. */
export const TEST_ROUTING_NUMBER = '110000000';

export interface TestBankAccount {
  accountNumber: string;
  /** Whether the two micro-deposits arrive (and can be verified) or come back. */
  verification: 'succeeds' | 'fails';
  /** What a debit does: settle, come back with a return code, or be declined at once. */
  debit:
    | { outcome: 'settles'; settleDays: number; returnCode?: undefined; returnDays?: undefined }
    | {
        outcome: 'returns';
        settleDays: number | null;
        returnCode: 'R01' | 'R10';
        returnDays: number;
      }
    | { outcome: 'declined'; decline: DeclineCode };
  description: string;
}

export const TEST_BANK_ACCOUNTS: readonly TestBankAccount[] = [
  {
    accountNumber: '000123456789',
    verification: 'succeeds',
    debit: { outcome: 'settles', settleDays: 2 },
    description: 'verifies; debits settle 2 business days later',
  },
  {
    accountNumber: '000111111113',
    verification: 'fails',
    debit: { outcome: 'declined', decline: 'invalid_account' },
    description: 'micro-deposits come back (R03): verification fails and the account is locked',
  },
  {
    accountNumber: '000111111116',
    verification: 'succeeds',
    debit: { outcome: 'returns', settleDays: null, returnCode: 'R01', returnDays: 2 },
    description:
      'verifies; debits stay pending, then return R01 (insufficient funds) 2 business days later',
  },
  {
    accountNumber: '000222222227',
    verification: 'succeeds',
    debit: { outcome: 'returns', settleDays: 2, returnCode: 'R10', returnDays: 5 },
    description:
      'verifies; debits settle after 2 business days, then return R10 (not authorised) 5 business days after the debit',
  },
  {
    accountNumber: '000333333335',
    verification: 'succeeds',
    debit: { outcome: 'declined', decline: 'invalid_account' },
    description: 'verifies; debits are declined at once: invalid_account',
  },
];

const DEFAULT_BANK = TEST_BANK_ACCOUNTS[0] as TestBankAccount;

/** How the sandbox treats a card number: its test row, or "approves" for any other number. */
export function cardBehaviour(number: string): Pick<TestCard, 'outcome' | 'settleDays'> {
  return TEST_CARDS.find((c) => c.number === number) ?? { outcome: 'approve', settleDays: 0 };
}

export function bankBehaviour(accountNumber: string): TestBankAccount {
  return TEST_BANK_ACCOUNTS.find((b) => b.accountNumber === accountNumber) ?? DEFAULT_BANK;
}

/** The payer-facing message the sandbox gives with each decline, as a gateway would. */
export const SANDBOX_DECLINE_MESSAGES: Record<DeclineCode, string> = {
  insufficient_funds: 'Your card has insufficient funds.',
  card_declined: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: 'Your card’s security code is incorrect.',
  invalid_account: 'The card or account number is not valid.',
  processing_error: 'An error occurred while processing your payment. Try again in a little bit.',
};
