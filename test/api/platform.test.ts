import { describe, expect, it } from 'vitest';
import { advance, apiKey, newTenant } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

describe('tenant and settings', () => {
  it('a new tenant is a sandbox with default settings in America/New_York', async () => {
    const t = await newTenant(h);
    const res = await t.api.get('/api/v1/tenant');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: t.id,
      mode: 'sandbox',
      time_zone: 'America/New_York',
      currency: 'USD',
      settings: { payment_terms_days: 30, retry_schedule_days: [3, 5, 7], auto_post: false },
    });
  });

  it('settings change and are audited with before and after', async () => {
    const t = await newTenant(h);
    const res = await t.api.patch('/api/v1/tenant', {
      time_zone: 'Europe/Berlin',
      settings: { payment_terms_days: 15 },
    });
    expect(res.status).toBe(200);
    expect(res.body.time_zone).toBe('Europe/Berlin');
    expect(res.body.settings.payment_terms_days).toBe(15);
    expect(res.body.settings.retry_schedule_days).toEqual([3, 5, 7]);
    const audit = await t.api.get(`/api/v1/audit-log?object=${t.id}`);
    const entry = audit.body.data.find((e: { action: string }) => e.action === 'tenant.updated');
    expect(entry.before.settings.payment_terms_days).toBe(30);
    expect(entry.after.settings.payment_terms_days).toBe(15);
    expect(entry.actor_type).toBe('api_key');
  });

  it('the audit log filters by who, object type and business dates, on the server', async () => {
    const t = await newTenant(h);
    const before = await t.api.post('/api/v1/customers', { name: 'Early Co' });
    await advance(t, 3);
    const clerk = await apiKey(t, 'billing');
    const after = await clerk.api.post('/api/v1/customers', { name: 'Later Co' });
    expect(after.status).toBe(201);
    type Entry = { object_id: string; object_type: string; actor_name: string | null; at: string };
    const list = async (query: string): Promise<Entry[]> => {
      const res = await t.api.get(`/api/v1/audit-log?${query}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body.data;
    };
    const byClerk = await list(`actor=${clerk.id}`);
    expect(byClerk.map((e) => e.object_id)).toEqual([after.body.id]);
    expect(byClerk[0]?.actor_name).toBe('billing key');
    expect((await list('actor_type=staff')).length).toBe(0);
    const customers = await list('object_type=customer');
    expect(customers.map((e) => e.object_id)).toEqual([after.body.id, before.body.id]);
    // Business dates in the tenant's zone (New York): the clock moved three days between them.
    const day = (e: Entry) =>
      new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York' }).format(new Date(e.at));
    const early = day(customers[1] as Entry);
    const late = day(customers[0] as Entry);
    expect(early).not.toBe(late);
    const onEarly = await list(`object_type=customer&from=${early}&to=${early}`);
    expect(onEarly.map((e) => e.object_id)).toEqual([before.body.id]);
    const fromLate = await list(`object_type=customer&from=${late}`);
    expect(fromLate.map((e) => e.object_id)).toEqual([after.body.id]);
    expect((await t.api.get('/api/v1/audit-log?from=2026-02-30')).status).toBe(400);
  });

  it('an unknown time zone is refused and changes nothing', async () => {
    const t = await newTenant(h);
    const res = await t.api.patch('/api/v1/tenant', { time_zone: 'Mars/Olympus' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get('/api/v1/tenant')).body.time_zone).toBe('America/New_York');
  });
});
