/** The customers list of the console (issue 12 item 3, J2): sort orders and the open-invoices filter. */
import { describe, expect, it } from 'vitest';
import { newTenant, type TestTenant } from '../helpers/app.js';
import { draftInvoice, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

const CUSTOMERS = '/api/v1/customers';

/** Every page of the list for `query`, `limit` at a time: the names, in order. */
async function allPages(t: TestTenant, query: string, limit = 2): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 20; pages++) {
    const url = `${CUSTOMERS}?limit=${limit}&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await t.api.get(url);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.length).toBeLessThanOrEqual(limit);
    names.push(...res.body.data.map((c: { name: string }) => c.name));
    cursor = res.body.next_cursor;
    if (!cursor) return names;
  }
  throw new Error('the list never ended');
}

describe('sorting the customers list', () => {
  it('sorts by name (in any case), number and age, a page at a time', async () => {
    const t = await newTenant(h);
    const made = [];
    for (const [name, number] of [
      ['delta', 'N-3'],
      ['Alpha', 'N-5'],
      ['charlie', 'N-1'],
      ['Bravo', 'N-4'],
      ['alpha', 'N-2'],
    ]) {
      made.push(await newCustomer(t, { name, number }));
    }
    const names = made.map((c) => c.name);

    const byName = await allPages(t, 'sort=name_asc');
    expect(byName.map((n) => n.toLowerCase())).toEqual([
      'alpha',
      'alpha',
      'bravo',
      'charlie',
      'delta',
    ]);
    // The two "alpha"s are ordered by id, so neither page repeats or skips one.
    expect(new Set(byName).size).toBe(5);
    const byNameDesc = await allPages(t, 'sort=name_desc');
    expect(byNameDesc.map((n) => n.toLowerCase())).toEqual([
      'delta',
      'charlie',
      'bravo',
      'alpha',
      'alpha',
    ]);
    expect(await allPages(t, 'sort=number_asc')).toEqual([
      'charlie',
      'alpha',
      'delta',
      'Bravo',
      'Alpha',
    ]);
    expect(await allPages(t, 'sort=number_desc')).toEqual([
      'Alpha',
      'Bravo',
      'delta',
      'alpha',
      'charlie',
    ]);
    expect(await allPages(t, 'sort=oldest')).toEqual(names);
    expect(await allPages(t, 'sort=newest')).toEqual([...names].reverse());
    expect(await allPages(t, '')).toEqual([...names].reverse());
    // Sorting combines with the search.
    expect(await allPages(t, 'sort=number_desc&q=alpha', 1)).toEqual(['Alpha', 'alpha']);
  });

  it('refuses a cursor of another order or one it did not issue, and an unknown order', async () => {
    const t = await newTenant(h);
    for (let i = 0; i < 3; i++) await newCustomer(t);
    const newest = await t.api.get(`${CUSTOMERS}?limit=1`);
    const byName = await t.api.get(`${CUSTOMERS}?limit=1&sort=name_asc`);
    expect(byName.body.next_cursor).not.toBe(newest.body.next_cursor);
    for (const url of [
      `${CUSTOMERS}?sort=name_asc&cursor=${newest.body.next_cursor}`,
      `${CUSTOMERS}?sort=newest&cursor=${byName.body.next_cursor}`,
      `${CUSTOMERS}?sort=number_asc&cursor=${Buffer.from('["x","y"]').toString('base64url')}`,
      `${CUSTOMERS}?sort=number_asc&cursor=not-base64-json`,
    ]) {
      const res = await t.api.get(url);
      expect(res.status, url).toBe(400);
      expect(res.body.error.code).toBe('invalid_cursor');
    }
    const bad = await t.api.get(`${CUSTOMERS}?sort=size`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

describe('the open-invoices filter', () => {
  it('keeps customers with a posted invoice still open, or (false) those without', async () => {
    const t = await newTenant(h);
    const open = await newCustomer(t, { name: 'Owes' });
    await postedInvoice(t, open.id, 10_00);
    const partly = await newCustomer(t, { name: 'Owes some' });
    await postedInvoice(t, partly.id, 10_00);
    const paid = await newCustomer(t, { name: 'Paid up' });
    await postedInvoice(t, paid.id, 10_00);
    const draftOnly = await newCustomer(t, { name: 'Draft only' });
    await draftInvoice(t, draftOnly.id, 10_00);
    const voided = await newCustomer(t, { name: 'Voided' });
    const voidMe = await postedInvoice(t, voided.id, 10_00);
    const none = await newCustomer(t, { name: 'Nothing' });
    for (const [customer, amount] of [
      [paid.id, 10_00],
      [partly.id, 4_00],
    ] as const) {
      const res = await t.api.post('/api/v1/payments/external', {
        customer_id: customer,
        method: 'check',
        reference: `CHK-${amount}`,
        amount,
      });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
    }
    const v = await t.api.post(`/api/v1/invoices/${voidMe}/void`, { reason: 'wrong' });
    expect(v.status, JSON.stringify(v.body)).toBe(200);

    expect(await allPages(t, 'has_open_invoices=true&sort=name_asc', 1)).toEqual([
      open.name,
      partly.name,
    ]);
    expect(await allPages(t, 'has_open_invoices=false&sort=name_asc')).toEqual([
      draftOnly.name,
      none.name,
      paid.name,
      voided.name,
    ]);
    expect(await allPages(t, 'has_open_invoices=true')).toEqual([partly.name, open.name]);
    expect(await allPages(t, 'has_open_invoices=true&q=some')).toEqual([partly.name]);
    const bad = await t.api.get(`${CUSTOMERS}?has_open_invoices=yes`);
    expect(bad.status).toBe(400);
  });
});
