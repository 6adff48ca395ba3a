/**
 * Authentication for /api/v1: a bearer API key or a staff session cookie. The principal's tenant
 * is loaded here and every service call gets a Ctx bound to it, so no service ever takes a
 * tenant id from the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/db.js';
import type { Ctx } from '../modules/context.js';
import { permissionsOf } from '../modules/staff/roles.js';
import { type Principal, resolveApiKey, resolveSession } from '../modules/staff/service.js';
import { loadTenant } from '../modules/tenants/service.js';

export const SESSION_COOKIE = 'billow_session';

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
  return token ? resolveSession(db, clock, token) : undefined;
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
