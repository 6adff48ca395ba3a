import { queryOptions, useQuery } from '@tanstack/react-query';
import { csrfFromCookie, setCsrfToken, unwrap } from '../shared/api';
import { type PortalMe, portalApi } from './api';

export const portalMeQuery = queryOptions({
  queryKey: ['portal-me'],
  queryFn: async (): Promise<PortalMe> => {
    const me = unwrap(await portalApi.GET('/api/v1/portal/me'));
    // After a reload the token comes from the readable billow_csrf cookie of the session.
    setCsrfToken(csrfFromCookie());
    return me;
  },
  staleTime: 60_000,
});

export function usePortalMe(): PortalMe {
  const { data } = useQuery(portalMeQuery);
  if (!data) throw new Error('usePortalMe outside a signed-in page');
  return data;
}
