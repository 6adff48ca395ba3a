/**
 * The web apps' money formatting: an amount in minor units, as a number or as the exact decimal
 * string the API gives beside a sum (`total_amount_exact`, `collected_exact`), formatted without
 * a float in between, so a sum beyond 2^53 shows every digit.
 */
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../web/shared/format.js';

describe('formatMoney', () => {
  it('formats numbers and exact strings the same', () => {
    for (const [minor, text] of [
      [0, '$0.00'],
      [5, '$0.05'],
      [123456, '$1,234.56'],
      [-4500, '-$45.00'],
    ] as const) {
      expect(formatMoney(minor, 'USD')).toBe(text);
      expect(formatMoney(String(minor), 'USD')).toBe(text);
    }
  });

  it('keeps every digit of a sum beyond 2^53', () => {
    expect(formatMoney('900719925474099312', 'USD')).toBe('$9,007,199,254,740,993.12');
    expect(formatMoney('-100000000000000000001', 'USD')).toBe('-$1,000,000,000,000,000,000.01');
  });
});
