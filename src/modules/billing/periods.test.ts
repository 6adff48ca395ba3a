import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  daysIn,
  nextPeriod,
  periodContaining,
  prorate,
  servedPeriods,
} from './periods.js';
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

describe('billing periods at the edges of the calendar (each case on its own)', () => {
  it('anchor day 31 in a leap year: 29 February, then 31 March', () => {
    expect(periodContaining('2028-02-10', 'month', 31)).toEqual({
      start: '2028-01-31',
      end: '2028-02-29',
    });
    expect(periodContaining('2028-02-29', 'month', 31)).toEqual({
      start: '2028-02-29',
      end: '2028-03-31',
    });
    expect(periodContaining('2028-04-30', 'month', 31)).toEqual({
      start: '2028-04-30',
      end: '2028-05-31',
    });
  });

  it('anchor day 31 in century years: 2100 is not a leap year, 2000 is', () => {
    expect(periodContaining('2100-02-28', 'month', 31)).toEqual({
      start: '2100-02-28',
      end: '2100-03-31',
    });
    expect(periodContaining('2100-02-27', 'month', 31)).toEqual({
      start: '2100-01-31',
      end: '2100-02-28',
    });
    expect(periodContaining('2000-02-29', 'month', 31)).toEqual({
      start: '2000-02-29',
      end: '2000-03-31',
    });
    expect(periodContaining('2000-02-28', 'month', 31)).toEqual({
      start: '2000-01-31',
      end: '2000-02-29',
    });
    expect(daysIn('2000-02-01', '2000-03-01')).toBe(29);
    expect(daysIn('1900-02-01', '1900-03-01')).toBe(28);
    expect(daysIn('2024-02-01', '2024-03-01')).toBe(29);
    expect(daysIn('2027-02-01', '2027-03-01')).toBe(28);
  });

  it('anchor day 30 and 29 clamp to the end of February', () => {
    expect(periodContaining('2027-03-15', 'month', 30)).toEqual({
      start: '2027-02-28',
      end: '2027-03-30',
    });
    expect(periodContaining('2027-02-28', 'month', 29)).toEqual({
      start: '2027-02-28',
      end: '2027-03-29',
    });
  });

  it('a period crosses the year in both directions', () => {
    expect(periodContaining('2027-01-05', 'month', 15)).toEqual({
      start: '2026-12-15',
      end: '2027-01-15',
    });
    expect(periodContaining('2026-12-20', 'month', 15)).toEqual({
      start: '2026-12-15',
      end: '2027-01-15',
    });
    expect(nextPeriod({ start: '2026-11-30', end: '2026-12-31' }, 'month', 31)).toEqual({
      start: '2026-12-31',
      end: '2027-01-31',
    });
  });

  it('a period starting on the date itself contains it', () => {
    expect(periodContaining('2026-10-09', 'month', 9)).toEqual({
      start: '2026-10-09',
      end: '2026-11-09',
    });
  });

  it('yearly periods start in the anchor month, clamped in a year without 29 February', () => {
    expect(periodContaining('2029-06-01', 'year', 29, 2)).toEqual({
      start: '2029-02-28',
      end: '2030-02-28',
    });
    expect(periodContaining('2031-12-31', 'year', 29, 2)).toEqual({
      start: '2031-02-28',
      end: '2032-02-29',
    });
    expect(periodContaining('2027-01-10', 'year', 15, 3)).toEqual({
      start: '2026-03-15',
      end: '2027-03-15',
    });
    expect(periodContaining('2027-01-10', 'year', 1)).toEqual({
      start: '2027-01-01',
      end: '2028-01-01',
    });
    expect(nextPeriod({ start: '2027-10-31', end: '2028-10-31' }, 'year', 31)).toEqual({
      start: '2028-10-31',
      end: '2029-10-31',
    });
  });

  it('counts days from 1970 across the epoch and in the first years of an era', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(dayNumber('1969-12-31')).toBe(-1);
    expect(dayNumber('2000-03-01')).toBe(11017);
    expect(dayNumber('2000-02-29')).toBe(11016);
    expect(dayNumber('2001-01-01')).toBe(11323);
    expect(dayNumber('0400-03-01') - dayNumber('0400-02-28')).toBe(2);
  });

  it('writes days 10 and later with two digits, days before with a leading zero', () => {
    expect(periodContaining('2026-10-15', 'month', 10)).toEqual({
      start: '2026-10-10',
      end: '2026-11-10',
    });
    expect(periodContaining('2026-10-05', 'month', 9)).toEqual({
      start: '2026-09-09',
      end: '2026-10-09',
    });
  });

  it('lists nothing for a service that ends the day it starts, mid-period', () => {
    expect(
      servedPeriods({
        startDate: '2026-11-16',
        endDate: '2026-11-16',
        interval: 'month',
        anchorDay: 1,
        through: '2027-03-01',
      }),
    ).toEqual([]);
  });

  it('writes years before 1000 with four digits', () => {
    expect(periodContaining('0999-05-20', 'month', 3)).toEqual({
      start: '0999-05-03',
      end: '0999-06-03',
    });
  });

  it('lists yearly periods of a service with no end up to the through date', () => {
    const periods = servedPeriods({
      startDate: '2028-02-29',
      endDate: null,
      interval: 'year',
      anchorDay: 29,
      through: '2030-02-28',
    });
    expect(periods.map((p) => [p.start, p.end, p.servedDays, p.periodDays])).toEqual([
      ['2028-02-29', '2029-02-28', 365, 365],
      ['2029-02-28', '2030-02-28', 365, 365],
      ['2030-02-28', '2031-02-28', 365, 365],
    ]);
  });

  it('lists periods from a later date, never before the start, and none past the end', () => {
    const from = servedPeriods({
      startDate: '2026-11-16',
      endDate: null,
      interval: 'month',
      anchorDay: 16,
      through: '2027-01-15',
      from: '2026-12-20',
    });
    expect(from.map((p) => [p.start, p.servedStart, p.servedEnd])).toEqual([
      ['2026-12-16', '2026-12-16', '2027-01-16'],
    ]);
    const early = servedPeriods({
      startDate: '2026-11-16',
      endDate: '2026-11-16',
      interval: 'month',
      anchorDay: 16,
      through: '2027-03-01',
      from: '2026-01-01',
    });
    expect(early).toEqual([]);
    const endsOnBoundary = servedPeriods({
      startDate: '2026-11-16',
      endDate: '2026-12-16',
      interval: 'month',
      anchorDay: 16,
      through: '2027-03-01',
    });
    expect(endsOnBoundary.map((p) => [p.start, p.servedEnd, p.servedDays])).toEqual([
      ['2026-11-16', '2026-12-16', 30],
    ]);
  });

  it('stops at a through date that is a period start, including that period', () => {
    const periods = servedPeriods({
      startDate: '2026-11-01',
      endDate: null,
      interval: 'month',
      anchorDay: 1,
      through: '2027-01-01',
    });
    expect(periods.map((p) => p.start)).toEqual(['2026-11-01', '2026-12-01', '2027-01-01']);
    expect(
      servedPeriods({
        startDate: '2026-11-01',
        endDate: null,
        interval: 'month',
        anchorDay: 1,
        through: '2026-12-31',
      }).map((p) => p.start),
    ).toEqual(['2026-11-01', '2026-12-01']);
  });

  it('lists at most 1200 periods', () => {
    const periods = servedPeriods({
      startDate: '1900-01-01',
      endDate: null,
      interval: 'month',
      anchorDay: 1,
      through: '2200-01-01',
    });
    expect(periods).toHaveLength(1200);
    expect(periods.at(-1)?.start).toBe('1999-12-01');
  });

  it('prorates nothing for no days or fewer, the whole for the whole period or more', () => {
    expect(prorate(3000, 0, 30)).toBe(0);
    expect(prorate(3000, -2, 30)).toBe(0);
    expect(prorate(3000, 30, 30)).toBe(3000);
    expect(prorate(3000, 31, 30)).toBe(3000);
    expect(prorate(3000, 29, 30)).toBe(2900);
    expect(prorate(3000, 1, 30)).toBe(100);
    expect(prorate(-3000, 1, 30)).toBe(-100);
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
