/**
 * The portal's endpoints (/api/v1/portal/…, built on the `portalauth` branch). Until that branch
 * is merged they are not in generated/api.d.ts, so their shapes are written here in the same
 * openapi-typescript form; once merged, `api` from shared/api.ts replaces this client and the
 * compiler points at every difference.
 */
import { makeClient } from '../shared/api';

type Json<T> = { content: { 'application/json': T } };
type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };
type Post<B, R> = {
  parameters: { query?: never; header?: never; path?: never; cookie?: never };
  requestBody: Json<B>;
  responses: { 200: Json<R>; 204: { content?: never }; 400: Json<ErrorBody>; 401: Json<ErrorBody> };
};

export interface PortalMe {
  contact: { id: string; name: string | null; email: string };
  customer?: { id: string; name: string } | null;
  tenant?: { name: string; time_zone: string; currency: string } | null;
  csrf_token?: string | null;
}

export interface PortalPaths {
  '/api/v1/portal/login': {
    post: Post<{ email: string; password: string }, PortalMe>;
  };
  '/api/v1/portal/logout': { post: Post<Record<string, never>, null> };
  '/api/v1/portal/me': {
    get: {
      parameters: { query?: never; header?: never; path?: never; cookie?: never };
      responses: { 200: Json<PortalMe>; 401: Json<ErrorBody> };
    };
  };
  '/api/v1/portal/forgot-password': { post: Post<{ email: string }, null> };
  '/api/v1/portal/reset-password': { post: Post<{ token: string; password: string }, null> };
  '/api/v1/portal/accept-invitation': {
    post: Post<{ token: string; password: string }, null>;
  };
}

export const portalApi = makeClient<PortalPaths>();
