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

/**
 * The line under a method's name in both apps: the card's expiry or the bank account's holder
 * type and bank, then the holder's name, then `sharedNote` when a parent shares it.
 */
export function methodDescription(
  m: {
    card?: { exp_month: number; exp_year: number } | null;
    bank_account?: { holder_type?: string | null; bank_name?: string | null } | null;
    name?: string | null;
    inherited?: boolean;
  },
  sharedNote: string,
): string {
  const what = m.card
    ? `Expires ${String(m.card.exp_month).padStart(2, '0')}/${m.card.exp_year}`
    : `${m.bank_account?.holder_type === 'business' ? 'Business' : 'Personal'} account${m.bank_account?.bank_name ? ` at ${m.bank_account.bank_name}` : ''}`;
  return `${what}${m.name ? ` · ${m.name}` : ''}${m.inherited ? ` · ${sharedNote}` : ''}`;
}

/**
 * What holds on to a method the API refused to delete (`payment_method_in_use` details):
 * "2 autopay rules and 1 scheduled payment", and whether to say "it" or "them".
 */
export function methodUsedBy(details: Record<string, unknown> | undefined): {
  what: string;
  total: number;
  them: 'it' | 'them';
} {
  const used = (details?.used_by ?? {}) as Record<string, string[]>;
  const count = (n: number | undefined, one: string, many: string) =>
    n ? `${n} ${n === 1 ? one : many}` : null;
  const parts = [
    count(used.autopay_rules?.length, 'autopay rule', 'autopay rules'),
    count(used.scheduled_payments?.length, 'scheduled payment', 'scheduled payments'),
  ].filter(Boolean);
  const total = (used.autopay_rules?.length ?? 0) + (used.scheduled_payments?.length ?? 0);
  const what = parts.length > 0 ? parts.join(' and ') : 'autopay or a scheduled payment';
  return { what, total, them: total > 1 ? 'them' : 'it' };
}
