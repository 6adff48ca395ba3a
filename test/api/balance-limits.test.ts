/**
 * Issue 10, item 8, the sums: a customer's open balance stays within the largest balance (10^15
 * minor units). Posting an invoice, alone or in a bill run, that would take it beyond is refused
 * (the run's draft stays a draft and is listed in `refused`); reading a balance never answers 500;
 * the upcoming estimate says when the bill run will refuse its invoice; a run's total stays exact.
 */
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT, MAX_BALANCE } from '../../src/core/money.js';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { newTenant, type TestTenant, useTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  draftInvoice,
  invoiceOnlyCustomer,
  oneTimePrice,
  postedInvoice,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const t = useTenant(h);

/**
 * Makes the customer owe `amounts`, one posted invoice each: posted through the API at 1 cent,
 * then raised in SQL (as many full-size invoices would add up to; one line, so the books agree),
 * which also lets a test seed balances from before the largest balance was enforced.
 */
async function owing(tt: TestTenant, customerId: string, amounts: number[]): Promise<string[]> {
  const ids: string[] = [];
  for (const _ of amounts) ids.push(await postedInvoice(tt, customerId, 1));
  for (const [n, id] of ids.entries()) {
    await h.testDb.db.query('UPDATE invoice_lines SET amount = $2 WHERE invoice_id = $1', [
      id,
      amounts[n],
    ]);
    await h.testDb.db.query('UPDATE invoices SET total = $2 WHERE id = $1', [id, amounts[n]]);
  }
  return ids;
}

async function balanceOf(tt: TestTenant, customerId: string) {
  const res = await tt.api.get(`/api/v1/customers/${customerId}/balance`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { total_balance: number; open_invoice_count: number; net_balance: number };
}

describe('the largest balance', () => {
  it('is 10^15 minor units, far inside the safe range', () => {
    expect(MAX_BALANCE).toBe(1_000_000_000_000_000);
    expect(MAX_BALANCE).toBe(100 * MAX_AMOUNT);
    expect(MAX_BALANCE * 9).toBeLessThan(Number.MAX_SAFE_INTEGER);
  });

  it('refuses posting an invoice that takes the open balance beyond it; the draft stays', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const [oldest] = await owing(t, cus, [MAX_BALANCE / 2, MAX_BALANCE / 2 - 10]);
    const draft = await draftInvoice(t, cus, 11);
    const res = await t.api.post(`/api/v1/invoices/${draft}/post`);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error.code).toBe('amount_too_large');
    expect(res.body.error.details).toEqual({
      field: 'balance',
      customer_id: cus,
      max: MAX_BALANCE,
    });
    const still = await t.api.get(`/api/v1/invoices/${draft}`);
    expect(still.body).toMatchObject({ status: 'draft', number: null, total: 11 });
    expect(await balanceOf(t, cus)).toMatchObject({
      total_balance: MAX_BALANCE - 10,
      open_invoice_count: 2,
    });

    // Up to the maximum exactly, it posts.
    const fits = await draftInvoice(t, cus, 10);
    const ok = await t.api.post(`/api/v1/invoices/${fits}/post`);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(await balanceOf(t, cus)).toMatchObject({
      total_balance: MAX_BALANCE,
      net_balance: MAX_BALANCE,
      open_invoice_count: 3,
    });
    // A credit memo lowers the open balance; then the refused draft posts.
    const memo = await t.api.post('/api/v1/credit-memos', {
      customer_id: cus,
      amount: 11,
      reason: 'Goodwill',
      invoice_id: oldest,
    });
    expect(memo.status, JSON.stringify(memo.body)).toBe(201);
    const again = await t.api.post(`/api/v1/invoices/${draft}/post`);
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect((await balanceOf(t, cus)).total_balance).toBe(MAX_BALANCE);
  });

  it('refuses a charge adjustment that takes the open balance beyond it, writing nothing', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const [, small] = await owing(t, cus, [MAX_BALANCE - 100, 50]);
    const res = await t.api.post(`/api/v1/invoices/${small}/adjustments`, {
      kind: 'charge',
      amount: 51,
      reason: 'Late fee',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'amount_too_large',
      details: { field: 'balance', customer_id: cus, max: MAX_BALANCE },
    });
    const after = await t.api.get(`/api/v1/invoices/${small}`);
    expect(after.body).toMatchObject({ total: 50, adjustments: [] });
    const fits = await t.api.post(`/api/v1/invoices/${small}/adjustments`, {
      kind: 'charge',
      amount: 50,
      reason: 'Late fee',
    });
    expect(fits.status, JSON.stringify(fits.body)).toBe(200);
    expect((await balanceOf(t, cus)).total_balance).toBe(MAX_BALANCE);
  });

  it('keeps a bill run draft that would exceed it a draft, lists it, and posts the others', async () => {
    const tt = await newTenant(h);
    const big = await invoiceOnlyCustomer(tt);
    const small = await invoiceOnlyCustomer(tt);
    await owing(tt, big, [MAX_BALANCE - 4999]);
    const setup = await oneTimePrice(tt, 'Setup', 5000);
    for (const cus of [big, small]) {
      await created(tt.api.post(`/api/v1/customers/${cus}/charges`, { price_id: setup }));
    }
    const run = await billRun(h, tt, '2026-12-01');
    expect(run).toMatchObject({ status: 'completed', invoice_count: 2, total_amount: 10000 });
    expect(run.refused).toEqual([]);

    const posted = await tt.api.post(`/api/v1/bill-runs/${run.id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    const drafts = await tt.api.get(`/api/v1/invoices?customer=${big}&status=draft`);
    expect(drafts.status, JSON.stringify(drafts.body)).toBe(200);
    const held = drafts.body.data.map((i: { id: string }) => i.id);
    expect(held).toHaveLength(1);
    const refused = [
      {
        customer_id: big,
        code: 'amount_too_large',
        details: { field: 'balance', max: MAX_BALANCE, invoice_id: held[0] },
      },
    ];
    expect(posted.body).toMatchObject({ status: 'posted', skipped_empty: 0, refused });
    expect((await tt.api.get(`/api/v1/bill-runs/${run.id}`)).body.refused).toEqual(refused);
    const smalls = await tt.api.get(`/api/v1/invoices?customer=${small}`);
    expect(smalls.body.data.map((i: { status: string }) => i.status)).toEqual(['open']);
    expect((await balanceOf(tt, big)).total_balance).toBe(MAX_BALANCE - 4999);
    expect((await balanceOf(tt, small)).total_balance).toBe(5000);
    // Posting again changes nothing; the held draft is still there to post once paid down.
    const twice = await tt.api.post(`/api/v1/bill-runs/${run.id}/post`);
    expect(twice.body.refused).toEqual(refused);
    expect((await tt.api.get(`/api/v1/invoices/${held[0]}`)).body.status).toBe('draft');
    await expectBooksBalance(h, tt.id);
  });
});

describe('reading a balance', () => {
  it('reports a balance beyond the safe range (seeded past the maximum) instead of a 500', async () => {
    const cus = await invoiceOnlyCustomer(t);
    // Two invoices of 5 × 10^15: each exact, their sum (10^16) beyond 2^53.
    await owing(t, cus, [5_000_000_000_000_000, 5_000_000_000_000_000]);
    const res = await t.api.get(`/api/v1/customers/${cus}/balance`);
    expect(res.status, JSON.stringify(res.body)).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'amount_too_large',
      details: { field: 'balance', customer_id: cus, max: MAX_BALANCE },
    });
  });

  it('sums exactly up to the safe range', async () => {
    const cus = await invoiceOnlyCustomer(t);
    // 2^53 − 1 = 4,503,599,627,370,495 + 4,503,599,627,370,496, beyond the maximum (old data).
    await owing(t, cus, [4_503_599_627_370_495, 4_503_599_627_370_496]);
    expect((await balanceOf(t, cus)).total_balance).toBe(Number.MAX_SAFE_INTEGER);
  });
});

describe('the upcoming estimate', () => {
  it('says the bill run will refuse an invoice beyond the largest amount or balance', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const satellite = await oneTimePrice(t, 'Satellite', MAX_AMOUNT);
    const setup = await oneTimePrice(t, 'Setup', 5000);
    const first = await created<{ id: string }>(
      t.api.post(`/api/v1/customers/${cus}/charges`, { price_id: satellite }),
    );
    await created(t.api.post(`/api/v1/customers/${cus}/charges`, { price_id: setup }));
    const up = await t.api.get(`/api/v1/customers/${cus}/upcoming-invoice`);
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect(up.body.total).toBe(MAX_AMOUNT + 5000);
    expect(up.body.refused).toEqual({
      code: 'amount_too_large',
      details: { field: 'total', max: MAX_AMOUNT },
    });

    expect((await t.api.delete(`/api/v1/charges/${first.id}`)).status).toBe(200);
    const fits = await t.api.get(`/api/v1/customers/${cus}/upcoming-invoice`);
    expect(fits.body).toMatchObject({ total: 5000, refused: null });

    await owing(t, cus, [MAX_BALANCE - 4999]);
    const over = await t.api.get(`/api/v1/customers/${cus}/upcoming-invoice`);
    expect(over.body).toMatchObject({
      total: 5000,
      refused: { code: 'amount_too_large', details: { field: 'balance', max: MAX_BALANCE } },
    });
  });
});

describe("a bill run's total", () => {
  it('is summed as bigint and read exactly, also beyond the safe range', async () => {
    const tt = await newTenant(h);
    const a = await invoiceOnlyCustomer(tt);
    const b = await invoiceOnlyCustomer(tt);
    const big = await oneTimePrice(tt, 'Satellite', MAX_AMOUNT);
    for (const cus of [a, b]) {
      await created(tt.api.post(`/api/v1/customers/${cus}/charges`, { price_id: big }));
    }
    const run = await billRun(h, tt, '2026-12-01');
    expect(run).toMatchObject({
      total_amount: 2 * MAX_AMOUNT,
      total_amount_exact: String(2 * MAX_AMOUNT),
    });
    // A run of more than 900 full-size invoices: its total, exact in SQL, is beyond 2^53.
    await h.testDb.db.query('UPDATE bill_runs SET total_amount = total_amount + $2 WHERE id = $1', [
      run.id,
      '9007199254740993',
    ]);
    const read = await tt.api.get(`/api/v1/bill-runs/${run.id}`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({
      total_amount: null,
      total_amount_exact: '9027199254740993',
    });
    const list = await tt.api.get('/api/v1/bill-runs');
    expect(list.status, JSON.stringify(list.body)).toBe(200);
  });
});

describe("a payment run's collected sum", () => {
  it('is tallied as bigint and read exactly, also beyond the safe range', async () => {
    const tt = await newTenant(h);
    const started = await tt.api.post('/api/v1/payment-runs', {});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    await runPaymentRunHere(h.testDb.db, h.clock, started.body.id);
    const done = await tt.api.get(`/api/v1/payment-runs/${started.body.id}`);
    expect(done.body).toMatchObject({ status: 'completed', collected: 0, collected_exact: '0' });
    // A run of more than 900 full-size payments: its sum, exact in SQL, is beyond 2^53.
    await h.testDb.db.query('UPDATE payment_runs SET collected = $2 WHERE id = $1', [
      started.body.id,
      '9007199254740993',
    ]);
    const read = await tt.api.get(`/api/v1/payment-runs/${started.body.id}`);
    expect(read.status, JSON.stringify(read.body)).toBe(200);
    expect(read.body).toMatchObject({ collected: null, collected_exact: '9007199254740993' });
    expect((await tt.api.get('/api/v1/payment-runs')).status).toBe(200);
  });
});
