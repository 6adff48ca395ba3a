/**
 * The request contract every endpoint shares (K3): the error shape for each class of bad input,
 * idempotency keys, pagination cursors — and the sandbox clock.
 */
import { describe, expect, it } from 'vitest';
import { newTenant, useTenant } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();
const t = useTenant(h);

describe('bad input gets a precise 4xx and changes nothing', () => {
  it('malformed JSON', async () => {
    const res = await t.api.raw('PATCH', '/api/v1/tenant', '{"name": "x"', 'application/json');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_json');
  });

  it('unknown fields, naming them', async () => {
    const res = await t.api.patch('/api/v1/tenant', { name: 'New', is_admin: true });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(JSON.stringify(res.body.error.details)).toContain('is_admin');
    expect((await t.api.get('/api/v1/tenant')).body.name).not.toBe('New');
  });

  it('wrong types, with the path of the field', async () => {
    const res = await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: '30' } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe('settings.payment_terms_days');
    const frac = await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: 1.5 } });
    expect(frac.status).toBe(400);
    const neg = await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: -1 } });
    expect(neg.status).toBe(400);
  });

  it('oversize bodies', async () => {
    const res = await t.api.patch('/api/v1/tenant', { name: 'x'.repeat(300 * 1024) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });

  it('a body that is not JSON', async () => {
    const res = await t.api.raw('PATCH', '/api/v1/tenant', 'name=x', 'text/plain');
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('impossible dates', async () => {
    for (const to of ['2026-02-30', '2026-13-01', 'tomorrow', '2026-11-31T00:00:00Z']) {
      const res = await t.api.post('/api/v1/clock/advance', { to });
      expect(res.status, to).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('unknown ids and unknown routes', async () => {
    const staff = await t.api.patch('/api/v1/staff/usr_01abcdefghjkmnpqrstvwxyz0', { name: 'x' });
    expect(staff.status).toBe(404);
    expect(staff.body.error.code).toBe('staff_not_found');
    const route = await t.api.get('/api/v1/nothing-here');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('route_not_found');
  });

  it('cursors it did not issue', async () => {
    const res = await t.api.get('/api/v1/events?cursor=../../etc');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_cursor');
    expect((await t.api.get('/api/v1/events?limit=0')).status).toBe(400);
    expect((await t.api.get('/api/v1/events?limit=101')).status).toBe(400);
  });
});

describe('Idempotency-Key', () => {
  it('replays the first response and does the work once', async () => {
    const headers = { 'idempotency-key': `k-${Math.random()}` };
    const first = await t.api.post('/api/v1/api-keys', { name: 'Once', role: 'billing' }, headers);
    const again = await t.api.post('/api/v1/api-keys', { name: 'Once', role: 'billing' }, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // The secret is shown once; it is not kept at rest for replays.
    expect(again.body.secret).not.toBe(first.body.secret);
    const keys = (await t.api.get('/api/v1/api-keys')).body.data.filter(
      (k: { name: string }) => k.name === 'Once',
    );
    expect(keys).toHaveLength(1);
  });

  it('refuses the same key with a different body', async () => {
    const headers = { 'idempotency-key': `k-${Math.random()}` };
    await t.api.post('/api/v1/api-keys', { name: 'A', role: 'billing' }, headers);
    const res = await t.api.post('/api/v1/api-keys', { name: 'B', role: 'billing' }, headers);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_key_reused');
  });

  it('lets concurrent requests with one key do the work at most once', async () => {
    const headers = { 'idempotency-key': `k-${Math.random()}` };
    const name = `Race ${Math.random()}`;
    const results = await Promise.all(
      Array.from({ length: 6 }, () =>
        t.api.post('/api/v1/api-keys', { name, role: 'read_only' }, headers),
      ),
    );
    for (const r of results) expect([201, 409]).toContain(r.status);
    const keys = (await t.api.get('/api/v1/api-keys')).body.data.filter(
      (k: { name: string }) => k.name === name,
    );
    expect(keys).toHaveLength(1);
  });

  it('keeps keys per tenant', async () => {
    const other = await newTenant(h);
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await t.api.post('/api/v1/api-keys', { name: 'T', role: 'billing' }, headers);
    const b = await other.api.post('/api/v1/api-keys', { name: 'T', role: 'billing' }, headers);
    expect(b.status).toBe(201);
    expect(b.body.id).not.toBe(a.body.id);
  });

  it('refuses an over-long key', async () => {
    const res = await t.api.post(
      '/api/v1/clock/advance',
      { days: 1 },
      { 'idempotency-key': 'x'.repeat(300) },
    );
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });
});

describe('sandbox clock', () => {
  it('moves forward, and business dates follow it in the tenant zone', async () => {
    const s = await newTenant(h);
    const before = await s.api.get('/api/v1/clock');
    expect(before.body).toMatchObject({ today: '2026-11-22', movable: true });
    const moved = await s.api.post('/api/v1/clock/advance', { to: '2026-12-01' });
    expect(moved.status).toBe(200);
    // Start of 1 December in New York is 05:00 UTC.
    expect(moved.body).toMatchObject({ today: '2026-12-01', now: '2026-12-01T05:00:00.000Z' });
    const days = await s.api.post('/api/v1/clock/advance', { days: 31 });
    expect(days.body.today).toBe('2027-01-01');
    const events = await s.api.get('/api/v1/events?type=clock.advanced');
    expect(events.body.data).toHaveLength(2);
    // Other tenants' clocks do not move.
    expect((await t.api.get('/api/v1/clock')).body.today).toBe('2026-11-22');
  });

  it('never goes back', async () => {
    const s = await newTenant(h);
    await s.api.post('/api/v1/clock/advance', { to: '2027-01-10' });
    const res = await s.api.post('/api/v1/clock/advance', { to: '2027-01-01' });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('clock_cannot_go_back');
    expect((await s.api.get('/api/v1/clock')).body.today).toBe('2027-01-10');
  });

  it('is fixed for live tenants', async () => {
    const live = await newTenant(h, { live: true });
    expect(live.key).toMatch(/^bk_live_/);
    const res = await live.api.post('/api/v1/clock/advance', { days: 1 });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('clock_not_movable');
    expect((await live.api.get('/api/v1/clock')).body.movable).toBe(false);
  });

  it('reads today in the tenant time zone', async () => {
    // 15:00 UTC on 22 November is already 23 November in Auckland.
    const nz = await newTenant(h, { timeZone: 'Pacific/Auckland' });
    expect((await nz.api.get('/api/v1/clock')).body.today).toBe('2026-11-23');
  });
});

describe('API documents', () => {
  it('serves OpenAPI 3.1 describing the endpoints', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = JSON.parse(res.body);
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/clock/advance');
    expect((await h.app.inject({ method: 'GET', url: '/api/docs' })).statusCode).toBeLessThan(400);
  });
});
