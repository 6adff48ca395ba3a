/**
 * Payment runs follow the calendar (issue 10 item 2): a run collects the autopay invoices due on
 * or before its target date (default: today in the tenant's time zone), exactly what the calendar
 * projects; a scheduled payment the customer or staff arranged takes precedence over autopay for
 * what it covers; staff can still pay early by hand.
 */
import { describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { advanceTo, newTenant, type TestTenant } from '../helpers/app.js';
import { postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  autopayCustomer,
  balanceOf,
  pay,
  paymentOf,
  runDue,
  schedulePayment,
} from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

/** Starts a payment run (`body` as the API takes it) and processes it here; the run at the end. */
async function paymentRun(t: TestTenant, body: Record<string, unknown> = {}) {
  const started = await t.api.post('/api/v1/payment-runs', body);
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await runPaymentRunHere(h.testDb.db, h.clock, started.body.id);
  const run = await t.api.get(`/api/v1/payment-runs/${started.body.id}`);
  const items = await t.api.get(`/api/v1/payment-runs/${started.body.id}/items?limit=100`);
  return {
    run: run.body,
    items: items.body.data as { invoice_id: string; status: string; amount: number | null }[],
  };
}

/** The autopay projections of one day of the calendar, as invoice id → amount. */
async function projected(t: TestTenant, date: string): Promise<Record<string, number>> {
  const cal = await t.api.get(`/api/v1/calendar?from=${date}&to=${date}`);
  expect(cal.status, JSON.stringify(cal.body)).toBe(200);
  const day = cal.body.days.find((d: { date: string }) => d.date === date);
  const out: Record<string, number> = {};
  for (const e of day?.breakdown ?? []) {
    if (e.type === 'autopay') out[e.invoice_id] = e.amount;
  }
  return out;
}

/** A tenant (terms net 30) and an autopay customer with an invoice posted today, due 2026-12-22. */
async function world() {
  const t = await newTenant(h);
  const payer = await autopayCustomer(t);
  const inv = await postedInvoice(t, payer.customerId, 10_000);
  const due = (await t.api.get(`/api/v1/invoices/${inv}`)).body.due_date;
  expect(due).toBe('2026-12-22');
  return { t, ...payer, inv };
}

describe('a payment run follows the calendar', () => {
  it('a run 30 days early collects nothing and leaves the scheduled payment alone', async () => {
    const { t, customerId, methodId, inv } = await world();
    const scheduled = await schedulePayment(t, customerId, methodId, 10_000, '2026-12-15', [
      { invoice_id: inv, amount: 10_000 },
    ]);
    const { run, items } = await paymentRun(t);
    expect(run).toMatchObject({
      status: 'completed',
      target_date: '2026-11-22',
      progress: { processed: 0, total: 0 },
      collected: 0,
    });
    expect(items).toEqual([]);
    expect(await paymentOf(t, scheduled)).toMatchObject({
      status: 'scheduled',
      amount: 10_000,
      scheduled_for: '2026-12-15',
    });
    expect(await balanceOf(t, inv)).toBe(10_000);
    // Nor without the scheduled payment: the invoice is not due yet.
    await t.api.post(`/api/v1/payments/${scheduled}/cancel`);
    expect((await paymentRun(t)).run).toMatchObject({ progress: { total: 0 }, collected: 0 });
    expect(await balanceOf(t, inv)).toBe(10_000);
    await expectBooksBalance(h, t.id);
  });

  it("the calendar's breakdown names the customer and the invoices, for the console", async () => {
    const { t, customerId, methodId, inv } = await world();
    const scheduled = await schedulePayment(t, customerId, methodId, 4_000, '2026-12-15', [
      { invoice_id: inv, amount: 4_000 },
    ]);
    const customer = (await t.api.get(`/api/v1/customers/${customerId}`)).body;
    const number = (await t.api.get(`/api/v1/invoices/${inv}`)).body.number;
    const cal = await t.api.get(
      `/api/v1/calendar?from=2026-12-01&to=2026-12-31&customer=${customerId}`,
    );
    expect(cal.status, JSON.stringify(cal.body)).toBe(200);
    const entries = cal.body.days.flatMap((d: { breakdown: unknown[] }) => d.breakdown);
    const named = { customer_name: customer.name, customer_number: customer.number };
    expect(entries).toEqual([
      expect.objectContaining({
        type: 'scheduled',
        payment_id: scheduled,
        amount: 4_000,
        ...named,
        invoices: [{ id: inv, number }],
      }),
      expect.objectContaining({
        type: 'autopay',
        invoice_id: inv,
        amount: 6_000,
        ...named,
        invoices: [{ id: inv, number }],
      }),
    ]);
  });

  it('a run may not target a date after the day it runs', async () => {
    const { t } = await world();
    const ahead = await t.api.post('/api/v1/payment-runs', { target_date: '2026-12-22' });
    expect(ahead.status).toBe(422);
    expect(ahead.body.error).toMatchObject({
      code: 'payment_run_target_date_ahead',
      details: { target_date: '2026-12-22', latest: '2026-11-22' },
    });
    const late = await t.api.post('/api/v1/payment-runs', {
      run_on: '2026-12-20',
      target_date: '2026-12-21',
    });
    expect(late.status).toBe(422);
    // A scheduled run may target its own date; it waits for it.
    const waiting = await t.api.post('/api/v1/payment-runs', {
      run_on: '2026-12-22',
      target_date: '2026-12-22',
    });
    expect(waiting.status, JSON.stringify(waiting.body)).toBe(202);
    expect(waiting.body).toMatchObject({ status: 'scheduled', target_date: '2026-12-22' });
  });

  it('a run with target date = due date collects; one the day before does not', async () => {
    const { t, inv } = await world();
    await advanceTo(t, '2026-12-22');
    const before = await paymentRun(t, { target_date: '2026-12-21' });
    expect(before.run).toMatchObject({ target_date: '2026-12-21', progress: { total: 0 } });
    expect(await projected(t, '2026-12-22')).toEqual({ [inv]: 10_000 });
    const { run, items } = await paymentRun(t, { target_date: '2026-12-22' });
    expect(run).toMatchObject({
      status: 'completed',
      target_date: '2026-12-22',
      counts: { succeeded: 1 },
      collected: 10_000,
    });
    expect(items).toEqual([expect.objectContaining({ invoice_id: inv, amount: 10_000 })]);
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('a partial scheduled payment: the run collects the remainder, as the calendar projects', async () => {
    const { t, customerId, methodId, inv } = await world();
    // Another invoice of the customer, and one of a second customer, both due on the same day.
    const other = await postedInvoice(t, customerId, 2_500);
    const second = await autopayCustomer(t);
    const secondInv = await postedInvoice(t, second.customerId, 7_300);
    // Arranged by the customer for after the due date: it still takes precedence.
    const scheduled = await schedulePayment(t, customerId, methodId, 4_000, '2026-12-30', [
      { invoice_id: inv, amount: 4_000 },
    ]);
    await advanceTo(t, '2026-12-22');
    const projection = await projected(t, '2026-12-22');
    expect(projection).toEqual({ [inv]: 6_000, [other]: 2_500, [secondInv]: 7_300 });
    const { run, items } = await paymentRun(t);
    expect(run).toMatchObject({ target_date: '2026-12-22', collected: 15_800 });
    // The run and the calendar agree, invoice by invoice.
    expect(Object.fromEntries(items.map((i) => [i.invoice_id, i.amount]))).toEqual(projection);
    expect(await balanceOf(t, inv)).toBe(4_000);
    expect(await paymentOf(t, scheduled)).toMatchObject({ status: 'scheduled', amount: 4_000 });
    // Nothing is left for autopay: a second run collects nothing, the calendar projects nothing.
    expect(await projected(t, '2026-12-22')).toEqual({});
    expect((await paymentRun(t)).run).toMatchObject({ progress: { total: 0 } });
    // On its date the scheduled payment pays the rest.
    await advanceTo(t, '2026-12-30');
    await runDue(h, t);
    expect(await paymentOf(t, scheduled)).toMatchObject({ status: 'succeeded', amount: 4_000 });
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('staff can still pay early by hand', async () => {
    const { t, customerId, methodId, inv } = await world();
    const early = await pay(t, customerId, methodId, 10_000, {
      allocations: [{ invoice_id: inv, amount: 10_000 }],
    });
    expect(early).toMatchObject({ status: 'succeeded', amount: 10_000 });
    expect(await balanceOf(t, inv)).toBe(0);
  });
});
