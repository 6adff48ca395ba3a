/**
 * Builders for payment-method scenarios: sandbox tokens for the test numbers, saved cards and
 * bank accounts, and the sandbox gateway itself on a tenant's clock.
 */
import { expect } from 'vitest';
import { offsetClock } from '../../src/core/clock.js';
import { SandboxGateway } from '../../src/gateways/sandbox/gateway.js';
import { TEST_ROUTING_NUMBER } from '../../src/gateways/sandbox/testdata.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import type { TestTenant } from './app.js';
import type { Harness } from './harness.js';

export const VISA = '4242424242424242';
export const MASTERCARD = '5555555555554444';
export const AMEX = '378282246310005';
/** Approves, but settles two business days later. */
export const CARD_PENDING = '4000000000000077';
/** Declines: insufficient funds (a soft decline). */
export const CARD_INSUFFICIENT = '4000000000009995';
/** Declines: card declined (a hard decline). */
export const CARD_DECLINED = '4000000000000002';
export const BANK_OK = '000123456789';
export const BANK_FAILS = '000111111113';
/** Debits that come back: R01 before settling, R10 after. */
export const BANK_R01 = '000111111116';
export const BANK_R10 = '000222222227';
export const ROUTING = TEST_ROUTING_NUMBER;

export function cardBody(number = VISA, extra: Record<string, unknown> = {}) {
  return {
    card: {
      number,
      expiry: '12/30',
      cvc: number.length === 15 ? '7373' : '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
      ...extra,
    },
  };
}

export function bankBody(accountNumber = BANK_OK, extra: Record<string, unknown> = {}) {
  return {
    bank_account: {
      holder_type: 'business',
      account_type: 'checking',
      name: 'Globex Corporation',
      account_number: accountNumber,
      routing_number: ROUTING,
      ...extra,
    },
  };
}

export async function token(t: TestTenant, body: object): Promise<string> {
  const res = await t.api.post('/api/v1/sandbox/tokens', body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

export async function saveMethod(
  t: TestTenant,
  customerId: string,
  body: object,
  extra: Record<string, unknown> = {},
) {
  const res = await t.api.post(`/api/v1/customers/${customerId}/payment-methods`, {
    gateway_token: await token(t, body),
    authorized: true,
    ...extra,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as {
    id: string;
    is_default: boolean;
    status: string;
    gateway_method_id: string;
    customer_id: string;
  };
}

export async function deposits(t: TestTenant, methodId: string): Promise<[number, number]> {
  const res = await t.api.get(`/api/v1/sandbox/payment-methods/${methodId}/micro-deposits`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.amounts;
}

/** A saved and verified bank account. */
export async function verifiedBank(t: TestTenant, customerId: string, account = BANK_OK) {
  const pm = await saveMethod(t, customerId, bankBody(account));
  const amounts = await deposits(t, pm.id);
  const res = await t.api.post(`/api/v1/payment-methods/${pm.id}/verify`, { amounts });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as typeof pm;
}

/** The sandbox gateway of a tenant, on the tenant's clock as it stands in the database now. */
export async function sandboxOf(h: Harness, t: TestTenant): Promise<SandboxGateway> {
  const tenant = await loadTenant(h.testDb.db, t.id);
  if (!tenant) throw new Error('no such tenant');
  const clock = offsetClock(h.clock, tenant.clockOffsetMs);
  return new SandboxGateway({
    db: h.testDb.db,
    accountId: t.id,
    now: () => clock.now(),
    timeZone: tenant.timeZone,
  });
}
