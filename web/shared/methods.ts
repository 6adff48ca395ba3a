/** How both apps name a payment method: "Visa ending 4242", "Checking account ending 6789". */

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

/** A method as both the portal's and the staff API show it. */
export function methodName(m: {
  card?: { brand: string; last4: string } | null;
  bank_account?: { account_type?: string; last4?: string } | null;
}): string {
  if (m.card) return cardName(m.card.brand, m.card.last4);
  return bankName(m.bank_account?.account_type, m.bank_account?.last4);
}
