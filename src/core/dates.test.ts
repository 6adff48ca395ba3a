import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import fc from 'fast-check';
import { Temporal } from 'temporal-polyfill';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  businessDate,
  daysBetween,
  isBusinessDate,
  isValidTimeZone,
  parseInstant,
  startOfBusinessDate,
} from './dates.js';

const NY = 'America/New_York';
const HOUR = 3600_000;
const at = (iso: string) => new Date(iso);

describe('isBusinessDate', () => {
  it.each(['2026-01-01', '2026-12-31', '2024-02-29', '2000-02-29', '2026-02-28'])(
    'accepts %s',
    (text) => expect(isBusinessDate(text)).toBe(true),
  );

  it.each([
    '2026-02-30',
    '2026-13-01',
    '2026-00-10',
    '2026-04-31',
    '2025-02-29',
    '1900-02-29',
    '2026-1-01',
    '20260101',
    '2026-01-01T00:00:00Z',
    ' 2026-01-01',
    '+002026-01-01',
    '',
  ])('refuses %j', (text) => expect(isBusinessDate(text)).toBe(false));
});

describe('isValidTimeZone', () => {
  it('knows IANA zones and refuses the rest', () => {
    for (const zone of [NY, 'Europe/Berlin', 'Pacific/Auckland', 'Asia/Kolkata', 'UTC']) {
      expect(isValidTimeZone(zone)).toBe(true);
    }
    // Offsets are not zones, and PostgreSQL would read "+05:00" as five hours *behind* UTC.
    for (const zone of ['Mars/Olympus_Mons', '', 'New York', '+05:00', '-0500', '\u221205:00']) {
      expect(isValidTimeZone(zone)).toBe(false);
    }
  });
});

/**
 * The date answers that must not depend on the process's own time zone, as data: the same table
 * is checked in this process and in child processes running under other TZ settings.
 * An argument `{ at }` is an instant; a Date result is compared as its ISO string.
 */
type Arg = string | number | { at: string };
type Case = [
  fn: 'businessDate' | 'startOfBusinessDate' | 'addDays' | 'daysBetween',
  Arg[],
  unknown,
];

const MATRIX: Case[] = [
  // Around midnight in New York (EST, UTC−5, in winter).
  ['businessDate', [{ at: '2026-01-15T04:59:59.999Z' }, NY], '2026-01-14'],
  ['businessDate', [{ at: '2026-01-15T05:00:00.000Z' }, NY], '2026-01-15'],
  ['businessDate', [{ at: '2026-01-15T23:30:00.000Z' }, NY], '2026-01-15'],
  ['businessDate', [{ at: '2026-01-15T23:30:00.000Z' }, 'UTC'], '2026-01-15'],
  ['businessDate', [{ at: '2026-01-15T11:00:00.000Z' }, 'Pacific/Auckland'], '2026-01-16'],
  ['businessDate', [{ at: '2026-01-15T10:59:59.999Z' }, 'Pacific/Auckland'], '2026-01-15'],
  // Spring forward, Sunday 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.
  ['businessDate', [{ at: '2026-03-08T04:59:59.999Z' }, NY], '2026-03-07'],
  ['businessDate', [{ at: '2026-03-08T05:00:00.000Z' }, NY], '2026-03-08'],
  ['businessDate', [{ at: '2026-03-08T06:59:59.999Z' }, NY], '2026-03-08'],
  ['businessDate', [{ at: '2026-03-08T07:00:00.000Z' }, NY], '2026-03-08'],
  ['businessDate', [{ at: '2026-03-09T03:59:59.999Z' }, NY], '2026-03-08'],
  ['businessDate', [{ at: '2026-03-09T04:00:00.000Z' }, NY], '2026-03-09'],
  // Fall back, Sunday 2026-11-01: 02:00 EDT becomes 01:00 EST at 06:00Z; 01:30 happens twice.
  ['businessDate', [{ at: '2026-11-01T03:59:59.999Z' }, NY], '2026-10-31'],
  ['businessDate', [{ at: '2026-11-01T04:00:00.000Z' }, NY], '2026-11-01'],
  ['businessDate', [{ at: '2026-11-01T05:30:00.000Z' }, NY], '2026-11-01'],
  ['businessDate', [{ at: '2026-11-01T06:30:00.000Z' }, NY], '2026-11-01'],
  ['businessDate', [{ at: '2026-11-02T04:59:59.999Z' }, NY], '2026-11-01'],
  ['businessDate', [{ at: '2026-11-02T05:00:00.000Z' }, NY], '2026-11-02'],
  // Day starts: 23 hours from 03-08 to 03-09, 25 hours from 11-01 to 11-02.
  ['startOfBusinessDate', ['2026-03-07', NY], '2026-03-07T05:00:00.000Z'],
  ['startOfBusinessDate', ['2026-03-08', NY], '2026-03-08T05:00:00.000Z'],
  ['startOfBusinessDate', ['2026-03-09', NY], '2026-03-09T04:00:00.000Z'],
  ['startOfBusinessDate', ['2026-11-01', NY], '2026-11-01T04:00:00.000Z'],
  ['startOfBusinessDate', ['2026-11-02', NY], '2026-11-02T05:00:00.000Z'],
  ['startOfBusinessDate', ['2026-01-16', 'Pacific/Auckland'], '2026-01-15T11:00:00.000Z'],
  ['startOfBusinessDate', ['2026-01-16', 'UTC'], '2026-01-16T00:00:00.000Z'],
  // São Paulo skipped midnight on 2018-11-04 (00:00 became 01:00): the day starts at 01:00.
  ['startOfBusinessDate', ['2018-11-04', 'America/Sao_Paulo'], '2018-11-04T03:00:00.000Z'],
  // Calendar arithmetic knows nothing of hours.
  ['addDays', ['2026-03-07', 1], '2026-03-08'],
  ['addDays', ['2026-03-08', 1], '2026-03-09'],
  ['addDays', ['2026-10-31', 2], '2026-11-02'],
  ['addDays', ['2026-11-02', -2], '2026-10-31'],
  ['daysBetween', ['2026-03-08', '2026-03-09'], 1],
  ['daysBetween', ['2026-11-01', '2026-11-02'], 1],
  ['daysBetween', ['2026-03-01', '2026-11-30'], 274],
];

const FUNCTIONS = { businessDate, startOfBusinessDate, addDays, daysBetween } as Record<
  Case[0],
  (...a: unknown[]) => unknown
>;

function evaluate([fn, args]: Case): unknown {
  const real = args.map((a) => (typeof a === 'object' ? new Date(a.at) : a));
  const result = FUNCTIONS[fn](...real);
  return result instanceof Date ? result.toISOString() : result;
}

/** The same evaluation, as a script for a child process (given the module and the cases). */
const CHILD_SCRIPT = `
const dates = await import(process.env.DATES_MODULE);
const cases = JSON.parse(process.env.DATES_CASES);
const results = cases.map(([fn, args]) => {
  const real = args.map((a) => (typeof a === 'object' ? new Date(a.at) : a));
  const result = dates[fn](...real);
  return result instanceof Date ? result.toISOString() : result;
});
const january = new Date(2026, 0, 1).getTimezoneOffset();
process.stdout.write(JSON.stringify({ january, results }));
`;

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function inChildProcess(tz: string): Promise<{ january: number; results: unknown[] }> {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', CHILD_SCRIPT],
    {
      cwd: ROOT,
      timeout: 30_000,
      env: {
        ...process.env,
        TZ: tz,
        DATES_MODULE: new URL('./dates.ts', import.meta.url).href,
        DATES_CASES: JSON.stringify(MATRIX),
      },
    },
  );
  return JSON.parse(stdout);
}

describe('business dates in a time-zone matrix', () => {
  it.each(MATRIX.map((c) => [c[0], c[1], c[2], c] as const))('%s(%j) = %j', (_f, _a, want, c) => {
    expect(evaluate(c)).toEqual(want);
  });

  it('gives the same answers whatever the process TZ (UTC, Pacific/Auckland, America/New_York)', async () => {
    const zones = ['UTC', 'Pacific/Auckland', NY];
    const runs = await Promise.all(zones.map(inChildProcess));
    // The children really ran in different zones (so this comparison means something)...
    expect(runs.map((r) => r.january)).toEqual([0, -780, 300]);
    // ...and agree with the expected table.
    const want = MATRIX.map((c) => c[2]);
    for (const r of runs) expect(r.results).toEqual(want);
  });
});

describe('business days across DST', () => {
  it('a day lasts 23 hours when clocks spring forward and 25 when they fall back', () => {
    const length = (d: string) =>
      startOfBusinessDate(addDays(d, 1), NY).getTime() - startOfBusinessDate(d, NY).getTime();
    expect(length('2026-03-08')).toBe(23 * HOUR);
    expect(length('2026-11-01')).toBe(25 * HOUR);
    expect(length('2026-03-07')).toBe(24 * HOUR);
    expect(length('2026-11-02')).toBe(24 * HOUR);

    // Over all of 2026, those are the only two days that are not 24 hours long.
    const odd: string[] = [];
    for (let d = '2026-01-01'; d !== '2027-01-01'; d = addDays(d, 1)) {
      if (length(d) !== 24 * HOUR) odd.push(d);
    }
    expect(odd).toEqual(['2026-03-08', '2026-11-01']);
  });

  it('every instant lies within the business day it belongs to (property)', () => {
    const zones = fc.constantFrom(NY, 'UTC', 'Pacific/Auckland', 'Europe/London', 'Asia/Kolkata');
    const instants = fc.date({
      min: at('2000-01-01T00:00:00Z'),
      max: at('2040-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instants, zones, (t, zone) => {
        const day = businessDate(t, zone);
        expect(isBusinessDate(day)).toBe(true);
        expect(startOfBusinessDate(day, zone).getTime()).toBeLessThanOrEqual(t.getTime());
        expect(startOfBusinessDate(addDays(day, 1), zone).getTime()).toBeGreaterThan(t.getTime());
      }),
    );
  });

  it('answers from its per-zone cache exactly as the time zone arithmetic does (property)', () => {
    // Instants close together around DST changes and midnights, in any order, several zones
    // interleaved: each answer must be what Temporal says for that instant, not the cached day.
    const direct = (t: Date, zone: string) =>
      Temporal.Instant.fromEpochMilliseconds(t.getTime())
        .toZonedDateTimeISO(zone)
        .toPlainDate()
        .toString();
    const anchors = [
      '2026-03-08T06:59:59.999Z', // New York springs forward at 07:00Z
      '2026-11-01T05:00:00Z', // New York falls back at 06:00Z
      '2018-11-04T02:59:59.999Z', // São Paulo skips midnight
      '2026-04-04T13:00:00Z', // Auckland falls back at 14:00Z
      '2026-06-30T23:59:59.999Z',
    ].map((iso) => at(iso).getTime());
    const zones = fc.constantFrom(
      NY,
      'UTC',
      'America/Sao_Paulo',
      'Pacific/Auckland',
      'Asia/Kolkata',
    );
    const instant = fc
      .tuple(fc.constantFrom(...anchors), fc.integer({ min: -2 * 24 * HOUR, max: 2 * 24 * HOUR }))
      .map(([a, d]) => new Date(a + d));
    fc.assert(
      fc.property(fc.array(fc.tuple(instant, zones), { minLength: 1, maxLength: 30 }), (calls) => {
        for (const [t, zone] of calls) expect(businessDate(t, zone)).toBe(direct(t, zone));
      }),
    );
  });

  it('the first moment of a day that skips midnight belongs to that day', () => {
    const start = startOfBusinessDate('2018-11-04', 'America/Sao_Paulo');
    expect(businessDate(start, 'America/Sao_Paulo')).toBe('2018-11-04');
    expect(businessDate(new Date(start.getTime() - 1), 'America/Sao_Paulo')).toBe('2018-11-03');
  });
});

describe('addDays and daysBetween', () => {
  it('follow the calendar across months, leap days and years', () => {
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2025-02-28', 1)).toBe('2025-03-01');
    expect(addDays('2026-01-31', 30)).toBe('2026-03-02');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-05-05', 0)).toBe('2026-05-05');
    expect(daysBetween('2024-01-01', '2025-01-01')).toBe(366);
    expect(daysBetween('2025-01-01', '2026-01-01')).toBe(365);
    expect(daysBetween('2026-03-09', '2026-03-08')).toBe(-1);
    expect(daysBetween('2026-05-05', '2026-05-05')).toBe(0);
  });

  it('daysBetween undoes addDays (property)', () => {
    const day = fc
      .date({
        min: at('1990-01-01T00:00:00Z'),
        max: at('2090-01-01T00:00:00Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString().slice(0, 10));
    fc.assert(
      fc.property(day, fc.integer({ min: -5000, max: 5000 }), (d, n) => {
        expect(daysBetween(d, addDays(d, n))).toBe(n);
      }),
    );
  });

  it('refuse what is not a business date rather than guess', () => {
    for (const bad of ['2026-02-30', '2026-03-08T23:30:00-05:00', '20260308', '+002026-03-08']) {
      expect(() => addDays(bad, 1)).toThrow(RangeError);
      expect(() => daysBetween(bad, '2026-03-09')).toThrow(RangeError);
      expect(() => startOfBusinessDate(bad, NY)).toThrow(RangeError);
    }
    expect(() => addDays('2026-03-08', 1.5)).toThrow(RangeError);
  });
});

describe('parseInstant', () => {
  it.each([
    ['2026-03-08T02:30:00-05:00', '2026-03-08T07:30:00.000Z'],
    ['2026-03-08T07:30:00Z', '2026-03-08T07:30:00.000Z'],
    ['2026-03-08T07:30:00.123+00:00', '2026-03-08T07:30:00.123Z'],
    ['2026-11-01T01:30:00-04:00', '2026-11-01T05:30:00.000Z'],
    ['2026-11-01T01:30:00-05:00', '2026-11-01T06:30:00.000Z'],
    ['2026-01-16T00:00:00+13:00', '2026-01-15T11:00:00.000Z'],
  ])('%s is %s', (text, iso) => {
    expect(parseInstant(text)?.toISOString()).toBe(iso);
  });

  it.each([
    '2026-03-08T07:30:00', // no offset: which zone?
    '2026-03-08',
    '2026-02-30T00:00:00Z',
    '2026-03-08T25:00:00Z',
    'next tuesday',
    '',
  ])('refuses %j', (text) => {
    expect(parseInstant(text)).toBeNull();
  });
});
