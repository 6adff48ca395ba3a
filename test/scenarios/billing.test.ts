/**
 * The billing cycle on the sandbox clock (issue 3): subscribe mid-month, record usage, see the
 * estimate, advance the clock, run the bill run, review, post, adjust; late usage lands on the
 * next invoice; nothing is ever billed twice.
 */
import { describe, expect, it } from 'vitest';
import { runBillRunHere } from '../../src/modules/billruns/service.js';
import { newTenant, type TestTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  invoiceOnlyCustomer,
  monthlyPrice,
  oneTimePrice,
  postedInvoice,
  subscribe,
  usagePrice,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

/**
 * The month of billing, step by step. Each test plays the steps before its own on a tenant of its
 * own, so that it can run alone, then plays and checks its own.
 */
interface Month {
  t: TestTenant;
  cus: string;
  hosting: string;
  transfer: string;
  setup: string;
  /** The invoice of the first bill run. */
  firstInvoice: string;
}

/** A tenant with a customer and a catalog of a monthly, a usage and a one-time price. */
async function month(): Promise<Month> {
  const t = await newTenant(h);
  return {
    t,
    cus: await invoiceOnlyCustomer(t),
    hosting: await monthlyPrice(t, 'Hosting', 3000),
    transfer: await usagePrice(t, 'Transfer', 5),
    setup: await oneTimePrice(t, 'Setup', 5000),
    firstInvoice: '',
  };
}

/** Subscribes mid-month to hosting and transfer, records usage (and a replay), adds the setup fee. */
async function subscribed(m: Month) {
  const { t, cus } = m;
  await subscribe(t, cus, m.hosting, '2026-11-16');
  await subscribe(t, cus, m.transfer, '2026-11-16');
  const batch = await t.api.post('/api/v1/usage-records', {
    records: [
      {
        id: 'u-1',
        customer_id: cus,
        unit_of_measure: 'GB',
        quantity: 10,
        usage_date: '2026-11-17',
      },
      {
        id: 'u-2',
        customer_id: cus,
        unit_of_measure: 'GB',
        quantity: '5.5',
        usage_date: '2026-11-20',
      },
    ],
  });
  const replay = await t.api.post('/api/v1/usage-records', {
    id: 'u-1',
    customer_id: cus,
    unit_of_measure: 'GB',
    quantity: 10,
    usage_date: '2026-11-17',
  });
  await created(t.api.post(`/api/v1/customers/${cus}/charges`, { price_id: m.setup, quantity: 1 }));
  return { batch, replay };
}

/** Moves to 1 December and bills through it: the run, and its one draft as firstInvoice. */
async function billed(m: Month) {
  await m.t.api.post('/api/v1/clock/advance', { to: '2026-12-01' });
  const run = await billRun(h, m.t, '2026-12-01');
  const list = await m.t.api.get(`/api/v1/invoices?bill_run=${run.id}`);
  m.firstInvoice = list.body.data[0]?.id;
  return { run, list };
}

/** Removes the setup fee from the draft. */
async function edited(m: Month) {
  const inv = (await m.t.api.get(`/api/v1/invoices/${m.firstInvoice}`)).body;
  const setupLine = inv.lines.find((l: { kind: string }) => l.kind === 'one_time');
  return m.t.api.delete(`/api/v1/invoices/${m.firstInvoice}/lines/${setupLine.id}`);
}

/** Posts the bill run. */
async function posted(m: Month) {
  const runs = await m.t.api.get('/api/v1/bill-runs');
  return m.t.api.post(`/api/v1/bill-runs/${runs.body.data[0].id}/post`);
}

/** Credits 5.00 on the subscription line of the posted invoice. */
async function adjusted(m: Month) {
  const inv = (await m.t.api.get(`/api/v1/invoices/${m.firstInvoice}`)).body;
  const line = inv.lines.find((l: { kind: string }) => l.kind === 'subscription');
  return m.t.api.post(`/api/v1/invoices/${m.firstInvoice}/adjustments`, {
    kind: 'credit',
    amount: 500,
    reason: 'Outage on 3 December',
    line_id: line.id,
  });
}

/** Records late usage for November, moves to 1 January and bills through it. */
async function billedLate(m: Month) {
  const late = await m.t.api.post('/api/v1/usage-records', {
    id: 'u-late',
    customer_id: m.cus,
    unit_of_measure: 'GB',
    quantity: 2,
    usage_date: '2026-11-25',
  });
  await m.t.api.post('/api/v1/clock/advance', { to: '2027-01-01' });
  const run = await billRun(h, m.t, '2027-01-01');
  return { late, run };
}

const STEPS = { subscribed, billed, edited, posted, adjusted };

/** A month played up to and including the step `last`. */
async function monthUpTo(last: keyof typeof STEPS): Promise<Month> {
  const m = await month();
  for (const [name, step] of Object.entries(STEPS)) {
    await step(m);
    if (name === last) break;
  }
  return m;
}

describe('a month of billing', () => {
  it('subscribes mid-month and records usage once per client id', async () => {
    const { batch, replay } = await subscribed(await month());
    expect(batch.status).toBeLessThan(300);
    expect(replay.status).toBeLessThan(300);
  });

  it('estimates the next invoice as of the tenant clock', async () => {
    const { t, cus } = await monthUpTo('subscribed');
    const up = await t.api.get(`/api/v1/customers/${cus}/upcoming-invoice`);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ estimate: true, billing_date: '2026-12-01' });
    const amounts = up.body.lines.map((l: { kind: string; amount: number }) => [l.kind, l.amount]);
    // 15 of 30 November days of 30.00, then December in advance; 15.5 GB at 0.05 = 0.775 → 0.78.
    expect(amounts).toEqual(
      expect.arrayContaining([
        ['subscription', 1500],
        ['subscription', 3000],
        ['usage', 78],
        ['one_time', 5000],
      ]),
    );
    expect(up.body.total).toBe(1500 + 3000 + 78 + 5000);
  });

  it('bills through the target date into one draft, with progress and totals', async () => {
    const m = await monthUpTo('subscribed');
    const { run, list } = await billed(m);
    expect(run).toMatchObject({
      status: 'completed',
      progress: { processed: 1, total: 1 },
      invoice_count: 1,
      total_amount: 9578,
    });
    expect(list.body.data).toHaveLength(1);
    expect(list.body.data[0]).toMatchObject({ status: 'draft', number: null, total: 9578 });
  });

  it('lets staff edit the draft: a removed charge is billed again later', async () => {
    const m = await monthUpTo('billed');
    const edit = await edited(m);
    expect(edit.status).toBe(200);
    expect(edit.body.total).toBe(4578);
    const up = await m.t.api.get(`/api/v1/customers/${m.cus}/upcoming-invoice`);
    expect(up.body.lines.some((l: { kind: string }) => l.kind === 'one_time')).toBe(true);
  });

  it('keeps the run’s total equal to its drafts while they are edited', async () => {
    const m = await monthUpTo('billed');
    const runId = (await m.t.api.get('/api/v1/bill-runs')).body.data[0].id;
    await edited(m);
    const added = await m.t.api.post(`/api/v1/invoices/${m.firstInvoice}/lines`, {
      description: 'Meter reading visit',
      amount: 1250,
    });
    expect(added.body.total).toBe(4578 + 1250);
    const run = (await m.t.api.get(`/api/v1/bill-runs/${runId}`)).body;
    expect(run).toMatchObject({
      invoice_count: 1,
      total_amount: 4578 + 1250,
      total_amount_exact: String(4578 + 1250),
    });
  });

  it('posts the run: gap-free number, due date from the terms, frozen', async () => {
    const m = await monthUpTo('edited');
    const { t, firstInvoice } = m;
    expect((await posted(m)).body.status).toBe('posted');
    const inv = (await t.api.get(`/api/v1/invoices/${firstInvoice}`)).body;
    expect(inv).toMatchObject({
      status: 'open',
      number: 'INV-000001',
      due_date: '2026-12-31',
      balance: 4578,
    });
    const edit = await t.api.post(`/api/v1/invoices/${firstInvoice}/lines`, {
      description: 'x',
      amount: 1,
    });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('invoice_not_draft');
    expect((await t.api.delete(`/api/v1/invoices/${firstInvoice}`)).body.error.code).toBe(
      'invoice_not_draft',
    );
  });

  it('changes a posted invoice only through adjustments', async () => {
    const m = await monthUpTo('posted');
    const { t, firstInvoice } = m;
    const credit = await adjusted(m);
    expect(credit.status).toBe(200);
    expect(credit.body).toMatchObject({ total: 4078, balance: 4078, adjustments_total: -500 });
    const tooMuch = await t.api.post(`/api/v1/invoices/${firstInvoice}/adjustments`, {
      kind: 'credit',
      amount: 999_999,
      reason: 'x',
    });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.error.code).toBe('adjustment_exceeds_balance');
    const audit = await t.api.get(`/api/v1/audit-log?object=${firstInvoice}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toContain('invoice.adjusted');
  });

  it('puts late usage for a billed period on the next invoice, never on the posted one', async () => {
    const m = await monthUpTo('adjusted');
    const { t, firstInvoice } = m;
    const { late, run } = await billedLate(m);
    expect(late.status).toBeLessThan(300);
    expect(run.invoice_count).toBe(1);
    const next = (await t.api.get(`/api/v1/invoices?bill_run=${run.id}`)).body.data[0];
    const full = (await t.api.get(`/api/v1/invoices/${next.id}`)).body;
    const kinds = full.lines.map((l: { kind: string; amount: number; period_start: string }) => [
      l.kind,
      l.period_start,
      l.amount,
    ]);
    expect(kinds).toEqual(
      expect.arrayContaining([
        ['subscription', '2027-01-01', 3000],
        ['usage', '2026-11-01', 10],
        ['one_time', null, 5000],
      ]),
    );
    expect((await t.api.get(`/api/v1/invoices/${firstInvoice}`)).body.total).toBe(4078);
  });

  it('never bills a customer and period twice, and refuses a target date before the last', async () => {
    const m = await monthUpTo('adjusted');
    const { t, cus } = m;
    await billedLate(m);
    const again = await billRun(h, t, '2027-01-01');
    expect(again).toMatchObject({ status: 'completed', invoice_count: 0 });
    const past = await t.api.post('/api/v1/bill-runs', { target_date: '2026-12-15' });
    expect(past.status).toBe(422);
    expect(past.body.error.code).toBe('bill_run_target_in_past');
    const all = await t.api.get(`/api/v1/invoices?customer=${cus}`);
    expect(all.body.data).toHaveLength(2);
  });
});

describe('ad hoc invoices', () => {
  it('are drafted, posted with the next number, and voided while nothing is applied', async () => {
    const { t, cus, setup } = await month();
    await postedInvoice(t, cus, 1000); // INV-000001
    const draft = await t.api.post('/api/v1/invoices', {
      customer_id: cus,
      po_number: 'PO-77',
      lines: [
        { price_id: setup, quantity: 2 },
        { description: 'Consulting', amount: 12_000 },
      ],
    });
    expect(draft.status).toBe(201);
    expect(draft.body).toMatchObject({ status: 'draft', total: 22_000, po_number: 'PO-77' });
    const posted = await t.api.post(`/api/v1/invoices/${draft.body.id}/post`);
    expect(posted.body.number).toMatch(/^INV-00000[2-9]$/);
    const voided = await t.api.post(`/api/v1/invoices/${draft.body.id}/void`, {
      reason: 'Sent in error',
    });
    expect(voided.body).toMatchObject({ status: 'void', balance: 0 });
    const again = await t.api.post(`/api/v1/invoices/${draft.body.id}/void`, { reason: 'x' });
    expect(again.body.error.code).toBe('invoice_not_posted');
  });

  it('refuses to post an empty draft, and bad lines', async () => {
    const { t, cus, hosting } = await month();
    const empty = await t.api.post('/api/v1/invoices', { customer_id: cus });
    const post = await t.api.post(`/api/v1/invoices/${empty.body.id}/post`);
    expect(post.status).toBe(422);
    expect(post.body.error.code).toBe('invoice_empty');
    const recurring = await t.api.post(`/api/v1/invoices/${empty.body.id}/lines`, {
      price_id: hosting,
    });
    expect(recurring.body.error.code).toBe('price_kind_mismatch');
    const fractional = await t.api.post(`/api/v1/invoices/${empty.body.id}/lines`, {
      description: 'x',
      amount: 1.5,
    });
    expect(fractional.status).toBe(400);
  });

  it('are invisible to other tenants', async () => {
    const { t, cus } = await month();
    const firstInvoice = await postedInvoice(t, cus, 1000);
    const other = await newTenant(h);
    expect((await other.api.get(`/api/v1/invoices/${firstInvoice}`)).status).toBe(404);
    expect(
      (await other.api.post(`/api/v1/invoices/${firstInvoice}/void`, { reason: 'x' })).status,
    ).toBe(404);
    expect((await other.api.get('/api/v1/invoices')).body.data).toEqual([]);
    const cross = await other.api.post('/api/v1/invoices', { customer_id: cus });
    expect(cross.body.error.code).toBe('customer_not_found');
  });
});

describe('scheduled bill runs', () => {
  it('start when the sandbox clock passes the scheduled day, once, and auto-post', async () => {
    const s = await newTenant(h);
    await s.api.patch('/api/v1/tenant', { settings: { bill_run_day: 1, auto_post: true } });
    const c = await invoiceOnlyCustomer(s, { name: 'Scheduled' });
    await subscribe(s, c, await monthlyPrice(s, 'Plan', 1000), '2026-11-01');
    // Moving within the month starts nothing.
    const quiet = await s.api.post('/api/v1/clock/advance', { to: '2026-11-28' });
    expect(quiet.body.fell_due).toEqual({
      bill_runs: [],
      payment_runs: [],
      scheduled_payments: 0,
      retries: 0,
      settlements: 0,
    });
    expect((await s.api.get('/api/v1/bill-runs')).body.data).toEqual([]);
    const moved = await s.api.post('/api/v1/clock/advance', { to: '2026-12-03' });
    const runs = (await s.api.get('/api/v1/bill-runs')).body.data;
    expect(runs).toHaveLength(1);
    // The advance says what it started.
    expect(moved.body.fell_due.bill_runs).toEqual([runs[0].id]);
    expect(runs[0]).toMatchObject({ target_date: '2026-12-01', auto_post: true });
    await runBillRunHere(h.testDb.db, h.clock, runs[0].id);
    expect((await s.api.get(`/api/v1/bill-runs/${runs[0].id}`)).body.status).toBe('posted');
    await s.api.post('/api/v1/clock/advance', { to: '2026-12-20' });
    expect((await s.api.get('/api/v1/bill-runs')).body.data).toHaveLength(1);
  });
});

describe('the books', () => {
  it('balance at the end of the scenario', async () => {
    const m = await monthUpTo('adjusted');
    await billedLate(m);
    await expectBooksBalance(h, m.t.id);
  });
});
