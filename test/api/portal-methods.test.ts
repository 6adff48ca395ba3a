/**
 * The portal's payment methods and autopay toggle (I3, D1–D7, G1): a contact adds a card or a
 * bank account from a token its browser got from the sandbox's tokenization, verifies the
 * micro-deposits, sets the default, deletes (refused while autopay uses the method), and turns
 * autopay on and off unless staff locked it. Every endpoint answers for the contact's own
 * customer only, as its profile allows, and only to the portal session with its CSRF token.
 */
import { describe, expect, it } from 'vitest';
import { client, newTenant, type TestTenant, useTenant } from '../helpers/app.js';
import { newCustomer, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  bankBody,
  cardBody,
  deposits,
  MASTERCARD,
  saveMethod,
  VISA,
} from '../helpers/payment-methods.js';
import { type PortalClient, portalContact } from '../helpers/portal.js';

const h = useHarness();
const t = useTenant(h);

const PM = '/api/v1/portal/payment-methods';
const TOKENS = '/api/v1/sandbox/portal-tokens';

/** Tokenizes through the sandbox's endpoint for the contact's browser; the token id. */
async function portalToken(portal: PortalClient, body: object): Promise<string> {
  const res = await portal.post(TOKENS, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

async function addMethod(portal: PortalClient, body: object, extra: object = {}) {
  const res = await portal.post(PM, {
    gateway_token: await portalToken(portal, body),
    authorized: true,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string; status: string; is_default: boolean; kind: string };
}

async function signedIn(tenant: TestTenant = t, options: { profile_id?: string } = {}) {
  return portalContact(h, tenant, options);
}

describe('adding, listing, default, verify, delete', () => {
  it('adds a card from a browser token and lists it with brand, last four, expiry, default', async () => {
    const { customerId, portal } = await signedIn();
    const card = await addMethod(portal, cardBody(VISA));
    expect(card).toMatchObject({ kind: 'card', status: 'usable', is_default: true });
    const list = await portal.get(PM);
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({
      default_method_id: card.id,
      accepted_kinds: ['card', 'bank_account'],
      gateway: 'sandbox',
      can_share_with_children: false,
      data: [
        {
          id: card.id,
          card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
          is_default: true,
          inherited: false,
        },
      ],
    });
    // Staff see the same method, authorised by the contact.
    const staff = await t.api.get(`/api/v1/customers/${customerId}/payment-methods`);
    expect(staff.body.data.map((m: { id: string }) => m.id)).toEqual([card.id]);
    const audit = await t.api.get(`/api/v1/audit-log?object=${card.id}`);
    expect(audit.body.data[0]).toMatchObject({ actor_type: 'contact' });
  });

  it('needs the authorisation tick, and a token, never card data', async () => {
    const { portal } = await signedIn();
    const token = await portalToken(portal, cardBody());
    const res = await portal.post(PM, { gateway_token: token, authorized: false });
    expect([res.status, res.body.error.code]).toEqual([422, 'authorization_required']);
    const raw = await portal.post(PM, { ...cardBody(), authorized: true });
    expect([raw.status, raw.body.error.code]).toEqual([400, 'validation_failed']);
  });

  it('verifies a bank account’s micro-deposits, wrong then right, and makes it the default', async () => {
    const { portal } = await signedIn();
    const card = await addMethod(portal, cardBody());
    const bank = await addMethod(portal, bankBody());
    expect(bank).toMatchObject({ kind: 'bank_account', status: 'unverified', is_default: false });
    const early = await portal.post(`${PM}/${bank.id}/default`);
    expect([early.status, early.body.error.code]).toEqual([409, 'payment_method_unverified']);
    const [a, b] = await deposits(t, bank.id);
    const wrong = await portal.post(`${PM}/${bank.id}/verify`, {
      amounts: [a === 99 ? 98 : a + 1, b],
    });
    expect([wrong.status, wrong.body.error.code]).toEqual([422, 'verification_failed']);
    expect(wrong.body.error.details.attempts_left).toBe(2);
    const right = await portal.post(`${PM}/${bank.id}/verify`, { amounts: [b, a] });
    expect(right.status, JSON.stringify(right.body)).toBe(200);
    expect(right.body).toMatchObject({ status: 'usable', verification: { verified: true } });
    // Saved after the card, so once verified it became the default (D4).
    const list = (await portal.get(PM)).body;
    expect(list.default_method_id).toBe(bank.id);
    const back = await portal.post(`${PM}/${card.id}/default`);
    expect(back.status).toBe(200);
    expect((await portal.get(PM)).body.default_method_id).toBe(card.id);
    const again = await portal.post(`${PM}/${bank.id}/verify`, { amounts: [a, b] });
    expect(again.body.error.code).toBe('verification_not_needed');
  });

  it('refuses to delete a method an autopay rule uses, with the reason; deletes it after', async () => {
    const { customerId, portal } = await signedIn();
    const card = await addMethod(portal, cardBody());
    const rules = await t.api.put(`/api/v1/customers/${customerId}/autopay-rules`, {
      rules: [{ name: 'Everything', payment_method_id: card.id }],
    });
    expect(rules.status, JSON.stringify(rules.body)).toBe(200);
    const refused = await portal.delete(`${PM}/${card.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'payment_method_in_use',
      details: { used_by: { autopay_rules: [rules.body.rules[0].id] } },
    });
    await t.api.put(`/api/v1/customers/${customerId}/autopay-rules`, { rules: [] });
    const deleted = await portal.delete(`${PM}/${card.id}`);
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    expect((await portal.get(PM)).body.data).toEqual([]);
    const gone = await portal.delete(`${PM}/${card.id}`);
    expect([gone.status, gone.body.error.code]).toEqual([404, 'portal_not_found']);
  });

  it('offers "available to child accounts" to a parent only; the child sees it, read-only', async () => {
    const parent = await newCustomer(t);
    const child = await newCustomer(t, { parent_id: parent.id });
    const p = await portalContact(h, t, { customerId: parent.id });
    const c = await portalContact(h, t, { customerId: child.id });
    expect((await p.portal.get(PM)).body.can_share_with_children).toBe(true);
    const shared = await addMethod(p.portal, cardBody(), { shared_with_children: true });
    const childList = (await c.portal.get(PM)).body;
    expect(childList.data).toMatchObject([{ id: shared.id, inherited: true, is_default: false }]);
    expect(childList.default_method_id).toBe(shared.id);
    // The child's contact cannot change or delete the parent's method.
    for (const res of [
      await c.portal.delete(`${PM}/${shared.id}`),
      await c.portal.post(`${PM}/${shared.id}/default`),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'portal_not_found']);
    }
    const token = await portalToken(c.portal, cardBody(MASTERCARD));
    const notParent = await c.portal.post(PM, {
      gateway_token: token,
      authorized: true,
      shared_with_children: true,
    });
    expect([notParent.status, notParent.body.error.code]).toEqual([400, 'validation_failed']);
    expect(notParent.body.error.details.issues[0].path).toBe('shared_with_children');
  });
});

describe('the kinds the tenant accepts', () => {
  it('offers and accepts only the kinds of the setting; staff still add either', async () => {
    const { customerId, portal } = await signedIn();
    const bankToken = await portalToken(portal, bankBody());
    const set = await t.api.put('/api/v1/gateway-settings', {
      gateway: 'sandbox',
      portal_method_kinds: ['card'],
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    expect(set.body.portal_method_kinds).toEqual(['card']);
    expect((await t.api.get('/api/v1/gateway-settings')).body.portal_method_kinds).toEqual([
      'card',
    ]);
    try {
      expect((await portal.get(PM)).body.accepted_kinds).toEqual(['card']);
      const tok = await portal.post(TOKENS, bankBody());
      expect([tok.status, tok.body.error.code]).toEqual([422, 'payment_method_kind_not_accepted']);
      // A token made before the change is refused at saving, and nothing is saved.
      const save = await portal.post(PM, { gateway_token: bankToken, authorized: true });
      expect([save.status, save.body.error.code]).toEqual([
        422,
        'payment_method_kind_not_accepted',
      ]);
      expect((await portal.get(PM)).body.data).toEqual([]);
      await addMethod(portal, cardBody());
      await saveMethod(t, customerId, bankBody());
      const bad = await t.api.put('/api/v1/gateway-settings', {
        gateway: 'sandbox',
        portal_method_kinds: [],
      });
      expect(bad.status).toBe(400);
    } finally {
      await t.api.put('/api/v1/gateway-settings', {
        gateway: 'sandbox',
        portal_method_kinds: ['card', 'bank_account'],
      });
    }
  });
});

describe('a Stripe tenant', () => {
  it('tells the browser the gateway is Stripe, and the sandbox does not tokenize for it', async () => {
    const stripe = await newTenant(h);
    const set = await stripe.api.put('/api/v1/gateway-settings', {
      gateway: 'stripe',
      stripe_secret_key: 'sk_test_portalmethods0001',
    });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const { portal } = await signedIn(stripe);
    expect((await portal.get(PM)).body).toMatchObject({ gateway: 'stripe', data: [] });
    const tok = await portal.post(TOKENS, cardBody());
    expect([tok.status, tok.body.error.code]).toEqual([409, 'sandbox_only']);
  });
});

describe('autopay (G1)', () => {
  it('needs a usable method, turns on and off, and is refused while staff lock it', async () => {
    const { customerId, portal } = await signedIn();
    const start = await portal.get('/api/v1/portal/autopay');
    expect(start.body).toEqual({
      enabled: false,
      locked: false,
      method: null,
      blocked_reason: 'no_usable_method',
      rules: [],
    });
    const noMethod = await portal.put('/api/v1/portal/autopay', { enabled: true });
    expect([noMethod.status, noMethod.body.error.code]).toEqual([422, 'autopay_needs_method']);
    const card = await addMethod(portal, cardBody());
    const on = await portal.put('/api/v1/portal/autopay', { enabled: true });
    expect(on.status, JSON.stringify(on.body)).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, method: { id: card.id }, blocked_reason: null });
    expect((await t.api.get(`/api/v1/customers/${customerId}/autopay`)).body.enabled).toBe(true);
    const lock = await t.api.patch(`/api/v1/customers/${customerId}/autopay`, { locked: true });
    expect(lock.body).toMatchObject({ enabled: true, locked: true });
    expect((await portal.get('/api/v1/portal/autopay')).body.blocked_reason).toBe('locked');
    const refused = await portal.put('/api/v1/portal/autopay', { enabled: false });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'autopay_locked']);
    await t.api.patch(`/api/v1/customers/${customerId}/autopay`, { locked: false });
    const off = await portal.put('/api/v1/portal/autopay', { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, locked: false });
  });
});

describe('autopay rules in the portal (G2–G4)', () => {
  it('lists the rules in order; the contact switches an unlocked one, a locked one is refused', async () => {
    const { customerId, portal } = await signedIn();
    const card = await addMethod(portal, cardBody());
    const put = await t.api.put(`/api/v1/customers/${customerId}/autopay-rules`, {
      rules: [
        { name: 'Big ones', payment_method_id: card.id, locked: true },
        {
          name: 'Water',
          payment_method_id: card.id,
          criteria: [{ field: 'invoice_line_item', operator: 'contains', values: ['water'] }],
        },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const [big, water] = put.body.rules as { id: string }[];
    const seen = await portal.get('/api/v1/portal/autopay');
    expect(seen.body.rules).toMatchObject([
      { id: big?.id, name: 'Big ones', enabled: true, locked: true, method: { id: card.id } },
      { id: water?.id, name: 'Water', enabled: true, locked: false, method: { id: card.id } },
    ]);
    const refused = await portal.put(`/api/v1/portal/autopay-rules/${big?.id}`, { enabled: false });
    expect([refused.status, refused.body.error.code]).toEqual([409, 'autopay_rule_locked']);
    const off = await portal.put(`/api/v1/portal/autopay-rules/${water?.id}`, { enabled: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect(off.body.rules[1]).toMatchObject({ name: 'Water', enabled: false });
    const staff = await t.api.get(`/api/v1/customers/${customerId}/autopay-rules`);
    expect(staff.body.rules.map((r: { enabled: boolean }) => r.enabled)).toEqual([true, false]);

    // Another account's rule is not found; a viewer may not switch rules.
    const other = await signedIn();
    const theirs = await other.portal.put(`/api/v1/portal/autopay-rules/${water?.id}`, {
      enabled: true,
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([404, 'portal_not_found']);
    const viewer = await signedIn(t, {
      profile_id: (await profileNamed(t, 'Viewer')).id,
    });
    const denied = await viewer.portal.put(`/api/v1/portal/autopay-rules/${water?.id}`, {
      enabled: true,
    });
    expect([denied.status, denied.body.error.code]).toEqual([403, 'portal_permission_denied']);
  });
});

describe('scope, profile and credentials', () => {
  it('refuses another customer’s method ids as not found', async () => {
    const other = await newCustomer(t);
    const theirs = await saveMethod(t, other.id, cardBody());
    const bank = await saveMethod(t, other.id, bankBody());
    const { portal } = await signedIn();
    for (const res of [
      await portal.post(`${PM}/${theirs.id}/default`),
      await portal.delete(`${PM}/${theirs.id}`),
      await portal.post(`${PM}/${bank.id}/verify`, { amounts: await deposits(t, bank.id) }),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'portal_not_found']);
    }
    const still = await t.api.get(`/api/v1/payment-methods/${bank.id}`);
    expect(still.body).toMatchObject({ status: 'unverified', deleted_at: null });
  });

  it('follows the profile: a viewer may not list, add, tokenize or toggle autopay', async () => {
    const viewer = await profileNamed(t, 'Viewer');
    const { portal } = await signedIn(t, { profile_id: viewer.id });
    for (const res of [
      await portal.get(PM),
      await portal.post(TOKENS, cardBody()),
      await portal.post(PM, { gateway_token: 'tok_x', authorized: true }),
      await portal.get('/api/v1/portal/autopay'),
      await portal.put('/api/v1/portal/autopay', { enabled: true }),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([403, 'portal_permission_denied']);
    }
  });

  it('refuses a staff cookie, an API key and a missing CSRF token on every endpoint', async () => {
    const { portal } = await signedIn();
    const card = await addMethod(portal, cardBody());
    const staff = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const staffCookie = String(staff.headers['set-cookie']).split(';')[0] as string;
    const asStaff = client(h.app, { cookie: staffCookie, 'x-csrf-token': staff.body.csrf_token });
    const calls: [string, (c: typeof t.api) => ReturnType<typeof t.api.get>][] = [
      ['list', (c) => c.get(PM)],
      ['tokenize', (c) => c.post(TOKENS, cardBody(MASTERCARD))],
      ['add', (c) => c.post(PM, { gateway_token: 'tok_x', authorized: true })],
      ['default', (c) => c.post(`${PM}/${card.id}/default`)],
      ['verify', (c) => c.post(`${PM}/${card.id}/verify`, { amounts: [1, 2] })],
      ['delete', (c) => c.delete(`${PM}/${card.id}`)],
      ['autopay', (c) => c.get('/api/v1/portal/autopay')],
      ['autopay on', (c) => c.put('/api/v1/portal/autopay', { enabled: true })],
    ];
    for (const [what, call] of calls) {
      for (const [who, api] of [
        ['staff cookie', asStaff],
        ['API key', t.api],
      ] as const) {
        const res = await call(api);
        expect([res.status, res.body.error.code], `${who} ${what}`).toEqual([
          401,
          'portal_session_required',
        ]);
      }
      if (what !== 'list' && what !== 'autopay') {
        const res = await call(portal.withoutCsrf);
        expect([res.status, res.body.error.code], `no CSRF ${what}`).toEqual([403, 'csrf_failed']);
      }
    }
    // Nothing changed: the card is still there and the default.
    expect((await portal.get(PM)).body).toMatchObject({ default_method_id: card.id });
  });
});
