import { queryOptions, useQuery } from '@tanstack/react-query';
import { csrfFromCookie, setCsrfToken, unwrap } from '../shared/api';
import { type PortalMe, portalApi } from './api';

/**
 * The CSRF token of the portal session: the sign-in answer carries it, and a reload finds it in
 * the readable billow_portal_csrf cookie the server set next to the httpOnly session cookie.
 */
export function restoreCsrfToken(): void {
  const found = csrfFromCookie('billow_portal_csrf');
  if (found) setCsrfToken(found);
}

export const portalMeQuery = queryOptions({
  queryKey: ['portal-me'],
  queryFn: async (): Promise<PortalMe> => {
    restoreCsrfToken();
    return unwrap(await portalApi.GET('/api/v1/portal/me'));
  },
  staleTime: 60_000,
});

export function usePortalMe(): PortalMe {
  const { data } = useQuery(portalMeQuery);
  if (!data) throw new Error('usePortalMe outside a signed-in page');
  return data;
}

/** Whether the contact's profile grants `permission` (the server checks it again). */
export function may(me: PortalMe, permission: PortalMe['permissions'][number]): boolean {
  return me.permissions.includes(permission);
}
