/**
 * Refunds that say what they mean (issue 10 item 1, E10) and returns after refunds (item 4): by
 * default a refund is credited (a credit memo linked to the refund keeps the invoice settled, so
 * no payment run collects it again); "reopen" leaves it owed, and autopay collects it. A bank
 * debit refunded and then returned is billed back and staff are told; the refund guard window is
 * a tenant setting. Every test ends with the books balancing.
 */
import { describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { advance, auditOf, newTenant, type TestTenant } from '../helpers/app.js';
import { created, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  BANK_OK,
  BANK_R10,
  cardBody,
  saveMethod,
  verifiedBank,
} from '../helpers/payment-methods.js';
import { autopayCustomer, balanceOf, pay } from '../helpers/payments.js';
import { portalContact } from '../helpers/portal.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

/** A tenant whose invoices are due on their invoice date, so any payment run collects them. */
async function tenant(settings: Record<string, unknown> = {}): Promise<TestTenant> {
  const t = await newTenant(h);
  const res = await t.api.patch('/api/v1/tenant', {
    settings: { payment_terms_days: 0, ...settings },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return t;
}

async function paymentRun(t: TestTenant) {
  const started = await t.api.post('/api/v1/payment-runs', {});
  expect(started.status, JSON.stringify(started.body)).toBe(202);
  await runPaymentRunHere(h.testDb.db, h.clock, started.body.id);
  return (await t.api.get(`/api/v1/payment-runs/${started.body.id}`)).body;
}

const chargesOf = (invoiceId: string) =>
  h.testDb.db.query<{ id: string; status: string; amount: number }>(
    `SELECT p.id, p.status, p.amount FROM payments p
      WHERE p.autopay_invoice_id = $1 ORDER BY p.id`,
    [invoiceId],
  );

async function refund(t: TestTenant, paymentId: string, body: Record<string, unknown>) {
  const res = await t.api.post(`/api/v1/payments/${paymentId}/refunds`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
}

describe('a refund says what it means for the invoice (issue 10 item 1)', () => {
  it('by default credits the refund: the invoice stays settled and no payment run charges it', async () => {
    const t = await tenant();
    const { customerId, methodId } = await autopayCustomer(t);
    const inv = await postedInvoice(t, customerId, 4500);
    const run1 = await paymentRun(t);
    expect(run1.collected).toBe(4500);
    const [charge] = await chargesOf(inv);
    expect(charge).toMatchObject({ status: 'succeeded', amount: 4500 });

    const res = await refund(t, charge?.id as string, { amount: 4500, reason: 'cancelled order' });
    expect(res).toMatchObject({
      status: 'refunded',
      amount_refunded: 4500,
      refund: { amount: 4500, outcome: 'credit', status: 'succeeded' },
    });
    const memoId = res.refund.credit_memo_id as string;
    expect(memoId).toMatch(/^cm_/);
    expect(res.refunds).toEqual([res.refund]);
    expect(await balanceOf(t, inv)).toBe(0);

    // The memo: linked to the refund, applied to the invoice, in the credits list.
    const memo = (await t.api.get(`/api/v1/credit-memos/${memoId}`)).body;
    expect(memo).toMatchObject({
      customer_id: customerId,
      invoice_id: inv,
      refund_id: res.refund.id,
      amount: 4500,
      applied: 4500,
      remaining: 0,
      status: 'open',
      applications: [{ invoice_id: inv, amount: 4500 }],
    });
    expect(memo.reason).toContain('cancelled order');
    const memos = (await t.api.get(`/api/v1/credit-memos?customer=${customerId}`)).body.data;
    expect(memos.map((m: { id: string }) => m.id)).toEqual([memoId]);

    // The summary says which happened.
    const summary = (await t.api.get(`/api/v1/invoices/${inv}/summary`)).body;
    expect(summary).toMatchObject({
      balance: 0,
      autopay_rule: null,
      refunds: [
        {
          refund_id: res.refund.id,
          payment_id: charge?.id,
          amount: 4500,
          outcome: 'credit',
          credit_memo_id: memoId,
        },
      ],
      credits: [{ credit_memo_id: memoId, refund_id: res.refund.id, amount: 4500 }],
    });

    // Events (webhooks) carry both records; the journal (accounting queue) lists both.
    const events = (await t.api.get('/api/v1/events?limit=100')).body.data as {
      type: string;
      object_id: string;
      data: Record<string, unknown>;
    }[];
    const memoEvent = events.find((e) => e.type === 'credit_memo.created');
    expect(memoEvent).toMatchObject({ object_id: memoId, data: { refund_id: res.refund.id } });
    const refunded = events.find((e) => e.type === 'payment.refunded');
    expect(refunded?.data).toMatchObject({ outcome: 'credit', credit_memo_id: memoId });
    const journalMemo = await t.api.get('/api/v1/accounting/pending?type=credit_memo');
    expect(journalMemo.body.data).toEqual([
      expect.objectContaining({
        id: memoId,
        credit_memo: expect.objectContaining({ refund_id: res.refund.id }),
      }),
    ]);
    const journalPayment = await t.api.get('/api/v1/accounting/pending?type=payment');
    const record = journalPayment.body.data.find((r: { id: string }) => r.id === charge?.id);
    expect(record.payment.refunds).toEqual([
      expect.objectContaining({ outcome: 'credit', credit_memo_id: memoId }),
    ]);

    // The next payment run finds nothing to collect: the card is not charged again.
    const run2 = await paymentRun(t);
    expect(run2.collected ?? 0).toBe(0);
    expect(await chargesOf(inv)).toHaveLength(1);
    const methods = await h.testDb.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM payments WHERE payment_method_id = $1`,
      [methodId],
    );
    expect(methods[0]?.n).toBe(1);
    await expectBooksBalance(h, t.id);
  });

  it('with outcome reopen leaves the amount owed, and the next payment run collects it', async () => {
    const t = await tenant();
    const { customerId } = await autopayCustomer(t);
    const inv = await postedInvoice(t, customerId, 3000);
    await paymentRun(t);
    const [charge] = await chargesOf(inv);
    const res = await refund(t, charge?.id as string, { amount: 3000, outcome: 'reopen' });
    expect(res).toMatchObject({
      status: 'refunded',
      refund: { outcome: 'reopen', credit_memo_id: null, status: 'succeeded' },
    });
    expect(await balanceOf(t, inv)).toBe(3000);
    const summary = (await t.api.get(`/api/v1/invoices/${inv}/summary`)).body;
    expect(summary.refunds).toEqual([
      expect.objectContaining({ amount: 3000, outcome: 'reopen', credit_memo_id: null }),
    ]);
    expect(summary.credits).toEqual([]);
    expect((await t.api.get(`/api/v1/credit-memos?customer=${customerId}`)).body.data).toEqual([]);

    const run2 = await paymentRun(t);
    expect(run2.collected).toBe(3000);
    expect((await chargesOf(inv)).map((c) => c.status)).toEqual(['refunded', 'succeeded']);
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('a partial reopen of an autopay charge is collected by the next run for what it reopened', async () => {
    const t = await tenant();
    const { customerId } = await autopayCustomer(t);
    const inv = await postedInvoice(t, customerId, 5000);
    await paymentRun(t);
    const [charge] = await chargesOf(inv);
    await refund(t, charge?.id as string, { amount: 1200, outcome: 'reopen' });
    expect(await balanceOf(t, inv)).toBe(1200);
    const run2 = await paymentRun(t);
    expect(run2.collected).toBe(1200);
    expect((await chargesOf(inv)).map((c) => [c.status, c.amount])).toEqual([
      ['succeeded', 5000],
      ['succeeded', 1200],
    ]);
    expect(await balanceOf(t, inv)).toBe(0);
    // Nothing more to collect: a third run charges nothing.
    expect((await paymentRun(t)).collected ?? 0).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('partial refunds: the unapplied remainder first (no memo), then credited or reopened parts', async () => {
    const t = await tenant();
    const cus = await newCustomer(t);
    const card = await saveMethod(t, cus.id, cardBody());
    const a = await postedInvoice(t, cus.id, 700, { date: '2026-11-01' });
    const b = await postedInvoice(t, cus.id, 500, { date: '2026-11-02' });
    const p = await pay(t, cus.id, card.id, 1500, { prepayment: true });
    expect(p).toMatchObject({ unapplied: 300, refundable: 1500 });
    // Each invoice it paid comes with its number, so a screen need not ask per row.
    const numbers = await Promise.all(
      [a, b].map(async (id) => (await t.api.get(`/api/v1/invoices/${id}`)).body.number),
    );
    expect(numbers.every((n) => typeof n === 'string' && n.length > 0)).toBe(true);
    expect(
      (await t.api.get(`/api/v1/payments/${p.id}`)).body.applications.map(
        (x: { invoice_id: string; invoice_number: string }) => [x.invoice_id, x.invoice_number],
      ),
    ).toEqual([
      [a, numbers[0]],
      [b, numbers[1]],
    ]);

    const r1 = await refund(t, p.id, { amount: 200 });
    expect(r1).toMatchObject({
      status: 'succeeded',
      unapplied: 100,
      refund: { amount: 200, outcome: 'credit', credit_memo_id: null },
    });
    // 100 from the remainder, then 300 from the newest invoice (b), credited there.
    const r2 = await refund(t, p.id, { amount: 400 });
    expect(r2).toMatchObject({
      unapplied: 0,
      applications: [
        { invoice_id: a, amount: 700 },
        { invoice_id: b, amount: 200 },
      ],
    });
    const memo = (await t.api.get(`/api/v1/credit-memos/${r2.refund.credit_memo_id}`)).body;
    expect(memo).toMatchObject({ amount: 300, applications: [{ invoice_id: b, amount: 300 }] });
    expect([await balanceOf(t, a), await balanceOf(t, b)]).toEqual([0, 0]);
    // The rest of b's money, and 100 of a's, reopened.
    const r3 = await refund(t, p.id, { amount: 300, outcome: 'reopen' });
    expect(r3.refund).toMatchObject({ outcome: 'reopen', credit_memo_id: null });
    // What is left to refund, as the console's refund form starts with it: 1500 − 900.
    expect((await t.api.get(`/api/v1/payments/${p.id}`)).body.refundable).toBe(600);
    expect([await balanceOf(t, a), await balanceOf(t, b)]).toEqual([100, 200]);
    const sb = (await t.api.get(`/api/v1/invoices/${b}/summary`)).body;
    expect(
      sb.refunds.map((r: { outcome: string; amount: number }) => [r.outcome, r.amount]),
    ).toEqual([
      ['credit', 300],
      ['reopen', 200],
    ]);
    const bad = await t.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 1,
      outcome: 'forgive',
    });
    expect(bad.status).toBe(400);
    const cus2 = await created<{ total_balance: number; net_balance: number }>(
      t.api.get(`/api/v1/customers/${cus.id}/balance`),
    );
    expect(cus2).toMatchObject({ total_balance: 300, net_balance: 300 });
    await expectBooksBalance(h, t.id);
  });

  it('the portal invoice view says which happened', async () => {
    const t = await tenant();
    const { customerId, portal } = await portalContact(h, t);
    const card = await saveMethod(t, customerId, cardBody());
    const inv = await postedInvoice(t, customerId, 2000);
    const p = await pay(t, customerId, card.id, 2000);
    const r1 = await refund(t, p.id, { amount: 500 });
    await refund(t, p.id, { amount: 300, outcome: 'reopen' });
    const view = await portal.get(`/api/v1/portal/invoices/${inv}`);
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body.balance).toBe(300);
    expect(view.body.summary.refunds).toEqual([
      expect.objectContaining({
        amount: 500,
        outcome: 'credit',
        credit_memo_id: r1.refund.credit_memo_id,
      }),
      expect.objectContaining({ amount: 300, outcome: 'reopen', credit_memo_id: null }),
    ]);
    expect(view.body.summary.credits).toEqual([
      expect.objectContaining({ refund_id: r1.refund.id, amount: 500 }),
    ]);
    await expectBooksBalance(h, t.id);
  });
});

describe('returns after refunds (issue 10 item 4)', () => {
  it('guards bank debits for refund_guard_days (default 60), a validated tenant setting', async () => {
    const t = await newTenant(h);
    expect((await t.api.get('/api/v1/tenant')).body.settings.refund_guard_days).toBe(60);
    for (const days of [-1, 121, 1.5]) {
      const bad = await t.api.patch('/api/v1/tenant', { settings: { refund_guard_days: days } });
      expect(bad.status, `${days}`).toBe(400);
    }
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id, BANK_OK);
    const inv = await postedInvoice(t, cus.id, 2600);
    const p = await pay(t, cus.id, bank.id, 2600);
    await advance(t, 5);
    await advance(t, 20);
    const early = await t.api.post(`/api/v1/payments/${p.id}/refunds`, { amount: 600 });
    expect([early.status, early.body.error.code]).toEqual([409, 'refund_in_return_window']);
    expect(early.body.error.details).toMatchObject({ refund_guard_days: 60 });
    const shorter = await t.api.patch('/api/v1/tenant', { settings: { refund_guard_days: 10 } });
    expect(shorter.body.settings.refund_guard_days).toBe(10);
    const later = await refund(t, p.id, { amount: 600 });
    expect(later.refund).toMatchObject({ outcome: 'credit', status: 'succeeded' });
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  for (const outcome of ['credit', 'reopen'] as const) {
    it(`records a return after a full refund (${outcome}): billed back, staff told`, async () => {
      const t = await tenant({ refund_guard_days: 0 });
      const cus = await newCustomer(t);
      const bank = await verifiedBank(t, cus.id, BANK_R10);
      const inv = await postedInvoice(t, cus.id, 2700);
      const p = await pay(t, cus.id, bank.id, 2700);
      await advance(t, 4);
      expect((await t.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('succeeded');
      await refund(t, p.id, { amount: 2700, outcome });
      expect(await balanceOf(t, inv)).toBe(outcome === 'credit' ? 0 : 2700);
      await advance(t, 7);

      const after = (await t.api.get(`/api/v1/payments/${p.id}`)).body;
      expect(after).toMatchObject({
        status: 'returned',
        return_code: 'R10',
        amount_refunded: 2700,
        // Back with the bank: nothing left to refund.
        refundable: 0,
      });
      expect(after.return_debit_invoice_ids).toHaveLength(1);
      const debitId = after.return_debit_invoice_ids[0] as string;
      const debit = (await t.api.get(`/api/v1/invoices/${debitId}`)).body;
      expect(debit).toMatchObject({
        customer_id: cus.id,
        status: 'open',
        total: 2700,
        balance: 2700,
      });
      expect(debit.number).toMatch(/^INV-/);
      expect(debit.lines[0].description).toContain(p.id);
      // The customer owes what they got twice: the refund, plus the invoice if it was reopened.
      const balance = (await t.api.get(`/api/v1/customers/${cus.id}/balance`)).body;
      expect(balance.total_balance).toBe(outcome === 'credit' ? 2700 : 5400);

      const audit = await auditOf(t, p.id);
      const returned = audit.find((a) => a.action === 'payment.returned');
      expect(returned).toBeDefined();
      const event = (await t.api.get('/api/v1/events?type=payment.returned')).body.data[0];
      expect(event).toMatchObject({
        object_id: p.id,
        data: { returned_after_refund: { amount: 2700, invoice_id: debitId } },
      });
      const staff = await h.testDb.db.query<{ to_address: string; subject: string }>(
        `SELECT to_address, subject FROM emails WHERE tenant_id = $1 AND kind = 'other'
            AND invoice_id = $2`,
        [t.id, debitId],
      );
      expect(staff.length).toBeGreaterThan(0);
      expect(staff[0]?.subject).toContain('$27.00');
      await expectBooksBalance(h, t.id);
    });
  }

  it('a return after a partial refund reopens the rest and bills back the refunded part', async () => {
    const t = await tenant({ refund_guard_days: 0 });
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id, BANK_R10);
    const inv = await postedInvoice(t, cus.id, 2000);
    const p = await pay(t, cus.id, bank.id, 2000);
    await advance(t, 4);
    await refund(t, p.id, { amount: 500 });
    await advance(t, 7);
    const after = (await t.api.get(`/api/v1/payments/${p.id}`)).body;
    expect(after).toMatchObject({ status: 'returned', amount_refunded: 500 });
    // 1,500 of the invoice reopened with the return; the 500 refunded is billed back.
    expect(await balanceOf(t, inv)).toBe(1500);
    expect(await balanceOf(t, after.return_debit_invoice_ids[0])).toBe(500);
    const balance = (await t.api.get(`/api/v1/customers/${cus.id}/balance`)).body;
    expect(balance.total_balance).toBe(2000);
    await expectBooksBalance(h, t.id);
  });
});
