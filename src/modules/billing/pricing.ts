/**
 * Usage pricing (B1): per-unit, tiered (each unit at the price of the tier it falls in) and volume
 * (every unit at the price of the tier the total reaches). Quantities are decimals with up to six
 * places, carried as integer millionths; amounts are rounded half up to the cent once, at the end.
 */

export interface Tier {
  /** Inclusive upper bound of the tier in units; null for the last tier. */
  up_to: number | null;
  unit_amount: number;
  flat_amount?: number | undefined;
}

const SCALE = 1_000_000n;

/** Parses a quantity such as 12, "12.5" or "0.000001" into millionths; null when invalid. */
export function toMicros(quantity: string | number): bigint | null {
  const text = typeof quantity === 'number' ? String(quantity) : quantity.trim();
  const m = /^(\d+)(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return null;
  return BigInt(m[1] as string) * SCALE + BigInt((m[2] ?? '').padEnd(6, '0') || '0');
}

/** Millionths back to a plain decimal string without trailing zeros. */
export function fromMicros(micros: bigint): string {
  const whole = micros / SCALE;
  const frac = (micros % SCALE).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

/** Rounds amount-millionths half up to whole minor units. */
function roundMicros(amountMicros: bigint): number {
  return Number((amountMicros + SCALE / 2n) / SCALE);
}

export function perUnitAmount(micros: bigint, unitAmount: number): number {
  return roundMicros(micros * BigInt(unitAmount));
}

export function tieredAmount(micros: bigint, tiers: readonly Tier[]): number {
  let total = 0n;
  let lower = 0n;
  for (const tier of tiers) {
    if (micros <= lower) break;
    const upper = tier.up_to === null ? micros : BigInt(tier.up_to) * SCALE;
    const inTier = (micros < upper ? micros : upper) - lower;
    if (inTier > 0n) {
      total += inTier * BigInt(tier.unit_amount) + BigInt(tier.flat_amount ?? 0) * SCALE;
    }
    lower = upper;
  }
  return roundMicros(total);
}

export function volumeAmount(micros: bigint, tiers: readonly Tier[]): number {
  if (micros === 0n) return 0;
  const tier =
    tiers.find((t) => t.up_to === null || micros <= BigInt(t.up_to) * SCALE) ??
    tiers[tiers.length - 1];
  if (!tier) return 0;
  return roundMicros(micros * BigInt(tier.unit_amount) + BigInt(tier.flat_amount ?? 0) * SCALE);
}

export interface UsagePrice {
  pricing_model: 'per_unit' | 'tiered' | 'volume' | 'flat';
  unit_amount: number | null;
  tiers: Tier[] | null;
}

/** The amount for a period's total usage under a usage price. */
export function usageAmount(price: UsagePrice, micros: bigint): number {
  switch (price.pricing_model) {
    case 'tiered':
      return tieredAmount(micros, price.tiers ?? []);
    case 'volume':
      return volumeAmount(micros, price.tiers ?? []);
    default:
      return perUnitAmount(micros, price.unit_amount ?? 0);
  }
}

/** Checks tiers: ascending bounds, last one open, non-negative whole amounts. */
export function tierProblems(tiers: readonly Tier[]): string[] {
  const problems: string[] = [];
  if (tiers.length === 0) problems.push('at least one tier is needed');
  let last = 0;
  tiers.forEach((t, i) => {
    const isLast = i === tiers.length - 1;
    if (isLast && t.up_to !== null) problems.push('the last tier must have up_to null');
    if (!isLast && (t.up_to === null || t.up_to <= last)) {
      problems.push(`tier ${i + 1}: up_to must be greater than the previous tier's`);
    }
    if (t.up_to !== null) last = t.up_to;
  });
  return problems;
}
