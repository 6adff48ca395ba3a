import { z } from 'zod';
import type { App } from '../../http/app.js';
import { SESSION_COOKIE } from '../../http/auth.js';
import { secureCookies, setCsrfCookie } from '../../http/csrf.js';
import { IdParams } from '../../http/schemas.js';
import { ApiKeyCreate, ApiKeyView, Login, StaffCreate, StaffPatch, StaffView } from './model.js';
import {
  createApiKey,
  createStaff,
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
});

export async function staffRoutes(app: App, opts: { loginRateLimit: number }): Promise<void> {
  app.post(
    '/auth/login',
    {
      config: { auth: 'public', rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags: ['auth'],
        summary: 'Staff login; sets the session cookie',
        security: [],
        body: Login,
        response: {
          200: z.object({
            staff: StaffView,
            tenant_id: z.string(),
            expires_at: z.string(),
            csrf_token: z
              .string()
              .describe(
                'Send in X-CSRF-Token with every POST, PATCH, PUT or DELETE of this session',
              ),
          }),
        },
      },
    },
    async (req, reply) => {
      const db = req.server.db;
      const session = await login(db, req.server.clock, req.body);
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
    },
  );
  app.post(
    '/auth/logout',
    { config: { auth: 'public' }, schema: { tags: ['auth'], summary: 'End the session' } },
    async (req, reply) => {
      const token = req.cookies[SESSION_COOKIE];
      if (token) await logout(req.server.db, req.server.clock, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.code(204).send();
    },
  );
  app.get(
    '/auth/me',
    { schema: { tags: ['auth'], summary: 'Who is calling', response: { 200: Me } } },
    (req) => ({ tenant_id: req.ctx.tenant.id, role: req.ctx.role, actor: req.ctx.actor }),
  );

  app.get(
    '/staff',
    {
      schema: {
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
        tags: ['api keys'],
        summary: 'Revoke a key at once',
        params: IdParams,
        response: { 200: ApiKeyView },
      },
    },
    (req) => revokeApiKey(req.ctx, req.params.id),
  );
}
