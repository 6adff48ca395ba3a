/**
 * Authentication for /api/v1: a bearer API key or a staff session cookie. The principal's tenant
 * is loaded here and every service call gets a Ctx bound to it, so no service ever takes a
 * tenant id from the request.
 */
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/db.js';
import type { Ctx } from '../modules/context.js';
import { permissionsOf } from '../modules/staff/roles.js';
import { type Principal, resolveApiKey, resolveSession, sha256 } from '../modules/staff/service.js';
import { loadTenant } from '../modules/tenants/service.js';

export const SESSION_COOKIE = 'billow_session';
/** The header a browser app sends its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The CSRF token of a cookie session: derived from the session's secret, so it is stored nowhere,
 * another site cannot read or guess it, and it ends with the session. The app gets it from the
 * login answer or GET /auth/me and sends it back in X-CSRF-Token (a double submit checked
 * against the cookie's own secret).
 */
export function csrfTokenFor(sessionToken: string): string {
  return sha256(`csrf:${sessionToken}`);
}

/** An Origin header, when the browser sends one, must be this server's own. */
export function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  let same = false;
  try {
    // Both through URL, so a default port (:80, :443) compares equal to none.
    same = new URL(origin).host === new URL(`${req.protocol}://${req.host}`).host;
  } catch {
    same = false;
  }
  if (!same) throw new AppError('csrf_failed', { reason: 'origin' });
}

/**
 * A state-changing request authenticated by a session cookie must carry the session's CSRF token
 * and come from the same origin. Bearer API keys are exempt: a browser never adds them itself.
 */
export function checkCsrf(req: FastifyRequest, sessionToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  checkOrigin(req);
  const sent = req.headers[CSRF_HEADER];
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const given = Buffer.from(typeof sent === 'string' ? sent : '');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new AppError('csrf_failed', { reason: 'token' });
  }
}

export interface RouteAuth {
  /** 'public' routes need no credentials (login, docs). */
  auth?: 'public';
}

declare module 'fastify' {
  interface FastifyRequest {
    ctx: Ctx;
  }
  interface FastifyInstance {
    db: Db;
    clock: Clock;
  }
  interface FastifyContextConfig {
    auth?: 'public';
    /** false: Idempotency-Key is not honoured (the body must not be kept, even hashed). */
    idempotency?: boolean;
  }
}

async function principalOf(
  req: FastifyRequest,
  db: Db,
  clock: Clock,
): Promise<Principal | undefined> {
  const header = req.headers.authorization;
  if (header) {
    const [scheme, secret] = header.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !secret) return undefined;
    return resolveApiKey(db, clock, secret);
  }
  const token = req.cookies?.[SESSION_COOKIE];
  if (!token) return undefined;
  const principal = await resolveSession(db, clock, token);
  // Only a live session's requests are checked: without one the answer is 401 anyway.
  if (principal) checkCsrf(req, token);
  return principal;
}

export function registerAuth(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorate('db', db);
  app.decorate('clock', clock);
  app.decorateRequest('ctx', null as unknown as Ctx);
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    if (!url?.startsWith('/api/v1') || req.routeOptions.config.auth === 'public') return;
    const principal = await principalOf(req, db, clock);
    if (!principal) throw new AppError('unauthenticated');
    const tenant = await loadTenant(db, principal.tenantId);
    if (!tenant) throw new AppError('unauthenticated');
    req.ctx = {
      db,
      clock,
      tenant,
      actor: principal.actor,
      role: principal.role,
      permissions: permissionsOf(principal.role),
      requestId: req.id,
    };
  });
}
