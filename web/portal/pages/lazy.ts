/**
 * The portal's signed-in pages, each loaded when its route is first visited: sign-in and the
 * emailed-link pages stay in the first load, paying and the lists come after. The router shows
 * the shared loading state meanwhile (`defaultPendingComponent`).
 */
import { lazyRouteComponent } from '@tanstack/react-router';

export const AccountPage = lazyRouteComponent(() => import('./Account'), 'AccountPage');
export const ChooseAccountPage = lazyRouteComponent(
  () => import('./ChooseAccount'),
  'ChooseAccountPage',
);
export const CreditsPage = lazyRouteComponent(() => import('./Credits'), 'CreditsPage');
export const DashboardPage = lazyRouteComponent(() => import('./Dashboard'), 'DashboardPage');
export const InvoiceDetailPage = lazyRouteComponent(
  () => import('./InvoiceDetail'),
  'InvoiceDetailPage',
);
export const InvoicesPage = lazyRouteComponent(() => import('./Invoices'), 'InvoicesPage');
export const PayPage = lazyRouteComponent(() => import('./Pay'), 'PayPage');
export const PaymentMethodsPage = lazyRouteComponent(
  () => import('./PaymentMethods'),
  'PaymentMethodsPage',
);
export const PaymentsPage = lazyRouteComponent(() => import('./Payments'), 'PaymentsPage');
export const UsagePage = lazyRouteComponent(() => import('./Usage'), 'UsagePage');
export const UsageExportPage = lazyRouteComponent(() => import('./UsageExport'), 'UsageExportPage');
export const ViewAsPage = lazyRouteComponent(() => import('./ViewAs'), 'ViewAsPage');
