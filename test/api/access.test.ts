/**
 * Staff access (A2): logins, sessions, API keys and roles, tried the way an attacker or a careless
 * client would try them.
 */
import { describe, expect, it } from 'vitest';
import { apiKey, client, newTenant, unique } from '../helpers/app.js';
import {
  contact,
  draftInvoice,
  invoiceOnlyCustomer,
  monthlyPrice,
  newCustomer,
  postedInvoice,
  subscribe,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod } from '../helpers/payment-methods.js';

const h = useHarness();

describe('authentication', () => {
  it('refuses requests without credentials, with a malformed or an unknown key', async () => {
    const anon = client(h.app);
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Bearer nope' },
      { authorization: 'Basic abc' },
    ];
    for (const headers of attempts) {
      const res = await client(h.app, headers).get('/api/v1/tenant');
      expect(res.status).toBe(401);
      expect(res.body.error.code).toBe('unauthenticated');
    }
    const forged = `bk_test_${'A'.repeat(43)}`;
    expect(
      (await client(h.app, { authorization: `Bearer ${forged}` }).get('/api/v1/tenant')).status,
    ).toBe(401);
    expect((await anon.get('/api/v1/events')).status).toBe(401);
  });

  it('a key is shown once, listed without its secret, and stops working when revoked', async () => {
    const t = await newTenant(h);
    const key = await t.api.post('/api/v1/api-keys', { name: 'CI', role: 'billing' });
    expect(key.body.secret).toMatch(/^bk_test_/);
    const list = await t.api.get('/api/v1/api-keys');
    expect(JSON.stringify(list.body)).not.toContain(key.body.secret);
    expect(list.body.data.find((k: { id: string }) => k.id === key.body.id).last4).toBe(
      key.body.secret.slice(-4),
    );
    const billing = client(h.app, { authorization: `Bearer ${key.body.secret}` });
    expect((await billing.get('/api/v1/clock')).status).toBe(200);
    expect((await t.api.post(`/api/v1/api-keys/${key.body.id}/revoke`)).status).toBe(200);
    expect((await billing.get('/api/v1/clock')).status).toBe(401);
  });

  it('stores key secrets and passwords only as hashes', async () => {
    const t = await newTenant(h);
    const rows = await h.testDb.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM api_keys WHERE tenant_id = $1',
      [t.id],
    );
    expect(rows[0]?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0]?.secret_hash).not.toContain(t.key);
    const staff = await h.testDb.db.one<{ password_hash: string }>(
      'SELECT password_hash FROM staff_users WHERE tenant_id = $1',
      [t.id],
    );
    expect(staff.password_hash).toMatch(/^\$argon2id\$/);
  });
});

describe('login sessions', () => {
  it('logs in with a cookie, reads as the staff user, and logout ends the session', async () => {
    const t = await newTenant(h);
    const res = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail.toUpperCase(),
      password: t.password,
    });
    expect(res.status).toBe(200);
    const cookie = String(res.headers['set-cookie']).split(';')[0] as string;
    expect(String(res.headers['set-cookie'])).toMatch(/HttpOnly/i);
    const session = client(h.app, { cookie });
    const me = await session.get('/api/v1/auth/me');
    expect(me.body).toMatchObject({ tenant_id: t.id, role: 'owner', actor: { type: 'staff' } });
    expect((await session.post('/api/v1/auth/logout')).status).toBe(204);
    expect((await session.get('/api/v1/auth/me')).status).toBe(401);
  });

  it('tells a session who it is: the staff member, the tenant and the permissions', async () => {
    const t = await newTenant(h, { timeZone: 'America/Chicago' });
    const login = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const session = client(h.app, {
      cookie: String(login.headers['set-cookie']).split(';')[0] as string,
    });
    const me = await session.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.staff).toMatchObject({ email: t.ownerEmail, role: 'owner' });
    expect(me.body.tenant).toMatchObject({
      id: t.id,
      time_zone: 'America/Chicago',
      currency: 'USD',
    });
    expect(me.body.permissions).toContain('billing:write');
    expect(me.body.csrf_token).toBe(login.body.csrf_token);
    // A read-only member is told what it may not do, so the console can hide those actions.
    const email = `ro-${unique()}@example.com`;
    const password = 'read only password';
    await t.api.post('/api/v1/staff', { email, name: 'Reader', role: 'read_only', password });
    const ro = await client(h.app).post('/api/v1/auth/login', { email, password });
    const roMe = await client(h.app, {
      cookie: String(ro.headers['set-cookie']).split(';')[0] as string,
    }).get('/api/v1/auth/me');
    expect(roMe.body.permissions).toEqual(['customers:read']);
    // An API key has no staff member and needs no CSRF token.
    const keyMe = await t.api.get('/api/v1/auth/me');
    expect(keyMe.body).toMatchObject({ staff: null, csrf_token: null, tenant: { id: t.id } });
  });

  it("refuses a cookie session's state change without its CSRF token or from another origin", async () => {
    const t = await newTenant(h);
    const login = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const cookie = String(login.headers['set-cookie']).split(';')[0] as string;
    const token = login.body.csrf_token as string;
    expect(token).toMatch(/^[\w-]{43}$/);
    const body = { name: `Csrf ${unique()}` };
    const session = client(h.app, { cookie });
    const without = await session.post('/api/v1/customers', body);
    expect(without.status).toBe(403);
    expect(without.body.error.code).toBe('csrf_failed');
    const wrong = await session.post('/api/v1/customers', body, { 'x-csrf-token': 'f'.repeat(64) });
    expect(wrong.body.error?.code).toBe('csrf_failed');
    const foreign = await session.post('/api/v1/customers', body, {
      'x-csrf-token': token,
      origin: 'https://evil.example',
    });
    expect(foreign.status).toBe(403);
    // Another session's token does not fit this session.
    const other = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const crossed = await session.post('/api/v1/customers', body, {
      'x-csrf-token': other.body.csrf_token,
    });
    expect(crossed.status).toBe(403);
    const list = await t.api.get(`/api/v1/customers?q=${encodeURIComponent(body.name)}`);
    expect(list.body.data).toHaveLength(0);
    // Reads need no token; the right token from the same origin passes; API keys are exempt.
    expect((await session.get('/api/v1/customers')).status).toBe(200);
    const ok = await session.post('/api/v1/customers', body, {
      'x-csrf-token': token,
      origin: 'http://localhost:80',
      host: 'localhost:80',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    expect((await t.api.post('/api/v1/customers', { name: 'By key' })).status).toBe(201);
    // A login posted from another site is refused too.
    const forged = await client(h.app).post(
      '/api/v1/auth/login',
      { email: t.ownerEmail, password: t.password },
      { origin: 'https://evil.example' },
    );
    expect(forged.status).toBe(403);
  });

  it('gives the same answer for a wrong password and an unknown email', async () => {
    const t = await newTenant(h);
    const wrong = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: 'not the password',
    });
    const unknown = await client(h.app).post('/api/v1/auth/login', {
      email: `nobody-${unique()}@example.com`,
      password: 'not the password',
    });
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect(wrong.body.error.code).toBe('invalid_credentials');
  });

  describe('on an installation allowing 5 attempts a minute', () => {
    const limited = useHarness({ loginRateLimit: 5 });

    it('limits login attempts per client', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 8; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.9.9.9',
          payload: { email: 'x@example.com', password: 'guess' },
        });
        statuses.push(res.statusCode);
      }
      expect(statuses.slice(0, 5).every((s) => s === 401)).toBe(true);
      expect(statuses.at(-1)).toBe(429);
    });

    it('believes no X-Forwarded-For unless told of a proxy: a client cannot name itself anew', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          remoteAddress: '10.9.9.10',
          headers: { 'x-forwarded-for': `198.51.100.${i}` },
          payload: { email: 'x@example.com', password: 'guess' },
        });
        statuses.push(res.statusCode);
      }
      expect(statuses.at(-1)).toBe(429);
    });
  });

  describe('behind a reverse proxy (BILLOW_TRUST_PROXY=10.0.0.0/8)', () => {
    const proxied = useHarness({ loginRateLimit: 5, trustProxy: ['10.0.0.0/8'] });
    const attempt = (client: string, via = '10.1.2.3') =>
      proxied.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        remoteAddress: via,
        headers: { 'x-forwarded-for': client },
        payload: { email: 'x@example.com', password: 'guess' },
      });

    it('limits each client by its forwarded address, not the proxy', async () => {
      const first: number[] = [];
      for (let i = 0; i < 7; i++) first.push((await attempt('203.0.113.7')).statusCode);
      expect(first.at(-1)).toBe(429);
      // Another client behind the same proxy still gets its own attempts.
      expect((await attempt('203.0.113.8')).statusCode).toBe(401);
      // A client that is not a known proxy cannot pose as one.
      const direct: number[] = [];
      for (let i = 0; i < 7; i++) {
        direct.push((await attempt(`198.51.100.${i}`, '192.0.2.50')).statusCode);
      }
      expect(direct.at(-1)).toBe(429);
    });
  });

  it('disabling a staff user ends their sessions and blocks login', async () => {
    const t = await newTenant(h);
    const email = `billing-${unique()}@example.com`;
    const created = await t.api.post('/api/v1/staff', {
      email,
      name: 'Bill',
      role: 'billing',
      password: 'a long enough password',
    });
    expect(created.status).toBe(201);
    const login = await client(h.app).post('/api/v1/auth/login', {
      email,
      password: 'a long enough password',
    });
    const session = client(h.app, {
      cookie: String(login.headers['set-cookie']).split(';')[0] as string,
    });
    expect((await session.get('/api/v1/clock')).status).toBe(200);
    expect((await t.api.patch(`/api/v1/staff/${created.body.id}`, { disabled: true })).status).toBe(
      200,
    );
    expect((await session.get('/api/v1/clock')).status).toBe(401);
    const again = await client(h.app).post('/api/v1/auth/login', {
      email,
      password: 'a long enough password',
    });
    expect(again.status).toBe(401);
  });

  it('asks which tenant when one email is staff in two tenants', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const email = `shared-${unique()}@example.com`;
    const password = 'shared password 123';
    for (const t of [a, b]) {
      await t.api.post('/api/v1/staff', { email, name: 'S', role: 'admin', password });
    }
    const ambiguous = await client(h.app).post('/api/v1/auth/login', { email, password });
    expect(ambiguous.body.error.code).toBe('tenant_required');
    const chosen = await client(h.app).post('/api/v1/auth/login', {
      email,
      password,
      tenant_id: b.id,
    });
    expect(chosen.status).toBe(200);
    expect(chosen.body.tenant_id).toBe(b.id);
  });
});

describe('roles', () => {
  it('read-only staff cannot change anything nor see the audit log or events', async () => {
    const t = await newTenant(h);
    const { api } = await apiKey(t, 'read_only');
    expect((await api.get('/api/v1/tenant')).status).toBe(200);
    for (const res of [
      await api.patch('/api/v1/tenant', { name: 'Hijacked' }),
      await api.post('/api/v1/api-keys', { name: 'x', role: 'read_only' }),
      await api.post('/api/v1/clock/advance', { days: 1 }),
      await api.get('/api/v1/audit-log'),
      await api.get('/api/v1/events'),
      await api.get('/api/v1/staff'),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await t.api.get('/api/v1/tenant')).body.name).not.toBe('Hijacked');
  });

  it('billing staff cannot manage staff, keys or settings', async () => {
    const t = await newTenant(h);
    const { api } = await apiKey(t, 'billing');
    expect((await api.patch('/api/v1/tenant', { settings: { auto_post: true } })).status).toBe(403);
    expect((await api.get('/api/v1/api-keys')).status).toBe(403);
    expect((await api.post('/api/v1/clock/advance', { days: 1 })).status).toBe(200);
  });

  it('an admin cannot create an owner, nor demote or disable the last owner', async () => {
    const t = await newTenant(h);
    const { api: admin } = await apiKey(t, 'admin');
    const owner = await admin.post('/api/v1/staff', {
      email: `o-${unique()}@example.com`,
      name: 'O',
      role: 'owner',
      password: 'a long enough password',
    });
    expect(owner.body.error.code).toBe('role_too_high');
    expect(
      (await admin.post('/api/v1/api-keys', { name: 'x', role: 'owner' })).body.error.code,
    ).toBe('role_too_high');
    const staff = await t.api.get('/api/v1/staff');
    const ownerId = staff.body.data[0].id;
    const demote = await t.api.patch(`/api/v1/staff/${ownerId}`, { role: 'admin' });
    expect(demote.status).toBe(409);
    expect(demote.body.error.code).toBe('last_owner');
    expect(
      (await t.api.patch(`/api/v1/staff/${ownerId}`, { disabled: true })).body.error.code,
    ).toBe('last_owner');
  });
});

describe('tenant isolation of platform objects', () => {
  it('a tenant cannot revoke, list or use another tenant’s keys and staff', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const aKey = await apiKey(a, 'billing');
    const aStaff = (await a.api.get('/api/v1/staff')).body.data[0];
    const revoke = await b.api.post(`/api/v1/api-keys/${aKey.id}/revoke`);
    expect(revoke.status).toBe(404);
    expect(revoke.body.error.code).toBe('api_key_not_found');
    expect((await aKey.api.get('/api/v1/clock')).status).toBe(200);
    const patch = await b.api.patch(`/api/v1/staff/${aStaff.id}`, { role: 'read_only' });
    expect(patch.body.error.code).toBe('staff_not_found');
    expect((await a.api.get('/api/v1/staff')).body.data[0].role).toBe('owner');
    const bKeys = await b.api.get('/api/v1/api-keys');
    expect(bKeys.body.data.map((k: { id: string }) => k.id)).not.toContain(aKey.id);
    const bEvents = await b.api.get('/api/v1/events?limit=100');
    expect(JSON.stringify(bEvents.body)).not.toContain(a.id);
    const bAudit = await b.api.get(`/api/v1/audit-log?object=${a.id}`);
    expect(bAudit.body.data).toEqual([]);
  });
});

describe('issue 10: billing data, questions and bodies of actions', () => {
  it('a read-only key cannot read subscriptions (billing data); billing can', async () => {
    const t = await newTenant(h);
    const cus = await invoiceOnlyCustomer(t);
    const sub = await subscribe(t, cus, await monthlyPrice(t, 'Plan', 4500), '2026-11-01');
    const { api: reader } = await apiKey(t, 'read_only');
    const { api: billing } = await apiKey(t, 'billing');
    expect((await reader.get(`/api/v1/customers/${cus}`)).status).toBe(200);
    for (const url of ['/api/v1/subscriptions', `/api/v1/subscriptions/${sub}`]) {
      const res = await reader.get(url);
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
      expect(JSON.stringify(res.body)).not.toContain(sub);
      expect((await billing.get(url)).status, url).toBe(200);
    }
  });

  it("the questions of an unknown or another tenant's invoice answer 404", async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const inv = await draftInvoice(a, (await newCustomer(a)).id, 1000);
    expect((await a.api.get(`/api/v1/invoices/${inv}/questions`)).body).toEqual({ data: [] });
    for (const res of [
      await b.api.get(`/api/v1/invoices/${inv}/questions`),
      await a.api.get('/api/v1/invoices/inv_01abcdefghjkmnpqrstvwxyz0/questions'),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('invoice_not_found');
    }
  });

  it('actions that take no input refuse unknown fields, and do nothing', async () => {
    const t = await newTenant(h);
    const cus = await newCustomer(t, { billing_email: 'ap@example.com' });
    const draft = await draftInvoice(t, cus.id, 1000);
    const posted = await postedInvoice(t, cus.id, 2000);
    const key = await apiKey(t, 'billing');
    const pm = await saveMethod(t, cus.id, cardBody());
    const dana = await contact(t, cus.id, { name: 'Dana Lee' });
    const login = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const session = client(h.app, {
      cookie: String(login.headers['set-cookie']).split(';')[0] as string,
    });
    const surprise = { surprise: true };
    for (const [api, url] of [
      [session, '/api/v1/auth/logout'],
      [t.api, `/api/v1/api-keys/${key.id}/revoke`],
      [t.api, `/api/v1/invoices/${posted}/email`],
      [t.api, `/api/v1/invoices/${draft}/post`],
      [t.api, '/api/v1/bill-runs/br_01abcdefghjkmnpqrstvwxyz0/post'],
      [t.api, '/api/v1/bill-runs/br_01abcdefghjkmnpqrstvwxyz0/email'],
      [t.api, `/api/v1/payment-methods/${pm.id}/default`],
      [t.api, '/api/v1/payment-runs/pr_01abcdefghjkmnpqrstvwxyz0/retry-failed'],
      [t.api, `/api/v1/contacts/${dana.id}/invitations`],
    ] as const) {
      const res = await api.post(url, surprise);
      expect(res.status, `${url} ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
      expect(JSON.stringify(res.body.error.details), url).toContain('surprise');
    }
    expect((await session.get('/api/v1/auth/me')).status).toBe(200);
    expect((await key.api.get('/api/v1/customers')).status).toBe(200);
    expect((await t.api.get(`/api/v1/invoices/${draft}`)).body.status).toBe('draft');
    expect((await t.api.get(`/api/v1/invoices/${posted}/emails`)).body.data).toEqual([]);
    // No input at all, or an empty object, still works.
    expect((await t.api.post(`/api/v1/api-keys/${key.id}/revoke`, {})).status).toBe(200);
    const out = await h.app.inject({
      method: 'POST',
      url: '/api/v1/auth/logout',
      headers: { cookie: String(login.headers['set-cookie']).split(';')[0] as string },
    });
    expect(out.statusCode).toBe(204);
  });
});
