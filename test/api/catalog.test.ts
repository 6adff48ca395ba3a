import { describe, expect, it } from 'vitest';
import { apiKey, newTenant } from '../helpers/app.js';
import { price, product } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

const V = '/api/v1';

describe('products', () => {
  it('creates, reads, lists, renames and archives a product, audited', async () => {
    const t = await newTenant(h);
    const p = await product(t, { name: 'Cloud Storage', description: 'Object storage' });
    expect(p).toMatchObject({
      name: 'Cloud Storage',
      description: 'Object storage',
      active: true,
      created_at: '2026-11-22T15:00:00.000Z',
    });
    expect(p.id).toMatch(/^prod_[0-9a-z]{26}$/);
    expect((await t.api.get(`${V}/products/${p.id}`)).body).toEqual(p);
    const other = await product(t);
    const list = await t.api.get(`${V}/products?limit=1`);
    expect(list.body.data.map((x: { id: string }) => x.id)).toEqual([other.id]);
    const next = await t.api.get(`${V}/products?limit=1&cursor=${list.body.next_cursor}`);
    expect(next.body.data.map((x: { id: string }) => x.id)).toEqual([p.id]);
    const patched = await t.api.patch(`${V}/products/${p.id}`, {
      name: 'Storage',
      description: null,
      active: false,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'Storage', description: null, active: false });
    const inactive = await t.api.get(`${V}/products?active=false`);
    expect(inactive.body.data.map((x: { id: string }) => x.id)).toEqual([p.id]);
    const audit = await t.api.get(`${V}/audit-log?object=${p.id}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'product.updated',
      'product.created',
    ]);
  });

  it.each([
    ['an unknown field', { name: 'X', colour: 'red' }],
    ['no name', {}],
    ['a blank name', { name: '  ' }],
    ['active as a string', { name: 'X', active: 'yes' }],
  ])('refuses %s', async (_label, body) => {
    const t = await newTenant(h);
    const res = await t.api.post(`${V}/products`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get(`${V}/products`)).body.data).toEqual([]);
  });
});

describe('prices', () => {
  it('creates the three kinds with their defaults', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const monthly = await price(t, {
      product_id: p.id,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 2500,
      nickname: 'Monthly',
    });
    expect(monthly).toMatchObject({
      kind: 'recurring',
      pricing_model: 'flat',
      billing_interval: 'month',
      unit_amount: 2500,
      tiers: null,
      unit_of_measure: null,
      currency: 'USD',
      active: true,
      used: false,
      nickname: 'Monthly',
    });
    expect(monthly.id).toMatch(/^price_[0-9a-z]{26}$/);
    const perUnit = await price(t, {
      product_id: p.id,
      kind: 'usage',
      billing_interval: 'month',
      unit_amount: 3,
      unit_of_measure: 'api_call',
      currency: 'USD',
    });
    expect(perUnit).toMatchObject({ pricing_model: 'per_unit', unit_of_measure: 'api_call' });
    const tiers = [
      { up_to: 1000, unit_amount: 10 },
      { up_to: 10000, unit_amount: 5, flat_amount: 100 },
      { up_to: null, unit_amount: 1 },
    ];
    const tiered = await price(t, {
      product_id: p.id,
      kind: 'usage',
      pricing_model: 'tiered',
      billing_interval: 'year',
      tiers,
      unit_of_measure: 'gb',
    });
    expect(tiered).toMatchObject({ pricing_model: 'tiered', tiers, unit_amount: null });
    const once = await price(t, { product_id: p.id, kind: 'one_time', unit_amount: 9900 });
    expect(once).toMatchObject({ pricing_model: 'flat', billing_interval: null });
    expect((await t.api.get(`${V}/prices/${tiered.id}`)).body).toEqual(tiered);
    const usage = await t.api.get(`${V}/prices?kind=usage&product=${p.id}`);
    expect(usage.body.data.map((x: { id: string }) => x.id)).toEqual([tiered.id, perUnit.id]);
  });

  it.each([
    ['a negative amount', { kind: 'one_time', unit_amount: -1 }],
    ['a fractional amount', { kind: 'one_time', unit_amount: 10.5 }],
    ['an amount as a string', { kind: 'one_time', unit_amount: '10' }],
    ['an unknown field', { kind: 'one_time', unit_amount: 1, colour: 'red' }],
    ['an unknown kind', { kind: 'weekly', unit_amount: 1 }],
    ['recurring without interval', { kind: 'recurring', unit_amount: 1 }],
    [
      'recurring per unit',
      { kind: 'recurring', pricing_model: 'per_unit', billing_interval: 'month', unit_amount: 1 },
    ],
    ['a weekly interval', { kind: 'recurring', billing_interval: 'week', unit_amount: 1 }],
    ['one_time with an interval', { kind: 'one_time', billing_interval: 'month', unit_amount: 1 }],
    ['usage without unit of measure', { kind: 'usage', billing_interval: 'month', unit_amount: 1 }],
    [
      'usage flat',
      {
        kind: 'usage',
        pricing_model: 'flat',
        billing_interval: 'month',
        unit_amount: 1,
        unit_of_measure: 'x',
      },
    ],
    [
      'tiered without tiers',
      { kind: 'usage', pricing_model: 'tiered', billing_interval: 'month', unit_of_measure: 'x' },
    ],
    [
      'tiered with an amount',
      {
        kind: 'usage',
        pricing_model: 'volume',
        billing_interval: 'month',
        unit_of_measure: 'x',
        unit_amount: 1,
        tiers: [{ up_to: null, unit_amount: 1 }],
      },
    ],
    [
      'tiers out of order',
      {
        kind: 'usage',
        pricing_model: 'tiered',
        billing_interval: 'month',
        unit_of_measure: 'x',
        tiers: [
          { up_to: 10, unit_amount: 2 },
          { up_to: 5, unit_amount: 1 },
          { up_to: null, unit_amount: 1 },
        ],
      },
    ],
    [
      'a last tier with a bound',
      {
        kind: 'usage',
        pricing_model: 'tiered',
        billing_interval: 'month',
        unit_of_measure: 'x',
        tiers: [{ up_to: 10, unit_amount: 2 }],
      },
    ],
    [
      'a fractional tier bound',
      {
        kind: 'usage',
        pricing_model: 'tiered',
        billing_interval: 'month',
        unit_of_measure: 'x',
        tiers: [
          { up_to: 1.5, unit_amount: 2 },
          { up_to: null, unit_amount: 1 },
        ],
      },
    ],
    [
      'a negative tier amount',
      {
        kind: 'usage',
        pricing_model: 'tiered',
        billing_interval: 'month',
        unit_of_measure: 'x',
        tiers: [{ up_to: null, unit_amount: -2 }],
      },
    ],
    [
      'per_unit with tiers',
      {
        kind: 'usage',
        billing_interval: 'month',
        unit_of_measure: 'x',
        unit_amount: 1,
        tiers: [{ up_to: null, unit_amount: 1 }],
      },
    ],
  ])('refuses %s with validation_failed', async (_label, body) => {
    const t = await newTenant(h);
    const p = await product(t);
    const res = await t.api.post(`${V}/prices`, { product_id: p.id, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get(`${V}/prices`)).body.data).toEqual([]);
  });

  it('refuses another currency with currency_not_supported', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const res = await t.api.post(`${V}/prices`, {
      product_id: p.id,
      kind: 'one_time',
      unit_amount: 100,
      currency: 'EUR',
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'currency_not_supported',
      details: { currency: 'EUR' },
    });
    expect((await t.api.get(`${V}/prices`)).body.data).toEqual([]);
  });

  it('refuses an unknown product, and another tenant’s product', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const theirs = await product(other);
    for (const productId of ['prod_0000000000000000000000000a', theirs.id]) {
      const res = await t.api.post(`${V}/prices`, {
        product_id: productId,
        kind: 'one_time',
        unit_amount: 100,
      });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('product_not_found');
    }
    expect((await other.api.get(`${V}/prices`)).body.data).toEqual([]);
  });

  it('changes terms while unused; once used only nickname and active change', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const pr = await price(t, {
      product_id: p.id,
      kind: 'usage',
      billing_interval: 'month',
      unit_amount: 5,
      unit_of_measure: 'api_call',
    });
    const toTiered = await t.api.patch(`${V}/prices/${pr.id}`, {
      pricing_model: 'volume',
      tiers: [
        { up_to: 100, unit_amount: 5 },
        { up_to: null, unit_amount: 4 },
      ],
    });
    expect(toTiered.status).toBe(200);
    expect(toTiered.body).toMatchObject({ pricing_model: 'volume', unit_amount: null });
    const backWithoutAmount = await t.api.patch(`${V}/prices/${pr.id}`, {
      pricing_model: 'per_unit',
    });
    expect(backWithoutAmount.status).toBe(400);
    const back = await t.api.patch(`${V}/prices/${pr.id}`, {
      pricing_model: 'per_unit',
      unit_amount: 7,
    });
    expect(back.body).toMatchObject({ pricing_model: 'per_unit', unit_amount: 7, tiers: null });

    const customer = await t.api.post(`${V}/customers`, { name: 'User', invoice_only: true });
    const sub = await t.api.post(`${V}/subscriptions`, {
      customer_id: customer.body.id,
      price_id: pr.id,
    });
    expect(sub.status).toBe(201);
    expect((await t.api.get(`${V}/prices/${pr.id}`)).body.used).toBe(true);
    for (const body of [
      { unit_amount: 8 },
      { billing_interval: 'year' },
      { unit_of_measure: 'call' },
      { pricing_model: 'tiered', tiers: [{ up_to: null, unit_amount: 1 }] },
    ]) {
      const res = await t.api.patch(`${V}/prices/${pr.id}`, body);
      expect(res.status).toBe(409);
      expect(res.body.error.code).toBe('price_in_use');
    }
    const same = await t.api.patch(`${V}/prices/${pr.id}`, { unit_amount: 7 });
    expect(same.status).toBe(200);
    const renamed = await t.api.patch(`${V}/prices/${pr.id}`, {
      nickname: 'Legacy',
      active: false,
    });
    expect(renamed.body).toMatchObject({ nickname: 'Legacy', active: false, unit_amount: 7 });
    const again = await t.api.post(`${V}/subscriptions`, {
      customer_id: customer.body.id,
      price_id: pr.id,
      start_date: '2027-06-01',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('price_inactive');
  });

  it('an archived product’s prices cannot be used', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const pr = await price(t, {
      product_id: p.id,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 100,
    });
    await t.api.patch(`${V}/products/${p.id}`, { active: false });
    const customer = await t.api.post(`${V}/customers`, { name: 'User', invoice_only: true });
    const sub = await t.api.post(`${V}/subscriptions`, {
      customer_id: customer.body.id,
      price_id: pr.id,
    });
    expect(sub.status).toBe(409);
    expect(sub.body.error.code).toBe('price_inactive');
    expect((await t.api.get(`${V}/prices/${pr.id}`)).body.used).toBe(false);
    // The forms offer only what may be used: the price is still active, its product is not.
    const kept = await price(t, {
      product_id: (await product(t)).id,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 200,
    });
    const ids = async (query: string) =>
      (await t.api.get(`${V}/prices?${query}`)).body.data.map((x: { id: string }) => x.id);
    expect(await ids('active=true')).toEqual([kept.id, pr.id]);
    expect(await ids('sellable=true')).toEqual([kept.id]);
    expect(await ids('sellable=false')).toEqual([pr.id]);
  });

  it('lists the prices of one product or of several at once (one page of products)', async () => {
    const t = await newTenant(h);
    const [a, b, c] = [await product(t), await product(t), await product(t)];
    const one = (productId: string) =>
      price(t, { product_id: productId, kind: 'one_time', unit_amount: 100 });
    const [pa, pb, pc] = [await one(a.id), await one(b.id), await one(c.id)];
    const ids = async (query: string) =>
      (await t.api.get(`${V}/prices?${query}`)).body.data.map((x: { id: string }) => x.id).sort();
    expect(await ids(`product=${a.id}`)).toEqual([pa.id]);
    expect(await ids(`product=${a.id},${c.id}`)).toEqual([pa.id, pc.id].sort());
    expect(await ids(`product=${a.id},${b.id},${c.id}&limit=100`)).toEqual(
      [pa.id, pb.id, pc.id].sort(),
    );
    // Another tenant's product among them finds nothing of it.
    const other = await newTenant(h);
    const theirs = await product(other);
    expect(await ids(`product=${theirs.id},${b.id}`)).toEqual([pb.id]);
    for (const bad of [',', `${a.id},`, Array.from({ length: 51 }, () => a.id).join(',')]) {
      const res = await t.api.get(`${V}/prices?product=${bad}`);
      expect(res.status, bad).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('is tenant-scoped: another tenant’s prices are not found', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const p = await product(a);
    const pr = await price(a, { product_id: p.id, kind: 'one_time', unit_amount: 100 });
    for (const res of [
      await b.api.get(`${V}/prices/${pr.id}`),
      await b.api.patch(`${V}/prices/${pr.id}`, { nickname: 'x' }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('price_not_found');
    }
    expect((await b.api.get(`${V}/products/${p.id}`)).status).toBe(404);
    expect((await b.api.patch(`${V}/products/${p.id}`, { name: 'x' })).status).toBe(404);
    expect((await b.api.get(`${V}/prices`)).body.data).toEqual([]);
    expect((await a.api.get(`${V}/prices/${pr.id}`)).body.nickname).toBeNull();
  });
});

describe('access', () => {
  it('read-only reads the catalog but cannot change it; billing can', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const ro = (await apiKey(t, 'read_only')).api;
    expect((await ro.get(`${V}/products`)).status).toBe(200);
    expect((await ro.get(`${V}/prices`)).status).toBe(200);
    for (const res of [
      await ro.post(`${V}/products`, { name: 'No' }),
      await ro.patch(`${V}/products/${p.id}`, { name: 'No' }),
      await ro.post(`${V}/prices`, { product_id: p.id, kind: 'one_time', unit_amount: 1 }),
    ]) {
      expect(res.status).toBe(403);
    }
    const billing = (await apiKey(t, 'billing')).api;
    expect((await billing.post(`${V}/products`, { name: 'Yes' })).status).toBe(201);
  });
});

describe('price preview', () => {
  it('prices a quantity by the bill run’s rules: per unit, tiered, volume', async () => {
    const t = await newTenant(h);
    const p = await product(t);
    const tiers = [
      { up_to: 10, unit_amount: 100 },
      { up_to: 100, unit_amount: 50, flat_amount: 200 },
      { up_to: null, unit_amount: 10 },
    ];
    const tiered = await price(t, {
      product_id: p.id,
      kind: 'usage',
      pricing_model: 'tiered',
      billing_interval: 'month',
      unit_of_measure: 'api_call',
      tiers,
    });
    const res = await t.api.get(`${V}/prices/${tiered.id}/preview?quantity=150`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // 10 × 100 + (200 + 90 × 50) + 50 × 10 = 1000 + 4700 + 500
    expect(res.body).toEqual({
      price_id: tiered.id,
      quantity: '150',
      currency: 'USD',
      amount: 6200,
      lines: [
        {
          description: 'Units 1–10',
          quantity: '10',
          unit_amount: 100,
          flat_amount: 0,
          amount: 1000,
        },
        {
          description: 'Units 11–100',
          quantity: '90',
          unit_amount: 50,
          flat_amount: 200,
          amount: 4700,
        },
        {
          description: 'Units 101 and above',
          quantity: '50',
          unit_amount: 10,
          flat_amount: 0,
          amount: 500,
        },
      ],
    });
    const small = await t.api.get(`${V}/prices/${tiered.id}/preview?quantity=2.5`);
    expect(small.body).toMatchObject({ amount: 250, quantity: '2.5' });

    const volume = await price(t, {
      product_id: p.id,
      kind: 'usage',
      pricing_model: 'volume',
      billing_interval: 'month',
      unit_of_measure: 'seat',
      tiers,
    });
    const v = await t.api.get(`${V}/prices/${volume.id}/preview?quantity=50`);
    expect(v.body).toMatchObject({
      amount: 2700,
      lines: [{ description: 'Units 11–100', quantity: '50', amount: 2700 }],
    });

    const flat = await price(t, {
      product_id: p.id,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 1999,
    });
    expect((await t.api.get(`${V}/prices/${flat.id}/preview?quantity=3`)).body).toMatchObject({
      amount: 5997,
    });
    const decimal = await t.api.get(`${V}/prices/${flat.id}/preview?quantity=1.5`);
    expect(decimal.status).toBe(400);
    expect(decimal.body.error.code).toBe('validation_failed');
    const bad = await t.api.get(`${V}/prices/${flat.id}/preview?quantity=abc`);
    expect(bad.status).toBe(400);
    const missing = await t.api.get(`${V}/prices/price_nope/preview?quantity=1`);
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('price_not_found');
    const huge = await t.api.get(`${V}/prices/${flat.id}/preview?quantity=999999999999`);
    expect(huge.status).toBe(422);
    expect(huge.body.error.code).toBe('amount_too_large');
    // The preview does not use the price: its terms stay editable.
    expect((await t.api.get(`${V}/prices/${flat.id}`)).body.used).toBe(false);
  });
});
