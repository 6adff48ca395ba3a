/**
 * Authentication for /api/v1. Staff endpoints: a bearer API key or the staff session cookie.
 * Portal endpoints (/api/v1/portal/…): the portal session cookie only — an API key or a staff
 * cookie opens none of them, and the portal cookie opens no staff endpoint. A cookie session
 * must also pass the CSRF check on every state change (csrf.ts). The principal's tenant is
 * loaded here and every service call gets a Ctx bound to it, so no service ever takes a tenant
 * id from the request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/db.js';
import type { Ctx } from '../modules/context.js';
import { type PortalSession, resolvePortalSession } from '../modules/portal/sessions.js';
import { contactCtx } from '../modules/portal/signin.js';
import { permissionsOf } from '../modules/staff/roles.js';
import { type Principal, resolveApiKey, resolveSession } from '../modules/staff/service.js';
import { loadTenant } from '../modules/tenants/service.js';
import { checkCsrf } from './csrf.js';

export const SESSION_COOKIE = 'billow_session';
export const PORTAL_COOKIE = 'billow_portal';
export const PORTAL_PREFIX = '/api/v1/portal';

export interface RouteAuth {
  /** 'public' routes need no credentials (login, docs). */
  auth?: 'public';
}

/**
 * What a portal route needs: 'public' (login, links), 'session' (signed in, any account chosen
 * or not), or 'account' (the default: signed in with an account open; req.ctx acts for it).
 */
export type PortalAccess = 'public' | 'session' | 'account';

declare module 'fastify' {
  interface FastifyRequest {
    ctx: Ctx;
    /** The portal session of a portal route ('session' or 'account'), with its cookie token. */
    portal: PortalSession & { token: string };
  }
  interface FastifyInstance {
    db: Db;
    clock: Clock;
  }
  interface FastifyContextConfig {
    auth?: 'public';
    portal?: PortalAccess;
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
  if (principal) checkCsrf(req, token);
  return principal;
}

async function portalAuth(req: FastifyRequest, db: Db, clock: Clock): Promise<void> {
  const access = req.routeOptions.config.portal ?? 'account';
  if (access === 'public') return;
  // Staff credentials never open a portal endpoint, even beside a portal cookie.
  if (req.headers.authorization) throw new AppError('portal_session_required');
  const token = req.cookies?.[PORTAL_COOKIE];
  const session = token ? await resolvePortalSession(db, clock, token) : undefined;
  if (!token || !session) throw new AppError('portal_session_required');
  checkCsrf(req, token);
  // A staff member's "view as customer" session reads only: every state change is refused,
  // whatever the route, except ending the session.
  if (
    session.viewer &&
    !['GET', 'HEAD'].includes(req.method) &&
    req.routeOptions.url !== `${PORTAL_PREFIX}/logout`
  ) {
    throw new AppError('portal_read_only');
  }
  req.portal = { ...session, token };
  if (access === 'session') return;
  if (!session.account) throw new AppError('portal_account_required');
  const tenant = session.account.tenant;
  // The portal reads through the staff services with read permissions only; what the contact
  // may see is decided by its profile (portal/service.ts), and every query names its customer.
  req.ctx = {
    ...contactCtx(db, clock, tenant, session.account.contactId),
    // In a "view as customer" session the staff member is the one acting (and reading).
    ...(session.viewer && { actor: { type: session.viewer.type, id: session.viewer.id } }),
    permissions: new Set(['customers:read', 'billing:read']),
    requestId: req.id,
  };
}

export function registerAuth(app: FastifyInstance, db: Db, clock: Clock): void {
  app.decorate('db', db);
  app.decorate('clock', clock);
  app.decorateRequest('ctx', null as unknown as Ctx);
  app.decorateRequest('portal', null as unknown as PortalSession & { token: string });
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    if (!url?.startsWith('/api/v1')) return;
    // A route outside the prefix that declares `config.portal` is a portal route too: the
    // sandbox gateway's tokenization for a contact's browser (/sandbox/portal-tokens).
    const declared = req.routeOptions.config.portal !== undefined;
    if (declared || url === PORTAL_PREFIX || url.startsWith(`${PORTAL_PREFIX}/`)) {
      return portalAuth(req, db, clock);
    }
    if (req.routeOptions.config.auth === 'public') return;
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
