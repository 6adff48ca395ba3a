/**
 * Builders for billing scenarios through the API: customers and their contacts, the catalog,
 * subscriptions, invoices and bill runs. Defaults are sensible and names unique, so a test says
 * only what matters to it; every builder fails at once, with the answer, if the API refuses.
 */
import { expect } from 'vitest';
import { runBillRunHere } from '../../src/modules/billruns/service.js';
import { type TestTenant, unique } from './app.js';
import type { Harness } from './harness.js';

/** The body of a 2xx answer; fails with the answer otherwise. */
export async function created<T = { id: string }>(
  res: Promise<{ status: number; body: unknown }>,
): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body as T;
}

export interface CustomerBody {
  id: string;
  number: string;
  name: string;
  parent_id: string | null;
}

/** A customer with a unique name; `body` adds or overrides fields. */
export async function newCustomer(
  t: TestTenant,
  body: Record<string, unknown> = {},
): Promise<CustomerBody> {
  const res = await t.api.post('/api/v1/customers', { name: `Customer ${unique()}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A customer on invoice-only terms, so the billing readiness gate (A7) lets it subscribe. */
export async function invoiceOnlyCustomer(
  t: TestTenant,
  body: Record<string, unknown> = {},
): Promise<string> {
  const res = await newCustomer(t, {
    billing_email: 'ap@globex.example',
    invoice_only: true,
    ...body,
  });
  return res.id;
}

/** A contact of the customer (the default profile, "Billing admin", unless one is given). */
export async function contact(
  t: TestTenant,
  customerId: string,
  body: Record<string, unknown> = {},
) {
  const res = await t.api.post(`/api/v1/customers/${customerId}/contacts`, {
    name: 'Pat Payer',
    email: `pat-${unique()}@example.com`,
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

export interface ProfileBody {
  id: string;
  name: string;
  permissions: string[];
  is_default: boolean;
  active_contacts: number;
}

/** The tenant's contact profile called `name` ("Billing admin", "Viewer", …). */
export async function profileNamed(t: TestTenant, name: string): Promise<ProfileBody> {
  const res = await t.api.get('/api/v1/contact-profiles');
  expect(res.status).toBe(200);
  const found = (res.body.data as ProfileBody[]).find((p) => p.name === name);
  if (!found) throw new Error(`no profile ${name}`);
  return found;
}

export async function product(t: TestTenant, body: Record<string, unknown> = {}) {
  const res = await t.api.post('/api/v1/products', { name: `Product ${unique()}`, ...body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; name: string; active: boolean };
}

/** A price as `body` says (its product_id included). */
export async function price(t: TestTenant, body: Record<string, unknown>) {
  const res = await t.api.post('/api/v1/prices', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; used: boolean; [k: string]: unknown };
}

/** A price as `body` says, on a product of its own called `name`; its id. */
async function priceOnProduct(t: TestTenant, name: string, body: Record<string, unknown>) {
  const { id: productId } = await product(t, { name });
  return (await price(t, { product_id: productId, ...body })).id;
}

/** A flat monthly price on a product of its own. */
export const monthlyPrice = (t: TestTenant, name: string, unitAmount: number) =>
  priceOnProduct(t, name, {
    kind: 'recurring',
    pricing_model: 'flat',
    billing_interval: 'month',
    unit_amount: unitAmount,
  });

/** A monthly per-unit usage price on a product of its own. */
export const usagePrice = (t: TestTenant, name: string, unitAmount: number, unit = 'GB') =>
  priceOnProduct(t, name, {
    kind: 'usage',
    pricing_model: 'per_unit',
    billing_interval: 'month',
    unit_amount: unitAmount,
    unit_of_measure: unit,
  });

/** A one-time flat price on a product of its own. */
export const oneTimePrice = (t: TestTenant, name: string, unitAmount: number) =>
  priceOnProduct(t, name, { kind: 'one_time', pricing_model: 'flat', unit_amount: unitAmount });

/** A subscription as `body` says; its whole answer. */
export async function subscription(t: TestTenant, body: Record<string, unknown>) {
  const res = await t.api.post('/api/v1/subscriptions', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** Subscribes the customer to the price from `startDate`, billed on the 1st. */
export async function subscribe(
  t: TestTenant,
  customerId: string,
  priceId: string,
  startDate: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  const sub = await subscription(t, {
    customer_id: customerId,
    price_id: priceId,
    start_date: startDate,
    billing_anchor_day: 1,
    ...extra,
  });
  return sub.id;
}

export interface InvoiceOptions {
  /** The invoice date (default: the tenant's today). */
  date?: string;
  /** The one line's description (default "Services"). */
  description?: string;
  po_number?: string;
}

/** A draft invoice of one line. */
export async function draftInvoice(
  t: TestTenant,
  customerId: string,
  amount: number,
  options: InvoiceOptions = {},
): Promise<string> {
  const res = await t.api.post('/api/v1/invoices', {
    customer_id: customerId,
    ...(options.date && { invoice_date: options.date }),
    ...(options.po_number && { po_number: options.po_number }),
    lines: [{ description: options.description ?? 'Services', amount }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** A posted invoice of one line. */
export async function postedInvoice(
  t: TestTenant,
  customerId: string,
  amount: number,
  options: InvoiceOptions = {},
): Promise<string> {
  const id = await draftInvoice(t, customerId, amount, options);
  const posted = await t.api.post(`/api/v1/invoices/${id}/post`);
  expect(posted.status, JSON.stringify(posted.body)).toBe(200);
  return id;
}

/** Starts a bill run and processes it here (no worker needed); the run as the API shows it. */
export async function billRun(
  h: Harness,
  t: TestTenant,
  targetDate: string,
  extra: Record<string, unknown> = {},
) {
  const started = await t.api.post('/api/v1/bill-runs', { target_date: targetDate, ...extra });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await runBillRunHere(h.testDb.db, h.clock, started.body.id);
  const run = await t.api.get(`/api/v1/bill-runs/${started.body.id}`);
  return run.body;
}
