/**
 * Display formatting only: amounts arrive from the API in minor units and dates as instants or
 * business dates; the browser formats them and never computes money.
 */

/**
 * Minor units → "$1,234.56" in the tenant's currency. A string is an exact decimal of minor units
 * (the API's `*_exact` fields), for sums beyond what a number holds exactly.
 */
export function formatMoney(minor: number | string, currency: string): string {
  const fmt = new Intl.NumberFormat('en-US', { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  // Shifting the decimal point by string keeps the amount exact (no division of floats).
  const whole = String(minor);
  const negative = whole.startsWith('-');
  const text = (negative ? whole.slice(1) : whole).padStart(digits + 1, '0');
  const decimal = digits > 0 ? `${text.slice(0, -digits)}.${text.slice(-digits)}` : text;
  // Intl formats a decimal string exactly (Intl.NumberFormat v3), without a float in between.
  return fmt.format(`${negative ? '-' : ''}${decimal}` as unknown as number);
}

/** An instant (ISO string) as a date in the tenant's time zone. */
export function formatInstantDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone }).format(new Date(iso));
}

/** An instant as date and time in the tenant's time zone. */
export function formatInstant(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-US', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone,
  }).format(new Date(iso));
}

/** A business date YYYY-MM-DD, already in the tenant's zone: formatted without shifting it. */
export function formatBusinessDate(date: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

/** "America/New_York" → "Eastern Time (America/New_York)": the zone named once per page. */
export function describeTimeZone(timeZone: string): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longGeneric' })
    .formatToParts(new Date())
    .find((p) => p.type === 'timeZoneName')?.value;
  return name ? `${name} (${timeZone})` : timeZone;
}

/** Minor units → the plain text of an amount field ("1234.50"), by shifting the decimal point. */
export function minorToInput(minor: number): string {
  const text = String(Math.abs(minor)).padStart(3, '0');
  return `${minor < 0 ? '-' : ''}${text.slice(0, -2)}.${text.slice(-2)}`;
}

/**
 * What a person typed in an amount field ("1,234.5", "$20") → minor units, read digit by digit
 * (no float); null when it is not an amount with at most two decimals.
 */
export function parseAmountInput(text: string): number | null {
  const clean = text.trim().replace(/^\$/, '').replaceAll(',', '');
  const m = /^(\d{1,13})(?:\.(\d{0,2}))?$/.exec(clean);
  if (!m) return null;
  return Number(`${m[1]}${(m[2] ?? '').padEnd(2, '0')}`);
}
