/**
 * Issue 10, item 8: every amount and every computed sum stays within the documented maximum
 * (10^13 minor units). A line of quantity × unit amount, an invoice total, a one-time charge or a
 * subscription's period charge beyond it is refused with 422 `amount_too_large` naming the field,
 * before anything is written; the tenant's invoice list keeps answering.
 */
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT } from '../../src/core/money.js';
import { newTenant, type Reply, useTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  draftInvoice,
  invoiceOnlyCustomer,
  monthlyPrice,
  newCustomer,
  oneTimePrice,
  postedInvoice,
  subscribe,
  usagePrice,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const t = useTenant(h);

function expectTooLarge(res: Reply, field: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(422);
  expect(res.body.error.code).toBe('amount_too_large');
  expect(res.body.error.details).toEqual({ field, max: MAX_AMOUNT });
}

async function invoicesOf(customerId: string) {
  const res = await t.api.get(`/api/v1/invoices?customer=${customerId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as { id: string; total: number }[];
}

describe('the largest amount', () => {
  it('is 10^13 minor units, and an amount above it is refused at the edge', async () => {
    expect(MAX_AMOUNT).toBe(10_000_000_000_000);
    expect(MAX_AMOUNT * 900).toBeLessThan(Number.MAX_SAFE_INTEGER);
    const cus = await newCustomer(t);
    const res = await t.api.post('/api/v1/invoices', {
      customer_id: cus.id,
      lines: [{ description: 'Too much', amount: MAX_AMOUNT + 1 }],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe('lines.0.amount');
    expect(await invoicesOf(cus.id)).toEqual([]);
  });

  it('refuses a line whose quantity × unit amount exceeds it, writing nothing', async () => {
    const cus = await newCustomer(t);
    const price = await oneTimePrice(t, 'Big machine', MAX_AMOUNT);
    const res = await t.api.post('/api/v1/invoices', {
      customer_id: cus.id,
      lines: [
        { description: 'Setup', amount: 100 },
        { price_id: price, quantity: 1_000_000 },
      ],
    });
    expectTooLarge(res, 'lines.1.quantity');
    expect(await invoicesOf(cus.id)).toEqual([]);

    const draft = await draftInvoice(t, cus.id, 100);
    const line = await t.api.post(`/api/v1/invoices/${draft}/lines`, {
      price_id: price,
      quantity: 2,
    });
    expectTooLarge(line, 'quantity');
    expect((await t.api.get(`/api/v1/invoices/${draft}`)).body.lines).toHaveLength(1);
  });

  it('refuses an invoice whose lines add up to more than it, writing nothing', async () => {
    const cus = await newCustomer(t);
    const lines = Array.from({ length: 3 }, (_, i) => ({
      description: `Part ${i}`,
      amount: MAX_AMOUNT / 2,
    }));
    expectTooLarge(await t.api.post('/api/v1/invoices', { customer_id: cus.id, lines }), 'total');
    expect(await invoicesOf(cus.id)).toEqual([]);

    const draft = await draftInvoice(t, cus.id, MAX_AMOUNT);
    const more = await t.api.post(`/api/v1/invoices/${draft}/lines`, {
      description: 'One cent more',
      amount: 1,
    });
    expectTooLarge(more, 'total');
    const inv = await t.api.get(`/api/v1/invoices/${draft}`);
    expect(inv.body.total).toBe(MAX_AMOUNT);
    expect(inv.body.lines).toHaveLength(1);
  });

  it('refuses an adjustment that takes a total beyond it', async () => {
    const cus = await newCustomer(t);
    const inv = await postedInvoice(t, cus.id, MAX_AMOUNT - 10);
    const res = await t.api.post(`/api/v1/invoices/${inv}/adjustments`, {
      kind: 'charge',
      amount: 11,
      reason: 'Late fee',
    });
    expectTooLarge(res, 'total');
    const after = await t.api.get(`/api/v1/invoices/${inv}`);
    expect(after.body.total).toBe(MAX_AMOUNT - 10);
    expect(after.body.adjustments).toEqual([]);
    expect((await invoicesOf(cus.id)).map((i) => i.total)).toEqual([MAX_AMOUNT - 10]);
  });

  it('refuses a one-time charge and a subscription whose charge would exceed it', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const once = await oneTimePrice(t, 'Satellite', MAX_AMOUNT / 10);
    const charge = await t.api.post(`/api/v1/customers/${cus}/charges`, {
      price_id: once,
      quantity: 11,
    });
    expectTooLarge(charge, 'quantity');
    expect((await t.api.get(`/api/v1/customers/${cus}/charges`)).body.data).toEqual([]);

    const monthly = await monthlyPrice(t, 'Fleet', MAX_AMOUNT / 100);
    const sub = await t.api.post('/api/v1/subscriptions', {
      customer_id: cus,
      price_id: monthly,
      quantity: 101,
    });
    expectTooLarge(sub, 'quantity');
    expect((await t.api.get(`/api/v1/subscriptions?customer=${cus}`)).body.data).toEqual([]);

    const ok = await subscribe(t, cus, monthly, '2026-11-01');
    const patch = await t.api.patch(`/api/v1/subscriptions/${ok}`, { quantity: 200 });
    expectTooLarge(patch, 'quantity');
    expect((await t.api.get(`/api/v1/subscriptions/${ok}`)).body.quantity).toBe(1);
    expect((await t.api.get('/api/v1/invoices')).status).toBe(200);
  });
});

describe('a bill run whose invoice for a customer would exceed the largest amount', () => {
  it('bills the other customers, reports that one and leaves its charges pending', async () => {
    const t = await newTenant(h);
    const big = await invoiceOnlyCustomer(t);
    const small = await invoiceOnlyCustomer(t);
    const satellite = await oneTimePrice(t, 'Satellite', MAX_AMOUNT);
    const setup = await oneTimePrice(t, 'Setup', 5000);
    // Each charge is within the maximum; together they are not.
    const charge = (cus: string, price: string) =>
      created<{ id: string }>(t.api.post(`/api/v1/customers/${cus}/charges`, { price_id: price }));
    const first = await charge(big, satellite);
    await charge(big, setup);
    await charge(small, setup);

    const run = await billRun(h, t, '2026-12-01');
    expect(run.status).toBe('completed');
    expect(run.invoice_count).toBe(1);
    expect(run.total_amount).toBe(5000);
    expect(run.refused).toEqual([
      {
        customer_id: big,
        code: 'amount_too_large',
        details: { field: 'total', max: MAX_AMOUNT },
      },
    ]);
    const list = await t.api.get('/api/v1/invoices');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
    expect(
      list.body.data.map((i: { customer_id: string; total: number }) => i.customer_id),
    ).toEqual([small]);
    const pending = await t.api.get(`/api/v1/customers/${big}/charges`);
    expect(pending.body.data.map((c: { pending: boolean }) => c.pending)).toEqual([true, true]);
    await expectBooksBalance(h, t.id);

    // Once the charge that does not fit is removed, the next run bills the rest.
    expect((await t.api.delete(`/api/v1/charges/${first.id}`)).status).toBe(200);
    const next = await billRun(h, t, '2026-12-02');
    expect(next).toMatchObject({ status: 'completed', invoice_count: 1, total_amount: 5000 });
    expect(next.refused).toEqual([]);
  });

  it('refuses usage that would bill beyond it and leaves the usage unbilled', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const transfer = await usagePrice(t, 'Transfer', MAX_AMOUNT / 1000);
    await subscribe(t, cus, transfer, '2026-11-01');
    const usage = await t.api.post('/api/v1/usage-records', {
      id: 'huge',
      customer_id: cus,
      unit_of_measure: 'GB',
      quantity: 1_000_000,
      usage_date: '2026-11-17',
    });
    expect(usage.status, JSON.stringify(usage.body)).toBe(201);
    await t.api.post('/api/v1/clock/advance', { to: '2026-12-01' });
    const run = await billRun(h, t, '2026-12-01');
    expect(run).toMatchObject({ status: 'completed', invoice_count: 0, total_amount: 0 });
    expect(run.refused).toEqual([
      { customer_id: cus, code: 'amount_too_large', details: { field: 'total', max: MAX_AMOUNT } },
    ]);
    const unbilled = await t.api.get(`/api/v1/usage-records?customer=${cus}&invoiced=false`);
    expect(unbilled.body.data).toHaveLength(1);
    expect((await t.api.get('/api/v1/invoices')).body.data).toEqual([]);
  });
});
