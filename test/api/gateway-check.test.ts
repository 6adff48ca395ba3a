/** POST /gateway-settings/check (J5): the sandbox always answers; Stripe's failure is shown plainly. */
import { afterEach, describe, expect, it } from 'vitest';
import { apiKey, newTenant } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();
const before = process.env.BILLOW_STRIPE_API_BASE;
afterEach(() => {
  if (before === undefined) delete process.env.BILLOW_STRIPE_API_BASE;
  else process.env.BILLOW_STRIPE_API_BASE = before;
});

describe('gateway connection check', () => {
  it('always succeeds for the sandbox', async () => {
    const t = await newTenant(h);
    const res = await t.api.post('/api/v1/gateway-settings/check');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      gateway: 'sandbox',
      ok: true,
      livemode: false,
      reason: null,
      message: null,
    });
  });

  it('calls Stripe with the saved key and reports plainly when it cannot be reached', async () => {
    // Nothing listens on port 1: the adapter's own connection error, at once.
    process.env.BILLOW_STRIPE_API_BASE = 'http://127.0.0.1:1';
    const t = await newTenant(h);
    const set = await t.api.put('/api/v1/gateway-settings', {
      gateway: 'stripe',
      stripe_secret_key: 'sk_test_gatewaycheck0001',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(JSON.stringify(set.body)).not.toContain('sk_test_gatewaycheck0001');
    const res = await t.api.post('/api/v1/gateway-settings/check');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ gateway: 'stripe', ok: false, reason: 'unavailable' });
    expect(res.body.message).toBeTruthy();
    expect(JSON.stringify(res.body)).not.toContain('sk_test_gatewaycheck0001');
  });

  it('is for owners and admins, and needs a configured gateway', async () => {
    const t = await newTenant(h);
    const { api: billing } = await apiKey(t, 'billing');
    expect((await billing.post('/api/v1/gateway-settings/check')).status).toBe(403);
    const live = await newTenant(h, { live: true });
    const none = await live.api.post('/api/v1/gateway-settings/check');
    expect([none.status, none.body.error.code]).toEqual([409, 'gateway_not_configured']);
  });
});
