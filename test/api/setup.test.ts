/**
 * The first run (A1): GET /setup says whether the installation still needs its first tenant;
 * POST /setup, without credentials, creates it (or the demo data) with its owner and signs the
 * owner in — only while there is no tenant: two racing calls create one, later calls are refused.
 * The password never reaches the log.
 */
import { describe, expect, it } from 'vitest';
import { client } from '../helpers/app.js';
import { type Harness, useHarness } from '../helpers/harness.js';

const SETUP = '/api/v1/setup';
const PASSWORD = 'first run passphrase';

function organisation(name: string, email: string) {
  return {
    kind: 'organisation',
    tenant_name: name,
    time_zone: 'Europe/Berlin',
    owner_name: 'Olga Owner',
    email,
    password: PASSWORD,
  };
}

function cookieHeader(setCookie: string | string[] | number | undefined): string {
  const list = Array.isArray(setCookie) ? setCookie : [String(setCookie)];
  return list.map((c) => c.split(';')[0]).join('; ');
}

async function tenantCount(h: Harness): Promise<number> {
  const rows = await h.testDb.db.query<{ n: number }>('SELECT count(*)::int AS n FROM tenants');
  return rows[0]?.n ?? 0;
}

describe('first run: create the organisation', () => {
  const h = useHarness({ captureLogs: true });

  it('is needed on an empty installation, refuses a bad body, and changes nothing then', async () => {
    const api = client(h.app);
    expect((await api.get(SETUP)).body).toEqual({ needed: true });
    const short = await api.post(SETUP, {
      ...organisation('Acme', 'a@example.com'),
      password: 'short',
    });
    expect([short.status, short.body.error.code]).toEqual([400, 'validation_failed']);
    const zone = await api.post(SETUP, {
      ...organisation('Acme', 'a@example.com'),
      time_zone: 'Mars/Base',
    });
    expect(zone.status).toBe(400);
    expect(await tenantCount(h)).toBe(0);
  });

  it('two racing calls create one tenant; the winner is signed in; later calls are refused', async () => {
    const api = client(h.app);
    const [a, b] = await Promise.all([
      api.post(SETUP, organisation('First Org', 'first@example.com')),
      api.post(SETUP, organisation('Second Org', 'second@example.com')),
    ]);
    const statuses = [a.status, b.status].sort();
    expect(statuses).toEqual([201, 409]);
    const won = a.status === 201 ? a : b;
    const lost = a.status === 201 ? b : a;
    expect(lost.body.error.code).toBe('setup_done');
    expect(await tenantCount(h)).toBe(1);
    expect(won.body).toMatchObject({
      staff: { role: 'owner', name: 'Olga Owner' },
      csrf_token: expect.any(String),
    });

    // The session cookie signs the owner in; the tenant has the chosen zone and is a sandbox.
    const session = client(h.app, { cookie: cookieHeader(won.headers['set-cookie']) });
    const me = await session.get('/api/v1/auth/me');
    expect(me.status).toBe(200);
    expect(me.body.tenant).toMatchObject({ time_zone: 'Europe/Berlin', mode: 'sandbox' });
    expect(me.body.staff.email).toBe(won.body.staff.email);
    // The owner signs in with a password: no API key was made that nobody holds the secret of.
    expect((await session.get('/api/v1/api-keys')).body.data).toEqual([]);

    expect((await api.get(SETUP)).body).toEqual({ needed: false });
    const again = await api.post(SETUP, organisation('Third Org', 'third@example.com'));
    expect([again.status, again.body.error.code]).toEqual([409, 'setup_done']);
    const demo = await api.post(SETUP, {
      kind: 'demo',
      owner_name: 'D',
      email: 'demo2@example.com',
      password: PASSWORD,
    });
    expect([demo.status, demo.body.error.code]).toEqual([409, 'setup_done']);
    expect(await tenantCount(h)).toBe(1);
    // Nothing secret was written to the log.
    expect(h.logs).not.toContain(PASSWORD);
  });
});

describe('first run: load the demo data', () => {
  const h = useHarness();

  it('creates the demo tenant with this owner, fills it, and signs the owner in', async () => {
    const api = client(h.app);
    const res = await api.post(SETUP, {
      kind: 'demo',
      owner_name: 'Dana Demo',
      email: 'Dana@Example.com',
      password: PASSWORD,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.staff).toMatchObject({ email: 'dana@example.com', role: 'owner' });
    const session = client(h.app, { cookie: cookieHeader(res.headers['set-cookie']) });
    expect((await session.get('/api/v1/auth/me')).body.tenant.name).toBe('Demo Hosting Co');
    const customers = await session.get('/api/v1/customers?limit=100');
    expect(customers.body.data.length).toBeGreaterThan(2);
    const invoices = await session.get('/api/v1/invoices?limit=100');
    expect(invoices.body.data.length).toBeGreaterThan(0);
    // The key the demo was loaded with is revoked: no live key is left that nobody holds.
    const keys = await session.get('/api/v1/api-keys');
    expect(keys.body.data).toEqual([
      expect.objectContaining({ name: 'Demo data loader', revoked_at: expect.any(String) }),
    ]);
    expect((await api.get(SETUP)).body).toEqual({ needed: false });
    // The owner signs in with the password they chose.
    const login = await api.post('/api/v1/auth/login', {
      email: 'dana@example.com',
      password: PASSWORD,
    });
    expect(login.status).toBe(200);
  });
});

describe('first run: the demo data fails halfway', () => {
  const h = useHarness();

  it('leaves no tenant behind, so the first run can be tried again', async () => {
    // A failure after the tenant, customers and subscriptions are made: the bill run's insert.
    await h.testDb.db.exec(`
      CREATE FUNCTION demo_fails() RETURNS trigger LANGUAGE plpgsql AS
        $$ BEGIN RAISE EXCEPTION 'the disk is full'; END $$;
      CREATE TRIGGER demo_fails BEFORE INSERT ON bill_runs
        FOR EACH ROW EXECUTE FUNCTION demo_fails();`);
    const api = client(h.app);
    const demo = {
      kind: 'demo',
      owner_name: 'Dana Demo',
      email: 'dana@example.com',
      password: PASSWORD,
    };
    const failed = await api.post(SETUP, demo);
    expect(failed.status).toBe(500);
    expect(await tenantCount(h)).toBe(0);
    const left = await h.testDb.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM staff_users) + (SELECT count(*) FROM customers)
            + (SELECT count(*) FROM api_keys) + (SELECT count(*) FROM audit_log) AS n`,
    );
    expect(Number(left[0]?.n)).toBe(0);
    expect((await api.get(SETUP)).body).toEqual({ needed: true });

    await h.testDb.db.exec('DROP TRIGGER demo_fails ON bill_runs');
    const again = await api.post(SETUP, demo);
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await tenantCount(h)).toBe(1);
    // Loads the demo twice: give a loaded machine time.
  }, 120_000);
});
