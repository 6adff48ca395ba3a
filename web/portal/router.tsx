/** The portal's routes, in code; tokens of emailed links arrive as search parameters. */
import { Anchor } from '@mantine/core';
import type { QueryClient } from '@tanstack/react-query';
import {
  createRootRouteWithContext,
  createRoute,
  createRouter,
  Link,
  Outlet,
  redirect,
} from '@tanstack/react-router';
import { z } from 'zod';
import { ApiError } from '../shared/api';
import { NotFoundPage } from '../shared/NotFound';
import { SignedInFrame, SignedOutFrame } from './Frame';
import {
  AcceptInvitationPage,
  ForgotPasswordPage,
  PortalSignInPage,
  ResetPasswordPage,
} from './pages/Auth';
import { DashboardPage } from './pages/Dashboard';
import { portalMeQuery } from './session';

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  notFoundComponent: () => (
    <SignedOutFrame>
      <NotFoundPage
        home={
          <Anchor component={Link} to="/">
            Go to your dashboard
          </Anchor>
        }
      />
    </SignedOutFrame>
  ),
});

const TokenSearch = z.object({ token: z.string().max(100).optional().catch(undefined) });

const signIn = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  component: PortalSignInPage,
});
const forgot = createRoute({
  getParentRoute: () => rootRoute,
  path: '/forgot-password',
  component: ForgotPasswordPage,
});
const reset = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset',
  validateSearch: TokenSearch,
  component: ResetPasswordPage,
});
const accept = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept',
  validateSearch: TokenSearch,
  component: AcceptInvitationPage,
});

const signedIn = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signed-in',
  beforeLoad: async ({ context }) => {
    try {
      await context.queryClient.ensureQueryData(portalMeQuery);
    } catch (err) {
      // 401: no portal session (403: signed in, but no account chosen yet).
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) {
        throw redirect({ to: '/sign-in' });
      }
      throw err;
    }
  },
  component: SignedInFrame,
});
const dashboard = createRoute({
  getParentRoute: () => signedIn,
  path: '/',
  component: DashboardPage,
});

const routeTree = rootRoute.addChildren([
  signIn,
  forgot,
  reset,
  accept,
  signedIn.addChildren([dashboard]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({ routeTree, basepath: '/portal', context: { queryClient } });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
