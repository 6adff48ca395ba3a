/**
 * Money in integer minor units (cents) with its currency. No floats on a money path:
 * decimal strings are parsed digit by digit and splits use the largest-remainder rule.
 */

export const CURRENCIES = ['USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Digits after the decimal point per currency. */
const EXPONENT: Record<Currency, number> = { USD: 2 };

export interface Money {
  amount: number;
  currency: Currency;
}

export function isCurrency(code: string): code is Currency {
  return (CURRENCIES as readonly string[]).includes(code);
}

/** True when `n` is a whole number of minor units that JavaScript holds exactly. */
export function isMinorAmount(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n);
}

/**
 * The largest amount Billow holds, in minor units: 10^13 (USD 100,000,000,000.00). It bounds
 * every amount given and every amount computed — a line (quantity × unit amount), an invoice
 * total, a payment, a credit — well inside Number.MAX_SAFE_INTEGER (about 9 × 10^15), so sums of
 * many of them stay exact too (docs/api.md, "Amounts and rounding").
 */
export const MAX_AMOUNT = 10_000_000_000_000;

/** True when a computed amount (number or bigint, either sign) is within ±MAX_AMOUNT. */
export function withinMaxAmount(n: number | bigint): boolean {
  if (typeof n === 'bigint') return n <= BigInt(MAX_AMOUNT) && n >= -BigInt(MAX_AMOUNT);
  return Number.isFinite(n) && Math.abs(n) <= MAX_AMOUNT;
}

/**
 * The largest balance a customer may owe, in minor units: 10^15 (USD 10,000,000,000,000.00),
 * a hundred invoices of the largest amount. Posting an invoice that would take the customer's open
 * balance beyond it is refused, so a balance, summed exactly in SQL, is also exact as a JS number
 * (about 9 times inside Number.MAX_SAFE_INTEGER) (docs/api.md, "Amounts and rounding").
 */
export const MAX_BALANCE = 1_000_000_000_000_000;

/**
 * A sum read from SQL as exact decimal text (`sum(...)::text`): the number when it is a safe
 * integer, else null (the caller reports it instead of rounding or crashing).
 */
export function exactSum(text: string | null): number | null {
  if (text === null) return 0;
  if (!/^-?\d+$/.test(text)) return null;
  const n = BigInt(text);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(n);
}

export function money(amount: number, currency: Currency = 'USD'): Money {
  if (!isMinorAmount(amount)) throw new RangeError(`not a whole minor-unit amount: ${amount}`);
  return { amount, currency };
}

/**
 * Parses a decimal string such as "12.34" or "-0.5" into minor units without floats.
 * Returns null when the text is not a plain decimal with at most the currency's digits.
 */
export function parseDecimal(text: string, currency: Currency = 'USD'): number | null {
  const exp = EXPONENT[currency];
  const match = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) return null;
  const [, sign, whole = '0', frac = ''] = match;
  if (frac.length > exp) return null;
  const minor = BigInt(whole) * 10n ** BigInt(exp) + BigInt(frac.padEnd(exp, '0') || '0');
  const signed = sign ? -minor : minor;
  if (signed > BigInt(Number.MAX_SAFE_INTEGER) || signed < BigInt(Number.MIN_SAFE_INTEGER)) {
    return null;
  }
  return Number(signed);
}

/** Formats minor units for display; only at the edge (emails, PDFs, the web apps). */
export function formatMoney(amount: number, currency: Currency = 'USD', locale = 'en-US'): string {
  if (!isMinorAmount(amount)) throw new RangeError(`not a whole minor-unit amount: ${amount}`);
  const exp = EXPONENT[currency];
  const digits = Math.abs(amount)
    .toString()
    .padStart(exp + 1, '0');
  const sign = amount < 0 ? '-' : '';
  const decimal = exp > 0 ? `${sign}${digits.slice(0, -exp)}.${digits.slice(-exp)}` : sign + digits;
  // Intl accepts a decimal string exactly (no float round trip) and puts the minus sign where
  // the locale writes it ("US$ -1.234,56" in nl-NL, not "-US$ 1.234,56").
  return currencyFormat(locale, currency).format(decimal as unknown as number);
}

const formats = new Map<string, Intl.NumberFormat>();
/** Building an Intl.NumberFormat costs far more than using one: keep one per locale and currency. */
function currencyFormat(locale: string, currency: Currency): Intl.NumberFormat {
  const key = `${locale}:${currency}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency });
    formats.set(key, f);
  }
  return f;
}

/**
 * Splits `total` minor units in proportion to `weights` so that the parts always add up to
 * the total: each part gets the floor of its exact share, then the units left over go one
 * each to the parts with the largest remainders (ties to the earlier part).
 */
export function allocate(total: number, weights: readonly number[]): number[] {
  if (!isMinorAmount(total)) throw new RangeError(`not a whole minor-unit amount: ${total}`);
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  if (weights.some((w) => !Number.isSafeInteger(w) || w < 0)) {
    throw new RangeError('weights must be non-negative integers');
  }
  const sum = weights.reduce((a, b) => a + BigInt(b), 0n);
  if (sum === 0n) throw new RangeError('weights must not all be zero');
  const negative = total < 0;
  const whole = BigInt(Math.abs(total));
  const parts = weights.map((w) => (whole * BigInt(w)) / sum);
  const remainders = weights.map((w, i) => ({ i, r: (whole * BigInt(w)) % sum }));
  let left = whole - parts.reduce((a, b) => a + b, 0n);
  remainders.sort((a, b) => (a.r === b.r ? a.i - b.i : a.r > b.r ? -1 : 1));
  for (const { i } of remainders) {
    if (left === 0n) break;
    parts[i] = (parts[i] ?? 0n) + 1n;
    left -= 1n;
  }
  return parts.map((p) => Number(negative ? -p : p));
}
