import { describe, expect, it } from 'vitest';
import { registerMethodUsage } from '../../src/modules/methods/usage.js';
import { apiKey, newTenant, type TestTenant } from '../helpers/app.js';
import { monthlyPrice, newCustomer } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';
import {
  AMEX,
  BANK_FAILS,
  bankBody,
  cardBody,
  deposits,
  MASTERCARD,
  saveMethod,
  token,
  VISA,
  verifiedBank,
} from '../helpers/payment-methods.js';

const h = useHarness();

const PM = '/api/v1/payment-methods';
const methodsOf = (id: string) => `/api/v1/customers/${id}/payment-methods`;

async function list(t: TestTenant, customerId: string) {
  const res = await t.api.get(methodsOf(customerId));
  expect(res.status).toBe(200);
  return res.body as {
    data: { id: string; is_default: boolean; inherited: boolean; status: string }[];
    default_method_id: string | null;
    billing_ready: boolean;
  };
}

describe('saving a card', () => {
  it('keeps the token, brand, last four, expiry and fingerprint, and audits it', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const res = await t.api.post(methodsOf(c.id), {
      gateway_token: await token(t, cardBody(VISA)),
      authorized: true,
      friendly_name: 'Company Visa',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      customer_id: c.id,
      kind: 'card',
      gateway: 'sandbox',
      status: 'usable',
      usable: true,
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
      bank_account: null,
      name: 'Dana Lee',
      billing_address: { line1: '1 Main St', country: 'US' },
      friendly_name: 'Company Visa',
      is_default: true,
      inherited: false,
      verification: null,
      currency: 'USD',
      authorized_at: '2026-11-22T15:00:00.000Z',
    });
    expect(res.body.id).toMatch(/^pm_[0-9a-z]{26}$/);
    expect(res.body.gateway_method_id).toMatch(/^sbpm_/);
    expect(res.body.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const audit = await t.api.get(`/api/v1/audit-log?object=${res.body.id}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'payment_method.created',
    ]);
    const events = await t.api.get('/api/v1/events?type=customer.default_payment_method_changed');
    expect(events.body.data[0].data).toEqual({ default_payment_method_id: res.body.id });
  });

  it('makes the newest usable method the default unless told otherwise', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const a = await saveMethod(t, c.id, cardBody(VISA));
    const b = await saveMethod(t, c.id, cardBody(MASTERCARD));
    expect(b.is_default).toBe(true);
    const d = await saveMethod(t, c.id, cardBody(AMEX), { make_default: false });
    expect(d.is_default).toBe(false);
    const l = await list(t, c.id);
    expect(l.data.filter((m) => m.is_default).map((m) => m.id)).toEqual([b.id]);
    expect(l.default_method_id).toBe(b.id);
    expect(new Set(l.data.map((m) => m.id))).toEqual(new Set([a.id, b.id, d.id]));
    // The first usable method is the default even when the caller declines.
    const other = await newCustomer(t);
    expect(
      (await saveMethod(t, other.id, cardBody(VISA), { make_default: false })).is_default,
    ).toBe(true);
  });

  it('keeps one default and one gateway customer when methods are saved at once', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const numbers = [VISA, MASTERCARD, AMEX, '6011111111111117', '2223003122003222'];
    const tokens = await Promise.all(numbers.map((n) => token(t, cardBody(n))));
    const saved = await Promise.all(
      tokens.map((tok) => t.api.post(methodsOf(c.id), { gateway_token: tok, authorized: true })),
    );
    expect(saved.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    expect((await list(t, c.id)).data.filter((m) => m.is_default)).toHaveLength(1);
    const owners = await h.testDb.db.query(
      'SELECT DISTINCT gateway_customer_id FROM payment_methods WHERE customer_id = $1',
      [c.id],
    );
    expect(owners).toHaveLength(1);
  });

  it('links the customer to its gateway customer with the first method, keeping a link set by hand', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const before = await t.api.get(`/api/v1/customers/${c.id}`);
    expect(before.body.links.gateway).toBeNull();
    expect(before.body.missing_links).toContain('gateway');
    const saved = await saveMethod(t, c.id, cardBody(VISA));
    const [owner] = await h.testDb.db.query<{ gateway_customer_id: string }>(
      'SELECT gateway_customer_id FROM payment_methods WHERE id = $1',
      [saved.id],
    );
    const after = await t.api.get(`/api/v1/customers/${c.id}`);
    expect(after.body.links.gateway).toBe(owner?.gateway_customer_id);
    expect(owner?.gateway_customer_id).toBeTruthy();
    expect(after.body.missing_links).not.toContain('gateway');

    const other = await newCustomer(t);
    const set = await t.api.patch(`/api/v1/customers/${other.id}`, {
      links: { gateway: 'cus_set_by_hand' },
    });
    expect(set.status).toBe(200);
    await saveMethod(t, other.id, cardBody(MASTERCARD));
    expect((await t.api.get(`/api/v1/customers/${other.id}`)).body.links.gateway).toBe(
      'cus_set_by_hand',
    );
  });

  it('replays a save sent again with the same Idempotency-Key', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const body = { gateway_token: await token(t, cardBody()), authorized: true };
    const key = { 'idempotency-key': `save-${c.id}` };
    const first = await t.api.post(methodsOf(c.id), body, key);
    const again = await t.api.post(methodsOf(c.id), body, key);
    expect([again.status, again.body.id]).toEqual([201, first.body.id]);
    expect(await countRows(h, 'payment_methods', t.id)).toBe(1);
  });

  it('refuses the same card twice, naming the saved one, and stores nothing', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const first = await saveMethod(t, c.id, cardBody(VISA));
    const dup = await t.api.post(methodsOf(c.id), {
      gateway_token: await token(t, cardBody(VISA, { expiry: '01/31', name: 'D. Lee' })),
      authorized: true,
    });
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({
      code: 'payment_method_duplicate',
      details: { existing_id: first.id },
    });
    expect(await countRows(h, 'payment_methods', t.id)).toBe(1);
    // Another customer may save the same card.
    await saveMethod(t, (await newCustomer(t)).id, cardBody(VISA));
  });

  it.each([
    ['without the authorisation tick', {}, 422, 'authorization_required'],
    ['with authorized false', { authorized: false }, 422, 'authorization_required'],
    ['in another currency', { authorized: true, currency: 'EUR' }, 422, 'currency_not_supported'],
    ['with an unknown field', { authorized: true, cvc: '123' }, 400, 'validation_failed'],
  ])('is refused %s, leaving the token usable', async (_name, extra, status, code) => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const tok = await token(t, cardBody(VISA));
    const res = await t.api.post(methodsOf(c.id), { gateway_token: tok, ...extra });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(await countRows(h, 'payment_methods', t.id)).toBe(0);
    const ok = await t.api.post(methodsOf(c.id), { gateway_token: tok, authorized: true });
    expect(ok.status).toBe(201);
  });

  it('takes a token once, for its own tenant, within 30 minutes of the tenant clock', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const c = await newCustomer(t);
    const tok = await token(t, cardBody(VISA));
    const foreign = await other.api.post(methodsOf((await newCustomer(other)).id), {
      gateway_token: tok,
      authorized: true,
    });
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'token_not_found']);
    expect(
      (await t.api.post(methodsOf(c.id), { gateway_token: tok, authorized: true })).status,
    ).toBe(201);
    const again = await t.api.post(methodsOf((await newCustomer(t)).id), {
      gateway_token: tok,
      authorized: true,
    });
    expect([again.status, again.body.error.code]).toEqual([409, 'token_used']);
    const unknown = await t.api.post(methodsOf(c.id), {
      gateway_token: 'tok_nope',
      authorized: true,
    });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'token_not_found']);
    const late = await token(t, cardBody(MASTERCARD));
    await t.api.post('/api/v1/clock/advance', { hours: 1 });
    const expired = await t.api.post(methodsOf(c.id), { gateway_token: late, authorized: true });
    expect([expired.status, expired.body.error.code]).toEqual([409, 'token_expired']);
    expect(await countRows(h, 'payment_methods', t.id)).toBe(1);
  });

  it('answers 404 for unknown or foreign customers and 409 for archived ones', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const foreign = await newCustomer(other);
    const res = await t.api.post(methodsOf(foreign.id), {
      gateway_token: await token(t, cardBody()),
      authorized: true,
    });
    expect([res.status, res.body.error.code]).toEqual([404, 'customer_not_found']);
    const c = await newCustomer(t);
    await t.api.delete(`/api/v1/customers/${c.id}`);
    const archived = await t.api.post(methodsOf(c.id), {
      gateway_token: await token(t, cardBody()),
      authorized: true,
    });
    expect([archived.status, archived.body.error.code]).toEqual([409, 'customer_archived']);
    expect(await countRows(h, 'payment_methods', t.id)).toBe(0);
  });
});

describe('bank accounts and micro-deposits', () => {
  it('is unverified until both amounts match; then it becomes the default', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const card = await saveMethod(t, c.id, cardBody(VISA));
    const bank = await saveMethod(t, c.id, bankBody());
    expect(bank).toMatchObject({ status: 'unverified', is_default: false });
    const def = await t.api.post(`${PM}/${bank.id}/default`);
    expect([def.status, def.body.error.code]).toEqual([409, 'payment_method_unverified']);
    const [a, b] = await deposits(t, bank.id);
    expect(a).toBeGreaterThanOrEqual(1);
    expect(b).toBeLessThanOrEqual(99);
    const wrong = await t.api.post(`${PM}/${bank.id}/verify`, { amounts: [a === 1 ? 2 : 1, b] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({
      code: 'verification_failed',
      details: { attempts_left: 2, locked: false },
    });
    const ok = await t.api.post(`${PM}/${bank.id}/verify`, { amounts: [b, a] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'usable', is_default: true });
    expect(ok.body.verification.verified_at).toBe('2026-11-22T15:00:00.000Z');
    expect((await list(t, c.id)).data.find((m) => m.id === card.id)?.is_default).toBe(false);
    const again = await t.api.post(`${PM}/${bank.id}/verify`, { amounts: [a, b] });
    expect([again.status, again.body.error.code]).toEqual([409, 'verification_not_needed']);
  });

  it('locks the account at the third wrong attempt', async () => {
    const t = await newTenant(h);
    const bank = await saveMethod(t, (await newCustomer(t)).id, bankBody());
    const [a, b] = await deposits(t, bank.id);
    const wrong = { amounts: [a === 99 ? 98 : a + 1, b] };
    const lefts = [];
    for (let i = 0; i < 3; i++) {
      const res = await t.api.post(`${PM}/${bank.id}/verify`, wrong);
      expect(res.body.error.code).toBe('verification_failed');
      lefts.push([res.body.error.details.attempts_left, res.body.error.details.locked]);
    }
    expect(lefts).toEqual([
      [2, false],
      [1, false],
      [0, true],
    ]);
    const right = await t.api.post(`${PM}/${bank.id}/verify`, { amounts: [a, b] });
    expect([right.status, right.body.error.code]).toEqual([409, 'verification_locked']);
    const got = await t.api.get(`${PM}/${bank.id}`);
    expect(got.body.status).toBe('verification_locked');
    const audit = await t.api.get(`/api/v1/audit-log?object=${bank.id}`);
    expect(audit.body.data.map((e: { action: string }) => e.action)).toContain(
      'payment_method.verification_locked',
    );
  });

  it('locks at once when the micro-deposits come back', async () => {
    const t = await newTenant(h);
    const bank = await saveMethod(t, (await newCustomer(t)).id, bankBody(BANK_FAILS));
    const res = await t.api.post(`${PM}/${bank.id}/verify`, {
      amounts: await deposits(t, bank.id),
    });
    expect(res.body.error).toMatchObject({
      code: 'verification_failed',
      details: { reason: 'micro_deposits_returned', locked: true, attempts_left: 0 },
    });
  });

  it.each([
    ['one amount', { amounts: [12] }, 400, 'validation_failed'],
    ['an amount of a dollar', { amounts: [100, 12] }, 400, 'validation_failed'],
    ['fractions', { amounts: [0.12, 0.34] }, 400, 'validation_failed'],
    ['another currency', { amounts: [12, 34], currency: 'CAD' }, 422, 'currency_not_supported'],
  ])('refuses %s without counting an attempt', async (_n, body, status, code) => {
    const t = await newTenant(h);
    const bank = await saveMethod(t, (await newCustomer(t)).id, bankBody());
    const res = await t.api.post(`${PM}/${bank.id}/verify`, body);
    expect([res.status, res.body.error.code]).toEqual([status, code]);
    expect((await t.api.get(`${PM}/${bank.id}`)).body.verification.attempts).toBe(0);
  });

  it('has nothing to verify on a card', async () => {
    const t = await newTenant(h);
    const card = await saveMethod(t, (await newCustomer(t)).id, cardBody());
    const res = await t.api.post(`${PM}/${card.id}/verify`, { amounts: [1, 2] });
    expect([res.status, res.body.error.code]).toEqual([409, 'verification_not_needed']);
  });
});

describe('defaults, edits and deletion', () => {
  it('moves the default on request, and refuses an expired card', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const soon = await saveMethod(t, c.id, cardBody(MASTERCARD, { expiry: '12/26' }));
    const later = await saveMethod(t, c.id, cardBody(VISA));
    const res = await t.api.post(`${PM}/${soon.id}/default`);
    expect(res.body).toMatchObject({ id: soon.id, is_default: true });
    expect((await t.api.get(`${PM}/${later.id}`)).body.is_default).toBe(false);
    await t.api.post('/api/v1/clock/advance', { to: '2027-01-04' });
    const l = await list(t, c.id);
    expect(l.data.find((m) => m.id === soon.id)?.status).toBe('expired');
    expect(l.default_method_id).toBe(later.id);
    await t.api.post(`${PM}/${later.id}/default`);
    const back = await t.api.post(`${PM}/${soon.id}/default`);
    expect([back.status, back.body.error.code]).toEqual([422, 'card_expired']);
  });

  it('changes only the friendly name and sharing; card data needs a replacement', async () => {
    const t = await newTenant(h);
    const card = await saveMethod(t, (await newCustomer(t)).id, cardBody());
    const res = await t.api.patch(`${PM}/${card.id}`, { friendly_name: 'Travel card' });
    expect(res.body.friendly_name).toBe('Travel card');
    const bad = await t.api.patch(`${PM}/${card.id}`, { exp_month: 1 });
    expect([bad.status, bad.body.error.code]).toEqual([400, 'validation_failed']);
  });

  it('replaces a card in place, keeping its id and default, after full re-entry', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const card = await saveMethod(t, c.id, cardBody(VISA));
    const noTick = await t.api.post(`${PM}/${card.id}/replace`, {
      gateway_token: await token(t, cardBody(MASTERCARD)),
    });
    expect(noTick.body.error.code).toBe('authorization_required');
    const kind = await t.api.post(`${PM}/${card.id}/replace`, {
      gateway_token: await token(t, bankBody()),
      authorized: true,
    });
    expect([kind.status, kind.body.error.code]).toEqual([422, 'payment_method_kind_mismatch']);
    const res = await t.api.post(`${PM}/${card.id}/replace`, {
      gateway_token: await token(t, cardBody(VISA, { expiry: '03/31' })),
      authorized: true,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      id: card.id,
      is_default: true,
      card: { last4: '4242', exp_month: 3, exp_year: 2031 },
      replaced_at: '2026-11-22T15:00:00.000Z',
    });
    expect(res.body.gateway_method_id).not.toBe(card.gateway_method_id);
    expect(await countRows(h, 'payment_methods', t.id)).toBe(1);
  });

  it('a replaced default bank account must be verified again, the default moving meanwhile', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const card = await saveMethod(t, c.id, cardBody(VISA));
    const bank = await verifiedBank(t, c.id);
    expect(bank.is_default).toBe(true);
    const res = await t.api.post(`${PM}/${bank.id}/replace`, {
      gateway_token: await token(t, bankBody('000987654321')),
      authorized: true,
    });
    expect(res.body).toMatchObject({ status: 'unverified', is_default: false });
    expect((await list(t, c.id)).default_method_id).toBe(card.id);
    await t.api.post(`${PM}/${bank.id}/verify`, { amounts: await deposits(t, bank.id) });
    expect((await list(t, c.id)).default_method_id).toBe(bank.id);
  });

  it('deletes a method, promoting the newest usable one to default', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const a = await saveMethod(t, c.id, cardBody(VISA));
    const b = await saveMethod(t, c.id, cardBody(MASTERCARD));
    const res = await t.api.delete(`${PM}/${b.id}`);
    expect(res.body).toMatchObject({ status: 'deleted', is_default: false });
    const l = await list(t, c.id);
    expect(l.data.map((m) => [m.id, m.is_default])).toEqual([[a.id, true]]);
    expect((await t.api.get(`${PM}/${b.id}`)).body.deleted_at).not.toBeNull();
    const again = await t.api.delete(`${PM}/${b.id}`);
    expect([again.status, again.body.error.code]).toEqual([404, 'payment_method_not_found']);
    // The same card can be saved again once deleted.
    await saveMethod(t, c.id, cardBody(MASTERCARD));
  });

  it('refuses to delete a method that autopay rules or scheduled payments use, naming them', async () => {
    const t = await newTenant(h);
    const card = await saveMethod(t, (await newCustomer(t)).id, cardBody());
    const users: Record<string, string[]> = { [card.id]: ['apr_1', 'apr_2'] };
    const off = registerMethodUsage('autopay_rules', async (_q, tenantId, methodId) =>
      tenantId === t.id ? (users[methodId] ?? []) : [],
    );
    try {
      const res = await t.api.delete(`${PM}/${card.id}`);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'payment_method_in_use',
        details: { used_by: { autopay_rules: ['apr_1', 'apr_2'] } },
      });
      users[card.id] = [];
      expect((await t.api.delete(`${PM}/${card.id}`)).status).toBe(200);
    } finally {
      off();
    }
  });
});

describe('child accounts and the billing readiness gate', () => {
  it('lists a parent’s shared methods for its descendants, until it stops sharing', async () => {
    const t = await newTenant(h);
    const parent = await newCustomer(t);
    const child = await newCustomer(t, { parent_id: parent.id });
    const grandchild = await newCustomer(t, { parent_id: child.id });
    const shared = await saveMethod(t, parent.id, cardBody(VISA), { shared_with_children: true });
    await saveMethod(t, parent.id, cardBody(MASTERCARD), { make_default: false });
    for (const id of [child.id, grandchild.id]) {
      const l = await list(t, id);
      expect(l.data.map((m) => [m.id, m.inherited, m.is_default])).toEqual([
        [shared.id, true, false],
      ]);
      expect([l.default_method_id, l.billing_ready]).toEqual([shared.id, true]);
    }
    const own = await saveMethod(t, child.id, cardBody(AMEX));
    expect((await list(t, child.id)).default_method_id).toBe(own.id);
    await t.api.patch(`${PM}/${shared.id}`, { shared_with_children: false });
    const after = await list(t, grandchild.id);
    expect([after.data, after.default_method_id, after.billing_ready]).toEqual([[], null, false]);
  });

  it('refuses to start a subscription until billing is set up, saying what to do', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const price = await monthlyPrice(t, 'Hosting', 1500);
    const body = { customer_id: c.id, price_id: price, start_date: '2026-11-22' };
    const refused = await t.api.post('/api/v1/subscriptions', body);
    expect([refused.status, refused.body.error.code]).toEqual([422, 'billing_not_set_up']);
    expect(refused.body.error.details.what_to_do.length).toBeGreaterThan(2);
    const bank = await saveMethod(t, c.id, bankBody());
    expect((await t.api.post('/api/v1/subscriptions', body)).status).toBe(422);
    await t.api.post(`${PM}/${bank.id}/verify`, { amounts: await deposits(t, bank.id) });
    expect((await t.api.post('/api/v1/subscriptions', body)).status).toBe(201);
    const child = await newCustomer(t, { parent_id: c.id });
    const childBody = { ...body, customer_id: child.id };
    expect((await t.api.post('/api/v1/subscriptions', childBody)).status).toBe(422);
    await t.api.patch(`${PM}/${bank.id}`, { shared_with_children: true });
    expect((await t.api.post('/api/v1/subscriptions', childBody)).status).toBe(201);
  });

  it('is ready with a usable method of its own or inherited, or on invoice-only terms', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    expect((await list(t, c.id)).billing_ready).toBe(false);
    const bank = await saveMethod(t, c.id, bankBody());
    expect((await list(t, c.id)).billing_ready).toBe(false);
    await t.api.post(`${PM}/${bank.id}/verify`, { amounts: await deposits(t, bank.id) });
    expect((await list(t, c.id)).billing_ready).toBe(true);
    const terms = await newCustomer(t, { invoice_only: true });
    expect((await list(t, terms.id)).billing_ready).toBe(true);
  });
});

describe('access', () => {
  it('hides methods from read-only staff and from other tenants', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const c = await newCustomer(t);
    const card = await saveMethod(t, c.id, cardBody());
    const { api: ro } = await apiKey(t, 'read_only');
    expect((await ro.get(methodsOf(c.id))).status).toBe(403);
    expect((await ro.post('/api/v1/sandbox/tokens', cardBody())).status).toBe(403);
    for (const res of [
      await other.api.get(`${PM}/${card.id}`),
      await other.api.delete(`${PM}/${card.id}`),
      await other.api.post(`${PM}/${card.id}/default`),
      await other.api.post(`${PM}/${card.id}/verify`, { amounts: [1, 2] }),
    ]) {
      expect([res.status, res.body.error.code]).toEqual([404, 'payment_method_not_found']);
    }
  });

  it('gives live tenants no sandbox: tokens refused, and no gateway until Stripe is set up', async () => {
    const live = await newTenant(h, { live: true });
    const res = await live.api.post('/api/v1/sandbox/tokens', cardBody());
    expect([res.status, res.body.error.code]).toEqual([409, 'sandbox_only']);
    const save = await live.api.post(methodsOf((await newCustomer(live)).id), {
      gateway_token: 'pm_123',
      authorized: true,
    });
    expect([save.status, save.body.error.code]).toEqual([409, 'gateway_not_configured']);
  });
});
