/**
 * The zod building blocks shared by every module's schemas (amounts, dates, ids, lists and their
 * pages, the error shape). Pure: the modules' model files take them from here, and the HTTP layer
 * (http/schemas.ts) re-exports them for the routes.
 */
import { z } from 'zod';
import { isBusinessDate, parseInstant } from './dates.js';
import { AppError } from './errors.js';

/** A non-negative whole number of minor units (cents); fractions and negatives are refused. */
export const MinorAmount = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .min(0, 'must not be negative')
  .max(Number.MAX_SAFE_INTEGER)
  .describe('Amount in minor units (cents), a non-negative integer');

/** A calendar date YYYY-MM-DD that exists (2026-02-30 is refused). */
export const BusinessDate = z
  .string()
  .refine(isBusinessDate, { message: 'must be a real date written YYYY-MM-DD' })
  .describe('Business date YYYY-MM-DD in the tenant time zone');

/** An ISO-8601 instant with a zone offset or Z. */
export const Instant = z
  .string()
  .max(40)
  .refine((s) => parseInstant(s) !== null, { message: 'must be an ISO-8601 instant with offset' })
  .describe('ISO-8601 instant, e.g. 2026-11-22T15:00:00Z');

export const IdParams = z.strictObject({ id: z.string().min(1).max(64) });

export const ListQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(25),
  cursor: z.string().max(64).optional().describe('next_cursor of the previous page'),
});

export const Address = z.strictObject({
  line1: z.string().max(200).optional(),
  line2: z.string().max(200).optional(),
  city: z.string().max(100).optional(),
  region: z.string().max(100).optional(),
  postal_code: z.string().max(20).optional(),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2 code, e.g. US')
    .optional(),
});

export const ErrorResponse = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  }),
});

export function pageOf<T>(item: T) {
  return z.object({ data: z.array(item as z.ZodType), next_cursor: z.string().nullable() });
}

const CURSOR = /^[a-z]{2,6}_[0-9a-z]{26}$/;

/** Checks a cursor is an id this API issued. */
export function cursorId(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  if (!CURSOR.test(cursor)) throw new AppError('invalid_cursor');
  return cursor;
}

/**
 * Turns rows fetched with `LIMIT limit + 1` (newest first, by id) into a page: the extra row only
 * says that another page exists.
 */
export function page<T extends { id: string }>(rows: T[], limit: number) {
  const data = rows.slice(0, limit);
  return {
    data,
    next_cursor: rows.length > limit ? (data[data.length - 1]?.id ?? null) : null,
  };
}
