/**
 * Credits never let scheduled payments overpay (E3, H1): applying a credit memo, or issuing one
 * against an invoice, reduces or cancels the customer's scheduled payments in the same
 * transaction and says so (adjusted_scheduled); the payment page, the invoice summary and the
 * calendar (scheduled and projected autopay) show the new amounts at once, and on its date the
 * scheduled payment collects only what is left. Every scenario ends with the books balancing.
 */
import { describe, expect, it } from 'vitest';
import { advanceTo, useTenant } from '../helpers/app.js';
import { created, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  balanceOf,
  payingCustomer,
  paymentOf,
  runDue,
  schedulePayment,
} from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
// Each scenario on its own tenant: its own clock (today 2026-11-22) and its own due work.
const t = useTenant(h, { each: true });

const MEMOS = '/api/v1/credit-memos';

async function memo(customerId: string, amount: number, invoiceId?: string) {
  const res = await t.api.post(MEMOS, {
    customer_id: customerId,
    amount,
    reason: 'Service credit',
    ...(invoiceId && { invoice_id: invoiceId }),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

async function calendarDay(customerId: string, from: string, to: string, date: string) {
  const cal = await t.api.get(`/api/v1/calendar?from=${from}&to=${to}&customer=${customerId}`);
  expect(cal.status, JSON.stringify(cal.body)).toBe(200);
  return cal.body.days.find((d: { date: string }) => d.date === date);
}

describe('applying a credit memo', () => {
  it('reduces the scheduled payment to what is left; on its date it collects just that', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 5000);
    const sched = await schedulePayment(t, customerId, methodId, 5000, '2026-11-27');
    const m = await memo(customerId, 2000);
    expect(m.adjusted_scheduled).toEqual([]); // not applied yet: nothing changes

    const applied = await t.api.post(`${MEMOS}/${m.id}/apply`, {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body).toMatchObject({ applied: 2000, remaining: 0 });
    expect(applied.body.adjusted_scheduled).toEqual([
      { id: sched, old_amount: 5000, new_amount: 3000 },
    ]);
    expect(await paymentOf(t, sched)).toMatchObject({
      status: 'scheduled',
      amount: 3000,
      planned_allocations: [{ invoice_id: inv, amount: 3000 }],
    });
    const summary = await t.api.get(`/api/v1/invoices/${inv}/summary`);
    expect(summary.body).toMatchObject({
      balance: 3000,
      payment_scheduled: [{ id: sched, scheduled_for: '2026-11-27', amount: 3000 }],
    });
    expect(await calendarDay(customerId, '2026-11-22', '2026-11-30', '2026-11-27')).toMatchObject({
      scheduled: { count: 1, total: 3000 },
    });
    // The change is on record: the payment's own audit trail says why its amount dropped.
    const audit = await t.api.get(`/api/v1/audit-log?object=${sched}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain('payment.reduced');

    await advanceTo(t, '2026-11-27');
    expect((await runDue(h, t)).ran).toBe(1);
    expect(await paymentOf(t, sched)).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      applications: [{ invoice_id: inv, amount: 3000 }],
    });
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('clips scheduled payments in date order: the earliest keeps its share', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const a = await postedInvoice(t, customerId, 1000, { date: '2026-11-01' });
    const b = await postedInvoice(t, customerId, 4000, { date: '2026-11-10' });
    const early = await schedulePayment(t, customerId, methodId, 3000, '2026-12-01');
    const late = await schedulePayment(t, customerId, methodId, 2000, '2026-12-15', [
      { invoice_id: b, amount: 2000 },
    ]);
    expect((await paymentOf(t, early)).planned_allocations).toEqual([
      { invoice_id: a, amount: 1000 },
      { invoice_id: b, amount: 2000 },
    ]);
    // Oldest first: all of a, then 500 of b, which keeps 3,500 open. The earlier payment keeps
    // its 2,000 of b (its 1,000 of a is gone); the later one gets the 1,500 left.
    const m = await memo(customerId, 1500);
    const applied = await t.api.post(`${MEMOS}/${m.id}/apply`, {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.applications.map((x: { amount: number }) => x.amount)).toEqual([1000, 500]);
    expect(applied.body.adjusted_scheduled).toEqual([
      { id: early, old_amount: 3000, new_amount: 2000 },
      { id: late, old_amount: 2000, new_amount: 1500 },
    ]);
    expect((await paymentOf(t, early)).planned_allocations).toEqual([
      { invoice_id: b, amount: 2000 },
    ]);
    expect((await paymentOf(t, late)).planned_allocations).toEqual([
      { invoice_id: b, amount: 1500 },
    ]);
    const day = await calendarDay(customerId, '2026-11-28', '2026-12-31', '2026-12-15');
    expect(day).toMatchObject({ scheduled: { count: 1, total: 1500 } });
    await expectBooksBalance(h, t.id);
  });

  it('a credit refused for its size changes no scheduled payment', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1200);
    const sched = await schedulePayment(t, customerId, methodId, 1200, '2026-12-03');
    const m = await memo(customerId, 5000);
    const over = await t.api.post(`${MEMOS}/${m.id}/apply`, {
      allocations: [{ invoice_id: inv, amount: 1300 }],
    });
    expect([over.status, over.body.error.code]).toEqual([422, 'credit_exceeds_invoice_balance']);
    expect(await paymentOf(t, sched)).toMatchObject({ status: 'scheduled', amount: 1200 });
    expect(await balanceOf(t, inv)).toBe(1200);
    await expectBooksBalance(h, t.id);
  });
});

describe('issuing a credit memo against an invoice', () => {
  it('cancels the scheduled payment it leaves nothing to collect for', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 800);
    const sched = await schedulePayment(t, customerId, methodId, 800, '2026-12-04');
    const m = await memo(customerId, 1000, inv);
    expect(m).toMatchObject({ applied: 800, remaining: 200 });
    expect(m.adjusted_scheduled).toEqual([{ id: sched, old_amount: 800, new_amount: null }]);
    expect(await paymentOf(t, sched)).toMatchObject({ status: 'cancelled', scheduled_for: null });
    expect(await balanceOf(t, inv)).toBe(0);
    expect(await calendarDay(customerId, '2026-11-28', '2026-12-31', '2026-12-04')).toBeUndefined();
    const events = await t.api.get('/api/v1/events?limit=20');
    expect(
      events.body.data.filter(
        (e: { type: string; object_id: string }) =>
          e.type === 'payment.cancelled' && e.object_id === sched,
      ),
    ).toHaveLength(1);
    await advanceTo(t, '2026-12-04');
    expect((await runDue(h, t)).ran).toBe(0);
    expect((await paymentOf(t, sched)).status).toBe('cancelled');
    await expectBooksBalance(h, t.id);
  });

  it('leaves scheduled payments of other invoices alone', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const a = await postedInvoice(t, customerId, 700, { date: '2026-11-02' });
    const b = await postedInvoice(t, customerId, 900, { date: '2026-11-03' });
    const forB = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 900,
      allocations: [{ invoice_id: b, amount: 900 }],
      scheduled_for: '2026-12-20',
    });
    expect(forB.status, JSON.stringify(forB.body)).toBe(201);
    const m = await memo(customerId, 700, a);
    expect(m.adjusted_scheduled).toEqual([]);
    expect(await paymentOf(t, forB.body.id)).toMatchObject({ status: 'scheduled', amount: 900 });
    expect([await balanceOf(t, a), await balanceOf(t, b)]).toEqual([0, 900]);
    await expectBooksBalance(h, t.id);
  });
});

describe('the calendar follows credits (E9, G4)', () => {
  it('projects autopay for what credits and earlier scheduled payments leave open', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const on = await t.api.patch(`/api/v1/customers/${customerId}/autopay`, { enabled: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    const inv = await postedInvoice(t, customerId, 6000);
    const due = (await t.api.get(`/api/v1/invoices/${inv}`)).body.due_date as string;
    const today = '2026-11-22';
    expect(due > '2026-12-10').toBe(true); // 30-day terms
    const to = due;
    const projected = async () =>
      (await calendarDay(customerId, today, to, due))?.autopay ?? { count: 0, total: 0 };
    expect(await projected()).toEqual({ count: 1, total: 6000 });

    await memo(customerId, 1500, inv);
    expect(await projected()).toEqual({ count: 1, total: 4500 });

    // A scheduled payment before the due date runs first: autopay collects only the rest.
    const sched = await schedulePayment(t, customerId, methodId, 4000, '2026-12-10');
    expect(await projected()).toEqual({ count: 1, total: 500 });
    const all = await t.api.get(`/api/v1/calendar?from=${today}&to=${to}&customer=${customerId}`);
    expect(all.body.total).toBe(4500); // never more than is open

    // A credit for the rest cancels nothing yet (4,000 still open) but the projection is gone.
    const m = await memo(customerId, 500, inv);
    expect(m.adjusted_scheduled).toEqual([]);
    expect(await projected()).toEqual({ count: 0, total: 0 });
    // The last credit clips the scheduled payment, and the calendar shows its new amount.
    const last = await memo(customerId, 1000, inv);
    expect(last.adjusted_scheduled).toEqual([{ id: sched, old_amount: 4000, new_amount: 3000 }]);
    const after = await t.api.get(`/api/v1/calendar?from=${today}&to=${to}&customer=${customerId}`);
    expect(after.body).toMatchObject({ count: 1, total: 3000 });
    await expectBooksBalance(h, t.id);
  });
});

describe('an unapplied payment applied later (H2)', () => {
  it('reduces the scheduled payments the same way', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const prepaid = await created<{ id: string; unapplied: number }>(
      t.api.post('/api/v1/payments/external', {
        customer_id: customerId,
        method: 'wire',
        amount: 600,
        prepayment: true,
      }),
    );
    expect(prepaid.unapplied).toBe(600);
    const inv = await postedInvoice(t, customerId, 1000);
    const sched = await schedulePayment(t, customerId, methodId, 1000, '2026-12-21');
    const applied = await t.api.post(`/api/v1/payments/${prepaid.id}/apply`, {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.adjusted_scheduled).toEqual([
      { id: sched, old_amount: 1000, new_amount: 400 },
    ]);
    expect(await balanceOf(t, inv)).toBe(400);
    await expectBooksBalance(h, t.id);
  });
});

describe('an invoice credit adjustment or a void', () => {
  it('reduces the scheduled payment by the credit and says so', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 6000);
    const sched = await schedulePayment(t, customerId, methodId, 6000, '2026-12-01');
    const adj = await t.api.post(`/api/v1/invoices/${inv}/adjustments`, {
      kind: 'credit',
      amount: 1500,
      reason: 'Outage credit',
    });
    expect(adj.status, JSON.stringify(adj.body)).toBe(200);
    expect(adj.body.adjusted_scheduled).toEqual([
      { id: sched, old_amount: 6000, new_amount: 4500 },
    ]);
    expect(await paymentOf(t, sched)).toMatchObject({ status: 'scheduled', amount: 4500 });
    // A charge adjustment raises the balance and clips nothing.
    const charge = await t.api.post(`/api/v1/invoices/${inv}/adjustments`, {
      kind: 'charge',
      amount: 200,
      reason: 'Late fee',
    });
    expect(charge.body.adjusted_scheduled).toEqual([]);
    await advanceTo(t, '2026-12-01');
    await runDue(h, t);
    expect(await paymentOf(t, sched)).toMatchObject({ status: 'succeeded', amount: 4500 });
    expect(await balanceOf(t, inv)).toBe(200);
    await expectBooksBalance(h, t.id);
  });

  it('cancels the scheduled payment of a voided invoice at once', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 2500);
    const sched = await schedulePayment(t, customerId, methodId, 2500, '2026-12-01');
    const voided = await t.api.post(`/api/v1/invoices/${inv}/void`, { reason: 'Billed twice' });
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);
    expect(voided.body.adjusted_scheduled).toEqual([
      { id: sched, old_amount: 2500, new_amount: null },
    ]);
    expect(await paymentOf(t, sched)).toMatchObject({ status: 'cancelled' });
    await expectBooksBalance(h, t.id);
  });
});
