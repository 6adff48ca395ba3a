/** Builders for payment scenarios: paying customers, payments, the due-work runner, their emails. */
import { expect } from 'vitest';
import { systemCtx } from '../../src/modules/context.js';
import { type DueResult, runDuePayments } from '../../src/modules/payments/jobs.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import type { TestTenant } from './app.js';
import { newCustomer } from './billing.js';
import type { Harness } from './harness.js';
import { cardBody, saveMethod } from './payment-methods.js';

/** A customer with a saved card (Visa approves unless another number is given). */
export async function payingCustomer(t: TestTenant, card?: string) {
  const cus = await newCustomer(t);
  const pm = await saveMethod(t, cus.id, cardBody(card));
  return { customerId: cus.id, methodId: pm.id };
}

/** A paying customer with simple autopay on (its card pays its invoices in payment runs). */
export async function autopayCustomer(t: TestTenant, card?: string) {
  const payer = await payingCustomer(t, card);
  const on = await t.api.patch(`/api/v1/customers/${payer.customerId}/autopay`, { enabled: true });
  expect(on.status, JSON.stringify(on.body)).toBe(200);
  return payer;
}

/** A payment with a saved method, now or (`scheduled_for`) later; the API's answer (201). */
export async function pay(
  t: TestTenant,
  customerId: string,
  methodId: string,
  amount: number,
  extra: Record<string, unknown> = {},
) {
  const res = await t.api.post('/api/v1/payments', {
    customer_id: customerId,
    payment_method_id: methodId,
    amount,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

/** A payment scheduled for `date`, optionally allocated; its id. */
export async function schedulePayment(
  t: TestTenant,
  customerId: string,
  methodId: string,
  amount: number,
  date: string,
  allocations?: { invoice_id: string; amount: number }[],
): Promise<string> {
  const body = await pay(t, customerId, methodId, amount, {
    scheduled_for: date,
    ...(allocations && { allocations }),
  });
  expect(body).toMatchObject({ status: 'scheduled', scheduled_for: date });
  return body.id as string;
}

/** A payment as the API shows it. */
export async function paymentOf(t: TestTenant, id: string) {
  const res = await t.api.get(`/api/v1/payments/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

export async function balanceOf(t: TestTenant, invoiceId: string): Promise<number> {
  const res = await t.api.get(`/api/v1/invoices/${invoiceId}`);
  expect(res.status).toBe(200);
  return res.body.balance as number;
}

/** The emails of one kind (receipt, payment_failed, …) written for the customer, oldest first. */
export async function emailsOf(h: Harness, t: TestTenant, customerId: string, kind: string) {
  return h.testDb.db.query<{ to_address: string; subject: string; body_text: string }>(
    `SELECT to_address, subject, body_text FROM emails
      WHERE tenant_id = $1 AND customer_id = $2 AND kind = $3 ORDER BY id`,
    [t.id, customerId, kind],
  );
}

export async function tenantCtx(h: Harness, t: TestTenant) {
  const tenant = await loadTenant(h.testDb.db, t.id);
  if (!tenant) throw new Error('no such tenant');
  return systemCtx(h.testDb.db, h.clock, tenant);
}

/** Runs the tenant's due payment work here (for harnesses without a worker). */
export async function runDue(
  h: Harness,
  t: TestTenant,
  options: { reconcileAfterMs?: number } = {},
): Promise<DueResult> {
  return runDuePayments(await tenantCtx(h, t), options);
}
