/** Assembles the HTTP application: plugins, authentication, idempotency, errors and routes. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  type ZodTypeProvider,
  validatorCompiler as zodValidatorCompiler,
} from 'fastify-type-provider-zod';
import type { Clock } from '../core/clock.js';
import { AppError, ERRORS } from '../core/errors.js';
import type { Db } from '../db/db.js';
import { registerAuth } from './auth.js';
import { type ContractOptions, registerContract } from './contract.js';
import { registerIdempotency } from './idempotency.js';
import { registerRoutes } from './routes.js';
import { CONTROL_CHARACTERS_MESSAGE, controlCharacterPaths } from './schemas.js';
import { registerWeb } from './web.js';

export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  ZodTypeProvider
>;

export interface AppOptions {
  db: Db;
  clock: Clock;
  /** pino log level, or false for none. */
  logLevel?: string | false;
  /** Where log lines go (default stdout); tests capture them to check what is logged. */
  logStream?: NodeJS.WritableStream;
  /** Largest accepted request body in bytes (default 256 KiB). */
  bodyLimit?: number;
  /** Login attempts per minute per client address (default 10). */
  loginRateLimit?: number;
  /**
   * Webhook endpoints may target private, loopback and link-local addresses
   * (BILLOW_WEBHOOKS_ALLOW_PRIVATE; default false: such URLs are refused).
   */
  webhooksAllowPrivate?: boolean;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (BILLOW_TRUST_PROXY: a number of hops, or
   * their addresses and ranges); the client address then comes from that header. Default none.
   */
  trustProxy?: number | string[] | undefined;
  /** Serve the built web apps from this directory (web/dist); without it, the API only. */
  webDir?: string;
  /**
   * Strict contract checks (tests, and generating the OpenAPI document): an undocumented route
   * stops the start, an undocumented reply status is recorded (contract.ts).
   */
  contract?: ContractOptions;
}

/** Long runs of digits (with spaces or dashes, or their %20) in a URL, for the logs. */
function maskDigits(url: string): string {
  return url.replace(/\d(?:[\d -]|%20|%2D){10,}\d/gi, '[redacted]');
}

/** The token of an emailed link (/portal/accept?token=…) never reaches the logs either. */
function maskUrl(url: string): string {
  return maskDigits(url).replace(/([?&]token=)[^&#]*/gi, '$1[redacted]');
}

/**
 * The route's zod schema, after the one rule every text field shares: a string with a control
 * character (schemas.ts, PlainText) is refused with a 400 naming the field. The issues have the
 * shape of fastify-type-provider-zod's, so the error handler reports them like any other.
 */
const validatorCompiler: typeof zodValidatorCompiler = (route) => {
  const validate = zodValidatorCompiler(route);
  return (data) => {
    const paths = controlCharacterPaths(data);
    if (paths.length === 0) return validate(data);
    return {
      error: paths.map((path) => ({
        [Symbol.for('ZodFastifySchemaValidationError')]: true,
        keyword: 'invalid_format',
        instancePath: `/${path.join('/')}`,
        schemaPath: `#/${path.join('/')}/invalid_format`,
        message: CONTROL_CHARACTERS_MESSAGE,
        params: { format: 'no_control_characters' },
      })),
    } as unknown as ReturnType<ReturnType<typeof zodValidatorCompiler>>;
  };
};

/**
 * An action that takes no input (NoBody: `{}` or nothing) documents its body as optional;
 * @fastify/swagger marks every body required, which would make typed clients send `{}`.
 */
function optionalEmptyBodies<T>(document: T): T {
  const paths = (document as { paths?: Record<string, Record<string, unknown>> }).paths ?? {};
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      const body = (operation as { requestBody?: { required?: boolean; content?: object } })
        .requestBody;
      const schema = (
        body?.content as { 'application/json'?: { schema?: Record<string, unknown> } } | undefined
      )?.['application/json']?.schema;
      const shapes = (schema?.anyOf as Record<string, unknown>[] | undefined) ?? [schema ?? {}];
      const empty = shapes.every(
        (s) =>
          s.type === 'null' ||
          (s.additionalProperties === false &&
            Object.keys((s.properties as object | undefined) ?? {}).length === 0),
      );
      if (body && schema && empty) body.required = false;
    }
  }
  return document;
}

/**
 * Fastify's trustProxy: addresses and ranges as they are; a number n believes the n hops nearest
 * the server (what fastify does with a number, whose type its typings leave out).
 */
function trustProxyOf(
  setting: number | string[],
): string[] | ((address: string, hop: number) => boolean) {
  if (typeof setting !== 'number') return setting;
  return (_address, hop) => hop < setting;
}

function errorBody(code: keyof typeof ERRORS, details?: Record<string, unknown>, message?: string) {
  return { error: { code, message: message ?? ERRORS[code].message, ...(details && { details }) } };
}

export async function buildApp(options: AppOptions): Promise<App> {
  const app = Fastify({
    logger:
      options.logLevel === false
        ? false
        : {
            level: options.logLevel ?? 'info',
            // A card number typed into a query string (a search box) never reaches the logs.
            serializers: {
              req: (req: { method: string; url: string; id: string }) => ({
                id: req.id,
                method: req.method,
                url: maskUrl(req.url),
              }),
            },
            ...(options.logStream && { stream: options.logStream }),
          },
    bodyLimit: options.bodyLimit ?? 256 * 1024,
    ...(options.trustProxy !== undefined && { trustProxy: trustProxyOf(options.trustProxy) }),
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}`,
    // Refuse bodies whose prototype keys could poison objects.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
  }).withTypeProvider<ZodTypeProvider>();

  // JSON only, unless an endpoint registers another type (CSV usage); text/plain gets a 415.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof AppError) {
      return reply.code(err.status).send(errorBody(err.code, err.details, err.message));
    }
    if (hasZodFastifySchemaValidationErrors(err)) {
      const issues = err.validation.map((v) => ({
        in: err.validationContext,
        path: v.instancePath.replace(/^\//, '').replaceAll('/', '.'),
        message: v.message,
        ...(v.params && Object.keys(v.params).length > 0 && { params: v.params }),
      }));
      return reply.code(400).send(errorBody('validation_failed', { issues }));
    }
    switch (err.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(
          errorBody('payload_too_large', {
            // The route's own limit where it has one (usage CSV, sync results).
            limit: req.routeOptions.bodyLimit ?? app.initialConfig.bodyLimit,
          }),
        );
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.code(415).send(errorBody('unsupported_media_type'));
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.code(400).send(errorBody('invalid_json'));
    }
    if (err.statusCode === 400 && (err.name === 'SyntaxError' || /JSON/i.test(err.message))) {
      return reply.code(400).send(errorBody('invalid_json'));
    }
    if (err.statusCode === 429) return reply.code(429).send(errorBody('rate_limited'));
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
      return reply
        .code(err.statusCode)
        .send(errorBody('validation_failed', undefined, err.message));
    }
    req.log.error({ err }, 'unhandled error');
    return reply.code(500).send(errorBody('internal_error', { request_id: req.id }));
  });

  app.setNotFoundHandler((_req, reply) => reply.code(404).send(errorBody('route_not_found')));

  // Before swagger, so that the document sees the error responses the contract adds.
  registerContract(app, options.contract ?? { strict: false });
  await app.register(fastifyCookie);
  await app.register(fastifyRateLimit, { global: false });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Billow API',
        version: '1',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
        description:
          'Billing and payments. Amounts are integers in minor units; business dates are ' +
          'YYYY-MM-DD in the tenant time zone. Every POST accepts an Idempotency-Key header.',
      },
      // Paths carry their /api/v1 prefix, so the server is the Billow instance's own origin.
      servers: [{ url: '/', description: 'The Billow server that serves this document' }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A secret API key bk_…' },
          session: { type: 'apiKey', in: 'cookie', name: 'billow_session' },
          portalSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'billow_portal',
            description: 'A contact’s portal session; opens /api/v1/portal/… only',
          },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) =>
      'openapiObject' in doc ? optionalEmptyBodies(doc.openapiObject) : doc.swaggerObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerAuth(app, options.db, options.clock);
  registerIdempotency(app, options.db);
  await app.register(
    async (api) =>
      registerRoutes(api as App, {
        loginRateLimit: options.loginRateLimit ?? 10,
        webhooks: { allowPrivate: options.webhooksAllowPrivate ?? false },
      }),
    { prefix: '/api/v1' },
  );
  if (options.webDir) await registerWeb(app, { dir: options.webDir });
  return app;
}
