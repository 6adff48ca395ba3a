/**
 * What staff do with contacts from the console (A4): the list sorted and searched, a
 * password-reset link sent on a contact's behalf.
 */
import { describe, expect, it } from 'vitest';
import { apiKey, auditOf, client, newTenant } from '../helpers/app.js';
import { contact, newCustomer } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { linkToken, PASSWORD, portalClient, portalContact } from '../helpers/portal.js';

const h = useHarness();

describe('the contacts list', () => {
  it('sorts by name or email and searches, keyset-paged', async () => {
    const t = await newTenant(h);
    const cu = await newCustomer(t);
    const names = ['delta', 'Alpha', 'charlie', 'Bravo'];
    for (const n of names) {
      await contact(t, cu.id, { name: `${n} Person`, email: `${n.toLowerCase()}-x@example.com` });
    }
    const url = `/api/v1/customers/${cu.id}/contacts`;
    const first = await t.api.get(`${url}?sort=name&limit=3`);
    expect(first.status).toBe(200);
    expect(first.body.data.map((c: { name: string }) => c.name)).toEqual([
      'Alpha Person',
      'Bravo Person',
      'charlie Person',
    ]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await t.api.get(
      `${url}?sort=name&limit=3&cursor=${encodeURIComponent(first.body.next_cursor)}`,
    );
    expect(second.body.data.map((c: { name: string }) => c.name)).toEqual(['delta Person']);
    expect(second.body.next_cursor).toBeNull();

    const byEmail = await t.api.get(`${url}?sort=email`);
    expect(byEmail.body.data.map((c: { email: string }) => c.email)).toEqual([
      'alpha-x@example.com',
      'bravo-x@example.com',
      'charlie-x@example.com',
      'delta-x@example.com',
    ]);
    const newest = await t.api.get(`${url}?limit=2`);
    expect(newest.body.data.map((c: { name: string }) => c.name)).toEqual([
      'Bravo Person',
      'charlie Person',
    ]);
    const older = await t.api.get(`${url}?limit=2&cursor=${newest.body.next_cursor}`);
    expect(older.body.data.map((c: { name: string }) => c.name)).toEqual([
      'Alpha Person',
      'delta Person',
    ]);

    const found = await t.api.get(`${url}?q=CHAR`);
    expect(found.body.data.map((c: { name: string }) => c.name)).toEqual(['charlie Person']);
    // LIKE wildcards are text, not patterns.
    expect((await t.api.get(`${url}?q=%25`)).body.data).toEqual([]);
    expect((await t.api.get(`${url}?sort=name&cursor=nonsense`)).status).toBe(400);
  });
});

describe('staff password reset', () => {
  it('emails a reset link that works, audited; refused without portal access', async () => {
    const t = await newTenant(h);
    const { contact: c } = await portalContact(h, t);
    const res = await t.api.post(`/api/v1/contacts/${c.id}/password-reset`);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const email = await t.api.get(`/api/v1/emails/${res.body.email_id}`);
    expect(email.body).toMatchObject({ kind: 'password_reset', to: c.email, contact_id: c.id });
    const token = await linkToken(h, res.body.email_id);
    const reset = await client(t.app).post('/api/v1/portal/password/reset', {
      token,
      password: `${PASSWORD} again`,
    });
    expect(reset.status).toBe(204);
    const login = await client(t.app).post('/api/v1/portal/login', {
      email: c.email,
      password: `${PASSWORD} again`,
    });
    expect(login.status).toBe(200);
    portalClient(t, login);
    expect((await auditOf(t, c.id)).map((a) => a.action)).toContain('contact.password_reset_sent');

    const cu = await newCustomer(t);
    const fresh = await contact(t, cu.id);
    const refused = await t.api.post(`/api/v1/contacts/${fresh.id}/password-reset`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('contact_no_portal_access');

    const reader = await apiKey(t, 'read_only');
    expect((await reader.api.post(`/api/v1/contacts/${c.id}/password-reset`)).status).toBe(403);
    const other = await newTenant(h);
    expect((await other.api.post(`/api/v1/contacts/${c.id}/password-reset`)).status).toBe(404);
  });
});
