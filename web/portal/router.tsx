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
import { Loading } from '../shared/states';
import { SignedInFrame, SignedOutFrame } from './Frame';
import {
  AcceptInvitationPage,
  ForgotPasswordPage,
  PortalSignInPage,
  ResetPasswordPage,
} from './pages/Auth';
import {
  AccountPage,
  ChooseAccountPage,
  CreditsPage,
  DashboardPage,
  InvoiceDetailPage,
  InvoicesPage,
  PaymentMethodsPage,
  PaymentsPage,
  PayPage,
  UsageExportPage,
  UsagePage,
  ViewAsPage,
} from './pages/lazy';
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

const TokenSearch = z.object({ token: z.string().max(200).optional().catch(undefined) });

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
  path: '/reset-password',
  validateSearch: TokenSearch,
  component: ResetPasswordPage,
});
const accept = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept-invitation',
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
      if (err instanceof ApiError && err.status === 401) throw redirect({ to: '/sign-in' });
      // Signed in with several accounts and none chosen yet.
      if (err instanceof ApiError && err.code === 'portal_account_required') {
        throw redirect({ to: '/choose-account' });
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

// The addresses the emails carry (src/modules/portal/signin.ts): /accept and /reset.
const acceptLink = createRoute({
  getParentRoute: () => rootRoute,
  path: '/accept',
  validateSearch: TokenSearch,
  beforeLoad: ({ search }) => {
    throw redirect({ to: '/accept-invitation', search, replace: true });
  },
});
const resetLink = createRoute({
  getParentRoute: () => rootRoute,
  path: '/reset',
  validateSearch: TokenSearch,
  beforeLoad: ({ search }) => {
    throw redirect({ to: '/reset-password', search, replace: true });
  },
});

// A staff member's read-only "view as customer" link (src/modules/portal/view-as.ts).
const viewAs = createRoute({
  getParentRoute: () => rootRoute,
  path: '/view-as',
  component: ViewAsPage,
});

const chooseAccount = createRoute({
  getParentRoute: () => rootRoute,
  path: '/choose-account',
  component: ChooseAccountPage,
});

const INVOICE_FILTERS = ['open', 'partially_paid', 'paid', 'past_due', 'void'] as const;
/** The invoices list's filter and page, kept in the URL so a link can be shared and reloaded. */
export const InvoicesSearch = z.object({
  status: z.enum(INVOICE_FILTERS).optional().catch(undefined),
  cursor: z.string().max(64).optional().catch(undefined),
});
export const invoicesRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/invoices',
  validateSearch: InvoicesSearch,
  component: InvoicesPage,
});
export const invoiceRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/invoices/$invoiceId',
  component: InvoiceDetailPage,
});
export const paymentsRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/payments',
  validateSearch: z.object({ cursor: z.string().max(64).optional().catch(undefined) }),
  component: PaymentsPage,
});
export const creditsRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/credits',
  validateSearch: z.object({
    type: z.enum(['all', 'memo', 'unapplied']).default('all').catch('all'),
    cursor: z.string().max(64).optional().catch(undefined),
  }),
  component: CreditsPage,
});
/** The usage list's filters and page, in the URL (the same fields the API takes). */
const BusinessDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
export const UsageSearch = z.object({
  from: BusinessDate.optional().catch(undefined),
  to: BusinessDate.optional().catch(undefined),
  q: z.string().trim().min(1).max(200).optional().catch(undefined),
  invoiced: z.enum(['true', 'false']).optional().catch(undefined),
  cursor: z.string().max(64).optional().catch(undefined),
});
export type UsageSearch = z.infer<typeof UsageSearch>;
export const usageRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/usage',
  validateSearch: UsageSearch,
  component: UsagePage,
});
// The address the export email carries (src/modules/usage/exports.ts); no sign-in needed.
export const usageExportRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/usage-export',
  validateSearch: TokenSearch,
  component: UsageExportPage,
});
/** Make a payment; ?invoice= preselects one invoice (from the invoice page's "Pay"). */
export const payRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/pay',
  validateSearch: z.object({ invoice: z.string().max(64).optional().catch(undefined) }),
  component: PayPage,
});
export const paymentMethodsRoute = createRoute({
  getParentRoute: () => signedIn,
  path: '/payment-methods',
  component: PaymentMethodsPage,
});
const account = createRoute({
  getParentRoute: () => signedIn,
  path: '/account',
  component: AccountPage,
});

const routeTree = rootRoute.addChildren([
  signIn,
  forgot,
  reset,
  accept,
  acceptLink,
  resetLink,
  chooseAccount,
  viewAs,
  usageExportRoute,
  signedIn.addChildren([
    dashboard,
    invoicesRoute,
    invoiceRoute,
    paymentsRoute,
    creditsRoute,
    usageRoute,
    payRoute,
    paymentMethodsRoute,
    account,
  ]),
]);

export function makeRouter(queryClient: QueryClient) {
  return createRouter({
    routeTree,
    basepath: '/portal',
    context: { queryClient },
    // Pages are loaded on first visit (pages/lazy.ts); a slow chunk shows the shared loading state.
    defaultPendingComponent: () => <Loading />,
  });
}

declare module '@tanstack/react-router' {
  interface Register {
    router: ReturnType<typeof makeRouter>;
  }
}
