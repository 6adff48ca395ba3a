/** The signed-in staff member, from GET /auth/me; the console's guard and permission checks. */
import { queryOptions, useQuery } from '@tanstack/react-query';
import { ApiError, api, setCsrfToken, unwrap } from '../shared/api';

export const meQuery = queryOptions({
  queryKey: ['me'],
  queryFn: async () => {
    const me = unwrap(await api.GET('/api/v1/auth/me'));
    setCsrfToken(me.csrf_token);
    return me;
  },
  staleTime: 60_000,
});

/** Whether the installation still needs its first tenant (the first run). */
export const setupQuery = queryOptions({
  queryKey: ['setup'],
  queryFn: async () => unwrap(await api.GET('/api/v1/setup')),
  staleTime: 0,
});

export type Me = Awaited<ReturnType<typeof meQuery.queryFn & {}>>;

export function useMe(): Me {
  const { data } = useQuery(meQuery);
  if (!data) throw new Error('useMe outside a signed-in page');
  return data;
}

export function can(me: Me, permission: Me['permissions'][number]): boolean {
  return me.permissions.includes(permission);
}

export function isUnauthenticated(err: unknown): boolean {
  return err instanceof ApiError && err.status === 401;
}
