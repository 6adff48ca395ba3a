/**
 * Payment runs on the sandbox clock (F1–F3, G3, E9): rules in precedence, simple autopay, a
 * declining card listed and retried, automatic retries that skip hard declines, the calendar,
 * and books that balance.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { runDuePaymentWorkHere } from '../../src/modules/paymentruns/schedule.js';
import { type Harness, newTenant, startHarness, type TestTenant } from '../helpers/app.js';
import { created } from '../helpers/billing.js';
import { cardBody, MASTERCARD, newCustomer, saveMethod } from '../helpers/payment-methods.js';
import { draftInvoice, postedInvoice } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const INSUFFICIENT = '4000000000009995';
const DECLINED = '4000000000000002';

let h: Harness;
let t: TestTenant;
const c: Record<string, { id: string; inv: string }> = {};
let ruleHosting: string;
let runId: string;

async function hostingInvoice(customerId: string, amount: number): Promise<string> {
  const res = await t.api.post('/api/v1/invoices', {
    customer_id: customerId,
    lines: [{ description: 'Hosting (monthly)', amount }],
  });
  await created(t.api.post(`/api/v1/invoices/${res.body.id}/post`));
  return res.body.id;
}

async function autopayCustomer(card: string, contact: string) {
  const cus = await newCustomer(t);
  await saveMethod(t, cus.id, cardBody(card));
  await created(t.api.post(`/api/v1/customers/${cus.id}/contacts`, { name: 'AP', email: contact }));
  const on = await t.api.patch(`/api/v1/customers/${cus.id}/autopay`, { enabled: true });
  expect(on.status).toBe(200);
  return cus.id;
}

const paymentsFor = (invoiceId: string) =>
  h.testDb.db.query<{ id: string; status: string; autopay_rule_id: string | null }>(
    `SELECT id, status, autopay_rule_id FROM payments WHERE autopay_invoice_id = $1 ORDER BY id`,
    [invoiceId],
  );

beforeAll(async () => {
  h = await startHarness();
  t = await newTenant(h);
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
  ruleHosting = rules.body.rules[0].id;
  c.a = { id: a.id, inv: await hostingInvoice(a.id, 12_000) };
  await draftInvoice(t, a.id, 5_000);
  // B: simple autopay, a card that declines with insufficient funds (soft).
  const b = await autopayCustomer(INSUFFICIENT, 'ap-b@example.com');
  c.b = { id: b, inv: await postedInvoice(t, b, 7_000) };
  // C: simple autopay, a card the issuer declines (hard).
  const cc = await autopayCustomer(DECLINED, 'ap-c@example.com');
  c.c = { id: cc, inv: await postedInvoice(t, cc, 3_000) };
  // D: no autopay.
  const d = await newCustomer(t);
  await saveMethod(t, d.id, cardBody());
  c.d = { id: d.id, inv: await postedInvoice(t, d.id, 9_000) };
});
afterAll(async () => {
  await h?.close();
});

describe('a payment run', () => {
  it('projects autopay payments on the calendar', async () => {
    const cal = await t.api.get('/api/v1/calendar?from=2026-11-22&to=2026-12-31');
    expect(cal.status, JSON.stringify(cal.body)).toBe(200);
    expect(cal.body).toMatchObject({ count: 3, total: 22_000 });
    const [day] = cal.body.days;
    expect(day).toMatchObject({ date: '2026-12-22', autopay: { count: 3, total: 22_000 } });
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
    const started = await t.api.post('/api/v1/payment-runs', {});
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body).toMatchObject({ status: 'running', progress: { total: 3 } });
    runId = started.body.id;
    await runPaymentRunHere(h.testDb.db, h.clock, runId);
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
    const drafts = await h.testDb.db.query(
      `SELECT 1 FROM payments p JOIN invoices i ON i.id = p.autopay_invoice_id WHERE i.status = 'draft'`,
    );
    expect(drafts).toEqual([]);
  });

  it('lists failures with the next retry, emails the contacts', async () => {
    const list = await t.api.get('/api/v1/payments/failed');
    const byCustomer = new Map(
      list.body.data.map((p: { customer_id: string }) => [p.customer_id, p]),
    );
    expect(byCustomer.get(c.b?.id)).toMatchObject({
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
    const again = await t.api.post('/api/v1/payment-runs', {});
    await runPaymentRunHere(h.testDb.db, h.clock, again.body.id);
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
    const count = async (cus: string) =>
      (await h.testDb.db.query(`SELECT 1 FROM payments WHERE customer_id = $1`, [cus])).length;
    const before = { b: await count(c.b?.id as string), c: await count(c.c?.id as string) };
    const moved = await t.api.post('/api/v1/clock/advance', { days: 3 });
    expect(moved.status).toBe(200);
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
