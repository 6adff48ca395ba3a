/**
 * Contact sign-in (A5): invitations (single use, 72 hours on the tenant clock, re-sendable),
 * the password rule, login, sessions (idle and absolute expiry, ended on password change and
 * revoked access), CSRF, the account choice, forgot-password end to end through SMTP, and no
 * token or password in clear in any table or log line.
 */
import { describe, expect, it } from 'vitest';
import { configurePublicUrl } from '../../src/modules/portal/links.js';
import { FORGOT_ANSWER_MS } from '../../src/modules/portal/signin.js';
import { advance, client, newTenant, unique, useTenant } from '../helpers/app.js';
import { contact, newCustomer } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  accept,
  cookiesOf,
  invite,
  linkToken,
  PASSWORD,
  portalClient,
  portalContact,
} from '../helpers/portal.js';
import { until } from '../helpers/wait.js';

const h = useHarness({ captureLogs: true });
const t = useTenant(h, { each: true });

const login = (email: string, password = PASSWORD) =>
  client(h.app).post('/api/v1/portal/login', { email, password });

describe('invitations', () => {
  it('invites a contact, who sets a password, gets a confirmation and is signed in', async () => {
    const customer = await newCustomer(t, { name: 'Globex' });
    const c = await contact(t, customer.id, {
      name: 'Dana Lee',
      email: `dana-${unique()}@x.example`,
    });
    const sent = await invite(t, c.id);
    const email = await t.api.get(`/api/v1/emails/${sent.email_id}`);
    expect(email.body).toMatchObject({ kind: 'welcome', to: c.email, contact_id: c.id });
    expect(email.body.body_text).toMatch(
      /http:\/\/127\.0\.0\.1:3000\/portal\/accept\?token=\[\[sealed:/,
    );
    expect(new Date(sent.expires_at).getTime() - Date.parse('2026-11-22T15:00:00Z')).toBe(
      72 * 3600_000,
    );

    const res = await accept(t, await linkToken(h, sent.email_id));
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.account).toMatchObject({ customer_id: customer.id, contact_id: c.id });
    const cookies = String(res.headers['set-cookie']);
    expect(cookies).toMatch(/billow_portal=[^;]+;.*HttpOnly/i);
    expect(cookies).toMatch(/SameSite=Lax/i);
    expect(cookiesOf(res.headers).billow_portal_csrf).toBe(res.body.csrf_token);
    // Not the staff console's cookie name: a staff sign-in in the same browser would overwrite it.
    expect(cookiesOf(res.headers).billow_csrf).toBeUndefined();
    const me = await portalClient(t, res).get('/api/v1/portal/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({
      contact: { id: c.id, name: 'Dana Lee' },
      customer: { id: customer.id, name: 'Globex' },
      tenant: { time_zone: 'America/New_York', currency: 'USD' },
    });
    const confirmations = await t.api.get(
      `/api/v1/emails?contact=${c.id}&kind=portal_confirmation`,
    );
    expect(confirmations.body.data).toHaveLength(1);
    const audit = await t.api.get(`/api/v1/audit-log?object=${c.id}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual(
      expect.arrayContaining(['contact.invited', 'contact.portal_access_granted']),
    );
  });

  it('uses a link once', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const token = await linkToken(h, (await invite(t, c.id)).email_id);
    expect((await accept(t, token)).status).toBe(200);
    const again = await accept(t, token, 'another long passphrase');
    expect(again.status).toBe(410);
    expect(again.body.error).toMatchObject({
      code: 'portal_link_expired',
      details: { reason: 'used' },
    });
    expect(again.body.error.message).toMatch(/ask for a new one/i);
  });

  it('expires a link at 72 hours on the tenant clock; a re-sent one works and replaces it', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const status = () => t.api.get(`/api/v1/contacts/${c.id}/portal-access`);
    expect((await status()).body).toMatchObject({ status: 'none', invitation: null });
    const first = await linkToken(h, (await invite(t, c.id)).email_id);
    expect((await status()).body.status).toBe('invited');
    await advance(t, 3);
    expect((await status()).body.status).toBe('expired');
    const late = await accept(t, first);
    expect(late.status).toBe(410);
    expect(late.body.error.details).toEqual({ reason: 'expired' });
    const second = await linkToken(h, (await invite(t, c.id)).email_id);
    const third = await linkToken(h, (await invite(t, c.id)).email_id);
    expect((await accept(t, second)).body.error.details).toEqual({ reason: 'replaced' });
    expect((await accept(t, third)).status).toBe(200);
    expect((await status()).body).toMatchObject({ status: 'active', invitation: { used: true } });
  });

  it('resends an invitation email while its link works, and says what to send once it does not', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const resend = (id: string) => t.api.post(`/api/v1/emails/${id}/resend`);
    const dead = async (id: string, reason: string, remedy: RegExp) => {
      const res = await resend(id);
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'email_link_dead',
        details: { link: 'portal_invitation', reason },
      });
      expect(res.body.error.message).toMatch(remedy);
    };
    const sent = await invite(t, c.id);
    const copy = await resend(sent.email_id);
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    expect(copy.body).toMatchObject({ kind: 'welcome', resent_from: sent.email_id });
    const token = await linkToken(h, copy.body.id);
    expect(token).toBe(await linkToken(h, sent.email_id));
    // A newer invitation replaces it; the newer one is accepted.
    const newer = await invite(t, c.id);
    await dead(sent.email_id, 'a newer invitation was sent', /Send a new invitation/);
    expect((await accept(t, await linkToken(h, newer.email_id))).status).toBe(200);
    await dead(newer.email_id, 'the invitation was accepted', /password-reset link/);

    // An expired invitation, and a message written before links named their kind.
    const d = await contact(t, (await newCustomer(t)).id);
    const late = await invite(t, d.id);
    await advance(t, 3);
    await dead(late.email_id, 'the invitation is expired', /Send a new invitation/);
    const fresh = await invite(t, d.id);
    await h.testDb.db.query(
      `UPDATE emails SET body_text = replace(body_text, '[[sealed:portal_invitation:', '[[sealed:')
        WHERE id = $1`,
      [fresh.email_id],
    );
    const legacy = await resend(fresh.email_id);
    expect(legacy.status).toBe(409);
    expect(legacy.body.error.details).toEqual({ link: 'unknown', reason: 'it cannot be checked' });
    const emails = await t.api.get(`/api/v1/emails?contact=${d.id}`);
    expect(emails.body.data).toHaveLength(2);
  });

  it('is still valid two days later', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const token = await linkToken(h, (await invite(t, c.id)).email_id);
    await advance(t, 2);
    expect((await accept(t, token)).status).toBe(200);
  });

  it('refuses short passwords and ones made of the name or the email', async () => {
    const c = await contact(t, (await newCustomer(t)).id, {
      name: 'Morgan Smith',
      email: `morgan.smith-${unique()}@x.example`,
    });
    const token = await linkToken(h, (await invite(t, c.id)).email_id);
    for (const [password, reason] of [
      ['too short', 'too_short'],
      ['i am morgan the great', 'contains_name'],
      [`${c.email.split('@')[0]}!!`, 'contains_email'],
    ]) {
      const res = await accept(t, token, password);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'portal_password_weak', details: { reason } });
    }
    expect((await accept(t, token)).status).toBe(200);
  });

  it('cannot invite a revoked contact, nor one of another tenant', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const other = await newTenant(h);
    expect((await other.api.post(`/api/v1/contacts/${c.id}/invitations`)).status).toBe(404);
    await t.api.post(`/api/v1/contacts/${c.id}/revoke`);
    const res = await t.api.post(`/api/v1/contacts/${c.id}/invitations`);
    expect(res.body.error?.code).toBe('contact_revoked');
  });
});

describe('login and sessions', () => {
  it('gives the same answer for a wrong password and an unknown email', async () => {
    const { contact: c } = await portalContact(h, t);
    const wrong = await login(c.email, 'not the password at all');
    const unknown = await login(`nobody-${unique()}@x.example`);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual(wrong.body);
    expect((await login(c.email.toUpperCase())).status).toBe(200);
  });

  it('ends a session after 30 idle minutes, and after 12 hours however active', async () => {
    const { contact: c } = await portalContact(h, t);
    const idle = portalClient(t, await login(c.email));
    h.clock.advance(29 * 60_000);
    expect((await idle.get('/api/v1/portal/me')).status).toBe(200);
    h.clock.advance(31 * 60_000);
    const expired = await idle.get('/api/v1/portal/me');
    expect(expired.status).toBe(401);
    expect(expired.body.error.code).toBe('portal_session_required');

    const busy = portalClient(t, await login(c.email));
    for (let i = 0; i < 11 * 3; i++) {
      h.clock.advance(20 * 60_000);
      expect((await busy.get('/api/v1/portal/me')).status).toBe(200);
    }
    h.clock.advance(61 * 60_000);
    expect((await busy.get('/api/v1/portal/me')).status).toBe(401);
  });

  it('needs the CSRF token and a same-site Origin for a state change', async () => {
    const { contact: c, portal } = await portalContact(h, t);
    const body = { customer_id: 'cus_x' };
    const missing = await portal.withoutCsrf.post('/api/v1/portal/account', body);
    expect(missing.status).toBe(403);
    expect(missing.body.error.code).toBe('csrf_failed');
    const forged = await portal.withoutCsrf.post('/api/v1/portal/account', body, {
      'x-csrf-token': 'made-up',
    });
    expect(forged.body.error.code).toBe('csrf_failed');
    const foreign = await portal.post('/api/v1/portal/account', body, {
      origin: 'https://evil.example',
    });
    expect(foreign.body.error).toMatchObject({
      code: 'csrf_failed',
      details: { reason: 'origin' },
    });
    const ok = await portal.post(
      '/api/v1/portal/account',
      { customer_id: c.customer_id },
      {
        origin: 'http://127.0.0.1:3000',
      },
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  });

  it('keeps staff and portal credentials apart', async () => {
    const { portal } = await portalContact(h, t);
    const staff = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const staffCookie = String(staff.headers['set-cookie']).split(';')[0] as string;
    const asStaff = client(h.app, { cookie: staffCookie });
    expect((await asStaff.get('/api/v1/portal/me')).body.error.code).toBe(
      'portal_session_required',
    );
    expect((await t.api.get('/api/v1/portal/me')).body.error.code).toBe('portal_session_required');
    const both = client(h.app, {
      cookie: `billow_portal=${portal.token}`,
      authorization: `Bearer ${t.key}`,
    });
    expect((await both.get('/api/v1/portal/me')).status).toBe(401);
    // The portal cookie opens no staff endpoint.
    expect((await portal.get('/api/v1/customers')).body.error.code).toBe('unauthenticated');
  });

  it('protects staff cookie sessions with the same CSRF check; API keys need none', async () => {
    const staff = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const cookie = String(staff.headers['set-cookie']).split(';')[0] as string;
    const body = { name: `Customer ${unique()}` };
    const bare = await client(h.app, { cookie }).post('/api/v1/customers', body);
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('csrf_failed');
    const ok = await client(h.app, { cookie, 'x-csrf-token': staff.body.csrf_token }).post(
      '/api/v1/customers',
      body,
    );
    expect(ok.status).toBe(201);
    expect((await t.api.post('/api/v1/customers', { name: `C ${unique()}` })).status).toBe(201);
  });

  it('ends the sessions of a contact whose access is revoked', async () => {
    const { contact: c, portal } = await portalContact(h, t);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(200);
    expect((await t.api.post(`/api/v1/contacts/${c.id}/revoke`)).status).toBe(200);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(401);
    expect((await login(c.email)).status).toBe(401);
  });

  it('changes the password with the current one and ends every other session', async () => {
    const { contact: c, portal } = await portalContact(h, t);
    const other = portalClient(t, await login(c.email));
    const wrong = await portal.post('/api/v1/portal/password/change', {
      current_password: 'not my password',
      new_password: 'a brand new passphrase',
    });
    expect(wrong.body.error.code).toBe('portal_password_wrong');
    const changed = await portal.post('/api/v1/portal/password/change', {
      current_password: PASSWORD,
      new_password: 'a brand new passphrase',
    });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect((await other.get('/api/v1/portal/me')).status).toBe(401);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(401);
    expect((await portalClient(t, changed).get('/api/v1/portal/me')).status).toBe(200);
    expect((await login(c.email)).status).toBe(401);
    expect((await login(c.email, 'a brand new passphrase')).status).toBe(200);
  });

  it('marks the cookies Secure when the public address is https (TLS ended by a proxy)', async () => {
    const { contact: c } = await portalContact(h, t);
    expect(String((await login(c.email)).headers['set-cookie'])).not.toMatch(/Secure/);
    configurePublicUrl('https://billing.example.com');
    try {
      const res = await login(c.email);
      const cookies = res.headers['set-cookie'] as string[];
      expect(cookies).toHaveLength(2);
      for (const cookie of cookies) expect(cookie).toMatch(/; Secure/);
      const portal = portalClient(t, res);
      const fromSite = await portal.post(
        '/api/v1/portal/account',
        { customer_id: c.customer_id },
        {
          origin: 'https://billing.example.com',
        },
      );
      expect(fromSite.status).toBe(200);
    } finally {
      configurePublicUrl(undefined);
    }
  });

  it('logs out', async () => {
    const { portal } = await portalContact(h, t);
    expect((await portal.post('/api/v1/portal/logout')).status).toBe(204);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(401);
  });
});

describe('one email, several accounts', () => {
  it('lets the contact choose among the customers (and tenants) it belongs to', async () => {
    const email = `shared-${unique()}@x.example`;
    const first = await portalContact(h, t, { email });
    const other = await newTenant(h, { name: 'Other Co' });
    const second = await portalContact(h, other, { email });
    // Accepting the second invitation set the password again and ended the first session.
    expect((await first.portal.get('/api/v1/portal/me')).status).toBe(401);

    const res = await login(email);
    expect(res.status).toBe(200);
    expect(res.body.account).toBeNull();
    expect(res.body.accounts.map((a: { customer_id: string }) => a.customer_id).sort()).toEqual(
      [first.customerId, second.customerId].sort(),
    );
    const portal = portalClient(t, res);
    expect((await portal.get('/api/v1/portal/me')).body.error.code).toBe('portal_account_required');
    const stranger = await newCustomer(t);
    const refused = await portal.post('/api/v1/portal/account', { customer_id: stranger.id });
    expect(refused.body.error.code).toBe('portal_account_not_found');
    expect(
      (await portal.post('/api/v1/portal/account', { customer_id: second.customerId })).status,
    ).toBe(200);
    const me = await portal.get('/api/v1/portal/me');
    expect(me.body.customer.id).toBe(second.customerId);
    expect(me.body.tenant.name).toBe('Other Co');
    const accounts = await portal.get('/api/v1/portal/accounts');
    expect(accounts.body.current).toBe(second.customerId);
    expect(accounts.body.data).toHaveLength(2);
  });
});

describe('secrets at rest', () => {
  it('keeps no token, session or password in clear in any table or log line', async () => {
    const c = await contact(t, (await newCustomer(t)).id);
    const inviteToken = await linkToken(h, (await invite(t, c.id)).email_id);
    const accepted = await accept(t, inviteToken);
    const session = portalClient(t, accepted);
    await session.get('/api/v1/portal/me');
    await client(h.app).post('/api/v1/portal/password/forgot', { email: c.email });
    const resetEmail = await t.api.get(`/api/v1/emails?contact=${c.id}&kind=password_reset`);
    const resetToken = await linkToken(h, resetEmail.body.data[0].id);
    const newPassword = 'my second secret phrase';
    await client(h.app).post('/api/v1/portal/password/reset', {
      token: resetToken,
      password: newPassword,
    });
    const again = portalClient(t, await login(c.email, newPassword));
    await again.get('/api/v1/portal/dashboard');
    // A page of the portal with the token in its address reaches the logs masked.
    await client(h.app).get(`/portal/accept?token=${inviteToken}`);

    const secrets = [inviteToken, resetToken, session.token, again.token, PASSWORD, newPassword];
    const found: string[] = [];
    const tables = await h.testDb.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((r) => r.name)).toEqual(
      expect.arrayContaining(['portal_tokens', 'portal_sessions', 'portal_logins', 'emails']),
    );
    for (const { name } of tables) {
      const rows = await h.testDb.db.query<{ row: unknown }>(
        `SELECT to_jsonb(x)::text AS row FROM "${name}" x`,
      );
      for (const { row } of rows) {
        for (const s of secrets)
          if (String(row).includes(s)) found.push(`${name}: ${s.slice(0, 6)}…`);
      }
    }
    const logs = h.logs;
    expect(logs).toMatch(/portal\/accept\?token=\[redacted\]/);
    for (const s of secrets) if (logs.includes(s)) found.push(`log: ${s.slice(0, 6)}…`);
    expect(found).toEqual([]);
  });
});

describe('forgot password, end to end through SMTP', () => {
  const hs = useHarness({
    smtp: true,
    worker: { email: { retryLimit: 1, retryDelaySeconds: 1, timeoutMs: 5000 } },
  });
  const ts = useTenant(hs);

  it('emails a reset link that sets a new password once and ends the sessions', async () => {
    const { contact: c, portal } = await portalContact(hs, ts);
    const forgot = (email: string) =>
      client(hs.app).post('/api/v1/portal/password/forgot', { email });
    // The same answer, and neither sooner than the floor (an unknown address costs fewer
    // statements: answering it sooner would tell which emails exist).
    const timed = async (email: string) => {
      const started = performance.now();
      const res = await forgot(email);
      return { res, ms: performance.now() - started };
    };
    const known = await timed(c.email.toUpperCase());
    const unknown = await timed(`nobody-${unique()}@x.example`);
    expect(known.res.status).toBe(202);
    expect(unknown.res.status).toBe(202);
    expect(unknown.res.body).toEqual(known.res.body);
    // Timers may fire up to a millisecond early against performance.now().
    expect(known.ms).toBeGreaterThanOrEqual(FORGOT_ANSWER_MS - 2);
    expect(unknown.ms).toBeGreaterThanOrEqual(FORGOT_ANSWER_MS - 2);

    const mail = await until(
      () => hs.smtp.to(c.email).find((m) => /reset\?token=/.test(m.mail.text ?? ''))?.mail ?? null,
      { what: 'the reset email' },
    );
    const link = /(http:\/\/\S+\/portal\/reset\?token=(\S+))/.exec(mail.text ?? '');
    expect(link?.[1]).toMatch(/^http:\/\/127\.0\.0\.1:3000\/portal\/reset\?token=/);
    expect(mail.html).toContain(`href="${link?.[1]}"`);
    const token = link?.[2] as string;
    expect(token).not.toMatch(/sealed/);

    const reset = await client(hs.app).post('/api/v1/portal/password/reset', {
      token,
      password: 'fresh start passphrase',
    });
    expect(reset.status, JSON.stringify(reset.body)).toBe(204);
    expect((await portal.get('/api/v1/portal/me')).status).toBe(401);
    const reused = await client(hs.app).post('/api/v1/portal/password/reset', {
      token,
      password: 'yet another passphrase',
    });
    expect(reused.body.error.code).toBe('portal_link_expired');
    // Staff resending the used reset email are told to send a new link instead.
    const resetEmail = (await ts.api.get(`/api/v1/emails?contact=${c.id}&kind=password_reset`)).body
      .data[0];
    const resent = await ts.api.post(`/api/v1/emails/${resetEmail.id}/resend`);
    expect(resent.status).toBe(409);
    expect(resent.body.error).toMatchObject({
      code: 'email_link_dead',
      details: { link: 'portal_password_reset', reason: 'the link was used' },
    });
    expect(resent.body.error.message).toMatch(/Send a new password-reset link from the contact/);
    const signedIn = await client(hs.app).post('/api/v1/portal/login', {
      email: c.email,
      password: 'fresh start passphrase',
    });
    expect(signedIn.status).toBe(200);
  });

  it('sends at most one reset email a minute to an address', async () => {
    const { contact: c } = await portalContact(hs, ts);
    for (let i = 0; i < 3; i++) {
      expect(
        (await client(hs.app).post('/api/v1/portal/password/forgot', { email: c.email })).status,
      ).toBe(202);
    }
    const list = () => ts.api.get(`/api/v1/emails?contact=${c.id}&kind=password_reset`);
    expect((await list()).body.data).toHaveLength(1);
    hs.clock.advance(61_000);
    await client(hs.app).post('/api/v1/portal/password/forgot', { email: c.email });
    expect((await list()).body.data).toHaveLength(2);
  });

  it('expires a reset link after an hour', async () => {
    const { contact: c } = await portalContact(hs, ts);
    await client(hs.app).post('/api/v1/portal/password/forgot', { email: c.email });
    const emails = await ts.api.get(`/api/v1/emails?contact=${c.id}&kind=password_reset`);
    const token = await linkToken(hs, emails.body.data[0].id);
    hs.clock.advance(61 * 60_000);
    const late = await client(hs.app).post('/api/v1/portal/password/reset', {
      token,
      password: 'fresh start passphrase',
    });
    expect(late.body.error).toMatchObject({
      code: 'portal_link_expired',
      details: { reason: 'expired' },
    });
  });
});

describe('on an installation allowing 3 attempts a minute', () => {
  const limited = useHarness({ loginRateLimit: 3 });

  it('limits portal login and forgot-password attempts per client', async () => {
    for (const url of ['/api/v1/portal/login', '/api/v1/portal/password/forgot']) {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url,
          remoteAddress: '10.9.9.8',
          payload: url.endsWith('login')
            ? { email: 'x@example.com', password: 'guess' }
            : { email: 'x@example.com' },
        });
        statuses.push(res.statusCode);
      }
      expect(statuses.at(-1)).toBe(429);
    }
  });
});
