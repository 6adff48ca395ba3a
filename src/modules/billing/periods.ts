/**
 * Billing periods (B2): a subscription's periods start on its anchor day each month (or each
 * year in the start date's month), clamped to short months — anchor 31 gives 28 February, then
 * 31 March. Dates are YYYY-MM-DD business dates; a period is [start, end), end exclusive.
 */
import { Temporal } from 'temporal-polyfill';
import { allocate } from '../../core/money.js';

export type Interval = 'month' | 'year';

export interface Period {
  start: string;
  end: string;
}

const plain = (d: string) => Temporal.PlainDate.from(d, { overflow: 'reject' });

function boundary(year: number, month: number, anchorDay: number): Temporal.PlainDate {
  const first = Temporal.PlainDate.from({ year, month, day: 1 });
  return first.with({ day: Math.min(anchorDay, first.daysInMonth) });
}

function shift(start: Temporal.PlainDate, interval: Interval, anchorDay: number, n: number) {
  const moved = start.with({ day: 1 }).add(interval === 'month' ? { months: n } : { years: n });
  return boundary(moved.year, moved.month, anchorDay);
}

/** The period of a subscription that contains `date`. */
export function periodContaining(
  date: string,
  interval: Interval,
  anchorDay: number,
  anchorMonth = 1,
): Period {
  const d = plain(date);
  let start =
    interval === 'month'
      ? boundary(d.year, d.month, anchorDay)
      : boundary(d.year, anchorMonth, anchorDay);
  if (Temporal.PlainDate.compare(start, d) > 0) start = shift(start, interval, anchorDay, -1);
  return { start: start.toString(), end: shift(start, interval, anchorDay, 1).toString() };
}

/** The period that follows `period`. */
export function nextPeriod(period: Period, interval: Interval, anchorDay: number): Period {
  const start = plain(period.end);
  return { start: start.toString(), end: shift(start, interval, anchorDay, 1).toString() };
}

export function daysIn(from: string, to: string): number {
  return plain(from).until(plain(to), { largestUnit: 'days' }).days;
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
  const anchorMonth = plain(opts.startDate).month;
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
