/**
 * Business dates: calendar dates (YYYY-MM-DD) in the tenant's time zone, computed with the
 * Temporal API so that DST changes never shift a date.
 */
import { Temporal } from 'temporal-polyfill';

export const DEFAULT_TIME_ZONE = 'America/New_York';

export function isValidTimeZone(zone: string): boolean {
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
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

/** The business date of an instant in a time zone. */
export function businessDate(at: Date, zone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime())
    .toZonedDateTimeISO(zone)
    .toPlainDate()
    .toString();
}

/** The instant a business date starts in a time zone (midnight, or the first valid moment). */
export function startOfBusinessDate(date: string, zone: string): Date {
  const zdt = Temporal.PlainDate.from(date, { overflow: 'reject' }).toZonedDateTime({
    timeZone: zone,
  });
  return new Date(zdt.epochMilliseconds);
}

export function addDays(date: string, days: number): string {
  return Temporal.PlainDate.from(date, { overflow: 'reject' }).add({ days }).toString();
}

/** Whole days from `a` to `b` (positive when b is later). */
export function daysBetween(a: string, b: string): number {
  return Temporal.PlainDate.from(a).until(Temporal.PlainDate.from(b), { largestUnit: 'days' }).days;
}

/** Parses an ISO-8601 instant with an offset or Z; null when it is not one. */
export function parseInstant(text: string): Date | null {
  try {
    return new Date(Temporal.Instant.from(text).epochMilliseconds);
  } catch {
    return null;
  }
}
