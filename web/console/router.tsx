/**
 * The console's routes, in code: sign-in, and behind the session guard the pages of the staff.
 * Search parameters are validated by zod, so filters live in the URL and a link can be shared.
 */
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
import { NotFoundPage } from '../shared/NotFound';
import { SignedInFrame, SignedOutFrame } from './Frame';
import { AccountingPage } from './pages/Accounting';
import { CustomersPage } from './pages/Customers';
import { CustomerProfilePage } from './pages/customer/Profile';
import { FirstRunPage } from './pages/FirstRun';
import { SettingsPage } from './pages/Settings';
import { SignInPage } from './pages/SignIn';
import { isUnauthenticated, meQuery, setupQuery } from './session';

const rootRoute = createRootRouteWithContext<{ queryClient: QueryClient }>()({
  component: Outlet,
  notFoundComponent: () => (
    <SignedOutFrame>
      <NotFoundPage
        home={
          <Anchor component={Link} to="/customers">
            Go to the customers list
          </Anchor>
        }
      />
    </SignedOutFrame>
  ),
});

const signInRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/sign-in',
  validateSearch: z.object({ redirect: z.string().max(500).optional().catch(undefined) }),
  beforeLoad: async ({ context }) => {
    if ((await context.queryClient.fetchQuery(setupQuery)).needed) throw redirect({ to: '/setup' });
  },
  component: SignInPage,
});

/** The first run: only while the installation has no tenant; afterwards it leads to sign-in. */
const setupRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/setup',
  beforeLoad: async ({ context }) => {
    if (!(await context.queryClient.fetchQuery(setupQuery)).needed) {
      throw redirect({ to: '/sign-in', search: {} });
    }
  },
  component: FirstRunPage,
});

/** Every page below needs a session; without one the browser goes to sign-in and back. */
const signedInRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'signed-in',
  beforeLoad: async ({ context, location }) => {
    try {
      await context.queryClient.ensureQueryData(meQuery);
    } catch (err) {
      if (isUnauthenticated(err)) {
        throw redirect({ to: '/sign-in', search: { redirect: location.href } });
      }
      throw err;
    }
  },
  component: SignedInFrame,
});

const homeRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/',
  beforeLoad: () => {
    throw redirect({ to: '/customers' });
  },
});

export const CustomersSearch = z.object({
  q: z.string().trim().max(200).optional().catch(undefined),
  status: z.enum(['active', 'archived']).optional().catch(undefined),
  sort: z
    .enum(['newest', 'oldest', 'name_asc', 'name_desc', 'number_asc', 'number_desc'])
    .optional()
    .catch(undefined),
  open: z.boolean().optional().catch(undefined),
  cursor: z.string().max(1200).optional().catch(undefined),
});
export type CustomersSearch = z.infer<typeof CustomersSearch>;

export const customersRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/customers',
  validateSearch: CustomersSearch,
  component: CustomersPage,
});

/**
 * A customer's profile; `?tab=` picks a section (overview when absent) and `?invoice=ID` opens
 * that invoice's summary over it.
 */
export const CustomerSearch = z.object({
  tab: z.string().max(40).optional().catch(undefined),
  invoice: z.string().max(64).optional().catch(undefined),
});
export const customerRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/customers/$customerId',
  validateSearch: CustomerSearch,
  component: CustomerProfilePage,
});

/** The journal export (K2); `?from=&to=` business dates, this month so far when absent. */
const BusinessDateParam = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .optional()
  .catch(undefined);
export const accountingRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/accounting',
  validateSearch: z.object({ from: BusinessDateParam, to: BusinessDateParam }),
  component: AccountingPage,
});

/** Settings (tenant:manage); `?tab=` picks the area (the organisation when absent). */
export const settingsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/settings',
  validateSearch: z.object({ tab: z.string().max(40).optional().catch(undefined) }),
  component: SettingsPage,
});

const routeTree = rootRoute.addChildren([
  signInRoute,
  setupRoute,
  signedInRoute.addChildren([
    homeRoute,
    customersRoute,
    customerRoute,
    accountingRoute,
    settingsRoute,
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: '/console',
    context: { queryClient },
    defaultPreload: false,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
