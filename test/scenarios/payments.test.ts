/**
 * Payments on the sandbox clock (issue 5): pay several invoices partially; schedule, then pay
 * manually and see the scheduled one reduced, then run on its date; a declined card; bank debits
 * that settle and that come back (R01, R10); refund part then all; an external check. Every
 * scenario ends with the books balancing.
 */
import { describe, expect, it } from 'vitest';
import { advance, useTenant } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  BANK_R01,
  BANK_R10,
  cardBody,
  saveMethod,
  verifiedBank,
} from '../helpers/payment-methods.js';
import { balanceOf, emailsOf, pay, runDue } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
// Each scenario on its own tenant: its own clock (today 2026-11-22) and its own due work.
const t = useTenant(h, { each: true });

/** A customer whose billing contact gets receipts and failure notices. */
async function customerWithContact() {
  const cus = await newCustomer(t);
  await contact(t, cus.id, { name: 'Avery Payer', email: `ap-${cus.id}@example.com` });
  return cus.id;
}

describe('paying invoices', () => {
  it('pays several invoices partially, oldest first, and sends a receipt', async () => {
    const cus = await customerWithContact();
    const pm = await saveMethod(t, cus, cardBody());
    const a = await postedInvoice(t, cus, 1000, { date: '2026-11-01' });
    const b = await postedInvoice(t, cus, 2000, { date: '2026-11-05' });
    const c = await postedInvoice(t, cus, 3000, { date: '2026-11-09' });
    const p = await pay(t, cus, pm.id, 2500);
    expect(p.applications).toEqual([
      { invoice_id: a, invoice_number: expect.stringMatching(/^INV-/), amount: 1000 },
      { invoice_id: b, invoice_number: expect.stringMatching(/^INV-/), amount: 1500 },
    ]);
    await pay(t, cus, pm.id, 1000, { allocations: [{ invoice_id: c, amount: 1000 }] });
    expect([await balanceOf(t, a), await balanceOf(t, b), await balanceOf(t, c)]).toEqual([
      0, 500, 2000,
    ]);
    const receipts = await emailsOf(h, t, cus, 'receipt');
    expect(receipts).toHaveLength(2);
    expect(receipts[0]?.subject).toContain('$25.00');
    await expectBooksBalance(h, t.id);
  });

  it('schedules, is reduced by a manual payment, and runs on its date for what is left', async () => {
    const cus = await customerWithContact();
    const pm = await saveMethod(t, cus, cardBody());
    const inv = await postedInvoice(t, cus, 5000);
    const sched = await pay(t, cus, pm.id, 5000, { scheduled_for: '2026-11-25' });
    const manual = await pay(t, cus, pm.id, 2000);
    expect(manual.adjusted_scheduled).toEqual([
      { id: sched.id, old_amount: 5000, new_amount: 3000 },
    ]);
    expect((await runDue(h, t)).ran).toBe(0);
    await advance(t, 3);
    const due = await runDue(h, t);
    expect(due.ran).toBe(1);
    const ran = await t.api.get(`/api/v1/payments/${sched.id}`);
    expect(ran.body).toMatchObject({
      status: 'succeeded',
      amount: 3000,
      applications: [{ invoice_id: inv, amount: 3000 }],
    });
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('cancels a scheduled payment on its date when the invoice was paid meanwhile', async () => {
    const cus = await customerWithContact();
    const pm = await saveMethod(t, cus, cardBody());
    const inv = await postedInvoice(t, cus, 800);
    const sched = await pay(t, cus, pm.id, 800, { scheduled_for: '2026-12-30' });
    const check = await t.api.post('/api/v1/payments/external', {
      customer_id: cus,
      method: 'check',
      reference: '2001',
      amount: 800,
    });
    expect(check.body.adjusted_scheduled).toEqual([
      { id: sched.id, old_amount: 800, new_amount: null },
    ]);
    expect(await balanceOf(t, inv)).toBe(0);
    expect((await t.api.get(`/api/v1/payments/${sched.id}`)).body.status).toBe('cancelled');
    await expectBooksBalance(h, t.id);
  });

  it('records a declined card with its code and message; the invoice stays open', async () => {
    const cus = await customerWithContact();
    const pm = await saveMethod(t, cus, cardBody('4000000000009995'));
    const inv = await postedInvoice(t, cus, 1500);
    const p = await pay(t, cus, pm.id, 1500);
    expect(p).toMatchObject({ status: 'failed', decline_code: 'insufficient_funds' });
    expect(p.failure_message).toBeTruthy();
    expect(await balanceOf(t, inv)).toBe(1500);
    const declined = await saveMethod(t, cus, cardBody('4000000000000002'));
    expect((await pay(t, cus, declined.id, 1500)).decline_code).toBe('card_declined');
    const ok = await saveMethod(t, cus, cardBody());
    expect((await pay(t, cus, ok.id, 1500)).status).toBe('succeeded');
    await expectBooksBalance(h, t.id);
  });
});

describe('bank debits (ACH)', () => {
  it('settles after business days on the tenant clock', async () => {
    const cus = await customerWithContact();
    const bank = await verifiedBank(t, cus);
    const inv = await postedInvoice(t, cus, 4200);
    const p = await pay(t, cus, bank.id, 4200);
    expect(p.status).toBe('pending');
    expect(p.expected_settlement_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(await balanceOf(t, inv)).toBe(4200);
    const summary = await t.api.get(`/api/v1/invoices/${inv}/summary`);
    expect(summary.body.payment_pending).toBe(true);
    // The pending debit reserves the invoice.
    const card = await saveMethod(t, cus, cardBody());
    const other = await t.api.post('/api/v1/payments', {
      customer_id: cus,
      payment_method_id: card.id,
      amount: 1,
    });
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('invoice_payment_pending');
    expect(other.body.error.details.pending_amount).toBe(4200);
    await advance(t, 5);
    const settled = await t.api.get(`/api/v1/payments/${p.id}`);
    expect(settled.body.status).toBe('succeeded');
    expect(await balanceOf(t, inv)).toBe(0);
    expect(await emailsOf(h, t, cus, 'receipt')).toHaveLength(1);
    await expectBooksBalance(h, t.id);
  });

  it('refunds a bank debit only once the bank can no longer return it', async () => {
    const cus = await customerWithContact();
    const bank = await verifiedBank(t, cus);
    const inv = await postedInvoice(t, cus, 2600);
    const p = await pay(t, cus, bank.id, 2600);
    await advance(t, 5);
    const settled = await t.api.get(`/api/v1/payments/${p.id}`);
    expect(settled.body.status).toBe('succeeded');
    const early = await t.api.post(`/api/v1/payments/${p.id}/refunds`, { amount: 600 });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('refund_in_return_window');
    expect(early.body.error.details.refundable_from).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const unchanged = await t.api.get(`/api/v1/payments/${p.id}`);
    expect(unchanged.body).toMatchObject({ status: 'succeeded', amount_refunded: 0, refunds: [] });
    expect(await balanceOf(t, inv)).toBe(0);
    // The tenant's refund guard (default 60 days after settling) has passed.
    await advance(t, 61);
    const later = await t.api.post(`/api/v1/payments/${p.id}/refunds`, { amount: 600 });
    expect(later.status, JSON.stringify(later.body)).toBe(201);
    expect(later.body).toMatchObject({
      status: 'succeeded',
      amount_refunded: 600,
      refund: { outcome: 'credit' },
    });
    // Credited by default: the invoice stays settled.
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('comes back R01: returned, the invoice reopens, the customer is told', async () => {
    const cus = await customerWithContact();
    const bank = await verifiedBank(t, cus, BANK_R01);
    const inv = await postedInvoice(t, cus, 3100);
    const p = await pay(t, cus, bank.id, 3100);
    expect(p.status).toBe('pending');
    await advance(t, 5);
    const returned = await t.api.get(`/api/v1/payments/${p.id}`);
    expect(returned.body).toMatchObject({ status: 'returned', return_code: 'R01' });
    expect(returned.body.returned_at).not.toBeNull();
    expect(await balanceOf(t, inv)).toBe(3100);
    const notices = await emailsOf(h, t, cus, 'payment_failed');
    expect(notices).toHaveLength(1);
    expect(notices[0]?.body_text).toContain('R01');
    await expectBooksBalance(h, t.id);
  });

  it('settles, then comes back R10 days later: the invoice reopens', async () => {
    const cus = await customerWithContact();
    const bank = await verifiedBank(t, cus, BANK_R10);
    const inv = await postedInvoice(t, cus, 2700);
    const p = await pay(t, cus, bank.id, 2700);
    await advance(t, 4);
    expect((await t.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    expect(await balanceOf(t, inv)).toBe(0);
    await advance(t, 7);
    const back = await t.api.get(`/api/v1/payments/${p.id}`);
    expect(back.body).toMatchObject({ status: 'returned', return_code: 'R10' });
    expect(await balanceOf(t, inv)).toBe(2700);
    // The sweep asking the gateway agrees and changes nothing more.
    expect((await runDue(h, t)).settled).toBe(0);
    await expectBooksBalance(h, t.id);
  });
});

describe('refunds and external payments', () => {
  it('refunds part, then the rest; the invoice reopens by what was refunded', async () => {
    const cus = await customerWithContact();
    const pm = await saveMethod(t, cus, cardBody());
    const inv = await postedInvoice(t, cus, 6000);
    const p = await pay(t, cus, pm.id, 6000);
    const part = await t.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 1000,
      reason: 'discount',
      outcome: 'reopen',
    });
    expect(part.body).toMatchObject({ status: 'succeeded', amount_refunded: 1000 });
    expect(await balanceOf(t, inv)).toBe(1000);
    const rest = await t.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 5000,
      outcome: 'reopen',
    });
    expect(rest.body).toMatchObject({ status: 'refunded', amount_refunded: 6000 });
    expect(await balanceOf(t, inv)).toBe(6000);
    const vault = await h.testDb.db.one<{ amount_refunded: number }>(
      'SELECT amount_refunded FROM sandbox_vault_charges WHERE account_id = $1 AND idempotency_key = $2',
      [t.id, p.id],
    );
    expect(vault.amount_refunded).toBe(6000);
    await expectBooksBalance(h, t.id);
  });

  it('records an external check and shows it in the history', async () => {
    const cus = await customerWithContact();
    const inv = await postedInvoice(t, cus, 990);
    const res = await t.api.post('/api/v1/payments/external', {
      customer_id: cus,
      method: 'check',
      reference: '5521',
      amount: 990,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(await balanceOf(t, inv)).toBe(0);
    const history = await t.api.get(`/api/v1/payments?customer=${cus}`);
    expect(history.body.data).toMatchObject([
      { id: res.body.id, method_type: 'check', reference: '5521' },
    ]);
    expect(await emailsOf(h, t, cus, 'receipt')).toHaveLength(1);
    await expectBooksBalance(h, t.id);
  });
});
