import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addBusinessDays } from '../../src/gateways/sandbox/charges.js';
import { type ChargeUpdate, onSandboxChargeUpdate } from '../../src/gateways/sandbox/clock.js';
import { TEST_BANK_ACCOUNTS, TEST_CARDS } from '../../src/gateways/sandbox/testdata.js';
import { GatewayError } from '../../src/gateways/types.js';
import { newTenant, type TestTenant, unique } from '../helpers/app.js';
import { newCustomer } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';
import {
  AMEX,
  bankBody,
  cardBody,
  deposits,
  sandboxOf,
  saveMethod,
  token,
  VISA,
  verifiedBank,
} from '../helpers/payment-methods.js';

const h = useHarness();

const TOKENS = '/api/v1/sandbox/tokens';

describe('tokenization', () => {
  const card = (c: Record<string, unknown>) => cardBody(VISA, c);
  const bank = (b: Record<string, unknown>) => bankBody(undefined, b);
  it.each([
    [
      'a failed Luhn check',
      card({ number: '4242424242424241' }),
      'card_number_invalid',
      'checksum',
    ],
    [
      'letters in the number',
      card({ number: '4242abcd42424242' }),
      'card_number_invalid',
      'format',
    ],
    ['too few digits', card({ number: '42424242424' }), 'card_number_invalid', 'format'],
    ['an unsupported brand', card({ number: '9000000000000001' }), 'card_number_invalid', 'brand'],
    ['a past expiry', card({ expiry: '10/26' }), 'card_expired', undefined],
    ['month 13', card({ expiry: '13/28' }), 'card_expiry_invalid', undefined],
    ['a four-digit year', card({ expiry: '12/2028' }), 'card_expiry_invalid', undefined],
    ['a 3-digit Amex CVC', cardBody(AMEX, { cvc: '123' }), 'cvc_invalid', undefined],
    ['a 4-digit Visa CVC', card({ cvc: '1234' }), 'cvc_invalid', undefined],
    ['letters in the CVC', card({ cvc: '12a' }), 'cvc_invalid', undefined],
    [
      'an 8-digit routing number',
      bank({ routing_number: '11000000' }),
      'routing_number_invalid',
      'format',
    ],
    [
      'a bad routing checksum',
      bank({ routing_number: '110000001' }),
      'routing_number_invalid',
      'checksum',
    ],
    [
      'letters in the account number',
      bank({ account_number: '0001234x' }),
      'account_number_invalid',
      'not_digits',
    ],
    [
      'a 3-digit account number',
      bank({ account_number: '123' }),
      'account_number_invalid',
      'length',
    ],
    [
      'an 18-digit account number',
      bank({ account_number: '1'.repeat(18) }),
      'account_number_invalid',
      'length',
    ],
    ['another currency', { ...card({}), currency: 'EUR' }, 'currency_not_supported', undefined],
  ])('refuses %s precisely (422) and stores nothing', async (_n, body, code, reason) => {
    const t = await newTenant(h);
    const res = await t.api.post(TOKENS, body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe(code);
    if (reason) expect(res.body.error.details.reason).toBe(reason);
    expect(await countRows(h, 'sandbox_vault_tokens', t.id, 'account_id')).toBe(0);
  });

  it.each([
    ['both a card and a bank account', { ...cardBody(), ...bankBody() }],
    ['neither', {}],
    ['a missing name', { card: { number: VISA, expiry: '12/30', cvc: '123' } }],
    ['an unknown holder type', bankBody(undefined, { holder_type: 'trust' })],
    ['an unknown field', cardBody(VISA, { pin: '1234' })],
    ['a number sent as a number', cardBody(VISA, { number: 4242424242424242 })],
  ])('refuses %s as a bad shape (400)', async (_n, body) => {
    const t = await newTenant(h);
    const res = await t.api.post(TOKENS, body);
    expect([res.status, res.body.error.code]).toEqual([400, 'validation_failed']);
    expect(await countRows(h, 'sandbox_vault_tokens', t.id, 'account_id')).toBe(0);
  });

  it('returns a token with display data only, and seals the number in the vault', async () => {
    const t = await newTenant(h);
    const res = await t.api.post(TOKENS, cardBody('4242 4242 4242 4242'));
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^tok_[0-9a-z]{26}$/),
      object: 'token',
      kind: 'card',
      card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 },
      bank_account: null,
      name: 'Dana Lee',
      created_at: '2026-11-22T15:00:00.000Z',
      expires_at: '2026-11-22T15:30:00.000Z',
    });
    const row = await h.testDb.db.one<Record<string, unknown>>(
      'SELECT to_jsonb(v)::text AS text FROM sandbox_vault_tokens v WHERE id = $1',
      [res.body.id],
    );
    expect(row.text).not.toContain(VISA);
    expect(row.text).not.toMatch(/\b737\b/);
    const b = await t.api.post(TOKENS, bankBody());
    expect(b.body.bank_account).toEqual({
      last4: '6789',
      routing_last4: '0000',
      account_type: 'checking',
      holder_type: 'business',
    });
  });

  it('forgets the numbers of tokens that expired unused', async () => {
    const t = await newTenant(h);
    const id = await token(t, cardBody());
    await t.api.post('/api/v1/clock/advance', { hours: 1 });
    const row = await h.testDb.db.one<{ number_sealed: string | null }>(
      'SELECT number_sealed FROM sandbox_vault_tokens WHERE id = $1',
      [id],
    );
    expect(row.number_sealed).toBeNull();
  });
});

/** A saved method's gateway ids, for charging it at the gateway. */
async function gatewayRefs(t: TestTenant, body: object, verify = false) {
  const c = await newCustomer(t);
  const pm = verify
    ? await verifiedBank(t, c.id, (body as ReturnType<typeof bankBody>).bank_account.account_number)
    : await saveMethod(t, c.id, body);
  const row = await h.testDb.db.one<{ gateway_customer_id: string; gateway_method_id: string }>(
    'SELECT gateway_customer_id, gateway_method_id FROM payment_methods WHERE id = $1',
    [pm.id],
  );
  return { gatewayCustomerId: row.gateway_customer_id, gatewayMethodId: row.gateway_method_id };
}

async function charge(t: TestTenant, body: object, amount = 1999, verify = false) {
  const refs = await gatewayRefs(t, body, verify);
  const gw = await sandboxOf(h, t);
  return gw.charge({
    ...refs,
    kind: verify ? 'bank_account' : 'card',
    amount,
    currency: 'USD',
    idempotencyKey: unique(),
  });
}

describe('charges by test card', () => {
  it.each(TEST_CARDS.filter((c) => c.settleDays === 0).map((c) => [c.number, c.outcome]))(
    '%s: %s',
    async (number, outcome) => {
      const t = await newTenant(h);
      const result = await charge(t, cardBody(number));
      if (outcome === 'approve') {
        expect(result).toEqual({ status: 'succeeded', gatewayChargeId: expect.any(String) });
      } else {
        expect(result).toMatchObject({ status: 'failed', declineCode: outcome });
        expect(result.status === 'failed' && result.message.length).toBeGreaterThan(5);
      }
    },
  );

  it('never charges twice for one idempotency key', async () => {
    const t = await newTenant(h);
    const refs = await gatewayRefs(t, cardBody());
    const gw = await sandboxOf(h, t);
    const req = { ...refs, kind: 'card' as const, amount: 500, currency: 'USD' as const };
    const key = unique();
    const [a, b] = await Promise.all([
      gw.charge({ ...req, idempotencyKey: key }),
      gw.charge({ ...req, idempotencyKey: key }),
    ]);
    expect(a).toEqual(b);
    expect(await countRows(h, 'sandbox_vault_charges', t.id, 'account_id')).toBe(1);
  });

  it('settles the slow card two business days later on the tenant clock', async () => {
    const t = await newTenant(h);
    // 2026-11-22 is a Sunday: two business days later is Tuesday the 24th.
    const result = await charge(t, cardBody('4000000000000077'));
    expect(result).toMatchObject({ status: 'pending', expectedSettlementDate: '2026-11-24' });
    const id = result.gatewayChargeId!;
    await t.api.post('/api/v1/clock/advance', { to: '2026-11-23' });
    expect((await (await sandboxOf(h, t)).fetchStatus({ gatewayChargeId: id })).status).toBe(
      'pending',
    );
    const settled = await t.api.post('/api/v1/clock/advance', { to: '2026-11-24' });
    expect(settled.body.fell_due.settlements).toBe(1);
    expect((await (await sandboxOf(h, t)).fetchStatus({ gatewayChargeId: id })).status).toBe(
      'succeeded',
    );
  });

  it('refunds what succeeded, up to what is left, once per key', async () => {
    const t = await newTenant(h);
    const gw = await sandboxOf(h, t);
    const { gatewayChargeId } = (await charge(t, cardBody(), 1000)) as { gatewayChargeId: string };
    const key = unique();
    const r1 = await gw.refund({
      gatewayChargeId,
      amount: 600,
      currency: 'USD',
      idempotencyKey: key,
    });
    expect(r1.status).toBe('succeeded');
    expect(
      await gw.refund({ gatewayChargeId, amount: 600, currency: 'USD', idempotencyKey: key }),
    ).toEqual(r1);
    const over = await gw.refund({
      gatewayChargeId,
      amount: 500,
      currency: 'USD',
      idempotencyKey: unique(),
    });
    expect(over).toMatchObject({ status: 'failed', declineCode: 'processing_error' });
    expect((await gw.fetchStatus({ gatewayChargeId })).amountRefunded).toBe(600);
  });

  it('answers unknown objects with a GatewayError, not a decline', async () => {
    const t = await newTenant(h);
    const gw = await sandboxOf(h, t);
    await expect(gw.fetchStatus({ gatewayChargeId: 'sbch_nope' })).rejects.toBeInstanceOf(
      GatewayError,
    );
  });
});

describe('ACH debits on the tenant clock', () => {
  let updates: ChargeUpdate[] = [];
  const off = onSandboxChargeUpdate(async (_tx, _ctx, u) => {
    updates.push(u);
  });
  afterAll(() => off());

  it.each(
    TEST_BANK_ACCOUNTS.filter((b) => b.verification === 'succeeds').map((b) => [
      b.accountNumber,
      b,
    ]),
  )('account %s behaves as documented', async (_n, account) => {
    const t = await newTenant(h);
    updates = [];
    const result = await charge(t, bankBody(account.accountNumber), 2500, true);
    const debit = account.debit;
    if (debit.outcome === 'declined') {
      expect(result).toMatchObject({ status: 'failed', declineCode: debit.decline });
      return;
    }
    expect(result.status).toBe('pending');
    const id = result.gatewayChargeId!;
    const status = async () => await (await sandboxOf(h, t)).fetchStatus({ gatewayChargeId: id });
    const start = '2026-11-22';
    if (debit.settleDays !== null) {
      await t.api.post('/api/v1/clock/advance', { to: addBusinessDays(start, debit.settleDays) });
      expect((await status()).status).toBe('succeeded');
    }
    if (debit.outcome === 'returns') {
      await t.api.post('/api/v1/clock/advance', { to: addBusinessDays(start, debit.returnDays) });
      expect(await status()).toMatchObject({ status: 'returned', returnCode: debit.returnCode });
    }
    const expected = [
      ...(debit.settleDays !== null
        ? [{ gatewayChargeId: id, status: 'succeeded', returnCode: null }]
        : []),
      ...(debit.outcome === 'returns'
        ? [{ gatewayChargeId: id, status: 'returned', returnCode: debit.returnCode }]
        : []),
    ];
    expect(updates).toEqual(expected);
  });

  it('refuses to debit an unverified account', async () => {
    const t = await newTenant(h);
    const refs = await gatewayRefs(t, bankBody());
    const gw = await sandboxOf(h, t);
    await expect(
      gw.charge({
        ...refs,
        kind: 'bank_account',
        amount: 100,
        currency: 'USD',
        idempotencyKey: unique(),
      }),
    ).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('counts business days over weekends', () => {
    expect(addBusinessDays('2026-11-27', 1)).toBe('2026-11-30'); // Friday → Monday
    expect(addBusinessDays('2026-11-27', 5)).toBe('2026-12-04');
    expect(addBusinessDays('2026-11-28', 2)).toBe('2026-12-01'); // Saturday → Tuesday
  });
});

describe('settings and documentation', () => {
  it('adds the configured latency to every sandbox call', async () => {
    const t = await newTenant(h);
    const put = await t.api.put('/api/v1/gateway-settings', {
      gateway: 'sandbox',
      sandbox_latency_ms: 120,
    });
    expect(put.body.sandbox).toEqual({ available: true, latency_ms: 120 });
    const started = performance.now();
    await saveMethod(t, (await newCustomer(t)).id, cardBody());
    // create customer + attach: at least two calls.
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('shows the micro-deposits only for sandbox bank accounts', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const card = await saveMethod(t, c.id, cardBody());
    const res = await t.api.get(`/api/v1/sandbox/payment-methods/${card.id}/micro-deposits`);
    expect([res.status, res.body.error.code]).toEqual([409, 'verification_not_needed']);
    const bank = await saveMethod(t, c.id, bankBody());
    const amounts = await deposits(t, bank.id);
    expect(amounts[0]).not.toBe(amounts[1]);
  });

  it('lists every test number in the README', () => {
    const readme = readFileSync(join(import.meta.dirname, '../../README.md'), 'utf8');
    for (const c of TEST_CARDS) expect(readme).toContain(c.number);
    for (const b of TEST_BANK_ACCOUNTS) expect(readme).toContain(b.accountNumber);
  });
});
