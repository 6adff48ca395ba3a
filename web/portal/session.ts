import { queryOptions, useQuery } from '@tanstack/react-query';
import { setCsrfToken, unwrap } from '../shared/api';
import { type PortalMe, portalApi } from './api';

export const portalMeQuery = queryOptions({
  queryKey: ['portal-me'],
  queryFn: async (): Promise<PortalMe> => {
    const me = unwrap(await portalApi.GET('/api/v1/portal/me'));
    setCsrfToken(me.csrf_token ?? null);
    return me;
  },
  staleTime: 60_000,
});

export function usePortalMe(): PortalMe {
  const { data } = useQuery(portalMeQuery);
  if (!data) throw new Error('usePortalMe outside a signed-in page');
  return data;
}
