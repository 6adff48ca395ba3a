/**
 * The console's pages, each loaded when its route is first visited, so the first load carries
 * only the frame, the router and sign-in. The router shows the shared loading state meanwhile
 * (`defaultPendingComponent`) and, if a chunk vanished with a new deploy, reloads once.
 */
import { lazyRouteComponent } from '@tanstack/react-router';

export const AccountingPage = lazyRouteComponent(() => import('./Accounting'), 'AccountingPage');
export const AuditPage = lazyRouteComponent(() => import('./Audit'), 'AuditPage');
export const CalendarPage = lazyRouteComponent(() => import('./Calendar'), 'CalendarPage');
export const CatalogPage = lazyRouteComponent(() => import('./Catalog'), 'CatalogPage');
export const CustomersPage = lazyRouteComponent(() => import('./Customers'), 'CustomersPage');
export const CustomerProfilePage = lazyRouteComponent(
  () => import('./customer/Profile'),
  'CustomerProfilePage',
);
export const FirstRunPage = lazyRouteComponent(() => import('./FirstRun'), 'FirstRunPage');
export const OutboxPage = lazyRouteComponent(() => import('./Outbox'), 'OutboxPage');
export const BillRunPage = lazyRouteComponent(() => import('./runs/BillRun'), 'BillRunPage');
export const BillRunsPage = lazyRouteComponent(() => import('./runs/BillRuns'), 'BillRunsPage');
export const FailedPaymentsPage = lazyRouteComponent(
  () => import('./runs/FailedPayments'),
  'FailedPaymentsPage',
);
export const PaymentRunPage = lazyRouteComponent(
  () => import('./runs/PaymentRun'),
  'PaymentRunPage',
);
export const PaymentRunsPage = lazyRouteComponent(
  () => import('./runs/PaymentRuns'),
  'PaymentRunsPage',
);
export const SettingsPage = lazyRouteComponent(() => import('./Settings'), 'SettingsPage');
