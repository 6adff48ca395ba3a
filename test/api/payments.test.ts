/** Payments over the API (E1–E3, E6, E7, E10, E11, C9): happy paths and bad input. */
import { describe, expect, it } from 'vitest';
import { newTenant, useTenant } from '../helpers/app.js';
import { draftInvoice, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { bankBody, saveMethod } from '../helpers/payment-methods.js';
import { balanceOf, payingCustomer } from '../helpers/payments.js';

const h = useHarness();
const t = useTenant(h);

describe('POST /payments', () => {
  it('pays one invoice in full and sends nothing more than the balance', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 5000);
    const res = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 5000,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      amount: 5000,
      method_type: 'card',
      source: 'manual',
      sync_state: 'pending',
      unapplied: 0,
      applications: [{ invoice_id: inv, amount: 5000 }],
      adjusted_scheduled: [],
    });
    expect(await balanceOf(t, inv)).toBe(0);
    const invoice = await t.api.get(`/api/v1/invoices/${inv}`);
    expect(invoice.body).toMatchObject({ status: 'paid', amount_paid: 5000 });
    const paid = await t.api.get(`/api/v1/invoices?customer=${customerId}&status=paid`);
    expect(paid.status, JSON.stringify(paid.body)).toBe(200);
    expect(paid.body.data.map((i: { id: string }) => i.id)).toEqual([inv]);
  });
});

describe('allocation and prepayment', () => {
  it('goes oldest first over several invoices, partially on the last', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const newer = await postedInvoice(t, customerId, 3000, { date: '2026-11-20' });
    const older = await postedInvoice(t, customerId, 2000, { date: '2026-11-10' });
    const res = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 2500,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.applications).toEqual([
      { invoice_id: older, invoice_number: expect.stringMatching(/^INV-/), amount: 2000 },
      { invoice_id: newer, invoice_number: expect.stringMatching(/^INV-/), amount: 500 },
    ]);
    expect(await balanceOf(t, newer)).toBe(2500);
    const invoice = await t.api.get(`/api/v1/invoices/${newer}`);
    expect(invoice.body.status).toBe('partially_paid');
  });

  it('keeps a remainder only as an explicit prepayment, and applies it later', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1000);
    const body = { customer_id: customerId, payment_method_id: methodId, amount: 1500 };
    const refused = await t.api.post('/api/v1/payments', body);
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('amount_exceeds_balance');
    const ok = await t.api.post('/api/v1/payments', { ...body, prepayment: true });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({
      unapplied: 500,
      applications: [{ invoice_id: inv, amount: 1000 }],
    });
    const later = await postedInvoice(t, customerId, 800);
    const applied = await t.api.post(`/api/v1/payments/${ok.body.id}/apply`, {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    expect(applied.body.unapplied).toBe(0);
    expect(await balanceOf(t, later)).toBe(300);
    const again = await t.api.post(`/api/v1/payments/${ok.body.id}/apply`, {});
    expect(again.body.error.code).toBe('payment_nothing_unapplied');
  });

  it('takes given allocations as they are', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const a = await postedInvoice(t, customerId, 1000, { date: '2026-11-01' });
    const b = await postedInvoice(t, customerId, 1000, { date: '2026-11-02' });
    const res = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 700,
      allocations: [{ invoice_id: b, amount: 700 }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await balanceOf(t, a)).toBe(1000);
    expect(await balanceOf(t, b)).toBe(300);
  });
});

describe('bad input changes nothing', () => {
  it('refuses with a precise 4xx', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const other = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1000);
    const draft = await draftInvoice(t, customerId, 1000);
    const voided = await postedInvoice(t, customerId, 1000);
    expect((await t.api.post(`/api/v1/invoices/${voided}/void`, { reason: 'wrong' })).status).toBe(
      200,
    );
    const otherInv = await postedInvoice(t, other.customerId, 1000);
    const unverified = await saveMethod(t, customerId, bankBody());
    const t2 = await newTenant(h);
    const foreign = await payingCustomer(t2);
    const foreignInv = await postedInvoice(t2, foreign.customerId, 1000);
    const base = { customer_id: customerId, payment_method_id: methodId };
    const cases: [object, number, string][] = [
      [
        { ...base, amount: 1000, allocations: [{ invoice_id: draft, amount: 1000 }] },
        409,
        'invoice_not_payable',
      ],
      [
        { ...base, amount: 1000, allocations: [{ invoice_id: voided, amount: 1000 }] },
        409,
        'invoice_not_payable',
      ],
      [
        { ...base, amount: 1000, allocations: [{ invoice_id: otherInv, amount: 1000 }] },
        409,
        'invoice_not_payable',
      ],
      [
        { ...base, amount: 1000, allocations: [{ invoice_id: foreignInv, amount: 1000 }] },
        404,
        'invoice_not_found',
      ],
      [{ ...base, amount: 0 }, 400, 'validation_failed'],
      [{ ...base, amount: -5 }, 400, 'validation_failed'],
      [{ ...base, amount: 10.5 }, 400, 'validation_failed'],
      [
        { ...base, amount: 1001, allocations: [{ invoice_id: inv, amount: 1001 }] },
        422,
        'amount_exceeds_balance',
      ],
      [{ ...base, amount: 5000 }, 422, 'amount_exceeds_balance'],
      [{ ...base, amount: 500, scheduled_for: '2026-11-22' }, 422, 'scheduled_date_in_past'],
      [{ ...base, amount: 500, scheduled_for: '2026-11-01' }, 422, 'scheduled_date_in_past'],
      [
        { ...base, amount: 500, payment_method_id: unverified.id },
        409,
        'payment_method_unverified',
      ],
      [
        { ...base, amount: 500, payment_method_id: other.methodId },
        404,
        'payment_method_not_found',
      ],
      [
        { ...base, amount: 500, payment_method_id: foreign.methodId },
        404,
        'payment_method_not_found',
      ],
      [{ ...base, amount: 500, customer_id: foreign.customerId }, 404, 'customer_not_found'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.api.post('/api/v1/payments', body);
      expect([res.status, res.body.error?.code], JSON.stringify(body)).toEqual([status, code]);
    }
    const list = await t.api.get(`/api/v1/payments?customer=${customerId}`);
    expect(list.body.data).toEqual([]);
    expect(await balanceOf(t, inv)).toBe(1000);
    expect((await t.api.get('/api/v1/payments/pay_00000000000000000000000000')).status).toBe(404);
    const foreignPay = await t2.api.post('/api/v1/payments', {
      customer_id: foreign.customerId,
      payment_method_id: foreign.methodId,
      amount: 1000,
    });
    expect(foreignPay.status).toBe(201);
    expect((await t.api.get(`/api/v1/payments/${foreignPay.body.id}`)).status).toBe(404);
    const foreignRefund = await t.api.post(`/api/v1/payments/${foreignPay.body.id}/refunds`, {
      amount: 1,
    });
    expect(foreignRefund.body.error.code).toBe('payment_not_found');
    expect(await balanceOf(t2, foreignInv)).toBe(0);
  });

  it('lets a child pay with a method its parent shares', async () => {
    const parent = await newCustomer(t);
    const pm = await saveMethod(
      t,
      parent.id,
      { card: { number: '4242424242424242', expiry: '12/30', cvc: '123', name: 'P' } },
      { shared_with_children: true },
    );
    const child = await newCustomer(t, { parent_id: parent.id });
    const inv = await postedInvoice(t, child.id, 900);
    const res = await t.api.post('/api/v1/payments', {
      customer_id: child.id,
      payment_method_id: pm.id,
      amount: 900,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await balanceOf(t, inv)).toBe(0);
  });
});

describe('scheduled payments (E2, E3)', () => {
  it('schedules, reschedules, is reduced by a manual payment, and cancels', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 4000);
    const base = { customer_id: customerId, payment_method_id: methodId };
    const sched = await t.api.post('/api/v1/payments', {
      ...base,
      amount: 4000,
      scheduled_for: '2026-12-01',
    });
    expect(sched.status, JSON.stringify(sched.body)).toBe(201);
    expect(sched.body).toMatchObject({
      status: 'scheduled',
      scheduled_for: '2026-12-01',
      applications: [],
    });
    expect(await balanceOf(t, inv)).toBe(4000);
    const summary = await t.api.get(`/api/v1/invoices/${inv}/summary`);
    expect(summary.body).toMatchObject({
      total: 4000,
      balance: 4000,
      payment_pending: false,
      payment_scheduled: [{ id: sched.body.id, scheduled_for: '2026-12-01', amount: 4000 }],
      autopay_rule: null,
    });
    const moved = await t.api.post(`/api/v1/payments/${sched.body.id}/reschedule`, {
      scheduled_for: '2026-12-05',
    });
    expect(moved.body.scheduled_for).toBe('2026-12-05');
    const past = await t.api.post(`/api/v1/payments/${sched.body.id}/reschedule`, {
      scheduled_for: '2026-11-20',
    });
    expect(past.body.error.code).toBe('scheduled_date_in_past');

    const manual = await t.api.post('/api/v1/payments', { ...base, amount: 1500 });
    expect(manual.body.adjusted_scheduled).toEqual([
      { id: sched.body.id, old_amount: 4000, new_amount: 2500 },
    ]);
    const reduced = await t.api.get(`/api/v1/payments/${sched.body.id}`);
    expect(reduced.body).toMatchObject({ status: 'scheduled', amount: 2500 });

    const rest = await t.api.post('/api/v1/payments', { ...base, amount: 2500 });
    expect(rest.body.adjusted_scheduled).toEqual([
      { id: sched.body.id, old_amount: 2500, new_amount: null },
    ]);
    const gone = await t.api.get(`/api/v1/payments/${sched.body.id}`);
    expect(gone.body.status).toBe('cancelled');
    const cancel = await t.api.post(`/api/v1/payments/${sched.body.id}/cancel`, {});
    expect(cancel.body.error.code).toBe('payment_not_cancellable');

    const s2 = await postedInvoice(t, customerId, 100);
    const sched2 = await t.api.post('/api/v1/payments', {
      ...base,
      amount: 100,
      scheduled_for: '2026-12-01',
    });
    const cancelled = await t.api.post(`/api/v1/payments/${sched2.body.id}/cancel`, {});
    expect(cancelled.body.status).toBe('cancelled');
    expect(await balanceOf(t, s2)).toBe(100);
  });
});

describe('external payments (E6) and history (E7)', () => {
  it('records a check with its number, applied like any other', async () => {
    const cus = await newCustomer(t);
    const inv = await postedInvoice(t, cus.id, 1200);
    const noNumber = await t.api.post('/api/v1/payments/external', {
      customer_id: cus.id,
      method: 'check',
      amount: 1200,
    });
    expect(noNumber.status).toBe(400);
    const res = await t.api.post('/api/v1/payments/external', {
      customer_id: cus.id,
      method: 'check',
      reference: '10442',
      amount: 1200,
      received_on: '2026-11-21',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      status: 'succeeded',
      method_type: 'check',
      reference: '10442',
      source: 'external',
    });
    expect(await balanceOf(t, inv)).toBe(0);
    const wire = await t.api.post('/api/v1/payments/external', {
      customer_id: cus.id,
      method: 'wire',
      amount: 50,
    });
    expect(wire.body.error.code).toBe('amount_exceeds_balance');
    const list = await t.api.get(`/api/v1/payments?customer=${cus.id}&status=succeeded`);
    expect(list.body.data.map((p: { id: string }) => p.id)).toEqual([res.body.id]);
    const summary = await t.api.get(`/api/v1/invoices/${inv}/summary`);
    expect(summary.body.payments).toMatchObject([
      { payment_id: res.body.id, amount: 1200, status: 'succeeded' },
    ]);
  });
});

describe('refunds (E10)', () => {
  it('takes the unapplied remainder first, then reopens only what is refunded', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1000);
    const pay = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 1300,
      prepayment: true,
    });
    const id = pay.body.id;
    const r1 = await t.api.post(`/api/v1/payments/${id}/refunds`, {
      amount: 200,
      reason: 'overpaid',
    });
    expect(r1.status, JSON.stringify(r1.body)).toBe(201);
    expect(r1.body).toMatchObject({ status: 'succeeded', amount_refunded: 200, unapplied: 100 });
    expect(await balanceOf(t, inv)).toBe(0);
    const r2 = await t.api.post(`/api/v1/payments/${id}/refunds`, {
      amount: 400,
      outcome: 'reopen',
    });
    expect(r2.body).toMatchObject({
      amount_refunded: 600,
      unapplied: 0,
      applications: [{ invoice_id: inv, amount: 700 }],
    });
    expect(await balanceOf(t, inv)).toBe(300);
    const over = await t.api.post(`/api/v1/payments/${id}/refunds`, { amount: 701 });
    expect([over.status, over.body.error.code]).toEqual([422, 'refund_exceeds_payment']);
    const r3 = await t.api.post(`/api/v1/payments/${id}/refunds`, {
      amount: 700,
      outcome: 'reopen',
    });
    expect(r3.body).toMatchObject({ status: 'refunded', amount_refunded: 1300 });
    expect(r3.body.refunds).toHaveLength(3);
    expect(await balanceOf(t, inv)).toBe(1000);
    const again = await t.api.post(`/api/v1/payments/${id}/refunds`, { amount: 1 });
    expect(again.body.error.code).toBe('payment_not_refundable');
  });
});

describe('idempotency (E11)', () => {
  it('replays a POST /payments with the same key without charging again', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    await postedInvoice(t, customerId, 1000);
    const body = { customer_id: customerId, payment_method_id: methodId, amount: 600 };
    const first = await t.api.post('/api/v1/payments', body, {
      'idempotency-key': `k-${customerId}`,
    });
    const second = await t.api.post('/api/v1/payments', body, {
      'idempotency-key': `k-${customerId}`,
    });
    expect(second.status).toBe(201);
    expect(second.body.id).toBe(first.body.id);
    const list = await t.api.get(`/api/v1/payments?customer=${customerId}`);
    expect(list.body.data).toHaveLength(1);
  });
});
