/**
 * "View as customer" (J3): staff open the portal's view of a customer read-only — a one-time
 * link exchanged for a session of its own kind, audited, refused on every state change, and
 * bound to the staff member's tenant.
 */
import { describe, expect, it } from 'vitest';
import { apiKey, auditOf, client, newTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { portalClient } from '../helpers/portal.js';

const h = useHarness();

async function openView(t: Awaited<ReturnType<typeof newTenant>>, customerId: string) {
  const res = await t.api.post(`/api/v1/customers/${customerId}/portal-view`);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const token = String(res.body.path).split('#')[1] as string;
  return { link: res.body, token };
}

describe('view as customer', () => {
  it('opens a read-only portal session on the customer, audited, once per link', async () => {
    const t = await newTenant(h);
    const cu = await newCustomer(t, { name: 'Heron Mills' });
    const inv = await postedInvoice(t, cu.id, 75_00);
    const { link, token } = await openView(t, cu.id);
    expect(link.path).toMatch(/^\/portal\/view-as#/);

    const audit = await auditOf(t, cu.id);
    const entry = audit.find((a) => a.action === 'customer.viewed_as_customer');
    expect(entry?.actor_type).toBe('api_key');
    expect(entry?.after).toMatchObject({ customer_id: cu.id, viewer: { type: 'api_key' } });

    const claimed = await client(t.app).post('/api/v1/portal/view-as', { token });
    expect(claimed.status, JSON.stringify(claimed.body)).toBe(200);
    const portal = portalClient(t, claimed);
    // The link works once.
    expect((await client(t.app).post('/api/v1/portal/view-as', { token })).status).toBe(410);
    // The link token itself is no cookie.
    const asCookie = client(t.app, { cookie: `billow_portal=${token}` });
    expect((await asCookie.get('/api/v1/portal/me')).status).toBe(401);

    const me = await portal.get('/api/v1/portal/me');
    expect(me.status).toBe(200);
    expect(me.body.customer.id).toBe(cu.id);
    expect(me.body.view_as).toEqual({ staff_name: 'API key' });
    expect(me.body.permissions).toEqual([
      'view_invoices',
      'view_payments',
      'view_credits',
      'view_usage',
    ]);
    const invoices = await portal.get('/api/v1/portal/invoices');
    expect(invoices.status).toBe(200);
    expect(invoices.body.data.map((i: { id: string }) => i.id)).toEqual([inv]);

    // Every state change is refused, whatever the route.
    for (const [method, url, body] of [
      ['post', '/api/v1/portal/payments', { invoices: [{ id: inv, amount: 75_00 }] }],
      ['post', '/api/v1/portal/payment-methods', {}],
      ['put', '/api/v1/portal/autopay', { enabled: true }],
      ['post', '/api/v1/portal/password/change', { current_password: 'x', new_password: 'y' }],
      ['post', '/api/v1/portal/account', { customer_id: cu.id }],
    ] as const) {
      const res = await (method === 'put' ? portal.put(url, body) : portal.post(url, body));
      expect(res.status, `${method} ${url}`).toBe(403);
      expect(res.body.error.code).toBe('portal_read_only');
    }
    // Signing out works.
    expect((await portal.post('/api/v1/portal/logout')).status).toBe(204);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(401);
  });

  it('is bound to the tenant, needs billing read, and the staff key opens no portal route', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const cu = await newCustomer(t);
    const foreign = await other.api.post(`/api/v1/customers/${cu.id}/portal-view`);
    expect(foreign.status).toBe(404);
    expect((await auditOf(t, cu.id)).map((a) => a.action)).not.toContain(
      'customer.viewed_as_customer',
    );

    const reader = await apiKey(t, 'read_only');
    const readerView = await reader.api.post(`/api/v1/customers/${cu.id}/portal-view`);
    // read_only reads customers but no billing: the portal's view shows billing, so no.
    expect(readerView.status).toBe(403);

    // The other tenant's view session shows the other tenant's customer only.
    const theirs = await newCustomer(other);
    const { token } = await openView(other, theirs.id);
    const portal = portalClient(
      other,
      await client(other.app).post('/api/v1/portal/view-as', { token }),
    );
    expect((await portal.get('/api/v1/portal/me')).body.customer.id).toBe(theirs.id);
    const inv = await postedInvoice(t, cu.id, 10_00);
    expect((await portal.get(`/api/v1/portal/invoices/${inv}`)).status).toBe(404);

    // The staff API key never opens the portal.
    expect((await t.api.get('/api/v1/portal/me')).status).toBe(401);
  });
});
