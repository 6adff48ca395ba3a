/**
 * Request and response pieces shared by every module's endpoint schemas: the building blocks
 * live in core/schemas.ts (so model files need no HTTP import); what only HTTP needs is here.
 */
import { z } from 'zod';

export {
  Address,
  BusinessDate,
  CONTROL_CHARACTERS_MESSAGE,
  controlCharacterPaths,
  cursorId,
  ErrorResponse,
  IdParams,
  Instant,
  ListQuery,
  MinorAmount,
  NoBody,
  PlainText,
  page,
  pageOf,
} from '../core/schemas.js';

/** The empty answer of a 204 (a delete, a logout). */
// `reply.code(204).send()` takes no payload only when the schema's type is empty; JSON Schema
// has no "nothing", so the document says null (and @fastify/swagger then gives no content).
export const NoContent = z.any().meta({ type: 'null', description: 'Done; no content' });

/** A PDF document as the whole response body. */
export const PdfResponse = {
  description: 'The PDF document',
  content: {
    'application/pdf': {
      // The handler sends a Buffer; the document says binary.
      schema: z
        .any()
        .meta({ type: 'string', format: 'binary', contentMediaType: 'application/pdf' }),
    },
  },
};

/** The rounding rules, for the descriptions of the operations they apply to (docs/api.md). */
export const ROUNDING = {
  proration:
    'Proration (largest remainder): a recurring charge for part of a period is the full ' +
    'charge split by days served and days not served; each part gets the floor of its exact ' +
    'share and the cent left over goes to the part with the larger remainder, so the parts ' +
    'always add up to the full charge.',
  usage:
    'Usage (half up): quantities carry up to six decimals; a usage line is computed exactly ' +
    'and rounded half up to the cent once, at the end (12.5 units at 5¢ = 63¢).',
  cancelNow:
    'Cancel now: the service ends at the start of today in the tenant time zone (today is not ' +
    'served) and the subscription is canceled at once; the next bill run credits what was ' +
    'billed in advance (on posted invoices) for the days not served, prorated by the ' +
    'largest-remainder rule: on its invoice as far as the charges absorb it, the rest as a ' +
    'credit memo on the account at once (the answer says it in credit_to_follow); it ' +
    'bills usage in arrears. A usage subscription with usage recorded for today or later ends ' +
    'the day after its last recorded usage. period_end (the default) keeps it active to the ' +
    'end of the current period; a date ends it at the start of that day.',
} as const;
