/**
 * A proration credit never vanishes (issue 10 item 3): the credit a canceled subscription is due
 * for days billed in advance and not served goes on the bill run's invoice as far as its charges
 * absorb it, and the rest becomes a credit memo on the customer's account at once — visible in
 * the credits view and the balance, applied to open invoices oldest first. The cancel answer and
 * the upcoming estimate say what credit will follow.
 */
import { describe, expect, it } from 'vitest';
import { advanceTo, newTenant, type TestTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  invoiceOnlyCustomer,
  monthlyPrice,
  oneTimePrice,
  subscribe,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { balanceOf } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

interface Memo {
  id: string;
  amount: number;
  applied: number;
  remaining: number;
  reason: string;
  applications: { invoice_id: string; amount: number }[];
  proration: { subscription_id: string; period_start: string; period_end: string } | null;
}

const memosOf = async (t: TestTenant, customerId: string) =>
  (await created<{ data: Memo[] }>(t.api.get(`/api/v1/credit-memos?customer=${customerId}`))).data;

const balance = (t: TestTenant, customerId: string) =>
  created<{ total_balance: number; unapplied_credits: number; net_balance: number }>(
    t.api.get(`/api/v1/customers/${customerId}/balance`),
  );

/**
 * A $45/month plan from 2026-11-22, billed on the 22nd (a 30-day first period, 11-22 to 12-22),
 * its first period billed and posted today; the customer, the subscription and that invoice.
 */
async function billedPlan(t: TestTenant) {
  const customerId = await invoiceOnlyCustomer(t);
  const plan = await monthlyPrice(t, 'Plan', 4_500);
  const sub = await subscribe(t, customerId, plan, '2026-11-22', { billing_anchor_day: 22 });
  const run = await billRun(h, t, '2026-11-22', { auto_post: true });
  expect(run).toMatchObject({ status: 'posted', invoice_count: 1, total_amount: 4_500 });
  const invoices = await t.api.get(`/api/v1/invoices?customer=${customerId}`);
  const [invoice] = invoices.body.data;
  expect(invoice).toMatchObject({ status: 'open', total: 4_500 });
  return { customerId, plan, sub, invoice: invoice.id as string };
}

describe('a proration credit', () => {
  it('$45/month canceled on day 20 of a 30-day period: $16.50 on the account, in the balance', async () => {
    const t = await newTenant(h);
    const { customerId, sub, invoice } = await billedPlan(t);
    await advanceTo(t, '2026-12-11'); // day 20 of 11-22 … 12-21
    const canceled = await t.api.post(`/api/v1/subscriptions/${sub}/cancel`, { at: 'now' });
    expect(canceled.status, JSON.stringify(canceled.body)).toBe(200);
    // Served 19 of 30 days: 11 days not served, 4500 × 11/30 = 1650.
    expect(canceled.body).toMatchObject({
      status: 'canceled',
      end_date: '2026-12-11',
      credit_to_follow: {
        amount: 1_650,
        lines: [
          {
            period_start: '2026-11-22',
            period_end: '2026-12-22',
            amount: 1_650,
            description: 'Plan: credit for unused time (2026-12-11 to 2026-12-22)',
          },
        ],
      },
    });
    const upcoming = await created<{
      lines: unknown[];
      total: number;
      account_credits: { amount: number; kind: string }[];
      account_credit_total: number;
    }>(t.api.get(`/api/v1/customers/${customerId}/upcoming-invoice`));
    expect(upcoming).toMatchObject({ lines: [], total: 0, account_credit_total: 1_650 });
    expect(upcoming.account_credits).toEqual([
      expect.objectContaining({ kind: 'proration', amount: -1_650 }),
    ]);

    // The next bill run has nothing to bill: no invoice, and the credit on the account at once,
    // applied to the open invoice.
    const run = await billRun(h, t, '2026-12-22');
    expect(run).toMatchObject({ invoice_count: 0 });
    const [memo] = await memosOf(t, customerId);
    expect(memo).toMatchObject({
      amount: 1_650,
      applied: 1_650,
      remaining: 0,
      reason: 'Plan: credit for unused time (2026-12-11 to 2026-12-22)',
      applications: [{ invoice_id: invoice, amount: 1_650 }],
      proration: { subscription_id: sub, period_start: '2026-11-22', period_end: '2026-12-22' },
    });
    expect(await balanceOf(t, invoice)).toBe(2_850);
    expect(await balance(t, customerId)).toMatchObject({
      total_balance: 2_850,
      unapplied_credits: 0,
      net_balance: 2_850,
    });
    // Once: a later run credits nothing more, and the estimate shows nothing to follow.
    await billRun(h, t, '2027-01-22');
    expect(await memosOf(t, customerId)).toHaveLength(1);
    const after = await created<{ account_credit_total: number }>(
      t.api.get(`/api/v1/customers/${customerId}/upcoming-invoice`),
    );
    expect(after.account_credit_total).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('canceled now on the first day of a period billed in advance: the whole period, on the account', async () => {
    const t = await newTenant(h);
    const { customerId, sub, invoice } = await billedPlan(t);
    // Pay the first period, so the credit has no open invoice to go to and stays on the account.
    const paid = await t.api.post('/api/v1/payments/external', {
      customer_id: customerId,
      amount: 4_500,
      method: 'check',
      reference: 'Check 1',
      allocations: [{ invoice_id: invoice, amount: 4_500 }],
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    await advanceTo(t, '2026-12-22');
    // The second period (12-22 to 01-22, 31 days) billed in advance and posted today.
    const second = await billRun(h, t, '2026-12-22', { auto_post: true });
    expect(second).toMatchObject({ invoice_count: 1, total_amount: 4_500 });
    const invoices = await t.api.get(`/api/v1/invoices?customer=${customerId}`);
    const secondInvoice = invoices.body.data.find((i: { id: string }) => i.id !== invoice).id;
    const canceled = await t.api.post(`/api/v1/subscriptions/${sub}/cancel`, { at: 'now' });
    expect(canceled.body).toMatchObject({
      end_date: '2026-12-22',
      credit_to_follow: { amount: 4_500, lines: [{ period_start: '2026-12-22', amount: 4_500 }] },
    });
    await billRun(h, t, '2027-01-22');
    const [memo] = await memosOf(t, customerId);
    expect(memo).toMatchObject({
      amount: 4_500,
      applied: 4_500,
      applications: [{ invoice_id: secondInvoice, amount: 4_500 }],
    });
    expect(await balance(t, customerId)).toMatchObject({ total_balance: 0, net_balance: 0 });
    await expectBooksBalance(h, t.id);
  });

  it('what charges on the same invoice do not absorb is on the account, unapplied', async () => {
    const t = await newTenant(h);
    const { customerId, sub, invoice } = await billedPlan(t);
    const paid = await t.api.post('/api/v1/payments/external', {
      customer_id: customerId,
      amount: 4_500,
      method: 'check',
      reference: 'Check 1',
      allocations: [{ invoice_id: invoice, amount: 4_500 }],
    });
    expect(paid.status, JSON.stringify(paid.body)).toBe(201);
    await advanceTo(t, '2026-12-11');
    await t.api.post(`/api/v1/subscriptions/${sub}/cancel`, { at: 'now' });
    // A $5.00 one-time charge on the next invoice absorbs $5.00 of the $16.50 credit.
    const fee = await oneTimePrice(t, 'Fee', 500);
    const charge = await t.api.post(`/api/v1/customers/${customerId}/charges`, { price_id: fee });
    expect(charge.status, JSON.stringify(charge.body)).toBe(201);
    const upcoming = await created<{ lines: { amount: number }[]; account_credit_total: number }>(
      t.api.get(`/api/v1/customers/${customerId}/upcoming-invoice`),
    );
    expect(upcoming.lines.map((l) => l.amount)).toEqual([500, -500]);
    expect(upcoming.account_credit_total).toBe(1_150);
    const run = await billRun(h, t, '2026-12-22', { auto_post: true });
    expect(run).toMatchObject({ invoice_count: 1, total_amount: 0 });
    const [memo] = await memosOf(t, customerId);
    expect(memo).toMatchObject({ amount: 1_150, applied: 0, remaining: 1_150 });
    const credits = await created<{ total: number; data: { id: string; remaining: number }[] }>(
      t.api.get(`/api/v1/customers/${customerId}/credits`),
    );
    expect(credits.total).toBe(1_150);
    expect(credits.data).toEqual([expect.objectContaining({ id: memo?.id, remaining: 1_150 })]);
    expect(await balance(t, customerId)).toMatchObject({
      total_balance: 0,
      unapplied_credits: 1_150,
      net_balance: -1_150,
    });
    await expectBooksBalance(h, t.id);
  });
});
