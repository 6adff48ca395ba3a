import { describe, expect, it } from 'vitest';
import { seedContactProfiles } from '../../src/modules/contacts/service.js';
import { systemCtx } from '../../src/modules/context.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import { apiKey, auditOf, newTenant, type TestTenant } from '../helpers/app.js';
import { contact, newCustomer, type ProfileBody, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

const PROFILES = '/api/v1/contact-profiles';
const ALL = [
  'view_invoices',
  'view_payments',
  'view_credits',
  'view_usage',
  'make_payments',
  'manage_payment_methods',
  'manage_autopay',
  'receive_invoice_emails',
  'receive_receipts',
];

async function profiles(t: TestTenant): Promise<ProfileBody[]> {
  const res = await t.api.get(PROFILES);
  expect(res.status).toBe(200);
  return res.body.data;
}

describe('contact profiles', () => {
  it('every tenant has Billing admin (default), Viewer and No access', async () => {
    const t = await newTenant(h);
    const list = await profiles(t);
    expect(list.map((p) => [p.name, p.is_default])).toEqual([
      ['Billing admin', true],
      ['No access', false],
      ['Viewer', false],
    ]);
    expect(list[0]?.permissions).toEqual(ALL);
    expect(list[1]?.permissions).toEqual([]);
    expect(list[2]?.permissions).toEqual([
      'view_invoices',
      'view_payments',
      'view_credits',
      'view_usage',
    ]);
    expect((await profiles(t)).map((p) => p.id)).toEqual(list.map((p) => p.id));
  });

  it('seeding runs once: called again, or after the seeds were renamed or deleted', async () => {
    const t = await newTenant(h);
    const viewer = await profileNamed(t, 'Viewer');
    const none = await profileNamed(t, 'No access');
    await t.api.patch(`${PROFILES}/${viewer.id}`, { name: 'Read only' });
    expect((await t.api.delete(`${PROFILES}/${none.id}`)).status).toBe(200);
    const tenant = await loadTenant(h.testDb.db, t.id);
    if (!tenant) throw new Error('tenant missing');
    const ctx = systemCtx(h.testDb.db, h.clock, tenant);
    await h.testDb.db.tx((tx) => seedContactProfiles(tx, ctx));
    await h.testDb.db.tx((tx) => seedContactProfiles(tx, ctx));
    expect((await profiles(t)).map((p) => p.name)).toEqual(['Billing admin', 'Read only']);
  });

  it('creates, renames and re-permissions profiles, audited, with unique names', async () => {
    const t = await newTenant(h);
    const created = await t.api.post(PROFILES, {
      name: 'Payer',
      permissions: ['make_payments', 'view_invoices', 'view_invoices'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Payer',
      permissions: ['view_invoices', 'make_payments'],
      is_default: false,
      active_contacts: 0,
    });
    const dup = await t.api.post(PROFILES, { name: 'payer', permissions: [] });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('contact_profile_name_taken');
    const rename = await t.api.patch(`${PROFILES}/${created.body.id}`, { name: 'viewer' });
    expect(rename.body.error.code).toBe('contact_profile_name_taken');
    const changed = await t.api.patch(`${PROFILES}/${created.body.id}`, {
      permissions: ['receive_receipts'],
    });
    expect(changed.body.permissions).toEqual(['receive_receipts']);
    const entries = await auditOf(t, created.body.id);
    expect(entries.map((e) => e.action)).toEqual([
      'contact_profile.updated',
      'contact_profile.created',
    ]);
    expect(entries[0]?.before.permissions).toEqual(['view_invoices', 'make_payments']);
    expect(entries[0]?.after.permissions).toEqual(['receive_receipts']);
  });

  it('keeps exactly one default', async () => {
    const t = await newTenant(h);
    const viewer = await profileNamed(t, 'Viewer');
    const res = await t.api.patch(`${PROFILES}/${viewer.id}`, { is_default: true });
    expect(res.body.is_default).toBe(true);
    expect((await profiles(t)).filter((p) => p.is_default).map((p) => p.name)).toEqual(['Viewer']);
    const made = await t.api.post(PROFILES, { name: 'New', permissions: [], is_default: true });
    expect(made.body.is_default).toBe(true);
    expect((await profiles(t)).filter((p) => p.is_default).map((p) => p.name)).toEqual(['New']);
    const unset = await t.api.patch(`${PROFILES}/${made.body.id}`, { is_default: false });
    expect(unset.status).toBe(400);
    const gone = await t.api.delete(`${PROFILES}/${made.body.id}`);
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe('contact_profile_is_default');
    const c = await contact(t, (await newCustomer(t)).id);
    expect(c.profile.name).toBe('New');
  });

  it('refuses to delete a profile active contacts use; deletes it once they are revoked', async () => {
    const t = await newTenant(h);
    const viewer = await profileNamed(t, 'Viewer');
    const c = await contact(t, (await newCustomer(t)).id, { profile_id: viewer.id });
    const refused = await t.api.delete(`${PROFILES}/${viewer.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'contact_profile_in_use',
      details: { active_contacts: 1 },
    });
    await t.api.post(`/api/v1/contacts/${c.id}/revoke`);
    const deleted = await t.api.delete(`${PROFILES}/${viewer.id}`);
    expect(deleted.status).toBe(200);
    expect((await profiles(t)).map((p) => p.name)).not.toContain('Viewer');
    expect((await t.api.get(`/api/v1/contacts/${c.id}`)).body.profile.name).toBe('Viewer');
    const reuse = await t.api.post(`/api/v1/customers/${c.customer_id}/contacts`, {
      name: 'X',
      email: 'x@example.com',
      profile_id: viewer.id,
    });
    expect(reuse.status).toBe(404);
    expect(reuse.body.error.code).toBe('contact_profile_not_found');
    const events = await t.api.get('/api/v1/events?type=contact_profile.deleted');
    expect(events.body.data[0]?.object_id).toBe(viewer.id);
  });

  it('concurrent first uses seed once, and concurrent default changes keep one default', async () => {
    const t = await newTenant(h);
    const lists = await Promise.all(Array.from({ length: 4 }, () => t.api.get(PROFILES)));
    expect(lists.map((r) => r.body.data.length)).toEqual([3, 3, 3, 3]);
    const [viewer, none] = [await profileNamed(t, 'Viewer'), await profileNamed(t, 'No access')];
    const results = await Promise.all([
      t.api.patch(`${PROFILES}/${viewer.id}`, { is_default: true }),
      t.api.patch(`${PROFILES}/${none.id}`, { is_default: true }),
    ]);
    expect(results.map((r) => r.status)).toEqual([200, 200]);
    expect((await profiles(t)).filter((p) => p.is_default)).toHaveLength(1);
  });

  it('refuses bad profile input', async () => {
    const t = await newTenant(h);
    for (const body of [
      { name: 'X', permissions: ['launch_rockets'] },
      { name: 'X' },
      { name: 'X', permissions: [], extra: 1 },
      { name: 'x'.repeat(101), permissions: [] },
      { name: 'X', permissions: 'view_invoices' },
    ]) {
      const res = await t.api.post(PROFILES, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });

  it('managing profiles needs tenant:manage; reading needs customers:read', async () => {
    const t = await newTenant(h);
    const viewer = await profileNamed(t, 'Viewer');
    for (const role of ['read_only', 'billing']) {
      const { api } = await apiKey(t, role);
      expect((await api.get(PROFILES)).status).toBe(200);
      for (const res of [
        await api.post(PROFILES, { name: 'No', permissions: [] }),
        await api.patch(`${PROFILES}/${viewer.id}`, { name: 'No' }),
        await api.delete(`${PROFILES}/${viewer.id}`),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.error.code).toBe('forbidden');
      }
    }
    expect((await profileNamed(t, 'Viewer')).id).toBe(viewer.id);
  });
});

describe('contacts', () => {
  it('adds a contact with the default profile, lower-cased email, audited', async () => {
    const t = await newTenant(h);
    const customerId = (await newCustomer(t)).id;
    const res = await t.api.post(`/api/v1/customers/${customerId}/contacts`, {
      name: 'Dana Doe',
      email: 'Dana.Doe@Example.COM',
      phone: '+1 (555) 010-2030',
      title: 'Controller',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customer_id: customerId,
      name: 'Dana Doe',
      email: 'dana.doe@example.com',
      phone: '+1 (555) 010-2030',
      title: 'Controller',
      status: 'active',
      revoked_at: null,
      profile: { name: 'Billing admin', permissions: ALL },
      can_view_invoices: true,
      created_at: '2026-11-22T15:00:00.000Z',
    });
    expect(res.body.id).toMatch(/^con_/);
    expect((await t.api.get(`/api/v1/contacts/${res.body.id}`)).body).toEqual(res.body);
    const entries = await auditOf(t, res.body.id);
    expect(entries.map((e) => e.action)).toEqual(['contact.created']);
    const events = await t.api.get('/api/v1/events?type=contact.created');
    expect(events.body.data[0]?.object_id).toBe(res.body.id);
  });

  it('shows why a contact cannot see invoices: its profile lacks view_invoices', async () => {
    const t = await newTenant(h);
    const none = await profileNamed(t, 'No access');
    const c = await contact(t, (await newCustomer(t)).id, { profile_id: none.id });
    expect(c).toMatchObject({ can_view_invoices: false, profile: { name: 'No access' } });
  });

  it('one active contact per email per customer; another customer or a revoked one is fine', async () => {
    const t = await newTenant(h);
    const first = (await newCustomer(t)).id;
    const c = await contact(t, first, { email: 'same@example.com' });
    const dup = await t.api.post(`/api/v1/customers/${first}/contacts`, {
      name: 'Again',
      email: 'SAME@example.com',
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('contact_email_taken');
    await contact(t, (await newCustomer(t)).id, { email: 'same@example.com' });
    await t.api.post(`/api/v1/contacts/${c.id}/revoke`);
    await contact(t, first, { email: 'same@example.com' });
  });

  it('changes details and profile; a profile change is its own audited event', async () => {
    const t = await newTenant(h);
    const c = await contact(t, (await newCustomer(t)).id);
    const none = await profileNamed(t, 'No access');
    const res = await t.api.patch(`/api/v1/contacts/${c.id}`, {
      profile_id: none.id,
      title: 'CFO',
      phone: null,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ title: 'CFO', phone: null, can_view_invoices: false });
    const entries = await auditOf(t, c.id);
    const changed = entries.find((e) => e.action === 'contact.profile_changed');
    expect(changed?.before).toMatchObject({
      profile: { name: 'Billing admin' },
      can_view_invoices: true,
    });
    expect(changed?.after).toMatchObject({ profile: { name: 'No access' } });
    expect(entries.map((e) => e.action).sort()).toEqual([
      'contact.created',
      'contact.profile_changed',
      'contact.updated',
    ]);
    const events = await t.api.get('/api/v1/events?type=contact.profile_changed');
    expect(events.body.data[0]?.object_id).toBe(c.id);
  });

  it('revokes access; a revoked contact cannot be changed or revoked again', async () => {
    const t = await newTenant(h);
    const c = await contact(t, (await newCustomer(t)).id);
    const junk = await t.api.post(`/api/v1/contacts/${c.id}/revoke`, { reason: 'x' });
    expect(junk.status).toBe(400);
    const res = await h.app
      .inject({
        method: 'POST',
        url: `/api/v1/contacts/${c.id}/revoke`,
        headers: { authorization: `Bearer ${t.key}` },
      })
      .then((r) => ({ status: r.statusCode, body: r.json() }));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'revoked', revoked_at: '2026-11-22T15:00:00.000Z' });
    for (const again of [
      await t.api.patch(`/api/v1/contacts/${c.id}`, { name: 'Back' }),
      await t.api.post(`/api/v1/contacts/${c.id}/revoke`),
    ]) {
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('contact_revoked');
    }
    expect((await auditOf(t, c.id)).map((e) => e.action)).toEqual([
      'contact.revoked',
      'contact.created',
    ]);
    const revokedOnly = await t.api.get(
      `/api/v1/customers/${c.customer_id}/contacts?status=revoked`,
    );
    expect(revokedOnly.body.data.map((x: { id: string }) => x.id)).toEqual([c.id]);
  });

  it('refuses contacts on an archived customer', async () => {
    const t = await newTenant(h);
    const customerId = (await newCustomer(t)).id;
    await t.api.delete(`/api/v1/customers/${customerId}`);
    const res = await t.api.post(`/api/v1/customers/${customerId}/contacts`, {
      name: 'Late',
      email: 'late@example.com',
    });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('customer_archived');
  });

  it('pages a customer’s contacts newest first', async () => {
    const t = await newTenant(h);
    const customerId = (await newCustomer(t)).id;
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await contact(t, customerId)).id);
    const first = await t.api.get(`/api/v1/customers/${customerId}/contacts?limit=2`);
    const second = await t.api.get(
      `/api/v1/customers/${customerId}/contacts?limit=2&cursor=${first.body.next_cursor}`,
    );
    expect([...first.body.data, ...second.body.data].map((c: { id: string }) => c.id)).toEqual(
      made.reverse(),
    );
    expect(second.body.next_cursor).toBeNull();
  });

  it.each([
    ['an unknown field', { name: 'X', email: 'x@example.com', role: 'admin' }],
    ['a bad email', { name: 'X', email: 'x@' }],
    ['no email', { name: 'X' }],
    ['an oversize name', { name: 'x'.repeat(201), email: 'x@example.com' }],
    ['letters in the phone', { name: 'X', email: 'x@example.com', phone: 'call me' }],
    ['a numeric name', { name: 42, email: 'x@example.com' }],
  ])('refuses %s', async (_label, body) => {
    const t = await newTenant(h);
    const customerId = (await newCustomer(t)).id;
    const res = await t.api.post(`/api/v1/customers/${customerId}/contacts`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get(`/api/v1/customers/${customerId}/contacts`)).body.data).toEqual([]);
  });

  it('a read-only key reads contacts but cannot add, change or revoke them', async () => {
    const t = await newTenant(h);
    const c = await contact(t, (await newCustomer(t)).id);
    const ro = (await apiKey(t, 'read_only')).api;
    expect((await ro.get(`/api/v1/contacts/${c.id}`)).status).toBe(200);
    expect((await ro.get(`/api/v1/customers/${c.customer_id}/contacts`)).status).toBe(200);
    for (const res of [
      await ro.post(`/api/v1/customers/${c.customer_id}/contacts`, {
        name: 'No',
        email: 'no@example.com',
      }),
      await ro.patch(`/api/v1/contacts/${c.id}`, { name: 'No' }),
      await ro.post(`/api/v1/contacts/${c.id}/revoke`),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await t.api.get(`/api/v1/contacts/${c.id}`)).body).toEqual(c);
  });
});

describe('tenant isolation', () => {
  it('tenant B cannot read, change or revoke A’s contacts, nor use A’s customers or profiles', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const aCustomer = (await newCustomer(a)).id;
    const c = await contact(a, aCustomer);
    const aViewer = await profileNamed(a, 'Viewer');
    for (const res of [
      await b.api.get(`/api/v1/contacts/${c.id}`),
      await b.api.patch(`/api/v1/contacts/${c.id}`, { name: 'Stolen' }),
      await b.api.post(`/api/v1/contacts/${c.id}/revoke`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('contact_not_found');
    }
    for (const res of [
      await b.api.get(`/api/v1/customers/${aCustomer}/contacts`),
      await b.api.post(`/api/v1/customers/${aCustomer}/contacts`, {
        name: 'Sneaky',
        email: 'sneaky@example.com',
      }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('customer_not_found');
    }
    const bCustomer = (await newCustomer(b)).id;
    const viaProfile = await b.api.post(`/api/v1/customers/${bCustomer}/contacts`, {
      name: 'Borrowed',
      email: 'borrowed@example.com',
      profile_id: aViewer.id,
    });
    expect(viaProfile.status).toBe(404);
    expect(viaProfile.body.error).toMatchObject({
      code: 'contact_profile_not_found',
      details: { field: 'profile_id' },
    });
    const bContact = await contact(b, bCustomer);
    const switched = await b.api.patch(`/api/v1/contacts/${bContact.id}`, {
      profile_id: aViewer.id,
    });
    expect(switched.body.error.code).toBe('contact_profile_not_found');
    for (const res of [
      await b.api.patch(`${PROFILES}/${aViewer.id}`, { name: 'Mine' }),
      await b.api.delete(`${PROFILES}/${aViewer.id}`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('contact_profile_not_found');
    }
    expect((await profiles(b)).map((p) => p.id)).not.toContain(aViewer.id);
    expect((await a.api.get(`/api/v1/contacts/${c.id}`)).body).toEqual(c);
    expect(await profileNamed(a, 'Viewer')).toEqual(aViewer);
    expect((await auditOf(a, c.id)).map((e) => e.action)).toEqual(['contact.created']);
  });
});
