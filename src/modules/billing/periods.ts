/**
 * Billing periods (B2): a subscription's periods start on its anchor day each month (or each
 * year in the start date's month), clamped to short months — anchor 31 gives 28 February, then
 * 31 March. Dates are YYYY-MM-DD business dates; a period is [start, end), end exclusive.
 */
import { allocate } from '../../core/money.js';

export type Interval = 'month' | 'year';

export interface Period {
  start: string;
  end: string;
}

// Plain integer calendar arithmetic rather than Temporal: a bill run computes periods for
// millions of usage days, and the polyfill costs ~70 µs a call. Dates here are calendar dates
// with no time or zone, so nothing can shift them; the tests compare with Temporal's answers.

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysInMonth = (y: number, m: number) =>
  m === 2 && isLeap(y) ? 29 : (MONTH_DAYS[m - 1] as number);

function parts(date: string): [number, number, number] {
  return [Number(date.slice(0, 4)), Number(date.slice(5, 7)), Number(date.slice(8, 10))];
}

function format(y: number, m: number, d: number): string {
  return `${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`;
}

/** Days since 1970-01-01 (Howard Hinnant's days_from_civil). */
export function dayNumber(date: string): number {
  const [y0, m, d] = parts(date);
  const y = m <= 2 ? y0 - 1 : y0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The anchor date in a month: the anchor day, or the month's last day when shorter. */
function boundary(y: number, m: number, anchorDay: number): string {
  return format(y, m, Math.min(anchorDay, daysInMonth(y, m)));
}

/** Moves a (year, month) by whole months. */
function addMonths(y: number, m: number, n: number): [number, number] {
  const index = y * 12 + (m - 1) + n;
  return [Math.floor(index / 12), (index % 12) + 1];
}

function shift(start: string, interval: Interval, anchorDay: number, n: number): string {
  const [y, m] = parts(start);
  const [ny, nm] = addMonths(y, m, interval === 'month' ? n : 12 * n);
  return boundary(ny, nm, anchorDay);
}

/** The period of a subscription that contains `date`. */
export function periodContaining(
  date: string,
  interval: Interval,
  anchorDay: number,
  anchorMonth = 1,
): Period {
  const [y, m] = parts(date);
  let start =
    interval === 'month' ? boundary(y, m, anchorDay) : boundary(y, anchorMonth, anchorDay);
  if (start > date) start = shift(start, interval, anchorDay, -1);
  return { start, end: shift(start, interval, anchorDay, 1) };
}

/** The period that follows `period`. */
export function nextPeriod(period: Period, interval: Interval, anchorDay: number): Period {
  return { start: period.end, end: shift(period.end, interval, anchorDay, 1) };
}

export function daysIn(from: string, to: string): number {
  return dayNumber(to) - dayNumber(from);
}

const maxDate = (a: string, b: string) => (a > b ? a : b);
const minDate = (a: string, b: string) => (a < b ? a : b);

export interface ServedPeriod extends Period {
  /** The part of the period the subscription served: [servedStart, servedEnd). */
  servedStart: string;
  servedEnd: string;
  servedDays: number;
  periodDays: number;
}

/**
 * The periods of a service running [startDate, endDate) whose start is on or before `through`,
 * from the one containing `from` (default: the start date) onwards.
 */
export function servedPeriods(opts: {
  startDate: string;
  endDate: string | null;
  interval: Interval;
  anchorDay: number;
  through: string;
  from?: string;
}): ServedPeriod[] {
  const anchorMonth = parts(opts.startDate)[1];
  const out: ServedPeriod[] = [];
  let p = periodContaining(
    maxDate(opts.from ?? opts.startDate, opts.startDate),
    opts.interval,
    opts.anchorDay,
    anchorMonth,
  );
  for (let guard = 0; guard < 1200 && p.start <= opts.through; guard++) {
    if (opts.endDate !== null && p.start >= opts.endDate) break;
    const servedStart = maxDate(p.start, opts.startDate);
    const servedEnd = opts.endDate === null ? p.end : minDate(p.end, opts.endDate);
    if (servedStart < servedEnd) {
      out.push({
        ...p,
        servedStart,
        servedEnd,
        servedDays: daysIn(servedStart, servedEnd),
        periodDays: daysIn(p.start, p.end),
      });
    }
    p = nextPeriod(p, opts.interval, opts.anchorDay);
  }
  return out;
}

/**
 * The charge for serving `servedDays` of a `periodDays` period whose full charge is `full`:
 * the full charge split by the largest-remainder rule into the served and unserved days, so the
 * two parts always add up to the whole.
 */
export function prorate(full: number, servedDays: number, periodDays: number): number {
  if (servedDays >= periodDays) return full;
  if (servedDays <= 0) return 0;
  return allocate(full, [servedDays, periodDays - servedDays])[0] as number;
}
