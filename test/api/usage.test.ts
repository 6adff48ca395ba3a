import { describe, expect, it } from 'vitest';
import { apiKey, newTenant, type TestTenant, unique } from '../helpers/app.js';
import { newCustomer, price, product, subscription } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';

const h = useHarness();

const V = '/api/v1';
const USAGE = `${V}/usage-records`;

interface Setup {
  t: TestTenant;
  customerId: string;
  subscriptionId: string;
}

/** A tenant with a customer on a usage price for api_call, started 2026-11-01. */
async function setup(t?: TestTenant): Promise<Setup> {
  const tenant = t ?? (await newTenant(h));
  const customer = await newCustomer(tenant, { invoice_only: true });
  const { id: productId } = await product(tenant, { name: 'API' });
  const usage = await price(tenant, {
    product_id: productId,
    kind: 'usage',
    billing_interval: 'month',
    unit_amount: 1,
    unit_of_measure: 'api_call',
  });
  const sub = await subscription(tenant, {
    customer_id: customer.id,
    price_id: usage.id,
    start_date: '2026-11-01',
  });
  return { t: tenant, customerId: customer.id, subscriptionId: sub.id };
}

function rec(s: Setup, over: Record<string, unknown> = {}) {
  return {
    id: `u-${unique()}`,
    customer_id: s.customerId,
    unit_of_measure: 'api_call',
    quantity: 1,
    usage_date: '2026-11-20',
    ...over,
  };
}

describe('recording usage', () => {
  it('stores one record and counts a replay of its id once', async () => {
    const s = await setup();
    const body = rec(s, { quantity: '12.5', description: 'Batch job' });
    const first = await s.t.api.post(USAGE, body);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ accepted: 1, duplicates: 0 });
    expect(first.body.records).toEqual([
      { id: expect.stringMatching(/^ur_[0-9a-z]{26}$/), client_id: body.id, duplicate: false },
    ]);
    const again = await s.t.api.post(USAGE, { ...body, quantity: 99 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({
      accepted: 0,
      duplicates: 1,
      records: [{ id: first.body.records[0].id, client_id: body.id, duplicate: true }],
    });
    const list = await s.t.api.get(USAGE);
    expect(list.body.data).toEqual([
      {
        id: first.body.records[0].id,
        client_id: body.id,
        customer_id: s.customerId,
        subscription_id: s.subscriptionId,
        unit_of_measure: 'api_call',
        quantity: '12.5',
        usage_date: '2026-11-20',
        description: 'Batch job',
        invoiced: false,
        invoice_id: null,
        created_at: '2026-11-22T15:00:00.000Z',
      },
    ]);
  });

  it('takes a batch; a repeated id in the batch and a replayed one count once', async () => {
    const s = await setup();
    const old = rec(s);
    await s.t.api.post(USAGE, old);
    const a = rec(s, { quantity: 0 });
    const b = rec(s, { quantity: '0.000001' });
    const res = await s.t.api.post(USAGE, { records: [a, b, { ...a, quantity: 5 }, old] });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 2 });
    expect(res.body.records.map((r: { duplicate: boolean }) => r.duplicate)).toEqual([
      false,
      false,
      true,
      true,
    ]);
    expect(res.body.records[2].id).toBe(res.body.records[0].id);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(3);
    const q = await s.t.api.get(`${USAGE}?q=${encodeURIComponent(a.id)}`);
    expect(q.body.data[0].quantity).toBe('0');
  });

  it('writes one audit row and one event per batch, not one per record', async () => {
    const s = await setup();
    const records = Array.from({ length: 50 }, () => rec(s));
    const res = await s.t.api.post(USAGE, { records });
    expect(res.body.accepted).toBe(50);
    const events = await s.t.api.get(`${V}/events?type=usage.recorded`);
    expect(events.body.data).toHaveLength(1);
    expect(events.body.data[0].data).toMatchObject({
      accepted: 50,
      duplicates: 0,
      customers: 1,
      usage_dates: { from: '2026-11-20', to: '2026-11-20' },
    });
    const audit = await h.testDb.db.one<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_log WHERE tenant_id = $1 AND action = 'usage.recorded'`,
      [s.t.id],
    );
    expect(audit.n).toBe(1);
    await s.t.api.post(USAGE, { records });
    expect((await s.t.api.get(`${V}/events?type=usage.recorded`)).body.data).toHaveLength(1);
  });

  it('a replayed id is a duplicate even when the record would no longer be accepted', async () => {
    const s = await setup();
    const body = rec(s, { usage_date: '2026-11-21' });
    await s.t.api.post(USAGE, body);
    await s.t.api.post(`${V}/subscriptions/${s.subscriptionId}/cancel`, { at: 'now' });
    const replay = await s.t.api.post(USAGE, {
      records: [body, { ...body, usage_date: '2027-05-01' }],
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ accepted: 0, duplicates: 2 });
    const fresh = await s.t.api.post(USAGE, rec(s, { usage_date: '2026-11-23' }));
    expect(fresh.body.error.code).toBe('usage_date_outside_subscription');
  });

  it('a client id is per tenant', async () => {
    const a = await setup();
    const b = await setup();
    const id = `shared-${unique()}`;
    expect((await a.t.api.post(USAGE, rec(a, { id }))).body.accepted).toBe(1);
    expect((await b.t.api.post(USAGE, rec(b, { id }))).body.accepted).toBe(1);
  });

  it('replays a request with the same Idempotency-Key', async () => {
    const s = await setup();
    const key = { 'idempotency-key': unique() };
    const body = { records: [rec(s), rec(s)] };
    const first = await s.t.api.post(USAGE, body, key);
    const again = await s.t.api.post(USAGE, body, key);
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });
});

describe('refusing usage: all or nothing', () => {
  it.each([
    ['a negative quantity', { quantity: -1 }],
    ['a negative quantity string', { quantity: '-0.5' }],
    ['7 decimals', { quantity: '0.1234567' }],
    ['7 decimals as a number', { quantity: 0.1234567 }],
    ['an exponent', { quantity: '1e3' }],
    ['a word', { quantity: 'ten' }],
    ['a huge quantity', { quantity: '1234567890123456789' }],
    ['no quantity', { quantity: undefined }],
    ['a bad date', { usage_date: '2026-02-30' }],
    ['an unknown field', { colour: 'red' }],
    ['an empty id', { id: '' }],
    ['an oversize id', { id: 'x'.repeat(201) }],
  ])('refuses %s with validation_failed', async (_label, over) => {
    const s = await setup();
    const res = await s.t.api.post(USAGE, rec(s, over));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.records[0].index).toBe(0);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(0);
  });

  it('refuses 1,001 records, and an empty batch', async () => {
    const s = await setup();
    const records = Array.from({ length: 1001 }, () => rec(s));
    const res = await s.t.api.post(USAGE, { records });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'validation_failed',
      details: { count: 1001, max: 1000 },
    });
    expect((await s.t.api.post(USAGE, { records: [] })).status).toBe(400);
    expect((await s.t.api.post(USAGE, { records: [], extra: 1 })).status).toBe(400);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(0);
    const full = await s.t.api.post(USAGE, { records: records.slice(0, 1000) });
    expect(full.body.accepted).toBe(1000);
  });

  it('takes a full batch with long descriptions (beyond the 256 KiB default), not 1 MiB more', async () => {
    const s = await setup();
    const records = Array.from({ length: 1000 }, () => rec(s, { description: 'd'.repeat(400) }));
    const res = await s.t.api.post(USAGE, { records });
    expect(res.status).toBe(201);
    expect(res.body.accepted).toBe(1000);
    const huge = await s.t.api.raw('POST', USAGE, 'x'.repeat(1024 * 1024 + 1), 'text/csv');
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatchObject({
      code: 'payload_too_large',
      details: { limit: 1024 * 1024 },
    });
  });

  it('lists every bad record of a batch by index and stores nothing', async () => {
    const s = await setup();
    const res = await s.t.api.post(USAGE, {
      records: [rec(s), rec(s, { quantity: -2 }), rec(s), rec(s, { usage_date: 'soon' })],
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.records.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    expect(res.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      'records.1.quantity',
      'records.3.usage_date',
    ]);
    const unmatched = await s.t.api.post(USAGE, {
      records: [
        rec(s),
        rec(s, { unit_of_measure: 'gb' }),
        rec(s, { usage_date: '2026-10-31' }),
        rec(s, { customer_id: 'cus_0000000000000000000000000a' }),
      ],
    });
    expect(unmatched.status).toBe(422);
    expect(unmatched.body.error.code).toBe('usage_not_subscribed');
    expect(unmatched.body.error.details.records).toEqual([
      expect.objectContaining({ index: 1, code: 'usage_not_subscribed' }),
      expect.objectContaining({ index: 2, code: 'usage_date_outside_subscription' }),
      expect.objectContaining({ index: 3, code: 'customer_not_found' }),
    ]);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(0);
  });

  it('matches the service dates: before the start or from the end date is outside', async () => {
    const s = await setup();
    await s.t.api.post(`${V}/subscriptions/${s.subscriptionId}/cancel`, { at: '2026-12-01' });
    for (const usage_date of ['2026-10-31', '2026-12-01', '2027-01-15']) {
      const res = await s.t.api.post(USAGE, rec(s, { usage_date }));
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('usage_date_outside_subscription');
    }
    for (const usage_date of ['2026-11-01', '2026-11-30']) {
      expect((await s.t.api.post(USAGE, rec(s, { usage_date }))).status).toBe(201);
    }
  });

  it('another tenant’s customer is not found, and nothing is stored anywhere', async () => {
    const a = await setup();
    const b = await setup();
    const res = await b.t.api.post(USAGE, rec(b, { customer_id: a.customerId }));
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('customer_not_found');
    const batch = await b.t.api.post(USAGE, {
      records: [rec(b), rec(b, { customer_id: a.customerId })],
    });
    expect(batch.status).toBe(404);
    expect(batch.body.error.details.records[0].index).toBe(1);
    expect(await countRows(h, 'usage_records', a.t.id)).toBe(0);
    expect(await countRows(h, 'usage_records', b.t.id)).toBe(0);
    await a.t.api.post(USAGE, rec(a));
    const list = await b.t.api.get(`${USAGE}?customer=${a.customerId}`);
    expect(list.body.data).toEqual([]);
  });
});

describe('CSV uploads', () => {
  it('stores the rows of a CSV with a header in any order, quotes and CRLF', async () => {
    const s = await setup();
    const [x, y] = [`csv-${unique()}`, `csv-${unique()}`];
    const csv =
      'usage_date,id,customer_id,unit_of_measure,quantity,description\r\n' +
      `2026-11-02,${x},${s.customerId},api_call,3.25,"Nightly, ""full"" sync"\r\n` +
      `2026-11-03,${y},${s.customerId},api_call,4,\r\n`;
    const res = await s.t.api.raw('POST', USAGE, csv, 'text/csv; charset=utf-8');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ accepted: 2, duplicates: 0 });
    const list = await s.t.api.get(`${USAGE}?q=FULL`);
    expect(list.body.data).toMatchObject([
      { client_id: x, quantity: '3.25', description: 'Nightly, "full" sync' },
    ]);
    const replay = await s.t.api.raw('POST', USAGE, csv, 'text/csv');
    expect(replay.body).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('a CSV with one bad row stores nothing', async () => {
    const s = await setup();
    const header = 'id,customer_id,unit_of_measure,quantity,usage_date\n';
    const good = (id: string) => `${id},${s.customerId},api_call,1,2026-11-05\n`;
    const bad = `${header}${good(unique())}${unique()},${s.customerId},api_call,-1,2026-11-05\n${good(unique())}`;
    const res = await s.t.api.raw('POST', USAGE, bad, 'text/csv');
    expect(res.status).toBe(400);
    expect(res.body.error.details.records).toEqual([
      expect.objectContaining({ index: 1, line: 3, field: 'quantity' }),
    ]);
    for (const broken of [
      `${header}${good(unique())}a,b\n`,
      `id,customer_id,quantity,usage_date\n${unique()},${s.customerId},1,2026-11-05\n`,
      `${header.trim()},colour\n`,
      '',
      `${header}"${unique()},${s.customerId},api_call,1,2026-11-05\n`,
    ]) {
      const r = await s.t.api.raw('POST', USAGE, broken, 'text/csv');
      expect(r.status, broken).toBe(400);
      expect(r.body.error.code).toBe('validation_failed');
    }
    const other = await s.t.api.raw('POST', USAGE, `${header}${good(unique())}`, 'text/plain');
    expect(other.status).toBe(415);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(0);
  });

  it('refuses a CSV of 1,001 rows', async () => {
    const s = await setup();
    const rows = Array.from(
      { length: 1001 },
      () => `${unique()},${s.customerId},api_call,1,2026-11-05`,
    );
    const csv = `id,customer_id,unit_of_measure,quantity,usage_date\n${rows.join('\n')}\n`;
    const res = await s.t.api.raw('POST', USAGE, csv, 'text/csv');
    expect(res.status).toBe(400);
    expect(await countRows(h, 'usage_records', s.t.id)).toBe(0);
  });
});

describe('listing usage', () => {
  it('filters by customer, dates, invoiced and text; pages newest first', async () => {
    const s = await setup();
    const other = await setup(s.t);
    const days = ['2026-11-01', '2026-11-10', '2026-11-15', '2026-11-20'];
    const res = await s.t.api.post(USAGE, {
      records: days.map((usage_date, i) => rec(s, { usage_date, description: `job ${i}` })),
    });
    const ids = res.body.records.map((r: { id: string }) => r.id);
    await s.t.api.post(USAGE, rec(other));
    await h.testDb.db.query(`UPDATE usage_records SET invoice_id = 'inv_test' WHERE id = $1`, [
      ids[0],
    ]);
    const get = async (qs: string) =>
      (await s.t.api.get(`${USAGE}?${qs}`)).body.data.map((r: { id: string }) => r.id).sort();
    expect(await get(`customer=${s.customerId}`)).toEqual([...ids].sort());
    expect(await get(`customer=${s.customerId}&from=2026-11-10&to=2026-11-15`)).toEqual(
      [ids[1], ids[2]].sort(),
    );
    expect(await get(`customer=${s.customerId}&invoiced=true`)).toEqual([ids[0]]);
    expect(await get(`customer=${s.customerId}&invoiced=false`)).toHaveLength(3);
    expect(await get('q=JOB 3')).toEqual([ids[3]]);
    const invoiced = await s.t.api.get(`${USAGE}?invoiced=true`);
    expect(invoiced.body.data[0]).toMatchObject({ invoiced: true, invoice_id: 'inv_test' });
    const seen: string[] = [];
    let url = `${USAGE}?limit=2`;
    for (;;) {
      const page = await s.t.api.get(url);
      seen.push(...page.body.data.map((r: { id: string }) => r.id));
      if (!page.body.next_cursor) break;
      url = `${USAGE}?limit=2&cursor=${page.body.next_cursor}`;
    }
    expect(seen).toHaveLength(5);
    for (const qs of ['invoiced=yes', 'from=2026-13-01', 'colour=red', 'limit=101']) {
      expect((await s.t.api.get(`${USAGE}?${qs}`)).status).toBe(400);
    }
  });

  it('usage is billing data: read-only is refused, billing may', async () => {
    const s = await setup();
    const ro = (await apiKey(s.t, 'read_only')).api;
    for (const res of [await ro.get(USAGE), await ro.post(USAGE, rec(s))]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const billing = (await apiKey(s.t, 'billing')).api;
    expect((await billing.post(USAGE, rec(s))).status).toBe(201);
    expect((await billing.get(USAGE)).status).toBe(200);
  });
});
