/**
 * The console's "Pay selected" (J3, E1): GET /customers/{id}/pay-options lists what can be paid
 * and with what; POST /payments takes allocations without an amount (their sum), so the console
 * adds up no money; a read-only member reads but cannot pay.
 */
import { describe, expect, it } from 'vitest';
import { advance, apiKey, useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { balanceOf, payingCustomer } from '../helpers/payments.js';

const h = useHarness();
const t = useTenant(h);

describe('GET /customers/{id}/pay-options', () => {
  it('lists open invoices oldest first with past-due flags, and the usable methods', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const older = await postedInvoice(t, customerId, 2000);
    await advance(t, 40);
    const newer = await postedInvoice(t, customerId, 3000);
    const res = await t.api.get(`/api/v1/customers/${customerId}/pay-options`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: customerId,
      currency: 'USD',
      total_available: 5000,
      preselected_method_id: methodId,
      methods: [{ id: methodId, kind: 'card', label: 'Visa ending 4242', inherited: false }],
    });
    expect(res.body.invoices).toMatchObject([
      { id: older, balance: 2000, pending: 0, available: 2000, past_due: true },
      { id: newer, balance: 3000, pending: 0, available: 3000, past_due: false },
    ]);

    // Paid in full, an invoice leaves the list.
    const paid = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      allocations: [{ invoice_id: older, amount: 2000 }],
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    const after = await t.api.get(`/api/v1/customers/${customerId}/pay-options`);
    expect(after.body.invoices.map((i: { id: string }) => i.id)).toEqual([newer]);
    expect(after.body.total_available).toBe(3000);
  });

  it('needs billing:read (a read-only member sees customers only), and knows the customer', async () => {
    const cus = await newCustomer(t);
    const empty = await t.api.get(`/api/v1/customers/${cus.id}/pay-options`);
    expect(empty.status, JSON.stringify(empty.body)).toBe(200);
    expect(empty.body).toMatchObject({ invoices: [], methods: [], preselected_method_id: null });
    const { api: reader } = await apiKey(t, 'read_only');
    const res = await reader.get(`/api/v1/customers/${cus.id}/pay-options`);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('forbidden');
    const missing = await t.api.get('/api/v1/customers/cus_nope/pay-options');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('customer_not_found');
  });
});

describe('POST /payments with allocations and no amount', () => {
  it('pays the sum of the allocations, partly on one invoice', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const a = await postedInvoice(t, customerId, 2000);
    const b = await postedInvoice(t, customerId, 3000);
    const res = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      allocations: [
        { invoice_id: a, amount: 2000 },
        { invoice_id: b, amount: 1250 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ status: 'succeeded', amount: 3250, unapplied: 0 });
    expect(await balanceOf(t, a)).toBe(0);
    expect(await balanceOf(t, b)).toBe(1750);
  });

  it('refuses a payment with neither amount nor allocations, and a read-only member', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1000);
    const none = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
    });
    expect(none.status).toBe(400);
    expect(none.body.error.code).toBe('validation_failed');
    expect(none.body.error.details.issues).toMatchObject([{ path: 'amount' }]);
    const { api: reader } = await apiKey(t, 'read_only');
    const refused = await reader.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      allocations: [{ invoice_id: inv, amount: 1000 }],
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect(await balanceOf(t, inv)).toBe(1000);
  });
});
