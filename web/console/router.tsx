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
import { Loading } from '../shared/states';
import { SignedInFrame, SignedOutFrame } from './Frame';
import {
  AccountingPage,
  AuditPage,
  BillRunPage,
  BillRunsPage,
  CalendarPage,
  CatalogPage,
  CustomerProfilePage,
  CustomersPage,
  FailedPaymentsPage,
  FirstRunPage,
  OutboxPage,
  PaymentRunPage,
  PaymentRunsPage,
  SettingsPage,
} from './pages/lazy';
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

/** A month `YYYY-MM` in the URL (the payments calendar); a malformed one is dropped. */
const MonthParam = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/)
  .optional()
  .catch(undefined);

/** The tenant's payments calendar (E9), `?month=YYYY-MM`. */
export const calendarRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/calendar',
  validateSearch: z.object({ month: MonthParam }),
  component: CalendarPage,
});

/**
 * A customer's profile; `?tab=` picks a section (overview when absent), `?invoice=ID` opens
 * that invoice's summary over it and `?payment=ID` that transaction's detail.
 */
export const CustomerSearch = z.object({
  tab: z.string().max(40).optional().catch(undefined),
  invoice: z.string().max(64).optional().catch(undefined),
  /** The calendar tab's month. */
  month: MonthParam,
  /** The contact expanded on the contacts tab (global search links here). */
  contact: z.string().max(64).optional().catch(undefined),
  /** The credits tab's view (all when absent). */
  credits: z.enum(['memo', 'unapplied']).optional().catch(undefined),
  /** The credits tab's page (its first when absent). */
  credits_cursor: z.string().max(64).optional().catch(undefined),
  /** The contacts tab's search, order (name when absent) and page. */
  contacts_q: z.string().max(200).optional().catch(undefined),
  contacts_sort: z.enum(['newest', 'email']).optional().catch(undefined),
  contacts_cursor: z.string().max(1200).optional().catch(undefined),
  /** The emails tab's audit trail: its page. */
  emails_cursor: z.string().max(64).optional().catch(undefined),
  /** The history tab's lists: each one's status filter and page. */
  invoices_status: z.string().max(40).optional().catch(undefined),
  invoices_cursor: z.string().max(64).optional().catch(undefined),
  payments_status: z.string().max(40).optional().catch(undefined),
  payments_cursor: z.string().max(64).optional().catch(undefined),
  payment: z.string().max(64).optional().catch(undefined),
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

/** Lists paged by the server: the cursor lives in the URL. */
const PagedSearch = z.object({
  cursor: z.string().max(1200).optional().catch(undefined),
});

/**
 * The catalog (B1): products and prices, with a preview of what a quantity costs; products paged
 * by the server (`cursor`), `show=active|archived` (all when absent).
 */
export const CatalogSearch = PagedSearch.extend({
  show: z.enum(['active', 'archived']).optional().catch(undefined),
});
export const catalogRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/catalog',
  validateSearch: CatalogSearch,
  component: CatalogPage,
});

export const billRunsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/bill-runs',
  validateSearch: PagedSearch,
  component: BillRunsPage,
});

/**
 * A bill run: progress, then the review of its invoices, searched and filtered on the server
 * (`q`, `status`, `cursor`); `?invoice=ID` opens one invoice to edit, post, adjust or void.
 */
export const BillRunSearch = PagedSearch.extend({
  q: z.string().trim().max(200).optional().catch(undefined),
  status: z
    .enum(['draft', 'open', 'partially_paid', 'paid', 'past_due', 'void'])
    .optional()
    .catch(undefined),
  invoice: z.string().max(64).optional().catch(undefined),
});
export type BillRunSearch = z.infer<typeof BillRunSearch>;
export const billRunRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/bill-runs/$runId',
  validateSearch: BillRunSearch,
  component: BillRunPage,
});

export const paymentRunsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/payment-runs',
  validateSearch: PagedSearch,
  component: PaymentRunsPage,
});

export const PaymentRunSearch = PagedSearch.extend({
  status: z
    .enum(['queued', 'succeeded', 'pending', 'failed', 'skipped'])
    .optional()
    .catch(undefined),
});
export const paymentRunRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/payment-runs/$runId',
  validateSearch: PaymentRunSearch,
  component: PaymentRunPage,
});

export const failedPaymentsRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/payments/failed',
  validateSearch: PagedSearch,
  component: FailedPaymentsPage,
});

/**
 * The email outbox: filters (`status`, `kind`, `to` = recipient text) and the page in the URL;
 * `?email=ID` opens one message to read.
 */
export const OutboxSearch = PagedSearch.extend({
  status: z.enum(['queued', 'sent', 'failed']).optional().catch(undefined),
  kind: z
    .enum([
      'invoice',
      'receipt',
      'payment_failed',
      'statement',
      'question',
      'welcome',
      'password_reset',
      'portal_confirmation',
      'other',
    ])
    .optional()
    .catch(undefined),
  to: z.string().trim().min(1).max(320).optional().catch(undefined),
  email: z.string().max(64).optional().catch(undefined),
});
export type OutboxSearch = z.infer<typeof OutboxSearch>;
export const outboxRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/emails',
  validateSearch: OutboxSearch,
  component: OutboxPage,
});

/**
 * The audit log (audit:read): who (`actor` = a staff user's or key's id, or `actor_type`), the
 * object (`object_type`, `object` = its id) and business dates `from`/`to`, all in the URL.
 */
export const AuditSearch = PagedSearch.extend({
  actor: z.string().max(64).optional().catch(undefined),
  actor_type: z.enum(['staff', 'api_key', 'system', 'contact']).optional().catch(undefined),
  object_type: z.string().max(64).optional().catch(undefined),
  object: z.string().trim().min(1).max(64).optional().catch(undefined),
  from: BusinessDateParam,
  to: BusinessDateParam,
});
export type AuditSearch = z.infer<typeof AuditSearch>;
export const auditRoute = createRoute({
  getParentRoute: () => signedInRoute,
  path: '/audit',
  validateSearch: AuditSearch,
  component: AuditPage,
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
    calendarRoute,
    catalogRoute,
    accountingRoute,
    billRunsRoute,
    billRunRoute,
    paymentRunsRoute,
    paymentRunRoute,
    failedPaymentsRoute,
    outboxRoute,
    auditRoute,
    settingsRoute,
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: '/console',
    context: { queryClient },
    defaultPreload: false,
    // Pages are loaded on first visit (pages/lazy.ts); a slow chunk shows the shared loading state.
    defaultPendingComponent: () => <Loading />,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
