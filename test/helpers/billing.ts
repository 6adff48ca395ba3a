/** Builders for billing scenarios: catalog, customers and subscriptions through the API. */
import { expect } from 'vitest';
import { runBillRunHere } from '../../src/modules/billruns/service.js';
import type { Client, Harness } from './app.js';

export async function created<T = { id: string }>(
  res: Promise<{ status: number; body: unknown }>,
): Promise<T> {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body as T;
}

/** A customer on invoice-only terms, so the billing readiness gate (A7) lets it subscribe. */
export async function customer(api: Client, name = 'Globex'): Promise<string> {
  const body = { name, billing_email: 'ap@globex.example', invoice_only: true };
  return (await created(api.post('/api/v1/customers', body))).id;
}

export async function product(api: Client, name: string): Promise<string> {
  return (await created(api.post('/api/v1/products', { name }))).id;
}

export async function monthlyPrice(api: Client, name: string, unitAmount: number): Promise<string> {
  const productId = await product(api, name);
  return (
    await created(
      api.post('/api/v1/prices', {
        product_id: productId,
        kind: 'recurring',
        pricing_model: 'flat',
        billing_interval: 'month',
        unit_amount: unitAmount,
      }),
    )
  ).id;
}

export async function usagePrice(
  api: Client,
  name: string,
  unitAmount: number,
  unit = 'GB',
): Promise<string> {
  const productId = await product(api, name);
  return (
    await created(
      api.post('/api/v1/prices', {
        product_id: productId,
        kind: 'usage',
        pricing_model: 'per_unit',
        billing_interval: 'month',
        unit_amount: unitAmount,
        unit_of_measure: unit,
      }),
    )
  ).id;
}

export async function oneTimePrice(api: Client, name: string, unitAmount: number): Promise<string> {
  const productId = await product(api, name);
  return (
    await created(
      api.post('/api/v1/prices', {
        product_id: productId,
        kind: 'one_time',
        pricing_model: 'flat',
        unit_amount: unitAmount,
      }),
    )
  ).id;
}

export async function subscribe(
  api: Client,
  customerId: string,
  priceId: string,
  startDate: string,
  extra: Record<string, unknown> = {},
): Promise<string> {
  return (
    await created(
      api.post('/api/v1/subscriptions', {
        customer_id: customerId,
        price_id: priceId,
        start_date: startDate,
        billing_anchor_day: 1,
        ...extra,
      }),
    )
  ).id;
}

/** Starts a bill run and processes it here (the harness has no worker). */
export async function billRun(
  h: Harness,
  api: Client,
  targetDate: string,
  extra: Record<string, unknown> = {},
) {
  const started = await api.post('/api/v1/bill-runs', { target_date: targetDate, ...extra });
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await runBillRunHere(h.testDb.db, h.clock, started.body.id);
  const run = await api.get(`/api/v1/bill-runs/${started.body.id}`);
  return run.body;
}
