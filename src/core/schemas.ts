/**
 * The zod building blocks shared by every module's schemas (amounts, dates, ids, lists and their
 * pages, the error shape). Pure: the modules' model files take them from here, and the HTTP layer
 * (http/schemas.ts) re-exports them for the routes.
 */
import { z } from 'zod';
import { isBusinessDate, parseInstant } from './dates.js';
import { AppError } from './errors.js';
import { MAX_AMOUNT } from './money.js';

/** A non-negative whole number of minor units (cents); fractions and negatives are refused. */
export const MinorAmount = z
  .number()
  .int('must be a whole number of minor units (cents)')
  .min(0, 'must not be negative')
  .max(MAX_AMOUNT, 'must be at most 10000000000000 (the largest amount Billow holds)')
  .describe('Amount in minor units (cents), a non-negative integer, at most 10^13');

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

/**
 * Control characters that no text field accepts: NUL and the other C0 characters except tab, line
 * feed and carriage return (PostgreSQL cannot store NUL in text; the others are never meant).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
export const CONTROL_CHARACTERS_MESSAGE =
  'must not contain control characters (NUL and other C0 characters; tab and line breaks are allowed)';

/** Text without control characters: the rule every string of every request is held to. */
export const PlainText = z
  .string()
  .refine((s) => !CONTROL_CHARACTERS.test(s), { message: CONTROL_CHARACTERS_MESSAGE });

/**
 * The paths of the strings in a request part (body, query, params) that break the PlainText
 * rule, e.g. [['address', 'line1']]. The app's validator applies it to every route before the
 * route's own schema, so no text field of any endpoint lets a control character through.
 */
export function controlCharacterPaths(
  data: unknown,
  path: (string | number)[] = [],
): (string | number)[][] {
  if (typeof data === 'string') return CONTROL_CHARACTERS.test(data) ? [path] : [];
  if (Array.isArray(data)) return data.flatMap((v, i) => controlCharacterPaths(v, [...path, i]));
  if (data !== null && typeof data === 'object') {
    return Object.entries(data).flatMap(([k, v]) => [
      ...(CONTROL_CHARACTERS.test(k) ? [[...path, k]] : []),
      ...controlCharacterPaths(v, [...path, k]),
    ]);
  }
  return [];
}

/** The body of an action that takes no input: an empty object or no body; any field is refused. */
export const NoBody = z.strictObject({}).nullish().describe('No input: {} or no body');

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
