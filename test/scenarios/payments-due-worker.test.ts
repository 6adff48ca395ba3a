/**
 * Scheduled payments and bank debits through the real queue (E2, E4, L2): advancing a sandbox
 * tenant's clock sends its payments-due job in the advancing transaction, and a running worker
 * charges what fell due; a bank debit it started then settles (or comes back) as the clock moves
 * on. Nothing here calls the due work directly.
 */
import { describe, expect, it } from 'vitest';
import { PAYMENTS_DUE_QUEUE } from '../../src/modules/payments/jobs.js';
import { advanceTo, useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod, verifiedBank } from '../helpers/payment-methods.js';
import { balanceOf, paymentOf, schedulePayment } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';
import { until } from '../helpers/wait.js';

// Every tenant's today: Sunday 2026-11-22.
const h = useHarness({
  worker: { email: { from: 'billing@billow.test' }, sweepIntervalMs: 60_000 },
});
const t = useTenant(h, { each: true });

/** Polls until `probe` gives a value (generous: two cores shared with other test runs). */
const waitFor = <T>(what: string, probe: () => Promise<T>) =>
  until(probe, { what, timeoutMs: 60_000, intervalMs: 200 });

/** The payments-due jobs sent for the tenant, with their states. */
function dueJobs(tenantId: string) {
  return h.testDb.db.query<{ state: string }>(
    `SELECT state::text AS state FROM ${h.queue.schema}.job
      WHERE name = $1 AND data->>'tenantId' = $2 ORDER BY created_on`,
    [PAYMENTS_DUE_QUEUE, tenantId],
  );
}

describe('a scheduled card payment through the worker', () => {
  it('is charged by the job the clock advance sends, on its date and not before', async () => {
    const cus = await newCustomer(t);
    const card = await saveMethod(t, cus.id, cardBody());
    const inv = await postedInvoice(t, cus.id, 4500);
    const id = await schedulePayment(t, cus.id, card.id, 4500, '2026-11-25');

    // A day early: the job runs and finds nothing due (and the advance says none fell due).
    const early = await t.api.post('/api/v1/clock/advance', { to: '2026-11-24' });
    expect(early.body.fell_due.scheduled_payments).toBe(0);
    await waitFor('the first due job', async () => {
      const jobs = await dueJobs(t.id);
      return jobs.length === 1 && jobs[0]?.state === 'completed';
    });
    expect(await paymentOf(t, id)).toMatchObject({ status: 'scheduled', amount: 4500 });

    const due = await t.api.post('/api/v1/clock/advance', { to: '2026-11-25' });
    expect(due.body.fell_due.scheduled_payments).toBe(1);
    // Between the worker's two transactions the payment is pending: wait for the outcome.
    const paid = await waitFor('the worker to charge it', async () => {
      const p = await paymentOf(t, id);
      return p.status === 'scheduled' || p.status === 'pending' ? null : p;
    });
    expect(paid).toMatchObject({
      status: 'succeeded',
      amount: 4500,
      source: 'scheduled',
      applications: [{ invoice_id: inv, amount: 4500 }],
    });
    expect(paid.gateway_charge_id).toBeTruthy();
    expect(await balanceOf(t, inv)).toBe(0);
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.status).toBe('paid');
    await waitFor('the second due job to complete', async () => {
      const jobs = await dueJobs(t.id);
      return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
    });
    await expectBooksBalance(h, t.id);
  });
});

describe('a scheduled bank debit through the worker (ACH)', () => {
  it('is started on its date, then settles business days later', async () => {
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id);
    const inv = await postedInvoice(t, cus.id, 3300);
    const id = await schedulePayment(t, cus.id, bank.id, 3300, '2026-11-27');

    await advanceTo(t, '2026-11-27'); // a Friday
    // Started: the gateway took the debit (pending until it settles).
    const started = await waitFor('the worker to start the debit', async () => {
      const p = await paymentOf(t, id);
      const inFlight = p.status === 'pending' && !p.gateway_charge_id;
      return p.status === 'scheduled' || inFlight ? null : p;
    });
    expect(started).toMatchObject({
      status: 'pending',
      amount: 3300,
      applications: [{ invoice_id: inv, amount: 3300 }],
      expected_settlement_date: '2026-12-01', // two business days, over the weekend
    });
    // Pending, the debit reserves the invoice: its balance shows unpaid, nothing else may take it.
    expect(await balanceOf(t, inv)).toBe(3300);
    const summary = await t.api.get(`/api/v1/invoices/${inv}/summary`);
    expect(summary.body.payment_pending).toBe(true);

    await advanceTo(t, '2026-12-01');
    const settled = await waitFor('the debit to settle', async () => {
      const p = await paymentOf(t, id);
      return p.status === 'pending' ? null : p;
    });
    expect(settled.status).toBe('succeeded');
    expect(settled.settled_at).toBeTruthy();
    expect(await balanceOf(t, inv)).toBe(0);
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.status).toBe('paid');
    await waitFor('the due jobs to complete', async () => {
      const jobs = await dueJobs(t.id);
      return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
    });
    await expectBooksBalance(h, t.id);
  });

  it('comes back R01 after the worker started it: the invoice reopens', async () => {
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id, '000111111116');
    const inv = await postedInvoice(t, cus.id, 2100);
    const id = await schedulePayment(t, cus.id, bank.id, 2100, '2026-11-24');
    await advanceTo(t, '2026-11-24');
    await waitFor('the worker to start the debit', async () => {
      const p = await paymentOf(t, id);
      return p.status === 'pending' && p.gateway_charge_id ? p : null;
    });
    await advanceTo(t, '2026-11-30');
    const back = await waitFor('the return', async () => {
      const p = await paymentOf(t, id);
      return p.status === 'pending' ? null : p;
    });
    expect(back).toMatchObject({ status: 'returned', return_code: 'R01' });
    expect(await balanceOf(t, inv)).toBe(2100);
    const refund = await t.api.post(`/api/v1/payments/${id}/refunds`, { amount: 2100 });
    expect([refund.status, refund.body.error.code]).toEqual([
      409,
      'payment_returned_not_refundable',
    ]);
    await expectBooksBalance(h, t.id);
  });
});
