/**
 * The cancel's preview (issue 13 item 2): POST /subscriptions/{id}/cancel/preview takes the
 * cancel's body and answers the end and the credit and charges that would follow, writing
 * nothing; the real cancel then answers the same, and the bill run bills what both said.
 */
import { describe, expect, it } from 'vitest';
import { advanceTo, apiKey, newTenant, type TestTenant } from '../helpers/app.js';
import {
  billRun,
  created,
  invoiceOnlyCustomer,
  monthlyPrice,
  subscribe,
  usagePrice,
} from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';

const h = useHarness();
const V = '/api/v1';

interface ToFollow {
  amount: number;
  lines: { description: string; period_start: string; period_end: string; amount: number }[];
}
interface Preview {
  subscription_id: string;
  at: string;
  end_date: string;
  cancel_at_period_end: boolean;
  status: string;
  credit_to_follow: ToFollow | null;
  charges_to_follow: ToFollow | null;
}

const preview = (t: TestTenant, sub: string, at: string) =>
  created<Preview>(t.api.post(`${V}/subscriptions/${sub}/cancel/preview`, { at }));

async function cancel(t: TestTenant, sub: string, at: string) {
  const res = await t.api.post(`${V}/subscriptions/${sub}/cancel`, { at });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as Preview & { id: string };
}

/** The figures a preview and a cancel answer share. */
const outcome = (p: Omit<Preview, 'subscription_id' | 'at'>) => ({
  end_date: p.end_date,
  cancel_at_period_end: p.cancel_at_period_end,
  status: p.status,
  credit_to_follow: p.credit_to_follow,
  charges_to_follow: p.charges_to_follow,
});

/** What the tenant has written so far: a preview must leave every count as it was. */
async function written(t: TestTenant) {
  return {
    audit: await countRows(h, 'audit_log', t.id),
    events: await countRows(h, 'events', t.id),
    memos: await countRows(h, 'credit_memos', t.id),
  };
}

/** $45 a month from 2026-11-22 on anchor day 22; its first period billed and posted today. */
async function billedPlan(t: TestTenant) {
  const customerId = await invoiceOnlyCustomer(t);
  const plan = await monthlyPrice(t, 'Plan', 4_500);
  const sub = await subscribe(t, customerId, plan, '2026-11-22', { billing_anchor_day: 22 });
  const run = await billRun(h, t, '2026-11-22', { auto_post: true });
  expect(run).toMatchObject({ status: 'posted', total_amount: 4_500 });
  return { customerId, sub };
}

describe('previewing a cancel', () => {
  it('now, mid-period: the credit for the unused days; nothing written; the cancel and the bill run agree', async () => {
    const t = await newTenant(h);
    const { customerId, sub } = await billedPlan(t);
    await advanceTo(t, '2026-12-11'); // day 20 of 11-22 … 12-21
    const before = await written(t);
    const subBefore = (await t.api.get(`${V}/subscriptions/${sub}`)).body;

    const p = await preview(t, sub, 'now');
    // Served 19 of 30 days: 4500 × 11/30 = 1650 credited; the period is billed, nothing to charge.
    expect(p).toEqual({
      subscription_id: sub,
      at: 'now',
      end_date: '2026-12-11',
      cancel_at_period_end: false,
      status: 'canceled',
      credit_to_follow: {
        amount: 1_650,
        lines: [
          {
            description: 'Plan: credit for unused time (2026-12-11 to 2026-12-22)',
            period_start: '2026-11-22',
            period_end: '2026-12-22',
            amount: 1_650,
          },
        ],
      },
      charges_to_follow: null,
    });
    expect(await written(t)).toEqual(before);
    expect((await t.api.get(`${V}/subscriptions/${sub}`)).body).toEqual(subBefore);
    // Twice the same: a preview changes nothing a second one could see.
    expect(await preview(t, sub, 'now')).toEqual(p);

    const canceled = await cancel(t, sub, 'now');
    expect(outcome(canceled)).toEqual(outcome(p));

    // The bill run credits exactly what the preview said: nothing to bill, a memo of 1650.
    await billRun(h, t, '2026-12-22');
    const memos = await created<{ data: { amount: number }[] }>(
      t.api.get(`${V}/credit-memos?customer=${customerId}`),
    );
    expect(memos.data.map((m) => m.amount)).toEqual([p.credit_to_follow?.amount]);
  });

  it('an unbilled subscription: now charges the days served, period end the whole period; the run bills what the preview said', async () => {
    const t = await newTenant(h);
    const customerId = await invoiceOnlyCustomer(t);
    const plan = await monthlyPrice(t, 'Plan', 3_000);
    const sub = await subscribe(t, customerId, plan, '2026-11-22', { billing_anchor_day: 22 });
    await advanceTo(t, '2026-12-01');

    const atEnd = await preview(t, sub, 'period_end');
    expect(atEnd).toMatchObject({
      end_date: '2026-12-22',
      cancel_at_period_end: true,
      status: 'active',
      credit_to_follow: null,
      charges_to_follow: {
        amount: 3_000,
        lines: [
          {
            description: 'Plan (2026-11-22 to 2026-12-22)',
            period_start: '2026-11-22',
            period_end: '2026-12-22',
            amount: 3_000,
          },
        ],
      },
    });
    // On a date in the next period: that period too, prorated by day (3 of 31 days).
    const onDate = await preview(t, sub, '2026-12-25');
    expect(onDate.charges_to_follow?.lines.map((l) => [l.period_start, l.amount])).toEqual([
      ['2026-11-22', 3_000],
      ['2026-12-22', 290],
    ]);
    expect(onDate.charges_to_follow?.amount).toBe(3_290);

    // Now: 9 of 30 days served, 3000 × 9/30 = 900.
    const now = await preview(t, sub, 'now');
    expect(now).toMatchObject({
      end_date: '2026-12-01',
      status: 'canceled',
      credit_to_follow: null,
      charges_to_follow: { amount: 900, lines: [{ period_end: '2026-12-01', amount: 900 }] },
    });
    const canceled = await cancel(t, sub, 'now');
    expect(outcome(canceled)).toEqual(outcome(now));
    const run = await billRun(h, t, '2026-12-01');
    expect(run).toMatchObject({ invoice_count: 1, total_amount: now.charges_to_follow?.amount });
  });

  it('says the same refusals as the cancel, and needs billing:write', async () => {
    const t = await newTenant(h);
    const customerId = await invoiceOnlyCustomer(t);
    const plan = await monthlyPrice(t, 'Plan', 3_000);
    const sub = await subscribe(t, customerId, plan, '2026-11-22', { billing_anchor_day: 22 });

    const past = await t.api.post(`${V}/subscriptions/${sub}/cancel/preview`, {
      at: '2026-11-01',
    });
    expect(past.status).toBe(400);
    expect(past.body.error.code).toBe('validation_failed');
    const unknown = await t.api.post(`${V}/subscriptions/${sub}/cancel/preview`, {
      at: 'now',
      refund: true,
    });
    expect(unknown.status).toBe(400);

    const ro = (await apiKey(t, 'read_only')).api;
    expect((await ro.post(`${V}/subscriptions/${sub}/cancel/preview`, { at: 'now' })).status).toBe(
      403,
    );

    const other = await newTenant(h);
    const foreign = await other.api.post(`${V}/subscriptions/${sub}/cancel/preview`, { at: 'now' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('subscription_not_found');

    await cancel(t, sub, 'now');
    const again = await t.api.post(`${V}/subscriptions/${sub}/cancel/preview`, { at: 'now' });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('subscription_canceled');
  });

  it('a usage subscription: the end after its recorded usage, and neither credit nor charge', async () => {
    const t = await newTenant(h);
    const customerId = await invoiceOnlyCustomer(t);
    const gb = await usagePrice(t, 'Traffic', 5);
    const sub = await subscribe(t, customerId, gb, '2026-11-22', { billing_anchor_day: 22 });
    await advanceTo(t, '2026-11-25');
    const usage = await t.api.post(`${V}/usage-records`, {
      id: 'u-1',
      customer_id: customerId,
      unit_of_measure: 'GB',
      quantity: 3,
      usage_date: '2026-11-25',
    });
    expect(usage.status, JSON.stringify(usage.body)).toBe(201);
    const p = await preview(t, sub, 'now');
    expect(p).toMatchObject({
      end_date: '2026-11-26',
      credit_to_follow: null,
      charges_to_follow: null,
    });
    expect(outcome(await cancel(t, sub, 'now'))).toEqual(outcome(p));
  });
});
