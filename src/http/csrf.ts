/**
 * CSRF protection for cookie sessions, staff and portal alike: a double-submit token. The
 * readable `billow_csrf` cookie (and the login answer) holds a value derived from the session
 * token (sha256 of a label and the token, so it reveals nothing of the session and cannot be
 * made up without it); a state-changing request must echo it in `X-CSRF-Token`, and its Origin,
 * when sent, must be this site. Requests with a bearer API key are not cookie-authenticated and need neither.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import { safeEqual } from '../gateways/crypto.js';
import { publicUrl } from '../modules/portal/links.js';

export const CSRF_COOKIE = 'billow_csrf';
/**
 * The portal's own readable CSRF cookie: one browser may hold a staff session and a contact's
 * portal session at once, and with one cookie name the later sign-in would overwrite the other's
 * token, so the portal would send the staff token after a reload and every change would fail.
 */
export const PORTAL_CSRF_COOKIE = 'billow_portal_csrf';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update(`billow-csrf:${sessionToken}`).digest('base64url');
}

function sameSite(origin: string, req: FastifyRequest): boolean {
  try {
    const url = new URL(origin);
    // Both sides through URL, so a default port (:80, :443) compares equal to none.
    const self = new URL(`${req.protocol}://${req.host}`);
    return url.host === self.host || url.origin === new URL(publicUrl()).origin;
  } catch {
    return false;
  }
}

/** An Origin header, when the browser sends one, must be this site (login and logout check it). */
export function checkOrigin(req: FastifyRequest): void {
  const origin = req.headers.origin;
  if (origin !== undefined && !sameSite(origin, req)) {
    throw new AppError('csrf_failed', { reason: 'origin' });
  }
}

/** Refuses a state-changing request of the cookie session `sessionToken` without its token. */
export function checkCsrf(req: FastifyRequest, sessionToken: string): void {
  if (SAFE_METHODS.has(req.method)) return;
  // The header must be the value derived from this request's own session: stronger than
  // comparing it with the cookie alone (a cookie can be planted; this value cannot be guessed),
  // and a staff console and a portal open side by side do not overwrite each other's check.
  const header = req.headers[CSRF_HEADER];
  const expected = csrfTokenFor(sessionToken);
  if (typeof header !== 'string' || !safeEqual(header, expected)) {
    throw new AppError('csrf_failed', { reason: 'token' });
  }
  checkOrigin(req);
}

/**
 * Whether cookies get the Secure flag: the request came over HTTPS, or the installation's public
 * address is https (a TLS-terminating proxy in front speaks plain HTTP to Billow).
 */
export function secureCookies(req: FastifyRequest): boolean {
  return req.protocol === 'https' || publicUrl().startsWith('https:');
}

/** Sets the readable CSRF cookie that goes with a session cookie. */
export function setCsrfCookie(
  req: FastifyRequest,
  reply: FastifyReply,
  sessionToken: string,
  options: { expires: Date; sameSite: 'lax' | 'strict'; cookie?: string },
): string {
  const token = csrfTokenFor(sessionToken);
  reply.setCookie(options.cookie ?? CSRF_COOKIE, token, {
    path: '/',
    httpOnly: false,
    sameSite: options.sameSite,
    secure: secureCookies(req),
    expires: options.expires,
  });
  return token;
}
