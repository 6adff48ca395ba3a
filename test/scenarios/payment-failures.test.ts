/**
 * Failed payments (E4, F2) beyond payment runs: a declined manual payment and a scheduled one
 * that fails on its date email the billing contacts why and are not retried automatically; the
 * payment_failed email names the next retry date through its template (a tenant's own template
 * with the old placeholders still renders); and a failed payment retried by ten requests at
 * once is charged again exactly once.
 */
import { describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { runDueRetriesFor } from '../../src/modules/paymentruns/retry.js';
import { chargeAtGateway, recordChargeResult } from '../../src/modules/payments/record.js';
import { reservePayment } from '../../src/modules/payments/service.js';
import { advance, newTenant, type TestTenant, useTenant } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  CARD_INSUFFICIENT,
  cardBody,
  saveMethod,
  token,
  VISA,
  verifiedBank,
} from '../helpers/payment-methods.js';
import { balanceOf, emailsOf, runDue, tenantCtx } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

/** A customer with a card and a billing contact (default profile) plus a viewer contact. */
async function customer(t: TestTenant, card: string, expiry?: string) {
  const cus = await newCustomer(t);
  const pm = await saveMethod(t, cus.id, cardBody(card, expiry ? { expiry } : {}));
  const billingEmail = `dana-${cus.id}@example.com`;
  await contact(t, cus.id, { name: 'Dana Lee', email: billingEmail });
  const viewer = await profileNamed(t, 'Viewer');
  await contact(t, cus.id, {
    name: 'Viewer Only',
    email: `viewer-${cus.id}@example.com`,
    profile_id: viewer.id,
  });
  return { id: cus.id, methodId: pm.id, billingEmail };
}

const failureEmails = (t: TestTenant, customerId: string) =>
  emailsOf(h, t, customerId, 'payment_failed');

async function paymentsOf(customerId: string) {
  return h.testDb.db.query<{ id: string; status: string; source: string }>(
    'SELECT id, status, source FROM payments WHERE customer_id = $1 ORDER BY id',
    [customerId],
  );
}

/** Advances past every day of the default retry schedule (3, 5, 7), running due work daily. */
async function runRetryScheduleOut(t: TestTenant) {
  for (let day = 0; day < 8; day++) {
    await advance(t, 1);
    await runDue(h, t);
    await runDueRetriesFor(h.testDb.db, h.clock, t.id);
  }
}

describe('a declined manual payment', () => {
  it('emails the billing contacts why, and is not retried automatically', async () => {
    const t = await newTenant(h);
    const c = await customer(t, CARD_INSUFFICIENT);
    const inv = await postedInvoice(t, c.id, 10_000);
    const res = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: c.methodId,
      amount: 4_000,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'failed',
      source: 'manual',
      decline_code: 'insufficient_funds',
      next_retry_date: null,
    });
    const emails = await failureEmails(t, c.id);
    expect(emails.map((e) => e.to_address)).toEqual([c.billingEmail]);
    expect(emails[0]?.subject).toBe('Your payment of $40.00 did not go through');
    expect(emails[0]?.body_text).toContain(
      'failed: Your card has insufficient funds.\n\nPlease check your payment method',
    );
    expect(emails[0]?.body_text).not.toContain('try again');

    const failed = await t.api.get(`/api/v1/payments/failed?customer=${c.id}`);
    expect(failed.body.data).toEqual([
      expect.objectContaining({ id: res.body.id, next_retry_date: null, hard_decline: false }),
    ]);
    await runRetryScheduleOut(t);
    expect(await paymentsOf(c.id)).toEqual([expect.objectContaining({ status: 'failed' })]);
    expect(await failureEmails(t, c.id)).toHaveLength(1);
    expect(await balanceOf(t, inv)).toBe(10_000);
    await expectBooksBalance(h, t.id);
  });

  it('a payment that succeeds or stays pending emails no failure', async () => {
    const t = await newTenant(h);
    const c = await customer(t, VISA);
    await postedInvoice(t, c.id, 5_000);
    const card = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: c.methodId,
      amount: 2_000,
    });
    expect(card.body.status).toBe('succeeded');
    const bank = await verifiedBank(t, c.id);
    const debit = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: bank.id,
      amount: 3_000,
    });
    expect(debit.body.status).toBe('pending');
    expect(await failureEmails(t, c.id)).toEqual([]);
    await expectBooksBalance(h, t.id);
  });
});

describe('a scheduled payment that fails on its date', () => {
  it('declined: emails why, and is not retried automatically', async () => {
    const t = await newTenant(h);
    const c = await customer(t, CARD_INSUFFICIENT);
    const inv = await postedInvoice(t, c.id, 6_000);
    const scheduled = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: c.methodId,
      amount: 6_000,
      scheduled_for: '2026-11-25',
    });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    await runDue(h, t);
    expect(await failureEmails(t, c.id)).toEqual([]);
    await advance(t, 3);
    await runDue(h, t);
    const ran = await t.api.get(`/api/v1/payments/${scheduled.body.id}`);
    expect(ran.body).toMatchObject({ status: 'failed', next_retry_date: null });
    const emails = await failureEmails(t, c.id);
    expect(emails.map((e) => e.to_address)).toEqual([c.billingEmail]);
    expect(emails[0]?.body_text).toContain('on 2026-11-25');
    expect(emails[0]?.body_text).toContain('failed: Your card has insufficient funds.');
    expect(emails[0]?.body_text).not.toContain('try again');
    await runRetryScheduleOut(t);
    expect(await paymentsOf(c.id)).toHaveLength(1);
    expect(await failureEmails(t, c.id)).toHaveLength(1);
    expect(await balanceOf(t, inv)).toBe(6_000);
    await expectBooksBalance(h, t.id);
  });

  it('the card expired before its date: emails that, without a gateway call', async () => {
    const t = await newTenant(h);
    const c = await customer(t, VISA, '11/26');
    await postedInvoice(t, c.id, 2_500);
    const scheduled = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: c.methodId,
      amount: 2_500,
      scheduled_for: '2026-12-02',
    });
    expect(scheduled.status, JSON.stringify(scheduled.body)).toBe(201);
    await advance(t, 10);
    await runDue(h, t);
    const ran = await t.api.get(`/api/v1/payments/${scheduled.body.id}`);
    expect(ran.body).toMatchObject({ status: 'failed', decline_code: 'expired_card' });
    const emails = await failureEmails(t, c.id);
    expect(emails).toHaveLength(1);
    expect(emails[0]?.body_text).toContain('This card has expired');
    const charges = await h.testDb.db.query(
      'SELECT 1 FROM sandbox_vault_charges WHERE idempotency_key = $1',
      [scheduled.body.id],
    );
    expect(charges).toEqual([]);
    await expectBooksBalance(h, t.id);
  });
});

describe('the payment_failed email', () => {
  it('names the next retry date; a tenant template with the old placeholders still renders', async () => {
    const t = await newTenant(h);
    const c = await customer(t, CARD_INSUFFICIENT);
    const on = await t.api.patch(`/api/v1/customers/${c.id}/autopay`, { enabled: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    // Due when posted, so that today's run collects it.
    await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: 0 } });
    await postedInvoice(t, c.id, 7_000);
    const run = await t.api.post('/api/v1/payment-runs', {});
    expect(run.status, JSON.stringify(run.body)).toBe(202);
    await runPaymentRunHere(h.testDb.db, h.clock, run.body.id);
    const [first] = await failureEmails(t, c.id);
    expect(first?.body_text).toContain(
      'failed: Your card has insufficient funds.\n\nWe will try again on 2026-11-25.\n\n' +
        'Please check your payment method',
    );

    const custom = await t.api.put('/api/v1/email-templates/payment_failed', {
      subject: 'Payment {{payment.id}} failed',
      body_text: 'Reason: {{payment.failure_reason}}; next try: {{payment.next_retry_date}}',
    });
    expect(custom.status, JSON.stringify(custom.body)).toBe(200);
    const failed = await t.api.get(`/api/v1/payments/failed?customer=${c.id}`);
    const retry = await t.api.post('/api/v1/payments/retry', {
      payment_ids: [failed.body.data[0].id],
    });
    expect(retry.status, JSON.stringify(retry.body)).toBe(200);
    expect(retry.body.data[0].retry).toMatchObject({
      status: 'failed',
      next_retry_date: '2026-11-25',
    });
    const second = (await failureEmails(t, c.id))[1];
    expect(second?.subject).toBe(`Payment ${retry.body.data[0].retry.id} failed`);
    expect(second?.body_text).toBe(
      'Reason: Your card has insufficient funds; next try: 2026-11-25',
    );

    const bad = await t.api.put('/api/v1/email-templates/payment_failed', {
      subject: 'Payment failed',
      body_text: '{{#payment.next_retry_date}}We will try again on {{payment.next_retry_date}}.',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'email_template_invalid',
      details: { problem: 'unbalanced_section', placeholder: '{{#payment.next_retry_date}}' },
    });
    expect(bad.body.error.message).toContain('{{/name}}');
    await expectBooksBalance(h, t.id);
  });
});

describe('retrying one failed payment from many requests at once', () => {
  // A slow gateway widens the window in which the racing retries are in flight.
  const t = useTenant(h, { sandboxLatencyMs: 50 });

  /** A manual payment of `amount` declined on an invoice of `total`; then the card is replaced. */
  async function failedThenFixed(total: number, amount: number) {
    const c = await customer(t, CARD_INSUFFICIENT);
    const inv = await postedInvoice(t, c.id, total);
    const pay = await t.api.post('/api/v1/payments', {
      customer_id: c.id,
      payment_method_id: c.methodId,
      amount,
    });
    expect(pay.body.status).toBe('failed');
    const replaced = await t.api.post(`/api/v1/payment-methods/${c.methodId}/replace`, {
      gateway_token: await token(t, cardBody(VISA)),
      authorized: true,
    });
    expect(replaced.status, JSON.stringify(replaced.body)).toBe(200);
    return { c, inv, failedId: pay.body.id as string };
  }

  const retriesOf = (id: string) =>
    h.testDb.db.query<{ id: string; status: string }>(
      'SELECT id, status FROM payments WHERE retry_of = $1 ORDER BY id',
      [id],
    );

  it('ten concurrent retries charge once; the others are refused with payment_has_live_retry', async () => {
    // The failed payment was for part of the invoice, so the balance alone would let three
    // retries through: only the one-retry rule stops the second charge.
    const { c, inv, failedId } = await failedThenFixed(10_000, 3_000);
    const attempts = await Promise.all(
      Array.from({ length: 10 }, () =>
        t.api.post('/api/v1/payments/retry', { payment_ids: [failedId] }),
      ),
    );
    const ok = attempts.filter((r) => r.status === 200);
    expect(ok, JSON.stringify(attempts.map((a) => a.body))).toHaveLength(1);
    const winner = ok[0]?.body.data[0].retry;
    expect(winner).toMatchObject({ status: 'succeeded', amount: 3_000 });
    for (const r of attempts.filter((a) => a.status !== 200)) {
      expect(r.status).toBe(409);
      expect(r.body.error).toMatchObject({
        code: 'payment_has_live_retry',
        details: { payments: [{ id: failedId, reason: 'live_retry', retry_id: winner.id }] },
      });
    }
    expect(await retriesOf(failedId)).toEqual([{ id: winner.id, status: 'succeeded' }]);
    const charges = await h.testDb.db.query<{ idempotency_key: string; amount: number }>(
      `SELECT idempotency_key, amount FROM sandbox_vault_charges
        WHERE account_id = $1 AND idempotency_key IN (SELECT id FROM payments WHERE customer_id = $2)
        ORDER BY created_at`,
      [t.id, c.id],
    );
    // The declined first attempt and the one retry: nothing else reached the gateway.
    expect(charges).toEqual([
      { idempotency_key: failedId, amount: 3_000 },
      { idempotency_key: winner.id, amount: 3_000 },
    ]);
    expect(await balanceOf(t, inv)).toBe(7_000);

    const later = await t.api.post('/api/v1/payments/retry', { payment_ids: [failedId] });
    expect([later.status, later.body.error.code]).toEqual([409, 'payment_has_live_retry']);
    await expectBooksBalance(h, t.id);
  });

  it('a request naming a payment with a live retry charges none of the others', async () => {
    const a = await failedThenFixed(4_000, 1_000);
    const b = await failedThenFixed(4_000, 1_500);
    const first = await t.api.post('/api/v1/payments/retry', { payment_ids: [a.failedId] });
    expect(first.status).toBe(200);
    const both = await t.api.post('/api/v1/payments/retry', {
      payment_ids: [b.failedId, a.failedId],
    });
    expect(both.status).toBe(409);
    expect(both.body.error).toMatchObject({
      code: 'payment_has_live_retry',
      details: { payments: [{ id: a.failedId, reason: 'live_retry' }] },
    });
    const mixed = await t.api.post('/api/v1/payments/retry', {
      payment_ids: [b.failedId, a.failedId, 'pay_unknown'],
    });
    expect(mixed.status).toBe(409);
    expect(mixed.body.error.code).toBe('payment_not_retryable');
    expect(mixed.body.error.details.payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: a.failedId, reason: 'live_retry' }),
        { id: 'pay_unknown', reason: 'not_found' },
      ]),
    );
    expect(await retriesOf(b.failedId)).toEqual([]);
    expect(await balanceOf(t, b.inv)).toBe(4_000);
    await expectBooksBalance(h, t.id);
  });

  it('the database refuses a second retry of one payment, whatever the caller checked', async () => {
    const { c, failedId } = await failedThenFixed(5_000, 2_000);
    const ctx = await tenantCtx(h, t);
    const input = {
      customerId: c.id,
      paymentMethodId: c.methodId,
      amount: 1_000,
      allocations: [],
      source: 'retry' as const,
      retryOf: failedId,
    };
    const first = await reservePayment(ctx, input);
    await expect(reservePayment(ctx, input)).rejects.toMatchObject({
      code: '23505',
      constraint: 'payments_one_retry_per_payment',
    });
    const result = await chargeAtGateway(ctx, first.row, first.method);
    expect((await recordChargeResult(ctx, first.row.id, result)).status).toBe('succeeded');
    expect(await retriesOf(failedId)).toHaveLength(1);
    await expectBooksBalance(h, t.id);
  });
});
