/**
 * The portal's endpoints (/api/v1/portal/…) through the one typed client of both apps, and the
 * names of the shapes its pages show, taken from the generated OpenAPI types so the compiler
 * points at every difference with the server.
 */
import type { paths } from '../../generated/api';
import { api } from '../shared/api';

export const portalApi = api;

type Ok<P extends keyof paths, M extends 'get' | 'post'> = paths[P][M] extends {
  responses: { 200: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type PortalMe = Ok<'/api/v1/portal/me', 'get'>;
export type SignedIn = Ok<'/api/v1/portal/login', 'post'>;
export type AccountChoice = SignedIn['accounts'][number];
export type PortalDashboard = Ok<'/api/v1/portal/dashboard', 'get'>;
export type PortalInvoicePage = Ok<'/api/v1/portal/invoices', 'get'>;
export type PortalInvoiceSummary = PortalInvoicePage['data'][number];
export type PortalInvoice = Ok<'/api/v1/portal/invoices/{id}', 'get'>;
export type PortalPaymentPage = Ok<'/api/v1/portal/payments', 'get'>;
export type PortalPayment = PortalPaymentPage['data'][number];
export type PortalCredits = Ok<'/api/v1/portal/credits', 'get'>;
export type PortalUpcoming = Ok<'/api/v1/portal/upcoming', 'get'>;
export type InvoiceStatus = PortalInvoiceSummary['status'];
export type PortalUsagePage = Ok<'/api/v1/portal/usage', 'get'>;
export type PortalUsageRecord = PortalUsagePage['data'][number];
export type UsageExportLink = Ok<'/api/v1/portal/usage-exports/link', 'get'>;
export type PortalMethodList = Ok<'/api/v1/portal/payment-methods', 'get'>;
export type PortalMethod = PortalMethodList['data'][number];
export type MethodKind = PortalMethod['kind'];
export type PortalAutopay = Ok<'/api/v1/portal/autopay', 'get'>;
