/**
 * "Make a payment" in the portal (E1, E2, E3, E5): a contact pays open invoices of its own
 * account — several at once, partly or in full, with a saved method or a card entered now — and
 * the payment goes through the payments module exactly as a staff payment does (receipt email,
 * E3 clipping). Only the contact's own invoices, only with "make payments" in its profile, only
 * with its portal session and CSRF token; a double submit with one Idempotency-Key charges once.
 */
import { describe, expect, it } from 'vitest';
import { client, useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  BANK_OK,
  bankBody,
  CARD_DECLINED,
  CARD_INSUFFICIENT,
  cardBody,
  saveMethod,
  token,
} from '../helpers/payment-methods.js';
import { balanceOf, emailsOf, pay, paymentOf } from '../helpers/payments.js';
import { portalContact } from '../helpers/portal.js';

const h = useHarness();
const t = useTenant(h);

const PAY = '/api/v1/portal/payments';
const key = () => ({ 'idempotency-key': `pay-${Math.random().toString(36).slice(2)}` });

/** A customer with a saved Visa, two posted invoices and a signed-in contact. */
async function account(options: { profile?: string } = {}) {
  const customer = await newCustomer(t);
  const method = await saveMethod(t, customer.id, cardBody());
  const first = await postedInvoice(t, customer.id, 10_000, { date: '2026-11-01' });
  const second = await postedInvoice(t, customer.id, 4_000, { date: '2026-11-10' });
  const profile = options.profile ? await profileNamed(t, options.profile) : undefined;
  const signedIn = await portalContact(h, t, {
    customerId: customer.id,
    ...(profile && { profile_id: profile.id }),
  });
  return { ...signedIn, methodId: method.id, first, second };
}

describe('what the account can pay', () => {
  it('lists the open invoices oldest first and preselects the method used last', async () => {
    const a = await account();
    const other = await saveMethod(t, a.customerId, cardBody('5555555555554444'));
    // The Mastercard is the default now (newest); the Visa paid last.
    expect(other.is_default).toBe(true);
    await pay(t, a.customerId, a.methodId, 1_000, {
      allocations: [{ invoice_id: a.first, amount: 1_000 }],
    });
    const res = await a.portal.get('/api/v1/portal/pay');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.invoices.map((i: { id: string }) => i.id)).toEqual([a.first, a.second]);
    expect(res.body.invoices[0]).toMatchObject({ balance: 9_000, pending: 0, available: 9_000 });
    expect(res.body.total_available).toBe(13_000);
    expect(res.body).toMatchObject({ payable_count: 2, unlisted_count: 0 });
    expect(res.body.preselected_method_id).toBe(a.methodId);
    expect(res.body.methods.map((m: { label: string }) => m.label).sort()).toEqual([
      'Mastercard ending 4444',
      'Visa ending 4242',
    ]);
  });

  it('lists as many invoices as one payment pays, and counts and totals them all', async () => {
    const customer = await newCustomer(t);
    // 101 open invoices of $1.00 to $1.01, one a day (in order: 100 at once would not be).
    const ids: string[] = [];
    for (let k = 0; k < 101; k++) {
      const day = new Date(Date.UTC(2026, 6, 1) + k * 86_400_000).toISOString().slice(0, 10);
      ids.push(await postedInvoice(t, customer.id, 100 + (k === 100 ? 1 : 0), { date: day }));
    }
    const { portal } = await portalContact(h, t, { customerId: customer.id });
    const res = await portal.get('/api/v1/portal/pay');
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.invoices.map((i: { id: string }) => i.id)).toEqual(ids.slice(0, 100));
    expect(res.body).toMatchObject({
      total_available: 100 * 100 + 101,
      payable_count: 101,
      unlisted_count: 1,
    });
    // Staff are offered all of them (one staff payment pays up to 500).
    const staff = await t.api.get(`/api/v1/customers/${customer.id}/pay-options`);
    expect(staff.status, JSON.stringify(staff.body)).toBe(200);
    expect(staff.body.invoices).toHaveLength(101);
    expect(staff.body).toMatchObject({ total_available: 10_101, unlisted_count: 0 });
  });

  it('shows a bank debit in flight as pending, and refuses to pay it again', async () => {
    const a = await account();
    const bank = await saveMethod(t, a.customerId, bankBody(BANK_OK));
    const deposits = await t.api.get(`/api/v1/sandbox/payment-methods/${bank.id}/micro-deposits`);
    const verified = await t.api.post(`/api/v1/payment-methods/${bank.id}/verify`, {
      amounts: deposits.body.amounts,
    });
    expect(verified.status, JSON.stringify(verified.body)).toBe(200);
    const debit = await pay(t, a.customerId, bank.id, 4_000, {
      allocations: [{ invoice_id: a.second, amount: 4_000 }],
    });
    expect(debit.status).toBe('pending');
    const res = await a.portal.get('/api/v1/portal/pay');
    const second = res.body.invoices.find((i: { id: string }) => i.id === a.second);
    expect(second).toMatchObject({ balance: 4_000, pending: 4_000, available: 0 });
    // Listed (so the contact sees it is being paid), not counted as payable nor in the total.
    expect(res.body).toMatchObject({
      payable_count: 1,
      total_available: 10_000,
      unlisted_count: 0,
    });
    const again = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.second, amount: 4_000 }],
        payment_method_id: a.methodId,
      },
      key(),
    );
    expect(again.status).toBe(422);
    expect(again.body.error).toMatchObject({
      code: 'amount_exceeds_balance',
      details: { field: 'allocations.0.amount', pending: 4_000, available: 0 },
    });
    expect(again.body.error.message).toMatch(/bank debit/);
  });
});

describe('paying', () => {
  it('pays two invoices, one partially, and emails the receipt', async () => {
    const a = await account();
    const body = {
      allocations: [
        { invoice_id: a.first, amount: 10_000 },
        { invoice_id: a.second, amount: 1_500 },
      ],
      payment_method_id: a.methodId,
    };
    const preview = await a.portal.post(`${PAY}/preview`, body);
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    expect(preview.body).toMatchObject({
      total: 11_500,
      pay_on: null,
      method: { id: a.methodId, label: 'Visa ending 4242' },
      lines: [
        { invoice_id: a.first, amount: 10_000, remaining: 0 },
        { invoice_id: a.second, amount: 1_500, remaining: 2_500 },
      ],
      reduces: [],
    });
    const res = await a.portal.post(PAY, body, key());
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({
      payment: { status: 'succeeded', amount: 11_500, method_label: 'Visa ending 4242' },
      invoices: [
        { invoice_id: a.first, amount: 10_000 },
        { invoice_id: a.second, amount: 1_500 },
      ],
      receipt_emailed_to: [a.contact.email],
      saved_method_id: null,
    });
    expect(await balanceOf(t, a.first)).toBe(0);
    expect(await balanceOf(t, a.second)).toBe(2_500);
    const staffView = await paymentOf(t, res.body.payment.id);
    expect(staffView).toMatchObject({ customer_id: a.customerId, source: 'manual' });
    const receipts = await emailsOf(h, t, a.customerId, 'receipt');
    expect(receipts.map((e) => e.to_address)).toEqual([a.contact.email]);
    expect(receipts[0]?.body_text).toContain('115.00');
    const dash = await a.portal.get('/api/v1/portal/dashboard');
    expect(dash.body.balance).toBe(2_500);
  });

  it('pays with a card entered now, saved for later or forgotten', async () => {
    const a = await account();
    const saved = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.first, amount: 2_000 }],
        new_method: {
          gateway_token: await token(t, cardBody('378282246310005')),
          authorized: true,
          save: true,
        },
      },
      key(),
    );
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    expect(saved.body.payment.method_label).toBe('American Express ending 0005');
    expect(saved.body.saved_method_id).toBeTruthy();
    const once = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.second, amount: 1_000 }],
        new_method: {
          gateway_token: await token(t, cardBody('6011111111111117')),
          authorized: true,
          save: false,
        },
      },
      key(),
    );
    expect(once.status, JSON.stringify(once.body)).toBe(201);
    expect(once.body.saved_method_id).toBeNull();
    const options = await a.portal.get('/api/v1/portal/pay');
    const labels = options.body.methods.map((m: { label: string }) => m.label);
    expect(labels).toContain('American Express ending 0005');
    expect(labels).not.toContain('Discover ending 1117');
    expect(await balanceOf(t, a.second)).toBe(3_000);
  });

  it('refuses an amount above the open balance and changes nothing', async () => {
    const a = await account();
    const res = await a.portal.post(
      PAY,
      {
        allocations: [
          { invoice_id: a.first, amount: 100 },
          { invoice_id: a.second, amount: 4_001 },
        ],
        payment_method_id: a.methodId,
      },
      key(),
    );
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'amount_exceeds_balance',
      details: { field: 'allocations.1.amount', available: 4_000 },
    });
    expect(await balanceOf(t, a.first)).toBe(10_000);
    const list = await t.api.get(`/api/v1/payments?customer=${a.customerId}`);
    expect(list.body.data).toHaveLength(0);
  });

  it('names a bad field of the form', async () => {
    const a = await account();
    const res = await a.portal.post(
      PAY,
      { allocations: [{ invoice_id: a.first, amount: 0 }], payment_method_id: a.methodId },
      key(),
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues[0]).toMatchObject({ path: 'allocations.0.amount' });
    const neither = await a.portal.post(PAY, { allocations: [{ invoice_id: a.first, amount: 5 }] });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details.issues[0]).toMatchObject({
      path: 'payment_method_id',
      message: 'Choose how to pay',
    });
  });

  it('refuses another customer’s invoice and another customer’s method', async () => {
    const a = await account();
    const b = await newCustomer(t);
    const theirs = await postedInvoice(t, b.id, 5_000);
    const theirMethod = await saveMethod(t, b.id, cardBody());
    const res = await a.portal.post(
      PAY,
      { allocations: [{ invoice_id: theirs, amount: 5_000 }], payment_method_id: a.methodId },
      key(),
    );
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('portal_not_found');
    const method = await a.portal.post(
      PAY,
      { allocations: [{ invoice_id: a.first, amount: 5_000 }], payment_method_id: theirMethod.id },
      key(),
    );
    expect(method.status).toBe(404);
    expect(method.body.error.code).toBe('payment_method_not_found');
    expect(await balanceOf(t, theirs)).toBe(5_000);
    expect(await balanceOf(t, a.first)).toBe(10_000);
  });

  it('charges once when the same attempt is submitted twice', async () => {
    const a = await account();
    const body = {
      allocations: [{ invoice_id: a.first, amount: 3_000 }],
      payment_method_id: a.methodId,
    };
    const attempt = key();
    const [one, two] = await Promise.all([
      a.portal.post(PAY, body, attempt),
      a.portal.post(PAY, body, attempt),
    ]);
    const statuses = [one.status, two.status].sort();
    // The second is either the first's answer replayed or "still in progress" (409).
    expect(statuses[0]).toBe(201);
    expect([201, 409]).toContain(statuses[1]);
    const replay = await a.portal.post(PAY, body, attempt);
    expect(replay.status).toBe(201);
    const first = one.status === 201 ? one : two;
    expect(replay.body.payment.id).toBe(first.body.payment.id);
    const list = await t.api.get(`/api/v1/payments?customer=${a.customerId}`);
    expect(list.body.data).toHaveLength(1);
    expect(await balanceOf(t, a.first)).toBe(7_000);
  });

  it('answers a decline with the gateway’s reason and keeps nothing of the card', async () => {
    const a = await account();
    for (const [number, code] of [
      [CARD_DECLINED, 'card_declined'],
      [CARD_INSUFFICIENT, 'insufficient_funds'],
    ] as const) {
      const res = await a.portal.post(
        PAY,
        {
          allocations: [{ invoice_id: a.first, amount: 10_000 }],
          new_method: {
            gateway_token: await token(t, cardBody(number)),
            authorized: true,
            save: true,
          },
        },
        key(),
      );
      expect(res.status, JSON.stringify(res.body)).toBe(402);
      expect(res.body.error).toMatchObject({
        code: 'payment_declined',
        details: { decline_code: code },
      });
      expect(res.body.error.message).toMatch(/declined|insufficient/i);
    }
    const options = await a.portal.get('/api/v1/portal/pay');
    expect(options.body.methods).toHaveLength(1);
    expect(await balanceOf(t, a.first)).toBe(10_000);
    // The same card can be entered again after a decline (it was not kept as a duplicate).
    const again = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.first, amount: 10_000 }],
        new_method: {
          gateway_token: await token(t, cardBody(CARD_DECLINED)),
          authorized: true,
          save: true,
        },
      },
      key(),
    );
    expect(again.body.error.code).toBe('payment_declined');
  });

  it('schedules a payment on a later date, and says what a payment now reduces (E3)', async () => {
    const a = await account();
    const later = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.second, amount: 4_000 }],
        payment_method_id: a.methodId,
        pay_on: '2026-12-05',
      },
      key(),
    );
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    expect(later.body.payment).toMatchObject({ status: 'scheduled', scheduled_for: '2026-12-05' });
    expect(later.body.receipt_emailed_to).toEqual([]);
    expect(await balanceOf(t, a.second)).toBe(4_000);
    const staffView = await paymentOf(t, later.body.payment.id);
    expect(staffView).toMatchObject({
      status: 'scheduled',
      planned_allocations: [{ invoice_id: a.second, amount: 4_000 }],
    });

    const now = {
      allocations: [{ invoice_id: a.second, amount: 1_000 }],
      payment_method_id: a.methodId,
    };
    const preview = await a.portal.post(`${PAY}/preview`, now);
    expect(preview.body.reduces).toEqual([
      expect.objectContaining({
        id: later.body.payment.id,
        old_amount: 4_000,
        new_amount: 3_000,
        scheduled_for: '2026-12-05',
      }),
    ]);
    const paid = await a.portal.post(PAY, now, key());
    expect(paid.status).toBe(201);
    expect(paid.body.reduced_scheduled).toEqual([
      { id: later.body.payment.id, old_amount: 4_000, new_amount: 3_000 },
    ]);
    expect((await paymentOf(t, later.body.payment.id)).amount).toBe(3_000);
  });

  it('refuses a date in the past, and a later date with a card that is not saved', async () => {
    const a = await account();
    const past = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.first, amount: 100 }],
        payment_method_id: a.methodId,
        pay_on: '2026-11-01',
      },
      key(),
    );
    expect(past.status).toBe(422);
    expect(past.body.error).toMatchObject({
      code: 'scheduled_date_in_past',
      details: { field: 'pay_on' },
    });
    const unsaved = await a.portal.post(
      PAY,
      {
        allocations: [{ invoice_id: a.first, amount: 100 }],
        new_method: { gateway_token: 'tok_x', authorized: true, save: false },
        pay_on: '2026-12-01',
      },
      key(),
    );
    expect(unsaved.status).toBe(400);
    expect(unsaved.body.error.details.issues[0].path).toBe('new_method.save');
  });

  it('lets a child account pay with a method its parent shares', async () => {
    const parent = await newCustomer(t);
    const shared = await saveMethod(t, parent.id, cardBody(), { shared_with_children: true });
    const child = await newCustomer(t, { parent_id: parent.id });
    const invoice = await postedInvoice(t, child.id, 2_000);
    const { portal } = await portalContact(h, t, { customerId: child.id });
    const options = await portal.get('/api/v1/portal/pay');
    expect(options.body.methods).toEqual([
      expect.objectContaining({ id: shared.id, inherited: true }),
    ]);
    const res = await portal.post(
      PAY,
      { allocations: [{ invoice_id: invoice, amount: 2_000 }], payment_method_id: shared.id },
      key(),
    );
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await balanceOf(t, invoice)).toBe(0);
  });
});

describe('who may pay', () => {
  it('refuses a profile without "make payments", naming it', async () => {
    const a = await account({ profile: 'Viewer' });
    for (const res of [
      await a.portal.get('/api/v1/portal/pay'),
      await a.portal.post(`${PAY}/preview`, {
        allocations: [{ invoice_id: a.first, amount: 100 }],
        payment_method_id: a.methodId,
      }),
      await a.portal.post(
        PAY,
        { allocations: [{ invoice_id: a.first, amount: 100 }], payment_method_id: a.methodId },
        key(),
      ),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toMatchObject({
        code: 'portal_permission_denied',
        details: { permission: 'make_payments' },
      });
    }
    expect(await balanceOf(t, a.first)).toBe(10_000);
  });

  it('refuses a staff cookie, an API key and a missing CSRF token', async () => {
    const a = await account();
    const body = {
      allocations: [{ invoice_id: a.first, amount: 100 }],
      payment_method_id: a.methodId,
    };
    const staff = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const staffCookie = String(staff.headers['set-cookie']).split(';')[0] as string;
    const asStaff = client(h.app, { cookie: staffCookie, 'x-csrf-token': staff.body.csrf_token });
    for (const api of [asStaff, t.api]) {
      const res = await api.post(PAY, body, key());
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('portal_session_required');
      expect((await api.get('/api/v1/portal/pay')).status).toBe(401);
    }
    const noCsrf = await a.portal.withoutCsrf.post(PAY, body, key());
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe('csrf_failed');
    expect((await a.portal.withoutCsrf.post(`${PAY}/preview`, body)).status).toBe(403);
    expect(await balanceOf(t, a.first)).toBe(10_000);
  });
});
