import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import { dayNumber, daysIn, periodContaining, prorate, servedPeriods } from './periods.js';
import { perUnitAmount, tieredAmount, toMicros, volumeAmount } from './pricing.js';

describe('billing periods', () => {
  it('start on the anchor day, clamped to short months', () => {
    expect(periodContaining('2027-02-15', 'month', 31)).toEqual({
      start: '2027-01-31',
      end: '2027-02-28',
    });
    expect(periodContaining('2027-02-28', 'month', 31)).toEqual({
      start: '2027-02-28',
      end: '2027-03-31',
    });
    expect(periodContaining('2026-11-22', 'month', 1)).toEqual({
      start: '2026-11-01',
      end: '2026-12-01',
    });
    expect(periodContaining('2028-02-29', 'year', 29, 2)).toEqual({
      start: '2028-02-29',
      end: '2029-02-28',
    });
  });

  it('count days exactly as Temporal does, across leap years and centuries', () => {
    let d = Temporal.PlainDate.from('1899-12-25');
    for (let i = 0; i < 3000; i++) {
      const text = d.toString();
      expect(dayNumber(text)).toBe(d.since('1970-01-01').days);
      d = d.add({ days: 53 });
    }
    expect(daysIn('2028-02-01', '2028-03-01')).toBe(29);
    expect(daysIn('2100-02-01', '2100-03-01')).toBe(28);
  });

  it('list the served part of each period from a mid-cycle start to an end', () => {
    const periods = servedPeriods({
      startDate: '2026-11-16',
      endDate: '2027-01-11',
      interval: 'month',
      anchorDay: 1,
      through: '2027-03-01',
    });
    expect(
      periods.map((p) => [p.start, p.servedStart, p.servedEnd, p.servedDays, p.periodDays]),
    ).toEqual([
      ['2026-11-01', '2026-11-16', '2026-12-01', 15, 30],
      ['2026-12-01', '2026-12-01', '2027-01-01', 31, 31],
      ['2027-01-01', '2027-01-01', '2027-01-11', 10, 31],
    ]);
  });

  it('prorate by day so that the served and unserved parts add up to the whole', () => {
    expect(prorate(3000, 15, 30)).toBe(1500);
    expect(prorate(1000, 1, 3)).toBe(333);
    expect(prorate(1000, 2, 3)).toBe(667);
    expect(prorate(1000, 1, 3) + prorate(1000, 2, 3)).toBe(1000);
    expect(prorate(999, 31, 31)).toBe(999);
  });
});

describe('usage pricing', () => {
  const tiers = [
    { up_to: 100, unit_amount: 10 },
    { up_to: 1000, unit_amount: 5 },
    { up_to: null, unit_amount: 1, flat_amount: 500 },
  ];
  it('per unit rounds once, half up, on decimal quantities', () => {
    expect(perUnitAmount(toMicros('2.5') as bigint, 3)).toBe(8);
    expect(perUnitAmount(toMicros('0.1') as bigint, 10)).toBe(1);
    expect(toMicros('1.0000001')).toBeNull();
    expect(toMicros('-1')).toBeNull();
  });
  it('tiered prices each unit in its own tier', () => {
    expect(tieredAmount(toMicros(150) as bigint, tiers)).toBe(100 * 10 + 50 * 5);
    expect(tieredAmount(toMicros(1001) as bigint, tiers)).toBe(1000 + 900 * 5 + 1 + 500);
  });
  it('volume prices every unit at the tier the total reaches', () => {
    expect(volumeAmount(toMicros(100) as bigint, tiers)).toBe(1000);
    expect(volumeAmount(toMicros(150) as bigint, tiers)).toBe(750);
    expect(volumeAmount(0n, tiers)).toBe(0);
  });
});
