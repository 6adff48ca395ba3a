/**
 * Usage pricing (B1), rule by rule (issue 10 item 12): per unit, tiered and volume prices with
 * their flat fees, usage beyond the last bounded tier, tiers that share a bound, decimal
 * quantities with a leading zero after the point, and the tier checks. Each `it` stands alone.
 */
import { describe, expect, it } from 'vitest';
import {
  fromMicros,
  perUnitAmount,
  type Tier,
  tieredAmount,
  tierProblems,
  toMicros,
  usageAmount,
  volumeAmount,
} from './pricing.js';

const micros = (q: string | number) => toMicros(q) as bigint;

describe('quantities in millionths', () => {
  it.each([
    ['1.05', 1_050_000n],
    ['0.05', 50_000n],
    ['1.000001', 1_000_001n],
    ['0.000001', 1n],
    ['12', 12_000_000n],
    ['12.5', 12_500_000n],
    [' 3.25 ', 3_250_000n],
    ['0', 0n],
    [7, 7_000_000n],
    [2.5, 2_500_000n],
    [0.05, 50_000n],
  ])('%j is %d millionths', (q, expected) => {
    expect(toMicros(q)).toBe(expected);
  });

  it.each(['1.0000001', '-1', '1.', '.5', '', 'x1', '1x', '1e3', '1,5'])('%j is refused', (q) => {
    expect(toMicros(q)).toBeNull();
  });

  it('refuses a number JavaScript writes with an exponent', () => {
    expect(toMicros(1e-7)).toBeNull();
    expect(toMicros(1e21)).toBeNull();
  });

  it.each([
    [1_050_000n, '1.05'],
    [50_000n, '0.05'],
    [1n, '0.000001'],
    [12_000_000n, '12'],
    [12_500_000n, '12.5'],
    [0n, '0'],
    [10_000_000n, '10'],
    [10_100_000n, '10.1'],
  ])('%d millionths read back as %j', (m, text) => {
    expect(fromMicros(m)).toBe(text);
  });
});

describe('per unit', () => {
  it('rounds once, half up, at the end', () => {
    // 1.05 × 10 = 10.5 → 11; 0.05 × 10 = 0.5 → 1; 0.04 × 10 = 0.4 → 0
    expect(perUnitAmount(micros('1.05'), 10)).toBe(11);
    expect(perUnitAmount(micros('0.05'), 10)).toBe(1);
    expect(perUnitAmount(micros('0.04'), 10)).toBe(0);
    expect(perUnitAmount(micros('0.049999'), 10)).toBe(0);
    expect(perUnitAmount(micros('3'), 1234)).toBe(3702);
    expect(perUnitAmount(0n, 1234)).toBe(0);
  });

  it('is what usageAmount gives for per-unit and flat prices, and 0 without a unit amount', () => {
    const m = micros('2.5');
    expect(usageAmount({ pricing_model: 'per_unit', unit_amount: 3, tiers: null }, m)).toBe(8);
    expect(usageAmount({ pricing_model: 'flat', unit_amount: 3, tiers: null }, m)).toBe(8);
    expect(usageAmount({ pricing_model: 'per_unit', unit_amount: null, tiers: null }, m)).toBe(0);
  });
});

describe('tiered', () => {
  const tiers: Tier[] = [
    { up_to: 100, unit_amount: 10, flat_amount: 200 },
    { up_to: 1000, unit_amount: 5 },
    { up_to: null, unit_amount: 1, flat_amount: 500 },
  ];

  it('prices each unit in its own tier and adds the flat fee of each tier reached', () => {
    expect(tieredAmount(micros(1), tiers)).toBe(10 + 200);
    expect(tieredAmount(micros(100), tiers)).toBe(1000 + 200);
    expect(tieredAmount(micros(101), tiers)).toBe(1000 + 200 + 5);
    expect(tieredAmount(micros(1000), tiers)).toBe(1000 + 200 + 4500);
    expect(tieredAmount(micros(1001), tiers)).toBe(1000 + 200 + 4500 + 1 + 500);
    expect(tieredAmount(0n, tiers)).toBe(0);
  });

  it('splits a fractional quantity at a bound and rounds once', () => {
    // 100 × 10 + 0.05 × 5 = 1000.25 → 1000, plus the first tier's flat 200
    expect(tieredAmount(micros('100.05'), tiers)).toBe(1200);
    // 100 × 10 + 0.1 × 5 = 1000.5 → 1001 (half up on the sum, not on each tier)
    expect(tieredAmount(micros('100.1'), tiers)).toBe(1201);
  });

  it('passes over a tier whose bound equals the previous one', () => {
    const same: Tier[] = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 10, unit_amount: 7, flat_amount: 999 },
      { up_to: null, unit_amount: 1 },
    ];
    expect(tieredAmount(micros(10), same)).toBe(1000);
    expect(tieredAmount(micros(12), same)).toBe(1000 + 2);
  });

  it('bills nothing beyond the last bounded tier when no open tier follows', () => {
    const bounded: Tier[] = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 20, unit_amount: 50 },
    ];
    expect(tieredAmount(micros(25), bounded)).toBe(1000 + 500);
  });

  it('is what usageAmount gives for a tiered price, and 0 without tiers', () => {
    expect(usageAmount({ pricing_model: 'tiered', unit_amount: null, tiers }, micros(150))).toBe(
      1000 + 200 + 250,
    );
    expect(usageAmount({ pricing_model: 'tiered', unit_amount: 9, tiers: null }, micros(5))).toBe(
      0,
    );
  });
});

describe('volume', () => {
  const tiers: Tier[] = [
    { up_to: 100, unit_amount: 10, flat_amount: 300 },
    { up_to: 1000, unit_amount: 5, flat_amount: 700 },
    { up_to: null, unit_amount: 1, flat_amount: 5000 },
  ];

  it('prices every unit at the tier the total reaches, with that tier’s flat fee only', () => {
    expect(volumeAmount(micros(1), tiers)).toBe(10 + 300);
    expect(volumeAmount(micros(100), tiers)).toBe(1000 + 300);
    expect(volumeAmount(micros(101), tiers)).toBe(505 + 700);
    expect(volumeAmount(micros(1000), tiers)).toBe(5000 + 700);
    expect(volumeAmount(micros(1001), tiers)).toBe(1001 + 5000);
    expect(volumeAmount(0n, tiers)).toBe(0);
  });

  it('rounds a fractional total once, half up', () => {
    // 0.05 × 10 = 0.5 → 1, plus 300; 100.05 × 5 = 500.25 → 500, plus 700
    expect(volumeAmount(micros('0.05'), tiers)).toBe(301);
    expect(volumeAmount(micros('100.05'), tiers)).toBe(1200);
    expect(volumeAmount(micros('100.1'), tiers)).toBe(1201);
  });

  it('bills usage beyond the last bounded tier at that tier', () => {
    const bounded: Tier[] = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 20, unit_amount: 50, flat_amount: 25 },
    ];
    expect(volumeAmount(micros(25), bounded)).toBe(25 * 50 + 25);
    expect(volumeAmount(micros(20), bounded)).toBe(20 * 50 + 25);
  });

  it('takes the first of two tiers with the same bound', () => {
    const same: Tier[] = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 10, unit_amount: 7 },
      { up_to: null, unit_amount: 1 },
    ];
    expect(volumeAmount(micros(10), same)).toBe(1000);
    expect(volumeAmount(micros(11), same)).toBe(11);
  });

  it('is 0 without tiers', () => {
    expect(volumeAmount(micros(5), [])).toBe(0);
  });

  it('is what usageAmount gives for a volume price, and 0 without tiers', () => {
    expect(usageAmount({ pricing_model: 'volume', unit_amount: null, tiers }, micros(150))).toBe(
      750 + 700,
    );
    expect(usageAmount({ pricing_model: 'volume', unit_amount: 9, tiers: null }, micros(5))).toBe(
      0,
    );
  });
});

describe('tier checks', () => {
  it('accept ascending bounds ending with an open tier', () => {
    expect(
      tierProblems([
        { up_to: 1, unit_amount: 5 },
        { up_to: 2, unit_amount: 4 },
        { up_to: null, unit_amount: 3 },
      ]),
    ).toEqual([]);
    expect(tierProblems([{ up_to: null, unit_amount: 3 }])).toEqual([]);
  });

  it('need at least one tier', () => {
    expect(tierProblems([])).toEqual(['at least one tier is needed']);
  });

  it('need the last tier open', () => {
    expect(
      tierProblems([
        { up_to: 5, unit_amount: 5 },
        { up_to: 10, unit_amount: 4 },
      ]),
    ).toEqual(['the last tier must have up_to null']);
  });

  it('refuse two tiers with the same bound, a falling bound and an open tier before the last', () => {
    const bad = "up_to must be greater than the previous tier's";
    expect(
      tierProblems([
        { up_to: 10, unit_amount: 5 },
        { up_to: 10, unit_amount: 4 },
        { up_to: null, unit_amount: 3 },
      ]),
    ).toEqual([`tier 2: ${bad}`]);
    expect(
      tierProblems([
        { up_to: 10, unit_amount: 5 },
        { up_to: 9, unit_amount: 4 },
        { up_to: null, unit_amount: 3 },
      ]),
    ).toEqual([`tier 2: ${bad}`]);
    expect(
      tierProblems([
        { up_to: null, unit_amount: 5 },
        { up_to: null, unit_amount: 4 },
      ]),
    ).toEqual([`tier 1: ${bad}`]);
  });

  it('refuse a first bound of zero', () => {
    expect(
      tierProblems([
        { up_to: 0, unit_amount: 5 },
        { up_to: null, unit_amount: 3 },
      ]),
    ).toEqual(["tier 1: up_to must be greater than the previous tier's"]);
  });

  it('compare each bound with the last bounded tier before it', () => {
    // An open tier in the middle is refused once and does not reset the bound: tier 3 (5 ≤ 10)
    // is refused too.
    expect(
      tierProblems([
        { up_to: 10, unit_amount: 5 },
        { up_to: null, unit_amount: 4 },
        { up_to: 5, unit_amount: 4 },
        { up_to: null, unit_amount: 3 },
      ]),
    ).toEqual([
      "tier 2: up_to must be greater than the previous tier's",
      "tier 3: up_to must be greater than the previous tier's",
    ]);
  });
});
