/** Builders for payment scenarios: posted invoices, paying customers, the due-work runner. */
import { expect } from 'vitest';
import { systemCtx } from '../../src/modules/context.js';
import { type DueResult, runDuePayments } from '../../src/modules/payments/jobs.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import type { Harness, TestTenant } from './app.js';
import { cardBody, newCustomer, saveMethod } from './payment-methods.js';

/** A posted invoice of one line. */
export async function postedInvoice(
  t: TestTenant,
  customerId: string,
  amount: number,
  invoiceDate?: string,
): Promise<string> {
  const res = await t.api.post('/api/v1/invoices', {
    customer_id: customerId,
    ...(invoiceDate && { invoice_date: invoiceDate }),
    lines: [{ description: 'Services', amount }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const posted = await t.api.post(`/api/v1/invoices/${res.body.id}/post`);
  expect(posted.status, JSON.stringify(posted.body)).toBe(200);
  return res.body.id as string;
}

export async function draftInvoice(t: TestTenant, customerId: string, amount: number) {
  const res = await t.api.post('/api/v1/invoices', {
    customer_id: customerId,
    lines: [{ description: 'Services', amount }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** A customer with a saved card (Visa approves unless another number is given). */
export async function payingCustomer(t: TestTenant, card?: string) {
  const cus = await newCustomer(t);
  const pm = await saveMethod(t, cus.id, cardBody(card));
  return { customerId: cus.id, methodId: pm.id };
}

export async function balanceOf(t: TestTenant, invoiceId: string): Promise<number> {
  const res = await t.api.get(`/api/v1/invoices/${invoiceId}`);
  expect(res.status).toBe(200);
  return res.body.balance as number;
}

/** Runs the tenant's due payment work here (the harness has no worker). */
export async function runDue(
  h: Harness,
  t: TestTenant,
  options: { reconcileAfterMs?: number } = {},
): Promise<DueResult> {
  const tenant = await loadTenant(h.testDb.db, t.id);
  if (!tenant) throw new Error('no such tenant');
  return runDuePayments(systemCtx(h.testDb.db, h.clock, tenant), options);
}

export async function tenantCtx(h: Harness, t: TestTenant) {
  const tenant = await loadTenant(h.testDb.db, t.id);
  if (!tenant) throw new Error('no such tenant');
  return systemCtx(h.testDb.db, h.clock, tenant);
}
