import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/db.js';
import type { App } from '../../http/app.js';
import { SESSION_COOKIE } from '../../http/auth.js';
import { checkOrigin, csrfTokenFor, secureCookies, setCsrfCookie } from '../../http/csrf.js';
import { ErrorResponse, IdParams, NoBody, NoContent } from '../../http/schemas.js';
import { SetupBody, SetupStatus } from '../tenants/model.js';
import { createFirstTenant, setupNeeded } from '../tenants/service.js';
import { ApiKeyCreate, ApiKeyView, Login, StaffCreate, StaffPatch, StaffView } from './model.js';
import { PERMISSIONS } from './roles.js';
import {
  createApiKey,
  createStaff,
  currentStaff,
  listApiKeys,
  listStaff,
  login,
  logout,
  revokeApiKey,
  updateStaff,
} from './service.js';

const Me = z.object({
  tenant_id: z.string(),
  role: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  staff: StaffView.nullable().describe('The signed-in staff member; null for an API key'),
  tenant: z.object({
    id: z.string(),
    name: z.string(),
    mode: z.enum(['sandbox', 'live']),
    time_zone: z.string().describe('IANA zone every business date of the tenant is in'),
    currency: z.string(),
  }),
  permissions: z.array(z.enum(PERMISSIONS)),
  csrf_token: z
    .string()
    .nullable()
    .describe('Send as X-CSRF-Token on state-changing requests of this cookie session'),
});

const Session = z.object({
  staff: StaffView,
  tenant_id: z.string(),
  expires_at: z.string(),
  csrf_token: z
    .string()
    .describe('Send in X-CSRF-Token with every POST, PATCH, PUT or DELETE of this session'),
});

/** Sets the session and CSRF cookies of a staff session just opened; the answer of a sign-in. */
function startSession(
  req: FastifyRequest,
  reply: FastifyReply,
  session: Awaited<ReturnType<typeof login>>,
): z.infer<typeof Session> {
  reply.setCookie(SESSION_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secureCookies(req),
    expires: session.expiresAt,
  });
  const csrf = setCsrfCookie(req, reply, session.token, {
    expires: session.expiresAt,
    sameSite: 'strict',
  });
  return {
    staff: session.staff,
    tenant_id: session.tenantId,
    expires_at: session.expiresAt.toISOString(),
    csrf_token: csrf,
  };
}

/** Creates the first tenant with the demo data and this owner (src/demo.ts, through http/routes.ts). */
export type LoadDemo = (
  db: Db,
  clock: Clock,
  owner: { email: string; name: string; password: string },
) => Promise<void>;

export async function staffRoutes(
  app: App,
  opts: { loginRateLimit: number; loadDemo: LoadDemo },
): Promise<void> {
  app.post(
    '/auth/login',
    {
      config: { auth: 'public', rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        operationId: 'logIn',
        errors: ['invalid_credentials', 'rate_limited', 'tenant_required'],
        tags: ['auth'],
        summary: 'Staff login; sets the session cookie',
        security: [],
        body: Login,
        response: {
          200: Session,
          400: ErrorResponse,
          401: ErrorResponse,
          403: ErrorResponse,
          429: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      // A page on another site must not sign a browser in to an account of its choosing.
      checkOrigin(req);
      const session = await login(req.server.db, req.server.clock, req.body);
      return startSession(req, reply, session);
    },
  );
  app.get(
    '/setup',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'getSetupStatus',
        tags: ['auth'],
        summary:
          'Whether this installation still needs its first tenant (the console then offers to ' +
          'create the organisation or load the demo data)',
        security: [],
        response: { 200: SetupStatus },
      },
    },
    async (req) => ({ needed: await setupNeeded(req.server.db) }),
  );
  app.post(
    '/setup',
    {
      config: { auth: 'public', rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        operationId: 'setUpInstallation',
        errors: ['setup_done', 'rate_limited'],
        tags: ['auth'],
        summary:
          'First run, without credentials and only while the installation has no tenant: ' +
          'create the first tenant (kind organisation: name, time zone, sandbox unless live) ' +
          'or the demo data (kind demo, what `billow demo` makes), with this owner, and sign ' +
          'the owner in (session cookie, as logIn). Two racing calls create one tenant; any ' +
          'call once a tenant exists is refused with setup_done.',
        security: [],
        body: SetupBody,
        response: { 201: Session, 400: ErrorResponse, 403: ErrorResponse, 409: ErrorResponse },
      },
    },
    async (req, reply) => {
      checkOrigin(req);
      const b = req.body;
      const owner = { email: b.email, name: b.owner_name, password: b.password };
      const { db, clock } = req.server;
      if (b.kind === 'demo') {
        await opts.loadDemo(db, clock, owner);
      } else {
        await createFirstTenant(db, clock, {
          name: b.tenant_name,
          ...(b.time_zone && { timeZone: b.time_zone }),
          ...(b.live && { live: true }),
          ownerEmail: owner.email,
          ownerName: owner.name,
          ownerPassword: owner.password,
        });
      }
      const session = await login(db, clock, { email: b.email, password: b.password });
      return reply.code(201).send(startSession(req, reply, session));
    },
  );
  app.post(
    '/auth/logout',
    {
      config: { auth: 'public' },
      schema: {
        operationId: 'logOut',
        tags: ['auth'],
        summary: 'End the session',
        security: [],
        body: NoBody,
        response: { 204: NoContent, 403: ErrorResponse },
      },
    },
    async (req, reply) => {
      checkOrigin(req);
      const token = req.cookies[SESSION_COOKIE];
      if (token) await logout(req.server.db, req.server.clock, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/auth/me',
    {
      schema: {
        operationId: 'getCurrentPrincipal',
        tags: ['auth'],
        summary: 'Who is calling: the staff member, the tenant, the permissions',
        response: { 200: Me, 401: ErrorResponse },
      },
    },
    async (req) => {
      const { tenant } = req.ctx;
      const token = req.headers.authorization ? undefined : req.cookies[SESSION_COOKIE];
      return {
        tenant_id: tenant.id,
        role: req.ctx.role,
        actor: req.ctx.actor,
        staff: await currentStaff(req.ctx),
        tenant: {
          id: tenant.id,
          name: tenant.name,
          mode: tenant.mode,
          time_zone: tenant.timeZone,
          currency: tenant.currency,
        },
        permissions: PERMISSIONS.filter((p) => req.ctx.permissions.has(p)),
        csrf_token: token ? csrfTokenFor(token) : null,
      };
    },
  );

  app.get(
    '/staff',
    {
      schema: {
        operationId: 'listStaff',
        tags: ['staff'],
        summary: 'Staff users (owner, admin)',
        response: { 200: z.object({ data: z.array(StaffView) }) },
      },
    },
    async (req) => ({ data: await listStaff(req.ctx) }),
  );
  app.post(
    '/staff',
    {
      schema: {
        operationId: 'createStaff',
        errors: ['role_too_high'],
        tags: ['staff'],
        summary: 'Add a staff user',
        body: StaffCreate,
        response: { 201: StaffView },
      },
    },
    async (req, reply) => reply.code(201).send(await createStaff(req.ctx, req.body)),
  );
  app.patch(
    '/staff/:id',
    {
      schema: {
        operationId: 'updateStaff',
        errors: ['last_owner', 'staff_not_found'],
        tags: ['staff'],
        summary: 'Change name or role, or disable (ends their sessions)',
        params: IdParams,
        body: StaffPatch,
        response: { 200: StaffView },
      },
    },
    (req) => updateStaff(req.ctx, req.params.id, req.body),
  );

  app.get(
    '/api-keys',
    {
      schema: {
        operationId: 'listApiKeys',
        tags: ['api keys'],
        summary: 'API keys (never their secrets)',
        response: { 200: z.object({ data: z.array(ApiKeyView) }) },
      },
    },
    async (req) => ({ data: await listApiKeys(req.ctx) }),
  );
  app.post(
    '/api-keys',
    {
      schema: {
        operationId: 'createApiKey',
        errors: ['role_too_high'],
        tags: ['api keys'],
        summary: 'Create a key; its secret is in this response only',
        body: ApiKeyCreate,
        response: { 201: ApiKeyView.extend({ secret: z.string() }) },
      },
    },
    async (req, reply) => reply.code(201).send(await createApiKey(req.ctx, req.body)),
  );
  app.post(
    '/api-keys/:id/revoke',
    {
      schema: {
        operationId: 'revokeApiKey',
        errors: ['api_key_not_found'],
        tags: ['api keys'],
        summary: 'Revoke a key at once',
        params: IdParams,
        body: NoBody,
        response: { 200: ApiKeyView },
      },
    },
    (req) => revokeApiKey(req.ctx, req.params.id),
  );
}
