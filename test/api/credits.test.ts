/** Credit memos (H1) and the credits view (H3): issue, apply, void; bad input changes nothing. */
import { describe, expect, it } from 'vitest';
import { advance, apiKey, newTenant, useTenant } from '../helpers/app.js';
import {
  created,
  draftInvoice,
  invoiceOnlyCustomer,
  newCustomer,
  postedInvoice,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod, verifiedBank } from '../helpers/payment-methods.js';
import { balanceOf, pay } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const t = useTenant(h);

const MEMOS = '/api/v1/credit-memos';

describe('credit memos', () => {
  it('are issued with an amount and a reason, open and pending sync', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const res = await t.api.post(MEMOS, { customer_id: cus, amount: 2500, reason: 'Goodwill' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customer_id: cus,
      status: 'open',
      amount: 2500,
      applied: 0,
      remaining: 2500,
      sync_state: 'pending',
      applications: [],
    });
    expect(res.body.id).toMatch(/^cm_/);
    expect((await t.api.get(`${MEMOS}/${res.body.id}`)).body.remaining).toBe(2500);
    const list = await t.api.get(`${MEMOS}?customer=${cus}`);
    expect(list.body.data.map((m: { id: string }) => m.id)).toEqual([res.body.id]);
    const audit = await t.api.get(`/api/v1/audit-log?object=${res.body.id}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual([
      'credit_memo.created',
    ]);
  });

  it('against an invoice are applied there at once, the rest stays open', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 10_000);
    const memo = await created<{ id: string; applied: number; remaining: number }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 15_000, reason: 'Outage', invoice_id: inv }),
    );
    expect(memo).toMatchObject({ applied: 10_000, remaining: 5000 });
    const view = (await t.api.get(`/api/v1/invoices/${inv}`)).body;
    expect(view).toMatchObject({ credits_applied: 10_000, balance: 0, status: 'paid' });
    // An invoice with credits applied cannot be voided.
    const voided = await t.api.post(`/api/v1/invoices/${inv}/void`, { reason: 'x' });
    expect(voided.body.error.code).toBe('invoice_has_applications');
    await expectBooksBalance(h, t.id);
  });

  it('apply to the oldest open invoices first, up to the remainder', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const a = await postedInvoice(t, cus, 3000);
    const b = await postedInvoice(t, cus, 4000);
    const memo = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 5000, reason: 'Refund as credit' }),
    );
    const applied = await t.api.post(`${MEMOS}/${memo.id}/apply`, {});
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({ applied: 5000, remaining: 0 });
    expect(
      applied.body.applications.map((x: { invoice_id: string; amount: number }) => [
        x.invoice_id,
        x.amount,
      ]),
    ).toEqual(
      expect.arrayContaining([
        [a, 3000],
        [b, 2000],
      ]),
    );
    expect(await balanceOf(t, a)).toBe(0);
    expect(await balanceOf(t, b)).toBe(2000);
    const again = await t.api.post(`${MEMOS}/${memo.id}/apply`, {});
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('credit_nothing_to_apply');
    await expectBooksBalance(h, t.id);
  });

  it('apply to the invoices given, never beyond the remainder or the invoice', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const a = await postedInvoice(t, cus, 3000);
    const b = await postedInvoice(t, cus, 4000);
    const memo = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 5000, reason: 'Credit' }),
    );
    const apply = (allocations: unknown) =>
      t.api.post(`${MEMOS}/${memo.id}/apply`, { allocations });
    const beyondMemo = await apply([
      { invoice_id: a, amount: 3000 },
      { invoice_id: b, amount: 2001 },
    ]);
    expect(beyondMemo.status).toBe(422);
    expect(beyondMemo.body.error.code).toBe('credit_exceeds_remaining');
    const beyondInvoice = await apply([{ invoice_id: a, amount: 3001 }]);
    expect(beyondInvoice.status).toBe(422);
    expect(beyondInvoice.body.error).toMatchObject({
      code: 'credit_exceeds_invoice_balance',
      details: { available: 3000 },
    });
    const dup = await apply([
      { invoice_id: a, amount: 1 },
      { invoice_id: a, amount: 1 },
    ]);
    expect(dup.status).toBe(400);
    expect((await apply([{ invoice_id: a, amount: 0 }])).status).toBe(400);
    expect((await apply([{ invoice_id: a, amount: 1.5 }])).status).toBe(400);
    // Nothing changed.
    expect((await t.api.get(`${MEMOS}/${memo.id}`)).body.remaining).toBe(5000);
    expect(await balanceOf(t, a)).toBe(3000);
    const ok = await apply([{ invoice_id: b, amount: 1500 }]);
    expect(ok.body).toMatchObject({ applied: 1500, remaining: 3500 });
    expect(await balanceOf(t, b)).toBe(2500);
    await expectBooksBalance(h, t.id);
  });

  it('refuse draft, void, unknown and another customer’s invoices', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const draft = await draftInvoice(t, cus, 1000);
    const voided = await postedInvoice(t, cus, 1000);
    await created(t.api.post(`/api/v1/invoices/${voided}/void`, { reason: 'Wrong' }));
    const memo = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 500, reason: 'Credit' }),
    );
    const apply = (invoice_id: string) =>
      t.api.post(`${MEMOS}/${memo.id}/apply`, { allocations: [{ invoice_id, amount: 100 }] });
    expect((await apply(draft)).body.error.code).toBe('invoice_not_posted');
    expect((await apply(voided)).body.error.code).toBe('invoice_not_posted');
    expect((await apply('inv_nope')).status).toBe(404);
    const other = await postedInvoice(t, await invoiceOnlyCustomer(t), 1000);
    expect((await apply(other)).body.error.code).toBe('credit_invoice_other_customer');
    const onDraft = await t.api.post(MEMOS, {
      customer_id: cus,
      amount: 100,
      reason: 'x',
      invoice_id: draft,
    });
    expect(onDraft.body.error.code).toBe('invoice_not_posted');
    // Nothing applied: no open invoice left for the oldest-first rule either.
    expect((await t.api.post(`${MEMOS}/${memo.id}/apply`, {})).body.error.code).toBe(
      'credit_nothing_to_apply',
    );
    expect((await t.api.get(`${MEMOS}/${memo.id}`)).body.applications).toEqual([]);
    const bad = [
      { customer_id: cus, amount: 0, reason: 'x' },
      { customer_id: cus, amount: -5, reason: 'x' },
      { customer_id: cus, amount: 5, reason: '' },
      { customer_id: cus, amount: 5, reason: 'x', extra: 1 },
    ];
    for (const body of bad) expect((await t.api.post(MEMOS, body)).status).toBe(400);
    expect(
      (await t.api.post(MEMOS, { customer_id: 'cus_nope', amount: 5, reason: 'x' })).body.error
        .code,
    ).toBe('customer_not_found');
    await expectBooksBalance(h, t.id);
  });

  it('are voided only while unused, and a void memo cannot be applied', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 1000);
    const used = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 400, reason: 'x', invoice_id: inv }),
    );
    const refused = await t.api.post(`${MEMOS}/${used.id}/void`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('credit_memo_applied');
    const unused = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 400, reason: 'x' }),
    );
    const voided = await t.api.post(`${MEMOS}/${unused.id}/void`);
    expect(voided.body).toMatchObject({ status: 'void', remaining: 0 });
    expect((await t.api.post(`${MEMOS}/${unused.id}/void`)).body.error.code).toBe(
      'credit_memo_void',
    );
    expect((await t.api.post(`${MEMOS}/${unused.id}/apply`, {})).body.error.code).toBe(
      'credit_memo_void',
    );
    await expectBooksBalance(h, t.id);
  });

  it('stay within their tenant and need the billing privilege', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const memo = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 400, reason: 'x' }),
    );
    const other = await newTenant(h);
    expect((await other.api.get(`${MEMOS}/${memo.id}`)).status).toBe(404);
    expect((await other.api.post(`${MEMOS}/${memo.id}/apply`, {})).body.error.code).toBe(
      'credit_memo_not_found',
    );
    expect((await other.api.post(`${MEMOS}/${memo.id}/void`)).status).toBe(404);
    expect((await other.api.get(`/api/v1/customers/${cus}/credits`)).status).toBe(404);
    const theirs = await postedInvoice(other, await invoiceOnlyCustomer(other), 1000);
    const cross = await t.api.post(`${MEMOS}/${memo.id}/apply`, {
      allocations: [{ invoice_id: theirs, amount: 100 }],
    });
    expect(cross.body.error.code).toBe('invoice_not_found');
    const { api: ro } = await apiKey(t, 'read_only');
    expect((await ro.get(MEMOS)).status).toBe(403);
    expect((await ro.post(MEMOS, { customer_id: cus, amount: 1, reason: 'x' })).status).toBe(403);
    await expectBooksBalance(h, t.id);
    await expectBooksBalance(h, other.id);
  });
});

describe('racing applications', () => {
  it('never credit an invoice beyond its total nor a memo beyond its amount', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 3000);
    const memos = await Promise.all(
      [1, 2].map(() =>
        created<{ id: string }>(t.api.post(MEMOS, { customer_id: cus, amount: 2500, reason: 'x' })),
      ),
    );
    const tries = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        t.api.post(`${MEMOS}/${memos[i % 2]?.id}/apply`, {
          allocations: [{ invoice_id: inv, amount: 700 }],
        }),
      ),
    );
    expect(tries.every((r) => r.status === 200 || r.status === 422)).toBe(true);
    // 3000 / 700: four applications fit on the invoice; each memo holds three.
    expect(tries.filter((r) => r.status === 200)).toHaveLength(4);
    expect(await balanceOf(t, inv)).toBe(200);
    await expectBooksBalance(h, t.id);
  });
});

describe('the credits view', () => {
  it('lists memos with what remains, with total and count', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 1000);
    await created(
      t.api.post(MEMOS, { customer_id: cus, amount: 3000, reason: 'A', invoice_id: inv }),
    );
    await created(t.api.post(MEMOS, { customer_id: cus, amount: 500, reason: 'B' }));
    const done = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: cus, amount: 200, reason: 'C' }),
    );
    await created(t.api.post(`${MEMOS}/${done.id}/void`));
    const all = await t.api.get(`/api/v1/customers/${cus}/credits?type=all`);
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ total: 2500, count: 2, currency: 'USD' });
    expect(all.body.data[0]).toMatchObject({ type: 'memo', date: '2026-11-22' });
    const memos = await t.api.get(`/api/v1/customers/${cus}/credits?type=memo`);
    expect(memos.body.count).toBe(2);
    const unapplied = await t.api.get(`/api/v1/customers/${cus}/credits?type=unapplied`);
    expect(unapplied.body).toMatchObject({ total: 0, count: 0, data: [] });
    expect((await t.api.get(`/api/v1/customers/${cus}/credits?type=nope`)).status).toBe(400);
    await expectBooksBalance(h, t.id);
  });

  it('pages newest first with the total and count of all, and a page survives its credit being used', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const memos: string[] = [];
    for (const amount of [100, 200, 300, 400, 500]) {
      const m = await created<{ id: string }>(
        t.api.post(MEMOS, { customer_id: cus, amount, reason: `M${amount}` }),
      );
      memos.push(m.id);
    }
    const url = `/api/v1/customers/${cus}/credits`;
    type Page = {
      count: number;
      total: number;
      data: { id: string }[];
      next_cursor: string | null;
    };
    const pages: Page[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.api.get(`${url}?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      pages.push(res.body);
      cursor = res.body.next_cursor;
    } while (cursor && pages.length < 10);
    expect(pages.map((p) => p.data.length)).toEqual([2, 2, 1]);
    expect(pages.every((p) => p.count === 5 && p.total === 1500)).toBe(true);
    // Every credit once, newest first; the whole list in one page when no limit is asked.
    expect(pages.flatMap((p) => p.data.map((r) => r.id))).toEqual([...memos].reverse());
    const whole = (await t.api.get(url)).body as Page;
    expect(whole.data.map((r) => r.id)).toEqual([...memos].reverse());
    expect(whole.next_cursor).toBeNull();

    // The credit a page ended with is used up: the next page is still the one after it.
    const first = pages[0] as Page;
    const last = first.data[1]?.id as string;
    const inv = await postedInvoice(t, cus, 400);
    const applied = await t.api.post(`${MEMOS}/${last}/apply`, {
      allocations: [{ invoice_id: inv, amount: 400 }],
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const after = await t.api.get(`${url}?limit=2&cursor=${first.next_cursor}`);
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({ count: 4, total: 1100 });
    expect(after.body.data.map((r: { id: string }) => r.id)).toEqual([memos[2], memos[1]]);

    // A cursor that is not one of this customer's credits is refused, not read as a position.
    const other = await invoiceOnlyCustomer(t);
    const theirs = await created<{ id: string }>(
      t.api.post(MEMOS, { customer_id: other, amount: 100, reason: 'Theirs' }),
    );
    for (const bad of [theirs.id, 'cm_00000000000000000000000000', 'nope']) {
      const res = await t.api.get(`${url}?limit=2&cursor=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('invalid_cursor');
    }
    expect((await t.api.get(`${url}?limit=101`)).status).toBe(400);
  });
});

/**
 * Refunds pay back only money a payment still holds (E4, E10): a returned bank debit already went
 * back, a pending one has not settled, and scheduled, failed or cancelled payments never collected.
 * Each is refused with its own code and nothing changes: no refund row, no gateway call, the
 * payment and its invoice as they were.
 */
describe('refunds of payments that hold no money', () => {
  const r = useTenant(h, { each: true }); // its own clock for each scenario

  /** Refunds `amount`, expects `status`/`code`, and checks that nothing changed. */
  async function refused(paymentId: string, amount: number, status: number, code: string) {
    const state = async () => ({
      payment: (await r.api.get(`/api/v1/payments/${paymentId}`)).body,
      refunds: await h.testDb.db.query('SELECT * FROM refunds WHERE payment_id = $1 ORDER BY id', [
        paymentId,
      ]),
      audit: (await r.api.get(`/api/v1/audit-log?object=${paymentId}`)).body.data,
    });
    const before = await state();
    const res = await r.api.post(`/api/v1/payments/${paymentId}/refunds`, {
      amount,
      reason: 'customer asked',
    });
    expect([res.status, res.body.error?.code], JSON.stringify(res.body)).toEqual([status, code]);
    expect(await state()).toEqual(before);
    return res.body.error as { code: string; details: Record<string, unknown> };
  }

  it('refuses a bank debit while pending, and after it came back (R01)', async () => {
    const cus = await newCustomer(r);
    const bank = await verifiedBank(r, cus.id, '000111111116');
    const inv = await postedInvoice(r, cus.id, 3100);
    const p = await pay(r, cus.id, bank.id, 3100);
    expect(p.status).toBe('pending');
    const pending = await refused(p.id, 3100, 409, 'payment_not_settled');
    expect(pending.details).toMatchObject({ status: 'pending' });
    await advance(r, 5);
    expect((await r.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('returned');
    const back = await refused(p.id, 3100, 409, 'payment_returned_not_refundable');
    expect(back.details).toMatchObject({ status: 'returned', return_code: 'R01', refundable: 0 });
    await refused(p.id, 1, 409, 'payment_returned_not_refundable');
    expect(await balanceOf(r, inv)).toBe(3100);
    await expectBooksBalance(h, r.id);
  });

  it('refuses a bank debit that settled and then came back (R10)', async () => {
    const cus = await newCustomer(r);
    const bank = await verifiedBank(r, cus.id, '000222222227');
    const inv = await postedInvoice(r, cus.id, 2700);
    const p = await pay(r, cus.id, bank.id, 2700);
    await advance(r, 4);
    expect((await r.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    await advance(r, 7);
    expect((await r.api.get(`/api/v1/payments/${p.id}`)).body).toMatchObject({
      status: 'returned',
      return_code: 'R10',
    });
    await refused(p.id, 2700, 409, 'payment_returned_not_refundable');
    expect(await balanceOf(r, inv)).toBe(2700);
    await expectBooksBalance(h, r.id);
  });

  it('refuses failed, scheduled and cancelled payments: they never collected', async () => {
    const cus = await newCustomer(r);
    const declining = await saveMethod(r, cus.id, cardBody('4000000000009995'));
    const inv = await postedInvoice(r, cus.id, 1500);
    const failed = await pay(r, cus.id, declining.id, 1500);
    expect(failed.status).toBe('failed');
    expect((await refused(failed.id, 1500, 409, 'payment_not_collected')).details).toMatchObject({
      status: 'failed',
    });
    const card = await saveMethod(r, cus.id, cardBody());
    const scheduled = await pay(r, cus.id, card.id, 1500, { scheduled_for: '2026-12-15' });
    expect(scheduled.status).toBe('scheduled');
    await refused(scheduled.id, 1500, 409, 'payment_not_collected');
    const cancel = await r.api.post(`/api/v1/payments/${scheduled.id}/cancel`, {});
    expect(cancel.body.status).toBe('cancelled');
    await refused(scheduled.id, 1, 409, 'payment_not_collected');
    expect(await balanceOf(r, inv)).toBe(1500);
    await expectBooksBalance(h, r.id);
  });

  it('refuses a card charge until it settles, then refunds it', async () => {
    const cus = await newCustomer(r);
    const slow = await saveMethod(r, cus.id, cardBody('4000000000000077'));
    const inv = await postedInvoice(r, cus.id, 900);
    const p = await pay(r, cus.id, slow.id, 900);
    expect(p.status).toBe('pending');
    await refused(p.id, 900, 409, 'payment_not_settled');
    await advance(r, 4);
    expect((await r.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('succeeded');
    const ok = await r.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 900,
      outcome: 'reopen',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect(ok.body).toMatchObject({ status: 'refunded', amount_refunded: 900 });
    expect(await balanceOf(r, inv)).toBe(900);
    await expectBooksBalance(h, r.id);
  });

  it('refuses more than is refundable, and anything once fully refunded', async () => {
    const cus = await newCustomer(r);
    const card = await saveMethod(r, cus.id, cardBody());
    const inv = await postedInvoice(r, cus.id, 2000);
    const p = await pay(r, cus.id, card.id, 2000);
    const over = await refused(p.id, 2001, 422, 'refund_exceeds_payment');
    expect(over.details).toMatchObject({ requested: 2001, refundable: 2000 });
    const part = await r.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 1200,
      outcome: 'reopen',
    });
    expect(part.status, JSON.stringify(part.body)).toBe(201);
    expect((await refused(p.id, 801, 422, 'refund_exceeds_payment')).details).toMatchObject({
      refundable: 800,
    });
    const rest = await r.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 800,
      outcome: 'reopen',
    });
    expect(rest.body).toMatchObject({ status: 'refunded', amount_refunded: 2000 });
    await refused(p.id, 1, 409, 'payment_not_refundable');
    expect(await balanceOf(r, inv)).toBe(2000);
    await expectBooksBalance(h, r.id);
  });
});
