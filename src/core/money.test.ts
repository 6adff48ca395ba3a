import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  exactSum,
  formatMoney,
  isCurrency,
  isMinorAmount,
  MAX_AMOUNT,
  MAX_BALANCE,
  money,
  parseDecimal,
  withinMaxAmount,
} from './money.js';

const MAX = Number.MAX_SAFE_INTEGER;

describe('parseDecimal', () => {
  it.each([
    ['12.34', 1234],
    ['12.3', 1230],
    ['12', 1200],
    ['0', 0],
    ['0.01', 1],
    ['007.50', 750],
    // Values a float multiply gets wrong: 0.29 * 100 = 28.999999999999996, 1.1 * 100 = 110.00000000000001
    ['0.29', 29],
    ['1.1', 110],
    ['4.35', 435],
    ['-0.5', -50],
    ['-12.34', -1234],
    ['-0', 0],
    ['-0.00', 0],
    [' 12.34 ', 1234],
    ['\t\u00a012.34\n', 1234],
  ])('%j is %d cents', (text, cents) => {
    const parsed = parseDecimal(text);
    expect(parsed).toBe(cents);
    expect(Object.is(parsed, -0)).toBe(false);
  });

  it.each([
    ['1.005', 'more decimals than the currency has'],
    ['0.001', 'more decimals than the currency has'],
    ['12.340', 'more decimals than the currency has, even a trailing zero'],
    ['', 'empty'],
    ['   ', 'blank'],
    ['-', 'a sign alone'],
    ['--1', 'two signs'],
    ['+1.00', 'a plus sign (not a plain decimal)'],
    ['.5', 'no whole part'],
    ['5.', 'no fraction digits after the point'],
    ['1,000.00', 'grouping separators'],
    ['1 000', 'inner space'],
    ['12,34', 'a decimal comma'],
    ['1e2', 'an exponent'],
    ['0x10', 'hex'],
    ['Infinity', 'not a number'],
    ['NaN', 'not a number'],
    ['١٢', 'non-ASCII digits'],
    ['$12.34', 'a currency symbol'],
  ])('%j is refused (%s)', (text) => {
    expect(parseDecimal(text)).toBeNull();
  });

  it('accepts exactly the safe-integer range of cents and refuses anything beyond', () => {
    expect(parseDecimal('90071992547409.91')).toBe(MAX);
    expect(parseDecimal('-90071992547409.91')).toBe(-MAX);
    expect(parseDecimal('90071992547409.92')).toBeNull();
    expect(parseDecimal('-90071992547409.92')).toBeNull();
    expect(parseDecimal('9007199254740991')).toBeNull();
    expect(parseDecimal('99999999999999999999999999.99')).toBeNull();
  });

  it('round-trips every safe amount written as a decimal (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: BigInt(-MAX), max: BigInt(MAX) }), (cents) => {
        const abs = cents < 0n ? -cents : cents;
        const text = `${cents < 0n ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
        expect(parseDecimal(text)).toBe(Number(cents));
      }),
    );
  });
});

describe('formatMoney', () => {
  it.each([
    [0, '$0.00'],
    [-0, '$0.00'],
    [5, '$0.05'],
    [-5, '-$0.05'],
    [99, '$0.99'],
    [100, '$1.00'],
    [1234, '$12.34'],
    [-123456, '-$1,234.56'],
    [123456789012, '$1,234,567,890.12'],
    // A float would print 90071992547409.92 here; the decimal string keeps every digit.
    [MAX, '$90,071,992,547,409.91'],
    [-MAX, '-$90,071,992,547,409.91'],
  ])('%d cents is %j in en-US', (cents, text) => {
    expect(formatMoney(cents)).toBe(text);
  });

  it('follows the locale, including where it puts the minus sign', () => {
    for (const locale of ['en-US', 'de-DE', 'fr-FR', 'nl-NL', 'de-CH', 'ja-JP']) {
      const intl = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD' });
      // 1234.56 is not exact in binary, but Intl rounds it to two decimals correctly.
      expect(formatMoney(123456, 'USD', locale)).toBe(intl.format(1234.56));
      expect(formatMoney(-123456, 'USD', locale)).toBe(intl.format(-1234.56));
    }
    expect(formatMoney(-123456, 'USD', 'nl-NL')).toMatch(/^US\$\s-1\.234,56$/);
  });

  it('refuses amounts that are not whole minor units instead of printing NaN', () => {
    for (const bad of [12.5, Number.NaN, Number.POSITIVE_INFINITY, MAX + 1, 1e21]) {
      expect(() => formatMoney(bad)).toThrow(RangeError);
    }
  });
});

describe('the largest amount', () => {
  it('is 10^13 and holds for numbers and bigints of either sign, inclusive', () => {
    expect(MAX_AMOUNT).toBe(10_000_000_000_000);
    for (const n of [0, 1, -1, MAX_AMOUNT, -MAX_AMOUNT]) {
      expect(withinMaxAmount(n)).toBe(true);
      expect(withinMaxAmount(BigInt(n))).toBe(true);
    }
    for (const n of [MAX_AMOUNT + 1, -MAX_AMOUNT - 1, MAX]) {
      expect(withinMaxAmount(n)).toBe(false);
      expect(withinMaxAmount(BigInt(n))).toBe(false);
    }
    expect(withinMaxAmount(10n ** 30n)).toBe(false);
    expect(withinMaxAmount(-(10n ** 30n))).toBe(false);
    for (const n of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(withinMaxAmount(n)).toBe(false);
    }
  });
});

describe('the largest balance and exact sums', () => {
  it('is 10^15, a hundred largest amounts, far inside the safe range', () => {
    expect(MAX_BALANCE).toBe(1_000_000_000_000_000);
    expect(MAX_BALANCE / MAX_AMOUNT).toBe(100);
  });

  it('reads a decimal sum as a number only while it is a safe integer', () => {
    expect(exactSum(null)).toBe(0);
    expect(exactSum('0')).toBe(0);
    expect(exactSum('42')).toBe(42);
    expect(exactSum('-42')).toBe(-42);
    expect(exactSum(String(MAX))).toBe(MAX);
    expect(exactSum(String(-MAX))).toBe(-MAX);
    expect(exactSum('9007199254740992')).toBeNull();
    expect(exactSum('-9007199254740992')).toBeNull();
    expect(exactSum('100000000000000000000')).toBeNull();
    for (const text of ['', '1.5', '1e3', ' 1', '1 ', 'x1', '1x', '--1']) {
      expect(exactSum(text), text).toBeNull();
    }
  });
});

describe('isCurrency', () => {
  it('knows USD and nothing else', () => {
    expect(isCurrency('USD')).toBe(true);
    for (const code of ['usd', 'EUR', '', 'US']) expect(isCurrency(code)).toBe(false);
  });
});

describe('money and isMinorAmount', () => {
  it('accept safe integers only', () => {
    expect(money(1234)).toEqual({ amount: 1234, currency: 'USD' });
    expect(isMinorAmount(-MAX)).toBe(true);
    for (const bad of [0.5, MAX + 1, Number.NaN, '12', 12n, null]) {
      expect(isMinorAmount(bad)).toBe(false);
    }
    expect(() => money(0.1 + 0.2)).toThrow(RangeError);
    expect(() => money(12.5)).toThrow(new RangeError('not a whole minor-unit amount: 12.5'));
    expect(() => formatMoney(12.5)).toThrow(new RangeError('not a whole minor-unit amount: 12.5'));
  });
});

describe('allocate (largest remainder)', () => {
  it('splits evenly when it can', () => {
    expect(allocate(900, [1, 1, 1])).toEqual([300, 300, 300]);
    expect(allocate(1000, [3, 1])).toEqual([750, 250]);
  });

  it('gives the leftover cents to the largest remainders', () => {
    // exact shares 33.33, 50.00, 16.67: floors 33, 50, 16 leave 1 cent; .67 beats .33
    expect(allocate(100, [2, 3, 1])).toEqual([33, 50, 17]);
    // exact shares 1.4, 2.8, 5.8: floors 1, 2, 5 leave 2 cents for .8 and .8
    expect(allocate(10, [7, 14, 29])).toEqual([1, 3, 6]);
  });

  it('breaks ties in favour of the earlier part', () => {
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
    expect(allocate(2, [1, 1, 1])).toEqual([1, 1, 0]);
    expect(allocate(1, [5, 5])).toEqual([1, 0]);
    expect(allocate(5, [1, 1, 1, 1, 1, 1, 1])).toEqual([1, 1, 1, 1, 1, 0, 0]);
  });

  it('mirrors positive splits for negative totals (credits, refunds)', () => {
    expect(allocate(-100, [1, 1, 1])).toEqual([-34, -33, -33]);
    expect(allocate(-100, [2, 3, 1])).toEqual([-33, -50, -17]);
    expect(allocate(0, [1, 2])).toEqual([0, 0]);
    expect(allocate(-1, [0, 1])).toEqual([0, -1]);
  });

  it('gives nothing to a zero weight', () => {
    expect(allocate(100, [0, 1, 0])).toEqual([0, 100, 0]);
    expect(allocate(1, [0, 1, 1])).toEqual([0, 1, 0]);
  });

  it('does not lose cents to floats on large amounts and weights', () => {
    const parts = allocate(MAX, [MAX, MAX - 1, 1]);
    expect(parts.reduce((a, b) => a + BigInt(b), 0n)).toBe(BigInt(MAX));
    expect(parts.every(Number.isSafeInteger)).toBe(true);
  });

  it.each([
    [[], 100, 'no weights'],
    [[0, 0], 100, 'all weights zero'],
    [[1, -1], 100, 'a negative weight'],
    [[1.5, 1], 100, 'a fractional weight'],
    [[Number.NaN], 100, 'a NaN weight'],
    [[1], 0.5, 'a fractional total'],
    [[1], MAX + 1, 'a total beyond the safe range'],
  ])('refuses %j of %d (%s)', (weights, total) => {
    expect(() => allocate(total, weights)).toThrow(RangeError);
  });

  // Each refusal names its reason: a weight list that is wrong in one way must not be refused
  // (or, worse, accepted) for another reason by accident.
  it.each([
    [[], 100, 'allocate needs at least one weight'],
    [[0, 0], 100, 'weights must not all be zero'],
    [[1, -1], 100, 'weights must be non-negative integers'],
    [[2, -1], 100, 'weights must be non-negative integers'],
    [[-1, -1], 100, 'weights must be non-negative integers'],
    [[1.5, 1], 100, 'weights must be non-negative integers'],
    [[1, 2.5], 100, 'weights must be non-negative integers'],
    [[Number.NaN], 100, 'weights must be non-negative integers'],
    [[1], 0.5, 'not a whole minor-unit amount: 0.5'],
  ])('refuses %j of %d with "%s"', (weights, total, message) => {
    expect(() => allocate(total, weights)).toThrow(new RangeError(message));
  });

  it('refuses a negative weight even when the weights still add up to more than zero', () => {
    // [3, -1] sums to 2: without the check the parts would be 150 and -50.
    expect(() => allocate(100, [3, -1])).toThrow('weights must be non-negative integers');
    expect(() => allocate(-100, [-1, 3])).toThrow('weights must be non-negative integers');
  });

  it('orders equal remainders by position among many ties', () => {
    // Every remainder equal: the leftover units go to the first parts, in order.
    expect(allocate(7, Array(12).fill(1))).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0]);
    expect(allocate(-7, Array(12).fill(1))).toEqual([-1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0]);
    // Two remainder classes interleaved: the larger class first, each class by position.
    const ws = [1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2];
    // sum 36; 10 × 1/36 has remainder 10, 10 × 2/36 remainder 20: all parts floor to 0.
    expect(allocate(10, ws)).toEqual([
      0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0,
    ]);
  });

  // Properties against an exact rational reference, over totals and weights of any size.
  const total = fc.oneof(fc.integer({ min: -100_000, max: 100_000 }), fc.maxSafeInteger());
  const weight = fc.oneof(fc.integer({ min: 0, max: 100 }), fc.maxSafeNat());
  const weights = fc
    .array(weight, { minLength: 1, maxLength: 12 })
    .filter((ws) => ws.some((w) => w > 0));

  it('parts always sum to the total (property)', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const parts = allocate(t, ws);
        expect(parts).toHaveLength(ws.length);
        expect(parts.reduce((a, b) => a + b, 0)).toBe(t);
      }),
    );
  });

  it('each part is its exact share rounded down or up, toward zero by sign (property)', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        const sum = ws.reduce((a, b) => a + BigInt(b), 0n);
        const parts = allocate(t, ws);
        ws.forEach((w, i) => {
          // |part − t·w/sum| < 1  ⇔  |part·sum − t·w| < sum, in exact integers
          const diff = BigInt(parts[i]!) * sum - BigInt(t) * BigInt(w);
          expect(diff < 0n ? -diff : diff).toBeLessThan(sum);
          if (w === 0) expect(parts[i]).toBe(0);
          if (t !== 0 && parts[i] !== 0) expect(Math.sign(parts[i]!)).toBe(Math.sign(t));
        });
      }),
    );
  });

  it('a larger remainder never gets less than a smaller one, and ties favour the earlier part (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.nat(100_000), fc.maxSafeNat()), weights, (t, ws) => {
        const sum = ws.reduce((a, b) => a + BigInt(b), 0n);
        const parts = allocate(t, ws);
        const rounded = ws.map((w, i) => BigInt(parts[i]!) > (BigInt(t) * BigInt(w)) / sum);
        const remainder = ws.map((w) => (BigInt(t) * BigInt(w)) % sum);
        for (let i = 0; i < ws.length; i++) {
          for (let j = 0; j < ws.length; j++) {
            const beats = remainder[i]! > remainder[j]! || (remainder[i] === remainder[j] && i < j);
            // If j was rounded up, every part ranked before it was rounded up too.
            if (beats && rounded[j]) expect(rounded[i]).toBe(true);
          }
        }
      }),
    );
  });

  it('is symmetric: allocating −t gives the negated parts of t (property)', () => {
    fc.assert(
      fc.property(total, weights, (t, ws) => {
        expect(allocate(-t, ws)).toEqual(allocate(t, ws).map((p) => (p === 0 ? 0 : -p)));
      }),
    );
  });
});
