/**
 * The portal's endpoints (/api/v1/portal/…) through the one typed client: the shapes come from
 * generated/api.d.ts like the console's.
 */
import type { components } from '../../generated/api';
import { api } from '../shared/api';

export const portalApi = api;

type Schemas = components['schemas'];
type Ok<T> = T extends { 200: { content: { 'application/json': infer R } } } ? R : never;
type Paths = import('../../generated/api').paths;

export type PortalMe = Ok<Paths['/api/v1/portal/me']['get']['responses']>;
export type SignedIn = Ok<Paths['/api/v1/portal/login']['post']['responses']>;
export type { Schemas };
