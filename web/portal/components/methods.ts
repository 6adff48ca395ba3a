/** How the portal names a payment method: "Visa ending 4242", "Checking account ending 6789". */
import type { PortalMethod } from '../api';

export const BRAND_NAMES: Record<string, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  discover: 'Discover',
};

export function cardName(brand: string, last4: string): string {
  return `${BRAND_NAMES[brand] ?? brand} ending ${last4}`;
}

export function bankName(accountType: string | undefined, last4: string | undefined): string {
  return `${accountType === 'savings' ? 'Savings' : 'Checking'} account ending ${last4 ?? ''}`;
}

export function methodName(m: PortalMethod): string {
  if (m.card) return cardName(m.card.brand, m.card.last4);
  return bankName(m.bank_account?.account_type, m.bank_account?.last4);
}
