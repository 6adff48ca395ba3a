/**
 * The typed API client of both apps: openapi-fetch over the types generated from the server's
 * OpenAPI document (`npm run gen:api`). Same origin, the session cookie goes along; the session's
 * CSRF token (from the login answer or /auth/me) is sent on every state-changing request.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from '../../generated/api';

let csrfToken: string | null = null;

/** Remembers the session's CSRF token in memory only (never in storage). */
export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/**
 * A readable CSRF cookie the server sets beside a session cookie: billow_csrf for the console,
 * billow_portal_csrf for the portal (two names, so both sessions can live in one browser).
 */
export function csrfFromCookie(name: 'billow_csrf' | 'billow_portal_csrf'): string | null {
  const found = document.cookie
    .split(';')
    .map((c) => c.trim())
    .find((c) => c.startsWith(`${name}=`));
  return found ? decodeURIComponent(found.slice(name.length + 1)) : null;
}

const csrf: Middleware = {
  onRequest({ request }) {
    if (csrfToken && !['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      request.headers.set('X-CSRF-Token', csrfToken);
    }
    return request;
  },
};

export function makeClient<P extends {}>() {
  const client = createClient<P>({ baseUrl: '', credentials: 'same-origin' });
  client.use(csrf);
  return client;
}

export const api = makeClient<paths>();

/** The API's one error shape, thrown by `unwrap` so queries and forms can show it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

interface ErrorBody {
  error?: { code?: string; message?: string; details?: Record<string, unknown> };
}

/** The data of an openapi-fetch answer, or an ApiError made of its error body. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const body = (result.error ?? {}) as ErrorBody;
    throw new ApiError(
      result.response.status,
      body.error?.code ?? 'network_error',
      body.error?.message ?? `The server answered ${result.response.status}.`,
      body.error?.details,
    );
  }
  return result.data as T;
}
