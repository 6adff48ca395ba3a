/**
 * Contract tests of the Stripe adapter: the official SDK, configured to talk to a local server
 * (test/helpers/stripe-server.ts) that speaks the Stripe endpoints the adapter uses. They check
 * what the adapter sends (paths, parameters, idempotency keys, credentials) and how it reads
 * Stripe's answers (objects, declines, errors). The last block runs the same adapter against
 * Stripe's real test mode, only when STRIPE_TEST_SECRET_KEY is set (optional, skipped otherwise).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StripeGateway } from '../../src/gateways/stripe/gateway.js';
import { GatewayError } from '../../src/gateways/types.js';
import { newTenant, type TestTenant, useTenant } from '../helpers/app.js';
import { newCustomer } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { scoped } from '../helpers/scoped.js';
import { useFakeStripe } from '../helpers/stripe-server.js';

const KEY = 'sk_test_contract0123456789abcdef';
const fake = useFakeStripe();
const gw = scoped(
  'the gateway',
  async () => new StripeGateway({ secretKey: KEY, apiBase: fake.url, maxNetworkRetries: 0 }),
);

const last = () => fake.requests[fake.requests.length - 1]!;

async function customerId(): Promise<string> {
  return (
    await gw.createCustomer({
      billowCustomerId: 'cus_b1',
      name: 'Globex',
      email: 'ap@globex.example',
    })
  ).gatewayCustomerId;
}

describe('the Stripe adapter against the Stripe API contract', () => {
  it('creates a customer with the secret key, metadata and an idempotency key', async () => {
    const id = await customerId();
    expect(id).toMatch(/^cus_/);
    expect(last()).toMatchObject({
      method: 'POST',
      path: '/v1/customers',
      params: {
        name: 'Globex',
        email: 'ap@globex.example',
        metadata: { billow_customer_id: 'cus_b1' },
      },
    });
    expect(last().headers.authorization).toBe(`Bearer ${KEY}`);
    expect(last().headers['idempotency-key']).toBe('billow-customer-cus_b1');
    expect(last().headers['stripe-version']).toMatch(/^\d{4}-\d{2}-\d{2}/);
  });

  it('attaches a card PaymentMethod and reads its display data and fingerprint', async () => {
    const cus = await customerId();
    const pm = fake.addCard({ brand: 'mastercard', last4: '4444', exp_month: 7, exp_year: 2031 });
    expect(await gw.attachMethod({ gatewayCustomerId: cus, token: pm })).toEqual({
      gatewayMethodId: pm,
      kind: 'card',
      fingerprint: 'fp_4444_mastercard',
      last4: '4444',
      name: 'Dana Lee',
      address: { line1: '1 Main St', region: 'NY', postal_code: '10001', country: 'US' },
      card: { brand: 'mastercard', expMonth: 7, expYear: 2031 },
    });
    expect(last()).toMatchObject({
      path: `/v1/payment_methods/${pm}/attach`,
      params: { customer: cus },
    });
  });

  it('turns a legacy card token into a PaymentMethod first', async () => {
    const attached = await gw.attachMethod({
      gatewayCustomerId: await customerId(),
      token: 'tok_visa',
    });
    expect(attached).toMatchObject({ kind: 'card', last4: '4242' });
    const create = fake.requests.find((r) => r.path === '/v1/payment_methods');
    expect(create?.params).toEqual({ type: 'card', card: { token: 'tok_visa' } });
  });

  it.each([
    ['an unknown PaymentMethod', 'pm_nope', 'token_not_found'],
    ['a used token', 'tok_used', 'token_used'],
  ])('maps %s to %s', async (_n, token, code) => {
    const err = await gw
      .attachMethod({ gatewayCustomerId: await customerId(), token })
      .catch((e) => e);
    expect(err).toBeInstanceOf(GatewayError);
    expect(err.code).toBe(code);
  });

  it('refuses a method already attached elsewhere, and card brands Billow does not take', async () => {
    const pm = fake.addCard();
    await gw.attachMethod({ gatewayCustomerId: await customerId(), token: pm });
    const twice = await gw
      .attachMethod({ gatewayCustomerId: await customerId(), token: pm })
      .catch((e) => e);
    expect(twice.code).toBe('token_used');
    const jcb = fake.addCard({ brand: 'jcb' });
    const brand = await gw
      .attachMethod({ gatewayCustomerId: await customerId(), token: jcb })
      .catch((e) => e);
    expect(brand.code).toBe('unsupported_method');
  });

  it('verifies a bank account with micro-deposits through a SetupIntent and its mandate', async () => {
    const cus = await customerId();
    const pm = fake.addBank();
    const attached = await gw.attachMethod({ gatewayCustomerId: cus, token: pm });
    expect(attached).toMatchObject({
      kind: 'bank_account',
      last4: '6789',
      bank: {
        accountType: 'checking',
        holderType: 'business',
        routingLast4: '0000',
        bankName: 'STRIPE TEST BANK',
      },
    });
    const acceptedAt = new Date('2026-11-22T15:00:00Z');
    const start = await gw.startMicroDeposits({
      gatewayCustomerId: cus,
      gatewayMethodId: pm,
      mandate: { acceptedAt, ipAddress: '203.0.113.9', userAgent: 'Mozilla/5.0' },
    });
    expect(start).toEqual({ verificationId: expect.stringMatching(/^seti_/), verified: false });
    expect(last().params).toMatchObject({
      customer: cus,
      payment_method: pm,
      allowed_payment_method_types: ['us_bank_account'],
      confirm: 'true',
      payment_method_options: { us_bank_account: { verification_method: 'microdeposits' } },
      mandate_data: {
        customer_acceptance: {
          type: 'online',
          accepted_at: String(acceptedAt.getTime() / 1000),
          online: { ip_address: '203.0.113.9', user_agent: 'Mozilla/5.0' },
        },
      },
    });
    const wrong = await gw.verifyMicroDeposits({
      verificationId: start.verificationId,
      amounts: [10, 45],
    });
    expect(wrong).toMatchObject({ verified: false, reason: 'amounts_mismatch' });
    expect(last().params).toEqual({ amounts: ['10', '45'] });
    expect(
      await gw.verifyMicroDeposits({ verificationId: start.verificationId, amounts: [45, 32] }),
    ).toEqual({
      verified: true,
    });
  });

  it('charges off-session with the caller’s idempotency key; declines are results', async () => {
    const cus = await customerId();
    const ok = fake.addCard();
    await gw.attachMethod({ gatewayCustomerId: cus, token: ok });
    const req = {
      gatewayCustomerId: cus,
      kind: 'card' as const,
      amount: 1999,
      currency: 'USD' as const,
    };
    const paid = await gw.charge({ ...req, gatewayMethodId: ok, idempotencyKey: 'pay_1' });
    expect(paid).toEqual({ status: 'succeeded', gatewayChargeId: expect.stringMatching(/^pi_/) });
    expect(last().params).toMatchObject({
      amount: '1999',
      currency: 'usd',
      customer: cus,
      payment_method: ok,
      confirm: 'true',
      off_session: 'true',
      allowed_payment_method_types: ['card'],
    });
    expect(last().headers['idempotency-key']).toBe('pay_1');
    expect(await gw.charge({ ...req, gatewayMethodId: ok, idempotencyKey: 'pay_1' })).toEqual(paid);
    const poor = fake.addCard({
      decline: {
        code: 'card_declined',
        decline_code: 'insufficient_funds',
        message: 'Your card has insufficient funds.',
      },
    });
    const declined = await gw.charge({ ...req, gatewayMethodId: poor, idempotencyKey: 'pay_2' });
    expect(declined).toEqual({
      status: 'failed',
      gatewayChargeId: expect.stringMatching(/^pi_/),
      declineCode: 'insufficient_funds',
      message: 'Your card has insufficient funds.',
    });
    const cvc = fake.addCard({
      decline: { code: 'incorrect_cvc', message: 'Your card’s security code is incorrect.' },
    });
    expect(
      await gw.charge({ ...req, gatewayMethodId: cvc, idempotencyKey: 'pay_3' }),
    ).toMatchObject({
      declineCode: 'incorrect_cvc',
    });
  });

  it('reads ACH debits as pending, then settled, returned (R01) or disputed (R10)', async () => {
    const cus = await customerId();
    const pm = fake.addBank('1111');
    const req = {
      gatewayCustomerId: cus,
      gatewayMethodId: pm,
      kind: 'bank_account' as const,
      currency: 'USD' as const,
    };
    const debit = await gw.charge({ ...req, amount: 5000, idempotencyKey: 'ach_1' });
    expect(debit).toMatchObject({ status: 'pending', expectedSettlementDate: null });
    const id = debit.gatewayChargeId!;
    expect((await gw.fetchStatus({ gatewayChargeId: id })).status).toBe('pending');
    expect(last()).toMatchObject({
      method: 'GET',
      path: `/v1/payment_intents/${id}`,
      params: { expand: ['latest_charge'] },
    });
    const intent = fake.intents.get(id)!;
    Object.assign(intent, {
      status: 'requires_payment_method',
      last_payment_error: { code: 'insufficient_funds', message: 'Insufficient funds.' },
    });
    Object.assign(intent.latest_charge as object, { failure_code: 'insufficient_funds' });
    expect(await gw.fetchStatus({ gatewayChargeId: id })).toMatchObject({
      status: 'returned',
      returnCode: 'R01',
    });
    const other = (await gw.charge({ ...req, amount: 5000, idempotencyKey: 'ach_2' }))
      .gatewayChargeId!;
    Object.assign(fake.intents.get(other)!, { status: 'succeeded' });
    expect((await gw.fetchStatus({ gatewayChargeId: other })).status).toBe('succeeded');
    Object.assign(fake.intents.get(other)!.latest_charge as object, { disputed: true });
    expect(await gw.fetchStatus({ gatewayChargeId: other })).toMatchObject({
      status: 'returned',
      returnCode: 'R10',
    });
  });

  it('refunds part of a charge and reports a refusal as a failed result', async () => {
    const cus = await customerId();
    const pm = fake.addCard();
    const { gatewayChargeId } = (await gw.charge({
      gatewayCustomerId: cus,
      gatewayMethodId: pm,
      kind: 'card',
      amount: 1000,
      currency: 'USD',
      idempotencyKey: 'pay_r',
    })) as { gatewayChargeId: string };
    const refund = await gw.refund({
      gatewayChargeId,
      amount: 400,
      currency: 'USD',
      idempotencyKey: 'ref_1',
    });
    expect(refund).toEqual({ status: 'succeeded', gatewayRefundId: expect.stringMatching(/^re_/) });
    expect(last().params).toEqual({ payment_intent: gatewayChargeId, amount: '400' });
    const over = await gw.refund({
      gatewayChargeId,
      amount: 700,
      currency: 'USD',
      idempotencyKey: 'ref_2',
    });
    expect(over).toMatchObject({ status: 'failed', declineCode: 'processing_error' });
    expect((await gw.fetchStatus({ gatewayChargeId })).amountRefunded).toBe(400);
  });

  it('turns Stripe being down or refusing the key into GatewayErrors', async () => {
    fake.fail(500, { type: 'api_error', message: 'Something went wrong.' });
    expect(await customerId().catch((e) => e.code)).toBe('unavailable');
    fake.fail(401, {
      type: 'invalid_request_error',
      message: 'Invalid API Key provided: sk_test_****',
    });
    expect(await customerId().catch((e) => e.code)).toBe('authentication');
    const down = new StripeGateway({
      secretKey: KEY,
      apiBase: 'http://127.0.0.1:9',
      maxNetworkRetries: 0,
    });
    const err = await down.fetchStatus({ gatewayChargeId: 'pi_1' }).catch((e) => e);
    expect(err.code).toBe('unavailable');
  });
});

describe('a tenant on Stripe, through Billow’s API', () => {
  // Billow's own Stripe adapter talks to the fake while this block runs.
  beforeAll(() => {
    process.env.BILLOW_STRIPE_API_BASE = fake.url;
  });
  afterAll(() => {
    delete process.env.BILLOW_STRIPE_API_BASE;
  });
  const h = useHarness();
  const t = useTenant(h, { each: true });

  /** Puts the tenant on Stripe with the contract's test key. */
  async function onStripe(tenant: TestTenant) {
    const res = await tenant.api.put('/api/v1/gateway-settings', {
      gateway: 'stripe',
      stripe_secret_key: KEY,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res;
  }

  it('keeps the secret key sealed and shows only its last four characters', async () => {
    const bad = await t.api.put('/api/v1/gateway-settings', {
      gateway: 'stripe',
      stripe_secret_key: 'sk_live_abcdefgh12345678',
    });
    expect([bad.status, bad.body.error.code, bad.body.error.details.reason]).toEqual([
      422,
      'stripe_key_invalid',
      'mode',
    ]);
    const none = await t.api.put('/api/v1/gateway-settings', { gateway: 'stripe' });
    expect(none.body.error.details.reason).toBe('missing');
    const res = await onStripe(t);
    expect(res.body).toEqual({
      gateway: 'stripe',
      stripe: { configured: true, secret_key_last4: 'cdef', publishable_key: null },
      sandbox: { available: true, latency_ms: 0 },
      portal_method_kinds: ['card', 'bank_account'],
      updated_at: '2026-11-22T15:00:00.000Z',
    });
    const got = await t.api.get('/api/v1/gateway-settings');
    expect(JSON.stringify(got.body)).not.toContain(KEY);
    const stored = await h.testDb.db.query('SELECT * FROM gateway_settings');
    expect(JSON.stringify(stored)).not.toContain(KEY);
    const live = await newTenant(h, { live: true });
    const sandbox = await live.api.put('/api/v1/gateway-settings', { gateway: 'sandbox' });
    expect([sandbox.status, sandbox.body.error.code]).toEqual([409, 'sandbox_only']);
  });

  it('saves Stripe.js PaymentMethods and verifies a bank account through Stripe', async () => {
    await onStripe(t);
    const c = await newCustomer(t);
    const card = await t.api.post(`/api/v1/customers/${c.id}/payment-methods`, {
      gateway_token: fake.addCard(),
      authorized: true,
    });
    expect(card.status).toBe(201);
    expect(card.body).toMatchObject({
      gateway: 'stripe',
      card: { brand: 'visa', last4: '4242' },
      is_default: true,
    });
    const bank = await t.api.post(`/api/v1/customers/${c.id}/payment-methods`, {
      gateway_token: fake.addBank('2222'),
      authorized: true,
    });
    expect(bank.body).toMatchObject({ gateway: 'stripe', status: 'unverified' });
    const verified = await t.api.post(`/api/v1/payment-methods/${bank.body.id}/verify`, {
      amounts: [32, 45],
    });
    expect(verified.body).toMatchObject({ status: 'usable', is_default: true });
    const gone = await t.api.post(`/api/v1/customers/${c.id}/payment-methods`, {
      gateway_token: 'pm_missing',
      authorized: true,
    });
    expect([gone.status, gone.body.error.code]).toEqual([404, 'token_not_found']);
    // Billow's adapter retries twice: Stripe stays down for all three tries.
    fake.fail(503, { type: 'api_error', message: 'Service unavailable' }, 3);
    const down = await t.api.post(`/api/v1/customers/${c.id}/payment-methods`, {
      gateway_token: fake.addCard({ last4: '1881' }),
      authorized: true,
    });
    expect([down.status, down.body.error.code]).toEqual([502, 'gateway_error']);
  });
});

const liveKey = process.env.STRIPE_TEST_SECRET_KEY;
describe.skipIf(!liveKey)(
  'OPTIONAL: against Stripe’s real test mode (STRIPE_TEST_SECRET_KEY)',
  () => {
    const real = () => new StripeGateway({ secretKey: liveKey! });
    it('attaches a test card, charges, declines and refunds', { timeout: 60_000 }, async () => {
      const g = real();
      const { gatewayCustomerId } = await g.createCustomer({
        billowCustomerId: `cus_${Date.now()}`,
        name: 'Billow contract',
        email: null,
      });
      const visa = await g.attachMethod({ gatewayCustomerId, token: 'tok_visa' });
      expect(visa).toMatchObject({ kind: 'card', last4: '4242', card: { brand: 'visa' } });
      const paid = await g.charge({
        gatewayCustomerId,
        gatewayMethodId: visa.gatewayMethodId,
        kind: 'card',
        amount: 1050,
        currency: 'USD',
        idempotencyKey: `billow-${Date.now()}-a`,
      });
      expect(paid.status).toBe('succeeded');
      const refund = await g.refund({
        gatewayChargeId: paid.gatewayChargeId!,
        amount: 50,
        currency: 'USD',
        idempotencyKey: `billow-${Date.now()}-r`,
      });
      expect(refund.status).not.toBe('failed');
      const poor = await g.attachMethod({
        gatewayCustomerId,
        token: 'tok_chargeDeclinedInsufficientFunds',
      });
      const declined = await g.charge({
        gatewayCustomerId,
        gatewayMethodId: poor.gatewayMethodId,
        kind: 'card',
        amount: 1050,
        currency: 'USD',
        idempotencyKey: `billow-${Date.now()}-d`,
      });
      expect(declined).toMatchObject({ status: 'failed', declineCode: 'insufficient_funds' });
    });
  },
);
