/**
 * The API as a contract. Each route states its success responses in `schema.response` and the
 * error codes of its own in `schema.errors`; this file adds the errors every operation can give
 * (validation, authentication, role, idempotency, body size, internal) and documents each error
 * status with the one error shape and the codes behind it.
 *
 * In strict mode (tests, and `npm run gen:api`, which the typecheck runs) a route without an
 * operationId, tags, a summary or a success response schema stops the app from starting, and a
 * reply with a status its route does not document is recorded as a violation (the test harness
 * fails the file that caused it).
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { ERRORS, type ErrorCode } from '../core/errors.js';
import { ErrorResponse } from './schemas.js';

declare module 'fastify' {
  interface FastifySchema {
    /** Error codes this route gives besides the ones every operation can give (contract.ts). */
    errors?: readonly ErrorCode[];
  }
}

/** What any operation can answer: a bad request, no or wrong credentials, an internal failure. */
const EVERY_OPERATION: readonly ErrorCode[] = [
  'validation_failed',
  'unauthenticated',
  'forbidden',
  'internal_error',
];
/** What any operation with a request body can answer besides. */
const WITH_BODY: readonly ErrorCode[] = [
  'invalid_json',
  'payload_too_large',
  'unsupported_media_type',
];
/** What a POST can answer besides: every POST takes an Idempotency-Key. */
const POST: readonly ErrorCode[] = ['idempotency_key_reused', 'idempotency_key_in_progress'];

/** A reply whose status its route does not document (strict mode). */
export interface ContractViolation {
  method: string;
  url: string;
  status: number;
  documented: string[];
}

export interface ContractOptions {
  /** Refuse undocumented routes at start-up and record undocumented statuses. */
  strict: boolean;
  /** Where strict mode records violations (the test harness reads them). */
  violations?: ContractViolation[];
}

/** Paths of the API whose routes must be documented (the web apps' pages are not). */
function isApiPath(url: string): boolean {
  return url.startsWith('/api/v1') || url.startsWith('/portal/api');
}

function errorCodesOf(route: RouteOptions): ErrorCode[] {
  const methods = ([] as string[]).concat(route.method);
  const hasBody = methods.some((m) => m === 'POST' || m === 'PUT' || m === 'PATCH');
  const codes = new Set<ErrorCode>([
    ...EVERY_OPERATION,
    ...(hasBody ? WITH_BODY : []),
    ...(methods.includes('POST') ? POST : []),
    ...(route.schema?.errors ?? []),
  ]);
  return [...codes];
}

/** One response per error status, in the one error shape, naming the codes it stands for. */
export function errorResponses(codes: readonly ErrorCode[]): Record<string, typeof ErrorResponse> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<string, typeof ErrorResponse> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const lines = list.map((code) => `\`${code}\`: ${ERRORS[code].when}`);
    responses[String(status)] = ErrorResponse.describe(`Error codes: ${lines.join('; ')}.`);
  }
  return responses;
}

/** The statuses a route documents: its own keys, with 2XX-style ranges. */
function documents(documented: string[], status: number): boolean {
  const s = String(status);
  return documented.some((k) => k === s || k.toUpperCase() === `${s[0]}XX` || k === 'default');
}

/**
 * Installs the contract on the app: call it before @fastify/swagger is registered, so that the
 * document sees the error responses it adds.
 */
export function registerContract(app: FastifyInstance, options: ContractOptions): void {
  app.addHook('onRoute', (route) => {
    const schema = route.schema;
    if (schema?.hide || !isApiPath(route.url)) return;
    if (!schema) {
      if (options.strict) throw new Error(`${route.method} ${route.url}: no schema`);
      return;
    }
    const response = (schema.response ?? {}) as Record<string, unknown>;
    if (options.strict) {
      const missing = [
        !schema.operationId && 'an operationId',
        !(schema.tags && schema.tags.length > 0) && 'tags',
        !schema.summary && 'a summary',
        !Object.keys(response).some((k) => k.startsWith('2')) && 'a success response schema',
      ].filter(Boolean);
      if (missing.length > 0) {
        throw new Error(`${route.method} ${route.url} has no ${missing.join(', ')} (contract.ts)`);
      }
    }
    // Errors named by the route and the shared ones; a status the route describes itself stays.
    const errors = errorResponses(errorCodesOf(route));
    for (const [status, body] of Object.entries(errors)) {
      if (!(status in response)) response[status] = body;
    }
    schema.response = response;
  });

  if (!options.strict) return;
  const violations = options.violations;
  app.addHook('onSend', async (req, reply, payload) => {
    const schema = req.routeOptions.schema;
    const url = req.routeOptions.url;
    if (!schema || schema.hide || !url || !isApiPath(url)) return payload;
    const documented = Object.keys(schema.response ?? {});
    if (!documents(documented, reply.statusCode)) {
      violations?.push({ method: req.method, url, status: reply.statusCode, documented });
    }
    return payload;
  });
}
