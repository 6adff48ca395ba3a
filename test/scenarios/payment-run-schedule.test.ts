/**
 * Payment runs on the tenant's schedule, on its sandbox clock (F1, F3): a daily run, once per
 * business day, collecting what is due that day; and a run after each bill run, which starts only
 * once the bill run has posted.
 */
import { describe, expect, it } from 'vitest';
import { runDuePaymentWorkHere } from '../../src/modules/paymentruns/schedule.js';
import { advance, advanceTo, newTenant, type TestTenant } from '../helpers/app.js';
import { billRun, monthlyPrice, postedInvoice, subscribe } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { autopayCustomer, balanceOf } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

interface Run {
  id: string;
  status: string;
  schedule: string | null;
  run_on: string | null;
  target_date: string | null;
  after_bill_run_id: string | null;
  progress: { total: number };
  counts: { succeeded: number };
}

async function runs(t: TestTenant): Promise<Run[]> {
  const res = await t.api.get('/api/v1/payment-runs?limit=100');
  expect(res.status).toBe(200);
  return res.body.data;
}

async function settings(t: TestTenant, s: Record<string, unknown>) {
  const res = await t.api.patch('/api/v1/tenant', { settings: s });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.settings;
}

describe('a daily payment run', () => {
  it('runs once per business day of the tenant and collects what falls due that day', async () => {
    const t = await newTenant(h);
    // Invoices due 15 days after their date (2026-11-22 → 2026-12-07).
    expect(await settings(t, { payment_terms_days: 15, payment_run_daily: true })).toMatchObject({
      payment_run_daily: true,
      payment_run_after_bill_run: false,
    });
    const payer = await autopayCustomer(t);
    const invoice = await postedInvoice(t, payer.customerId, 5_000);

    const moved = await t.api.post('/api/v1/clock/advance', { days: 1 });
    expect(moved.status).toBe(200);
    expect(moved.body.fell_due.payment_runs).toHaveLength(1);
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    const [first] = await runs(t);
    expect(first).toMatchObject({
      id: moved.body.fell_due.payment_runs[0],
      schedule: 'daily',
      run_on: '2026-11-23',
      target_date: '2026-11-23',
      status: 'completed',
      progress: { total: 0 },
    });
    // The sweep later that day finds the day's run and writes no second one.
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    expect(await runs(t)).toHaveLength(1);
    expect(await balanceOf(t, invoice)).toBe(5_000);

    // Fourteen days at once: one run, for the day the clock reached, which collects the invoice.
    await advanceTo(t, '2026-12-07');
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    const [due] = await runs(t);
    expect(await runs(t)).toHaveLength(2);
    expect(due).toMatchObject({
      schedule: 'daily',
      run_on: '2026-12-07',
      target_date: '2026-12-07',
      status: 'completed',
      progress: { total: 1 },
      counts: { succeeded: 1 },
    });
    expect(await balanceOf(t, invoice)).toBe(0);

    // Switched off: the next day has no run.
    await settings(t, { payment_run_daily: false });
    await advance(t, 1);
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    expect(await runs(t)).toHaveLength(2);
    await expectBooksBalance(h, t.id);
  });
});

describe('a payment run after each bill run', () => {
  it('starts only when the bill run has posted, and collects its invoices', async () => {
    const t = await newTenant(h);
    await settings(t, { payment_terms_days: 0, payment_run_after_bill_run: true });
    const payer = await autopayCustomer(t);
    const priceId = await monthlyPrice(t, 'Hosting', 4_000);
    await subscribe(t, payer.customerId, priceId, '2026-12-01');
    await advanceTo(t, '2026-12-01');

    const run = await billRun(h, t, '2026-12-01');
    expect(run.status).not.toBe('posted');
    // F3: the drafts are under review; no payment run yet, and a sweep starts none.
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    expect(await runs(t)).toEqual([]);

    const posted = await t.api.post(`/api/v1/bill-runs/${run.id}/post`);
    expect(posted.status, JSON.stringify(posted.body)).toBeLessThan(300);
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    const [after] = await runs(t);
    expect(await runs(t)).toHaveLength(1);
    expect(after).toMatchObject({
      schedule: 'after_bill_run',
      after_bill_run_id: run.id,
      status: 'completed',
      progress: { total: 1 },
      counts: { succeeded: 1 },
    });
    const invoices = await t.api.get(`/api/v1/invoices?bill_run=${run.id}`);
    expect(invoices.body.data).toHaveLength(1);
    expect(await balanceOf(t, invoices.body.data[0].id)).toBe(0);
    await expectBooksBalance(h, t.id);
  });
});
