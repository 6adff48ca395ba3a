import { describe, expect, it } from 'vitest';
import { newTenant } from '../helpers/app.js';
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

  it('an unknown time zone is refused and changes nothing', async () => {
    const t = await newTenant(h);
    const res = await t.api.patch('/api/v1/tenant', { time_zone: 'Mars/Olympus' });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get('/api/v1/tenant')).body.time_zone).toBe('America/New_York');
  });
});
