/**
 * Money paths that mutation testing found unchecked (issue 10 item 12), end to end through the
 * API: a credit applied to several invoices where a later one is not the customer's or not
 * posted, credits filled oldest first across invoices, and usage billed under a volume price
 * (with its flat fee and beyond the last bound) by a bill run. Every `it` makes its own tenant
 * and data, so it passes or fails on its own (Stryker runs tests one by one).
 */
import { describe, expect, it } from 'vitest';
import { newTenant, type TestTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  draftInvoice,
  invoiceOnlyCustomer,
  postedInvoice,
  price,
  product,
  subscribe,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { balanceOf } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const MEMOS = '/api/v1/credit-memos';

interface Memo {
  id: string;
  applied: number;
  remaining: number;
  applications: { invoice_id: string; amount: number }[];
}

async function memo(t: TestTenant, customerId: string, amount: number): Promise<Memo> {
  return created<Memo>(t.api.post(MEMOS, { customer_id: customerId, amount, reason: 'Credit' }));
}

const applied = (m: Memo) =>
  m.applications.map((a) => [a.invoice_id, a.amount]).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));

describe('a credit applied to several invoices', () => {
  it('is refused whole when a later invoice is another customer’s, naming that invoice', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const mine = await postedInvoice(t, cus, 3000);
    const theirs = await postedInvoice(t, await invoiceOnlyCustomer(t), 4000);
    expect(theirs > mine).toBe(true);
    const m = await memo(t, cus, 5000);
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [
        { invoice_id: mine, amount: 1000 },
        { invoice_id: theirs, amount: 1000 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('credit_invoice_other_customer');
    expect(res.body.error.details).toEqual({ invoice_id: theirs });
    const after = (await t.api.get(`${MEMOS}/${m.id}`)).body;
    expect(after).toMatchObject({ applied: 0, remaining: 5000, applications: [] });
    expect(await balanceOf(t, mine)).toBe(3000);
    expect(await balanceOf(t, theirs)).toBe(4000);
  });

  it('is refused whole when a later invoice is a draft, naming it and its status', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const posted = await postedInvoice(t, cus, 3000);
    const draft = await draftInvoice(t, cus, 4000);
    expect(draft > posted).toBe(true);
    const m = await memo(t, cus, 5000);
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [
        { invoice_id: posted, amount: 1000 },
        { invoice_id: draft, amount: 1000 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('invoice_not_posted');
    expect(res.body.error.details).toEqual({ id: draft, status: 'draft' });
    expect((await t.api.get(`${MEMOS}/${m.id}`)).body.applications).toEqual([]);
  });

  it('is refused whole when a later invoice is unknown, naming it', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const posted = await postedInvoice(t, cus, 3000);
    const m = await memo(t, cus, 5000);
    const unknown = `${posted}zz`;
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [
        { invoice_id: posted, amount: 1000 },
        { invoice_id: unknown, amount: 1000 },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('invoice_not_found');
    expect(res.body.error.details).toEqual({ id: unknown });
    expect(await balanceOf(t, posted)).toBe(3000);
  });

  it('with several bad invoices names the first in id order, whatever order they are given in', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const draft = await draftInvoice(t, cus, 4000);
    const theirs = await postedInvoice(t, await invoiceOnlyCustomer(t), 4000);
    expect(draft < theirs).toBe(true);
    const m = await memo(t, cus, 5000);
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [
        { invoice_id: theirs, amount: 1000 },
        { invoice_id: draft, amount: 1000 },
      ],
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'invoice_not_posted',
      details: { id: draft, status: 'draft' },
    });
  });

  it('lands on each invoice given, in the amounts given', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const a = await postedInvoice(t, cus, 3000);
    const b = await postedInvoice(t, cus, 4000);
    const m = await memo(t, cus, 5000);
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [
        { invoice_id: b, amount: 1500 },
        { invoice_id: a, amount: 2500 },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ applied: 4000, remaining: 1000 });
    expect(applied(res.body)).toEqual([
      [a, 2500],
      [b, 1500],
    ]);
    expect(res.body.applications.every((x: { id: string }) => /^ca_/.test(x.id))).toBe(true);
    expect(await balanceOf(t, a)).toBe(500);
    expect(await balanceOf(t, b)).toBe(2500);
    await expectBooksBalance(h, t.id);
  });

  it('without allocations fills the customer’s posted invoices oldest first, no one else’s', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const newer = await postedInvoice(t, cus, 4000, { date: '2026-11-20' });
    const older = await postedInvoice(t, cus, 3000, { date: '2026-11-10' });
    await draftInvoice(t, cus, 9000, { date: '2026-11-01' });
    const other = await postedInvoice(t, await invoiceOnlyCustomer(t), 9000, {
      date: '2026-11-01',
    });
    const m = await memo(t, cus, 5000);
    const res = await t.api.post(`${MEMOS}/${m.id}/apply`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ applied: 5000, remaining: 0 });
    expect(applied(res.body)).toEqual(
      [
        [older, 3000],
        [newer, 2000],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect(await balanceOf(t, older)).toBe(0);
    expect(await balanceOf(t, newer)).toBe(2000);
    expect(await balanceOf(t, other)).toBe(9000);
    await expectBooksBalance(h, t.id);
  });

  it('without allocations takes only what is still open, leaving the rest on the memo', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const a = await postedInvoice(t, cus, 3000, { date: '2026-11-10' });
    const b = await postedInvoice(t, cus, 4000, { date: '2026-11-20' });
    const first = await memo(t, cus, 3500);
    expect((await t.api.post(`${MEMOS}/${first.id}/apply`, {})).status).toBe(200);
    const second = await memo(t, cus, 9000);
    const res = await t.api.post(`${MEMOS}/${second.id}/apply`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ applied: 3500, remaining: 5500 });
    expect(applied(res.body)).toEqual([[b, 3500]]);
    expect(await balanceOf(t, a)).toBe(0);
    expect(await balanceOf(t, b)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('issued against an invoice already settled applies nothing and stays open whole', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 3000);
    const first = await t.api.post(MEMOS, {
      customer_id: cus,
      amount: 3000,
      reason: 'Outage',
      invoice_id: inv,
    });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const second = await t.api.post(MEMOS, {
      customer_id: cus,
      amount: 500,
      reason: 'Outage again',
      invoice_id: inv,
    });
    expect(second.status, JSON.stringify(second.body)).toBe(201);
    expect(second.body).toMatchObject({ applied: 0, remaining: 500, applications: [] });
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('issued against an invoice of the customer lands there at once', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 3000);
    const res = await t.api.post(MEMOS, {
      customer_id: cus,
      amount: 1200,
      reason: 'Outage',
      invoice_id: inv,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(applied(res.body)).toEqual([[inv, 1200]]);
    expect(await balanceOf(t, inv)).toBe(1800);
    const other = await postedInvoice(t, await invoiceOnlyCustomer(t), 3000);
    const refused = await t.api.post(MEMOS, {
      customer_id: cus,
      amount: 1200,
      reason: 'Outage',
      invoice_id: other,
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({
      code: 'credit_invoice_other_customer',
      details: { invoice_id: other },
    });
  });
});

describe('usage under a volume price, billed by a bill run', () => {
  async function volumeCustomer(t: TestTenant, quantity: string) {
    const { id: productId } = await product(t, { name: 'Transfer' });
    const volume = await price(t, {
      product_id: productId,
      kind: 'usage',
      pricing_model: 'volume',
      billing_interval: 'month',
      unit_of_measure: 'GB',
      tiers: [
        { up_to: 100, unit_amount: 10, flat_amount: 300 },
        { up_to: 1000, unit_amount: 5, flat_amount: 700 },
        { up_to: null, unit_amount: 2, flat_amount: 5000 },
      ],
    });
    const cus = await invoiceOnlyCustomer(t);
    await subscribe(t, cus, volume.id, '2026-11-01');
    const res = await t.api.post('/api/v1/usage-records', {
      id: `u-${quantity}`,
      customer_id: cus,
      unit_of_measure: 'GB',
      quantity,
      usage_date: '2026-11-17',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return cus;
  }

  async function usageLine(t: TestTenant, cus: string) {
    await t.api.post('/api/v1/clock/advance', { to: '2026-12-01' });
    const run = await billRun(h, t, '2026-12-01');
    expect(run.status).toBe('completed');
    const list = await t.api.get(`/api/v1/invoices?bill_run=${run.id}&customer=${cus}`);
    const inv = (await t.api.get(`/api/v1/invoices/${list.body.data[0].id}`)).body;
    return inv.lines.find((l: { kind: string }) => l.kind === 'usage') as {
      quantity: string;
      amount: number;
    };
  }

  it('bills every unit at the tier the total reaches, with that tier’s flat fee', async () => {
    const t = await newTenant(h);
    const cus = await volumeCustomer(t, '150');
    expect(await usageLine(t, cus)).toMatchObject({ quantity: '150', amount: 150 * 5 + 700 });
  });

  it('bills usage beyond the last bound at the open tier', async () => {
    const t = await newTenant(h);
    const cus = await volumeCustomer(t, '1200');
    expect(await usageLine(t, cus)).toMatchObject({ quantity: '1200', amount: 1200 * 2 + 5000 });
  });

  it('bills a fractional quantity with a leading zero after the point, rounded once', async () => {
    const t = await newTenant(h);
    const cus = await volumeCustomer(t, '0.05');
    // 0.05 × 10 = 0.5 → 1 cent, plus the first tier's flat 300.
    expect(await usageLine(t, cus)).toMatchObject({ quantity: '0.05', amount: 301 });
  });
});
