/**
 * Scheduled payments and bank debits through the real queue (E2, E4, L2): advancing a sandbox
 * tenant's clock sends its payments-due job in the advancing transaction, and a running worker
 * charges what fell due; a bank debit it started then settles (or comes back) as the clock moves
 * on. Nothing here calls the due work directly.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from '../../src/jobs/queue.js';
import { startWorker, type Worker } from '../../src/jobs/worker.js';
import { PAYMENTS_DUE_QUEUE } from '../../src/modules/payments/jobs.js';
import { type Harness, newTenant, startHarness, type TestTenant } from '../helpers/app.js';
import { cardBody, newCustomer, saveMethod, verifiedBank } from '../helpers/payment-methods.js';
import { balanceOf, postedInvoice } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

let h: Harness;
let queue: Queue;
let worker: Worker;
let t: TestTenant;

beforeAll(async () => {
  h = await startHarness(); // every tenant's today: Sunday 2026-11-22
  queue = await startQueue(h.testDb.db, {
    schema: h.testDb.schema && `${h.testDb.schema}_jobs`,
    pollingIntervalSeconds: 0.5,
  });
  worker = await startWorker({
    db: h.testDb.db,
    clock: h.clock,
    queue,
    email: { smtpUrl: null, from: 'billing@billow.test' },
    sweepIntervalMs: 60_000,
  });
});
afterAll(async () => {
  await worker?.stop();
  await queue?.stop();
  if (h?.testDb.schema && queue) {
    await h.testDb.db.exec(`DROP SCHEMA IF EXISTS ${queue.schema} CASCADE`);
  }
  await h?.close();
});
beforeEach(async () => {
  t = await newTenant(h);
});

/** Polls until `probe` gives a value (generous: two cores shared with other test runs). */
async function until<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

async function payment(id: string) {
  const res = await t.api.get(`/api/v1/payments/${id}`);
  expect(res.status).toBe(200);
  return res.body;
}

async function advanceTo(date: string) {
  const res = await t.api.post('/api/v1/clock/advance', { to: date });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.today).toBe(date);
}

async function schedule(customerId: string, methodId: string, amount: number, date: string) {
  const res = await t.api.post('/api/v1/payments', {
    customer_id: customerId,
    payment_method_id: methodId,
    amount,
    scheduled_for: date,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect(res.body).toMatchObject({ status: 'scheduled', scheduled_for: date });
  return res.body.id as string;
}

/** The payments-due jobs sent for the tenant, with their states. */
function dueJobs(tenantId: string) {
  return h.testDb.db.query<{ state: string }>(
    `SELECT state::text AS state FROM ${queue.schema}.job
      WHERE name = $1 AND data->>'tenantId' = $2 ORDER BY created_on`,
    [PAYMENTS_DUE_QUEUE, tenantId],
  );
}

describe('a scheduled card payment through the worker', () => {
  it('is charged by the job the clock advance sends, on its date and not before', async () => {
    const cus = await newCustomer(t);
    const card = await saveMethod(t, cus.id, cardBody());
    const inv = await postedInvoice(t, cus.id, 4500);
    const id = await schedule(cus.id, card.id, 4500, '2026-11-25');

    // A day early: the job runs and finds nothing due.
    await advanceTo('2026-11-24');
    await until('the first due job', async () => {
      const jobs = await dueJobs(t.id);
      return jobs.length === 1 && jobs[0]?.state === 'completed';
    });
    expect(await payment(id)).toMatchObject({ status: 'scheduled', amount: 4500 });

    await advanceTo('2026-11-25');
    // Between the worker's two transactions the payment is pending: wait for the outcome.
    const paid = await until('the worker to charge it', async () => {
      const p = await payment(id);
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
    await until('the second due job to complete', async () => {
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
    const id = await schedule(cus.id, bank.id, 3300, '2026-11-27');

    await advanceTo('2026-11-27'); // a Friday
    // Started: the gateway took the debit (pending until it settles).
    const started = await until('the worker to start the debit', async () => {
      const p = await payment(id);
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

    await advanceTo('2026-12-01');
    const settled = await until('the debit to settle', async () => {
      const p = await payment(id);
      return p.status === 'pending' ? null : p;
    });
    expect(settled.status).toBe('succeeded');
    expect(settled.settled_at).toBeTruthy();
    expect(await balanceOf(t, inv)).toBe(0);
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.status).toBe('paid');
    await until('the due jobs to complete', async () => {
      const jobs = await dueJobs(t.id);
      return jobs.length === 2 && jobs.every((j) => j.state === 'completed');
    });
    await expectBooksBalance(h, t.id);
  });

  it('comes back R01 after the worker started it: the invoice reopens', async () => {
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id, '000111111116');
    const inv = await postedInvoice(t, cus.id, 2100);
    const id = await schedule(cus.id, bank.id, 2100, '2026-11-24');
    await advanceTo('2026-11-24');
    await until('the worker to start the debit', async () => {
      const p = await payment(id);
      return p.status === 'pending' && p.gateway_charge_id ? p : null;
    });
    await advanceTo('2026-11-30');
    const back = await until('the return', async () => {
      const p = await payment(id);
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
