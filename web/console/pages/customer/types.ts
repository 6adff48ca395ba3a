/** The API shapes the customer profile reads, from the generated OpenAPI types. */
import type { paths } from '../../../../generated/api';

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;

export type Customer = Json<'/api/v1/customers/{id}', 'get', 200>;
export type Balance = Json<'/api/v1/customers/{id}/balance', 'get', 200>;
export type PayOptions = Json<'/api/v1/customers/{id}/pay-options', 'get', 200>;
export type OpenInvoice = PayOptions['invoices'][number];
export type Payment = Json<'/api/v1/payments', 'get', 200>['data'][number];
export type PaymentResult = Json<'/api/v1/payments', 'post', 201>;
export type InvoiceSummary = Json<'/api/v1/invoices/{id}/summary', 'get', 200>;

/** Every read of the profile is under this key, so one invalidation refreshes the page. */
export const profileKey = (customerId: string) => ['customer', customerId] as const;
