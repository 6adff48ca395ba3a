/**
 * Payment runs on the sandbox clock (F1–F3, G3, E9): rules in precedence, simple autopay, a
 * declining card listed and retried, automatic retries that skip hard declines, the calendar,
 * and books that balance.
 */
import { describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { runDuePaymentWorkHere } from '../../src/modules/paymentruns/schedule.js';
import { newTenant, type TestTenant } from '../helpers/app.js';
import { contact, draftInvoice, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  CARD_DECLINED,
  CARD_INSUFFICIENT,
  cardBody,
  MASTERCARD,
  saveMethod,
} from '../helpers/payment-methods.js';
import { autopayCustomer } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

const paymentsFor = (invoiceId: string) =>
  h.testDb.db.query<{ id: string; status: string; autopay_rule_id: string | null }>(
    `SELECT id, status, autopay_rule_id FROM payments WHERE autopay_invoice_id = $1 ORDER BY id`,
    [invoiceId],
  );

/**
 * A tenant of four customers (payment terms of 0 days), each with an invoice of its own: A pays by the first of two
 * matching rules, B and C by simple autopay with cards that decline (soft, hard), D has no
 * autopay. Each test plays the runs before its own on a world of its own.
 */
async function autopayWorld() {
  const t = await newTenant(h);
  // Invoices due when posted, so that a run today collects them (a run collects what is due).
  const terms = await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: 0 } });
  expect(terms.status, JSON.stringify(terms.body)).toBe(200);
  // A: two rules that both match its invoice; the first pays.
  const a = await newCustomer(t);
  const visa = await saveMethod(t, a.id, cardBody());
  const mc = await saveMethod(t, a.id, cardBody(MASTERCARD));
  const rules = await t.api.put(`/api/v1/customers/${a.id}/autopay-rules`, {
    rules: [
      {
        name: 'Hosting',
        payment_method_id: visa.id,
        criteria: [{ field: 'invoice_line_item', operator: 'contains', values: ['hosting'] }],
      },
      { name: 'Everything', payment_method_id: mc.id },
    ],
  });
  expect(rules.status, JSON.stringify(rules.body)).toBe(200);
  const ruleHosting: string = rules.body.rules[0].id;
  const hosting = await postedInvoice(t, a.id, 12_000, { description: 'Hosting (monthly)' });
  await draftInvoice(t, a.id, 5_000);
  // B: simple autopay, a card that declines with insufficient funds (soft).
  const b = await autopayCustomer(t, CARD_INSUFFICIENT);
  await contact(t, b.customerId, { name: 'AP', email: 'ap-b@example.com' });
  // C: simple autopay, a card the issuer declines (hard).
  const cc = await autopayCustomer(t, CARD_DECLINED);
  await contact(t, cc.customerId, { name: 'AP', email: 'ap-c@example.com' });
  // D: no autopay.
  const d = await newCustomer(t);
  await saveMethod(t, d.id, cardBody());
  const c = {
    a: { id: a.id, inv: hosting },
    b: { id: b.customerId, inv: await postedInvoice(t, b.customerId, 7_000) },
    c: { id: cc.customerId, inv: await postedInvoice(t, cc.customerId, 3_000) },
    d: { id: d.id, inv: await postedInvoice(t, d.id, 9_000) },
  };
  return { t, c, ruleHosting };
}

/** Starts a payment run and processes it here (no worker); the answer that started it. */
async function paymentRun(t: TestTenant) {
  const started = await t.api.post('/api/v1/payment-runs', {});
  await runPaymentRunHere(h.testDb.db, h.clock, started.body.id);
  return started;
}

describe('a payment run', () => {
  it('projects autopay payments on the calendar', async () => {
    const { t, c, ruleHosting } = await autopayWorld();
    const cal = await t.api.get('/api/v1/calendar?from=2026-11-22&to=2026-12-31');
    expect(cal.status, JSON.stringify(cal.body)).toBe(200);
    expect(cal.body).toMatchObject({ count: 3, total: 22_000 });
    const [day] = cal.body.days;
    expect(day).toMatchObject({ date: '2026-11-22', autopay: { count: 3, total: 22_000 } });
    const a = day.breakdown.find((e: { invoice_id: string }) => e.invoice_id === c.a?.inv);
    expect(a.rule).toMatchObject({ id: ruleHosting, name: 'Hosting' });
    const one = await t.api.get(
      `/api/v1/calendar?from=2026-11-22&to=2026-12-31&customer=${c.b?.id}`,
    );
    expect(one.body.count).toBe(1);
    expect((await t.api.get('/api/v1/calendar?from=2026-12-31&to=2026-11-22')).status).toBe(400);
    expect((await t.api.get('/api/v1/calendar?from=2026-01-01&to=2027-03-01')).status).toBe(400);
    expect((await t.api.get('/api/v1/calendar?from=2026-02-30&to=2026-03-01')).status).toBe(400);
  });

  it('charges posted invoices of autopay customers once, by the first matching rule', async () => {
    const { t, c, ruleHosting } = await autopayWorld();
    const started = await paymentRun(t);
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', progress: { total: 3 } });
    const runId = started.body.id;
    const run = await t.api.get(`/api/v1/payment-runs/${runId}`);
    expect(run.body).toMatchObject({
      status: 'completed',
      progress: { processed: 3, total: 3 },
      counts: { succeeded: 1, failed: 2, pending: 0, skipped: 0 },
      collected: 12_000,
    });
    const paid = await paymentsFor(c.a?.inv as string);
    expect(paid).toEqual([
      expect.objectContaining({ status: 'succeeded', autopay_rule_id: ruleHosting }),
    ]);
    expect(await paymentsFor(c.d?.inv as string)).toEqual([]);
    const failed = await t.api.get(`/api/v1/payment-runs/${runId}/items?status=failed`);
    expect(failed.body.data.map((i: { invoice_id: string }) => i.invoice_id).sort()).toEqual(
      [c.b?.inv, c.c?.inv].sort(),
    );
    // Each result names its invoice and customer, so a list shows them without a call per row.
    const number = async (id: string) => (await t.api.get(`/api/v1/invoices/${id}`)).body.number;
    const customerName = async (id: string) =>
      (await t.api.get(`/api/v1/customers/${id}`)).body.name;
    const named = failed.body.data.find((i: { invoice_id: string }) => i.invoice_id === c.b?.inv);
    expect(named).toMatchObject({
      invoice_number: await number(c.b?.inv as string),
      customer_id: c.b?.id,
      customer_name: await customerName(c.b?.id as string),
    });
    const drafts = await h.testDb.db.query(
      `SELECT 1 FROM payments p JOIN invoices i ON i.id = p.autopay_invoice_id WHERE i.status = 'draft'`,
    );
    expect(drafts).toEqual([]);
  });

  it('lists failures with the next retry, emails the contacts', async () => {
    const { t, c } = await autopayWorld();
    await paymentRun(t);
    const list = await t.api.get('/api/v1/payments/failed');
    const byCustomer = new Map(
      list.body.data.map((p: { customer_id: string }) => [p.customer_id, p]),
    );
    expect(byCustomer.get(c.b?.id)).toMatchObject({
      customer_name: (await t.api.get(`/api/v1/customers/${c.b?.id}`)).body.name,
      invoice_number: (await t.api.get(`/api/v1/invoices/${c.b?.inv}`)).body.number,
      decline_code: 'insufficient_funds',
      hard_decline: false,
      next_retry_date: '2026-11-25',
    });
    expect(byCustomer.get(c.c?.id)).toMatchObject({ hard_decline: true, next_retry_date: null });
    const emails = await t.api.get(`/api/v1/emails?customer=${c.b?.id}`);
    const notice = emails.body.data.find((e: { kind: string }) => e.kind === 'payment_failed');
    expect(notice).toMatchObject({ to: 'ap-b@example.com' });
    const body = await t.api.get(`/api/v1/emails/${notice.id}`);
    expect(body.body.body_text).toContain('2026-11-25');
  });

  it('a second run charges nothing twice; retry-failed retries both now', async () => {
    const { t, c } = await autopayWorld();
    const runId = (await paymentRun(t)).body.id;
    await paymentRun(t);
    expect((await paymentsFor(c.a?.inv as string)).length).toBe(1);
    const retried = await t.api.post(`/api/v1/payment-runs/${runId}/retry-failed`);
    expect(retried.status, JSON.stringify(retried.body)).toBe(200);
    expect(retried.body.data.length).toBe(2);
    for (const r of retried.body.data) expect(r.retry.status).toBe('failed');
    const none = await t.api.post('/api/v1/payments/retry', {
      payment_ids: [retried.body.data[0].payment_id],
    });
    expect(none.status).toBe(409);
    expect(none.body.error.code).toBe('payment_not_retryable');
  });

  it('retries automatically on the schedule, skipping the hard decline', async () => {
    const { t, c } = await autopayWorld();
    // The runs and retries of the tests before.
    const runId = (await paymentRun(t)).body.id;
    await paymentRun(t);
    await t.api.post(`/api/v1/payment-runs/${runId}/retry-failed`);
    const count = async (cus: string) =>
      (await h.testDb.db.query(`SELECT 1 FROM payments WHERE customer_id = $1`, [cus])).length;
    const before = { b: await count(c.b?.id as string), c: await count(c.c?.id as string) };
    const moved = await t.api.post('/api/v1/clock/advance', { days: 3 });
    expect(moved.status).toBe(200);
    // One soft decline's retry fell due (the hard decline has none); no run, no settlement.
    expect(moved.body.fell_due).toEqual({
      bill_runs: [],
      payment_runs: [],
      scheduled_payments: 0,
      retries: 1,
      settlements: 0,
    });
    await runDuePaymentWorkHere(h.testDb.db, h.clock, t.id);
    expect(await count(c.b?.id as string)).toBe(before.b + 1);
    expect(await count(c.c?.id as string)).toBe(before.c);
    const list = await t.api.get(`/api/v1/payments/failed?customer=${c.b?.id}`);
    expect(list.body.data[0]).toMatchObject({ retry_count: 1, next_retry_date: '2026-11-27' });
    const other = await newTenant(h);
    expect((await other.api.get(`/api/v1/payment-runs/${runId}`)).status).toBe(404);
    expect((await other.api.get('/api/v1/payments/failed')).body.data).toEqual([]);
    await expectBooksBalance(h, t.id);
  });
});
