import { describe, expect, it } from 'vitest';
import { listBillableSubscriptions } from '../../src/modules/subscriptions/service.js';
import { apiKey, newTenant, type TestTenant, unique } from '../helpers/app.js';
import { newCustomer, price, product, subscription } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';

const h = useHarness();

const V = '/api/v1';
// The harness clock: 2026-11-22T15:00Z, 10:00 on 2026-11-22 in New York.
const TODAY = '2026-11-22';

/** An invoice-only customer, ready to subscribe. */
const customer = (t: TestTenant, body: Record<string, unknown> = {}) =>
  newCustomer(t, { invoice_only: true, ...body });

/** One product with a monthly, a yearly, a usage and a one-time price. */
async function catalog(t: TestTenant) {
  const { id: productId } = await product(t);
  const make = async (body: Record<string, unknown>) =>
    (await price(t, { product_id: productId, ...body })).id;
  return {
    monthly: await make({ kind: 'recurring', billing_interval: 'month', unit_amount: 3000 }),
    yearly: await make({ kind: 'recurring', billing_interval: 'year', unit_amount: 30000 }),
    usage: await make({
      kind: 'usage',
      billing_interval: 'month',
      unit_amount: 2,
      unit_of_measure: 'api_call',
    }),
    once: await make({ kind: 'one_time', unit_amount: 5000, nickname: 'Setup fee' }),
  };
}

describe('starting subscriptions', () => {
  it('defaults to today, quantity 1 and the start day as anchor; marks the price used', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, { customer_id: c.id, price_id: p.monthly });
    expect(sub).toMatchObject({
      customer_id: c.id,
      price_id: p.monthly,
      price: { kind: 'recurring', billing_interval: 'month', unit_amount: 3000 },
      quantity: 1,
      status: 'active',
      start_date: TODAY,
      end_date: null,
      billing_anchor_day: 22,
      cancel_at_period_end: false,
      canceled_at: null,
      current_period: { start: '2026-11-22', end: '2026-12-22' },
    });
    expect(sub.id).toMatch(/^sub_[0-9a-z]{26}$/);
    expect((await t.api.get(`${V}/prices/${p.monthly}`)).body.used).toBe(true);
    expect((await t.api.get(`${V}/subscriptions/${sub.id}`)).body).toEqual(sub);
    const audit = await t.api.get(`${V}/audit-log?object=${sub.id}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'subscription.created',
    ]);
  });

  it('takes a start date, quantity and anchor; clamps the anchor to short months', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, {
      customer_id: c.id,
      price_id: p.monthly,
      quantity: 3,
      start_date: '2026-01-31',
    });
    expect(sub).toMatchObject({
      quantity: 3,
      billing_anchor_day: 31,
      current_period: { start: '2026-10-31', end: '2026-11-30' },
    });
    const yearly = await subscription(t, {
      customer_id: c.id,
      price_id: p.yearly,
      start_date: '2026-03-15',
      billing_anchor_day: 1,
    });
    expect(yearly.current_period).toEqual({ start: '2026-03-01', end: '2027-03-01' });
    const future = await subscription(t, {
      customer_id: c.id,
      price_id: p.monthly,
      start_date: '2027-02-10',
    });
    expect(future.current_period).toEqual({ start: '2027-02-10', end: '2027-03-10' });
  });

  it('refuses a one-time price, a usage quantity, bad input; stores nothing', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const once = await t.api.post(`${V}/subscriptions`, { customer_id: c.id, price_id: p.once });
    expect(once.status).toBe(422);
    expect(once.body.error.code).toBe('price_kind_mismatch');
    const usageQty = await t.api.post(`${V}/subscriptions`, {
      customer_id: c.id,
      price_id: p.usage,
      quantity: 2,
    });
    expect(usageQty.status).toBe(400);
    expect(usageQty.body.error.details.issues[0].path).toBe('quantity');
    for (const bad of [
      { quantity: 0 },
      { quantity: 1.5 },
      { quantity: '2' },
      { billing_anchor_day: 32 },
      { billing_anchor_day: 0 },
      { start_date: '2026-02-30' },
      { start_date: '2026-11-22T00:00:00Z' },
      { colour: 'red' },
    ]) {
      const res = await t.api.post(`${V}/subscriptions`, {
        customer_id: c.id,
        price_id: p.monthly,
        ...bad,
      });
      expect(res.status, JSON.stringify(bad)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await countRows(h, 'subscriptions', t.id)).toBe(0);
    expect((await t.api.get(`${V}/prices/${p.once}`)).body.used).toBe(false);
  });

  it('needs an active customer of the tenant and a price of the tenant', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const p = await catalog(t);
    const theirs = await catalog(other);
    const theirCustomer = await customer(other);
    const mine = await customer(t);
    const archived = await customer(t);
    await t.api.delete(`${V}/customers/${archived.id}`);
    const cases: [Record<string, unknown>, number, string][] = [
      [
        { customer_id: 'cus_0000000000000000000000000a', price_id: p.monthly },
        404,
        'customer_not_found',
      ],
      [{ customer_id: theirCustomer.id, price_id: p.monthly }, 404, 'customer_not_found'],
      [{ customer_id: mine.id, price_id: theirs.monthly }, 404, 'price_not_found'],
      [{ customer_id: archived.id, price_id: p.monthly }, 409, 'customer_archived'],
    ];
    for (const [body, status, code] of cases) {
      const res = await t.api.post(`${V}/subscriptions`, body);
      expect(res.status).toBe(status);
      expect(res.body.error.code).toBe(code);
    }
    expect(await countRows(h, 'subscriptions', t.id)).toBe(0);
    expect(await countRows(h, 'subscriptions', other.id)).toBe(0);
    expect((await other.api.get(`${V}/prices/${theirs.monthly}`)).body.used).toBe(false);
  });

  it('refuses a customer whose billing is not set up (A7), saying what to do', async () => {
    const t = await newTenant(h);
    const c = await customer(t, { invoice_only: false });
    const p = await catalog(t);
    const res = await t.api.post(`${V}/subscriptions`, { customer_id: c.id, price_id: p.monthly });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('billing_not_set_up');
    expect(await countRows(h, 'subscriptions', t.id)).toBe(0);
    expect((await t.api.get(`${V}/prices/${p.monthly}`)).body.used).toBe(false);
    await t.api.patch(`${V}/customers/${c.id}`, { invoice_only: true });
    await subscription(t, { customer_id: c.id, price_id: p.monthly });
  });

  it('refuses two usage subscriptions for one unit of measure over the same dates', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const first = await subscription(t, { customer_id: c.id, price_id: p.usage });
    const twice = await Promise.all([
      t.api.post(`${V}/subscriptions`, { customer_id: c.id, price_id: p.usage }),
      t.api.post(`${V}/subscriptions`, {
        customer_id: c.id,
        price_id: p.usage,
        start_date: '2027-01-01',
      }),
    ]);
    for (const res of twice) {
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'usage_subscription_overlap',
        details: { subscription_id: first.id },
      });
    }
    await t.api.post(`${V}/subscriptions/${first.id}/cancel`, { at: '2027-01-01' });
    await subscription(t, { customer_id: c.id, price_id: p.usage, start_date: '2027-01-01' });
  });
});

describe('changing and canceling', () => {
  it('changes the quantity of a recurring subscription, not of a usage one', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, { customer_id: c.id, price_id: p.monthly });
    const res = await t.api.patch(`${V}/subscriptions/${sub.id}`, { quantity: 5 });
    expect(res.status).toBe(200);
    expect(res.body.quantity).toBe(5);
    for (const body of [{ quantity: 0 }, { quantity: 2.5 }, {}, { start_date: '2027-01-01' }]) {
      expect((await t.api.patch(`${V}/subscriptions/${sub.id}`, body)).status).toBe(400);
    }
    const usage = await subscription(t, { customer_id: c.id, price_id: p.usage });
    expect((await t.api.patch(`${V}/subscriptions/${usage.id}`, { quantity: 2 })).status).toBe(400);
    const audit = await t.api.get(`${V}/audit-log?object=${sub.id}`);
    expect(audit.body.data[0]).toMatchObject({
      action: 'subscription.updated',
      before: { quantity: 1 },
      after: { quantity: 5 },
    });
  });

  it('cancels now: the service ends at the start of today; a second cancel is refused', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, {
      customer_id: c.id,
      price_id: p.monthly,
      start_date: '2026-10-05',
    });
    const res = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'canceled',
      end_date: TODAY,
      cancel_at_period_end: false,
      canceled_at: '2026-11-22T15:00:00.000Z',
      current_period: null,
    });
    for (const again of [
      await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' }),
      await t.api.patch(`${V}/subscriptions/${sub.id}`, { quantity: 2 }),
    ]) {
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('subscription_canceled');
    }
  });

  it('cancels at period end: active until the clock passes the period’s end', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, {
      customer_id: c.id,
      price_id: p.monthly,
      start_date: '2026-10-05',
    });
    const res = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'period_end' });
    expect(res.body).toMatchObject({
      status: 'active',
      end_date: '2026-12-05',
      cancel_at_period_end: true,
      current_period: { start: '2026-11-05', end: '2026-12-05' },
    });
    const active = await t.api.get(`${V}/subscriptions?status=active&customer=${c.id}`);
    expect(active.body.data.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    // Still running: the quantity can change, and canceling now overrides the period end.
    expect((await t.api.patch(`${V}/subscriptions/${sub.id}`, { quantity: 2 })).status).toBe(200);

    const moved = await t.api.post(`${V}/clock/advance`, { to: '2026-12-05' });
    expect(moved.status).toBe(200);
    const after = await t.api.get(`${V}/subscriptions/${sub.id}`);
    expect(after.body).toMatchObject({ status: 'canceled', end_date: '2026-12-05' });
    const canceled = await t.api.get(`${V}/subscriptions?status=canceled`);
    expect(canceled.body.data.map((s: { id: string }) => s.id)).toEqual([sub.id]);
    expect((await t.api.get(`${V}/subscriptions?status=active`)).body.data).toEqual([]);
    const late = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' });
    expect(late.body.error.code).toBe('subscription_canceled');
  });

  it('cancels on a future date; refuses a past date or one before the start', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, {
      customer_id: c.id,
      price_id: p.yearly,
      start_date: '2026-06-01',
    });
    const past = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: '2026-11-01' });
    expect(past.status).toBe(400);
    expect(past.body.error.details.issues[0].path).toBe('at');
    for (const at of ['tomorrow', '2026-13-01', 5]) {
      expect((await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at })).status).toBe(400);
    }
    const future = await subscription(t, {
      customer_id: c.id,
      price_id: p.monthly,
      start_date: '2027-03-01',
    });
    const early = await t.api.post(`${V}/subscriptions/${future.id}/cancel`, { at: '2027-01-01' });
    expect(early.status).toBe(400);
    const now = await t.api.post(`${V}/subscriptions/${future.id}/cancel`, { at: 'now' });
    expect(now.body).toMatchObject({ status: 'canceled', end_date: '2027-03-01' });
    const dated = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: '2027-02-14' });
    expect(dated.body).toMatchObject({ status: 'canceled', end_date: '2027-02-14' });
    const yearEnd = await subscription(t, {
      customer_id: c.id,
      price_id: p.yearly,
      start_date: '2026-06-01',
    });
    const atEnd = await t.api.post(`${V}/subscriptions/${yearEnd.id}/cancel`, {});
    expect(atEnd.body).toMatchObject({ end_date: '2027-06-01', cancel_at_period_end: true });
  });

  it('canceling a usage subscription now keeps the days whose usage is recorded', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, {
      customer_id: c.id,
      price_id: p.usage,
      start_date: '2026-11-01',
    });
    const usage = await t.api.post(`${V}/usage-records`, {
      id: unique(),
      customer_id: c.id,
      unit_of_measure: 'api_call',
      quantity: 10,
      usage_date: TODAY,
    });
    expect(usage.status).toBe(201);
    const onDate = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: TODAY });
    expect(onDate.status).toBe(400);
    const now = await t.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' });
    expect(now.body).toMatchObject({ status: 'canceled', end_date: '2026-11-23' });
  });
});

describe('lists, isolation and access', () => {
  it('lists by customer and pages newest first', async () => {
    const t = await newTenant(h);
    const a = await customer(t);
    const b = await customer(t);
    const p = await catalog(t);
    const s1 = await subscription(t, { customer_id: a.id, price_id: p.monthly });
    const s2 = await subscription(t, { customer_id: b.id, price_id: p.monthly });
    const s3 = await subscription(t, { customer_id: a.id, price_id: p.yearly });
    const ofA = await t.api.get(`${V}/subscriptions?customer=${a.id}`);
    expect(ofA.body.data.map((s: { id: string }) => s.id)).toEqual([s3.id, s1.id]);
    const first = await t.api.get(`${V}/subscriptions?limit=2`);
    expect(first.body.data.map((s: { id: string }) => s.id)).toEqual([s3.id, s2.id]);
    const rest = await t.api.get(`${V}/subscriptions?limit=2&cursor=${first.body.next_cursor}`);
    expect(rest.body).toMatchObject({ next_cursor: null });
    expect(rest.body.data.map((s: { id: string }) => s.id)).toEqual([s1.id]);
  });

  it('another tenant’s subscription is not found and not changed', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const c = await customer(a);
    const p = await catalog(a);
    const sub = await subscription(a, { customer_id: c.id, price_id: p.monthly });
    for (const res of [
      await b.api.get(`${V}/subscriptions/${sub.id}`),
      await b.api.patch(`${V}/subscriptions/${sub.id}`, { quantity: 9 }),
      await b.api.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('subscription_not_found');
    }
    expect((await b.api.get(`${V}/subscriptions?customer=${c.id}`)).body.data).toEqual([]);
    expect((await a.api.get(`${V}/subscriptions/${sub.id}`)).body).toEqual(sub);
  });

  it('read-only neither reads nor starts, changes or cancels subscriptions (billing data)', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const sub = await subscription(t, { customer_id: c.id, price_id: p.monthly });
    const ro = (await apiKey(t, 'read_only')).api;
    for (const res of [
      await ro.get(`${V}/subscriptions/${sub.id}`),
      await ro.get(`${V}/subscriptions?customer=${c.id}`),
      await ro.post(`${V}/subscriptions`, { customer_id: c.id, price_id: p.monthly }),
      await ro.patch(`${V}/subscriptions/${sub.id}`, { quantity: 2 }),
      await ro.post(`${V}/subscriptions/${sub.id}/cancel`, { at: 'now' }),
    ]) {
      expect(res.status).toBe(403);
    }
  });
});

describe('for the bill run', () => {
  it('listBillableSubscriptions returns the customers’ subscriptions with price terms', async () => {
    const t = await newTenant(h);
    const a = await customer(t);
    const b = await customer(t);
    const p = await catalog(t);
    const s1 = await subscription(t, { customer_id: a.id, price_id: p.monthly, quantity: 2 });
    const s2 = await subscription(t, {
      customer_id: b.id,
      price_id: p.usage,
      start_date: '2026-01-01',
    });
    await t.api.post(`${V}/subscriptions/${s2.id}/cancel`, { at: 'now' });
    const rows = await listBillableSubscriptions(h.testDb.db, t.id, [a.id, b.id]);
    expect(rows.map((r) => r.id).sort()).toEqual([s1.id, s2.id].sort());
    expect(rows.find((r) => r.id === s1.id)).toMatchObject({
      customer_id: a.id,
      quantity: 2,
      end_date: null,
      price: { id: p.monthly, kind: 'recurring', pricing_model: 'flat', unit_amount: 3000 },
    });
    const recent = await listBillableSubscriptions(h.testDb.db, t.id, [a.id, b.id], {
      endedSince: '2026-12-01',
    });
    expect(recent.map((r) => r.id)).toEqual([s1.id]);
    const other = await newTenant(h);
    expect(await listBillableSubscriptions(h.testDb.db, other.id, [a.id])).toEqual([]);
  });
});

describe('one-time charges', () => {
  it('charges a one-time price, lists pending ones, deletes one not invoiced', async () => {
    const t = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const res = await t.api.post(`${V}/customers/${c.id}/charges`, {
      price_id: p.once,
      quantity: 2,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customer_id: c.id,
      price_id: p.once,
      quantity: 2,
      unit_amount: 5000,
      amount: 10000,
      currency: 'USD',
      charge_date: TODAY,
      pending: true,
      invoice_id: null,
    });
    expect(res.body.id).toMatch(/^chg_/);
    expect((await t.api.get(`${V}/prices/${p.once}`)).body.used).toBe(true);
    const later = await t.api.post(`${V}/customers/${c.id}/charges`, {
      price_id: p.once,
      description: 'Onboarding',
      charge_date: '2026-12-01',
    });
    expect(later.body).toMatchObject({ quantity: 1, description: 'Onboarding', amount: 5000 });
    await h.testDb.db.query(`UPDATE pending_charges SET invoice_id = 'inv_x' WHERE id = $1`, [
      res.body.id,
    ]);
    const pending = await t.api.get(`${V}/customers/${c.id}/charges?pending=true`);
    expect(pending.body.data.map((x: { id: string }) => x.id)).toEqual([later.body.id]);
    const invoiced = await t.api.get(`${V}/customers/${c.id}/charges?pending=false`);
    expect(invoiced.body.data.map((x: { id: string }) => x.id)).toEqual([res.body.id]);
    const refused = await t.api.delete(`${V}/charges/${res.body.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'charge_invoiced',
      details: { invoice_id: 'inv_x' },
    });
    expect((await t.api.delete(`${V}/charges/${later.body.id}`)).status).toBe(200);
    expect((await t.api.delete(`${V}/charges/${later.body.id}`)).body.error.code).toBe(
      'charge_not_found',
    );
  });

  it('refuses a recurring price, bad input, other tenants’ customers and prices', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const c = await customer(t);
    const p = await catalog(t);
    const theirs = await catalog(other);
    const theirCustomer = await customer(other);
    const recurring = await t.api.post(`${V}/customers/${c.id}/charges`, { price_id: p.monthly });
    expect(recurring.status).toBe(422);
    expect(recurring.body.error.code).toBe('price_kind_mismatch');
    for (const body of [{ price_id: p.once, quantity: 0 }, { price_id: p.once, amount: 5 }, {}]) {
      expect((await t.api.post(`${V}/customers/${c.id}/charges`, body)).status).toBe(400);
    }
    const theirPrice = await t.api.post(`${V}/customers/${c.id}/charges`, {
      price_id: theirs.once,
    });
    expect(theirPrice.body.error.code).toBe('price_not_found');
    const theirCus = await t.api.post(`${V}/customers/${theirCustomer.id}/charges`, {
      price_id: p.once,
    });
    expect(theirCus.status).toBe(404);
    expect(theirCus.body.error.code).toBe('customer_not_found');
    expect((await t.api.get(`${V}/customers/${theirCustomer.id}/charges`)).status).toBe(404);
    const mine = await t.api.post(`${V}/customers/${c.id}/charges`, { price_id: p.once });
    expect((await other.api.delete(`${V}/charges/${mine.body.id}`)).status).toBe(404);
    expect(await countRows(h, 'pending_charges', t.id)).toBe(1);
    expect(await countRows(h, 'pending_charges', other.id)).toBe(0);
    const ro = (await apiKey(t, 'read_only')).api;
    expect((await ro.get(`${V}/customers/${c.id}/charges`)).status).toBe(403);
    expect((await ro.delete(`${V}/charges/${mine.body.id}`)).status).toBe(403);
  });
});
