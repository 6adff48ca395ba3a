/**
 * Business dates: calendar dates (YYYY-MM-DD) in the tenant's time zone, computed with the
 * Temporal API so that DST changes never shift a date.
 */
import { Temporal } from 'temporal-polyfill';

export const DEFAULT_TIME_ZONE = 'America/New_York';

/**
 * True for an IANA time zone name (America/New_York, Europe/Berlin, UTC). Offsets such as
 * "+05:00" are refused: they are not zones (no DST), and PostgreSQL's `AT TIME ZONE` reads
 * them with the opposite sign.
 */
export function isValidTimeZone(zone: string): boolean {
  if (/^[+\-\u2212]/.test(zone)) return false;
  try {
    Temporal.Instant.fromEpochMilliseconds(0).toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** True for a real calendar date written as YYYY-MM-DD (rejects 2026-02-30). */
export function isBusinessDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  try {
    Temporal.PlainDate.from(text, { overflow: 'reject' });
    return true;
  } catch {
    return false;
  }
}

/** A business date as a Temporal date; a RangeError for anything but a real YYYY-MM-DD. */
function plainDate(date: string): Temporal.PlainDate {
  // Temporal alone would also take "2026-03-08T23:30-05:00" or "20260308" and drop the rest.
  if (!isBusinessDate(date)) throw new RangeError(`not a business date (YYYY-MM-DD): ${date}`);
  return Temporal.PlainDate.from(date);
}

/**
 * Per time zone, the last business date computed and the instants it spans, [from, to): every
 * request asks for "today" and the time zone arithmetic is costly, so an instant in the same
 * day is answered from here. Exact: the span is where that date starts and where the next one
 * starts (DST gaps included), as startOfBusinessDate computes them.
 */
const lastDay = new Map<string, { from: number; to: number; date: string }>();

/** The business date of an instant in a time zone. */
export function businessDate(at: Date, zone: string): string {
  const ms = at.getTime();
  const known = lastDay.get(zone);
  if (known && ms >= known.from && ms < known.to) return known.date;
  const date = Temporal.Instant.fromEpochMilliseconds(ms)
    .toZonedDateTimeISO(zone)
    .toPlainDate()
    .toString();
  const from = startOfBusinessDate(date, zone).getTime();
  const to = startOfBusinessDate(addDays(date, 1), zone).getTime();
  if (ms >= from && ms < to) lastDay.set(zone, { from, to, date });
  return date;
}

/** The instant a business date starts in a time zone (midnight, or the first valid moment). */
export function startOfBusinessDate(date: string, zone: string): Date {
  return new Date(plainDate(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds);
}

export function addDays(date: string, days: number): string {
  return plainDate(date).add({ days }).toString();
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return plainDate(a).until(plainDate(b), { largestUnit: 'days' }).days;
}

/** Parses an ISO-8601 instant with an offset or Z; null when it is not one. */
export function parseInstant(text: string): Date | null {
  try {
    return new Date(Temporal.Instant.from(text).epochMilliseconds);
  } catch {
    return null;
  }
}
