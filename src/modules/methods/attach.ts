/**
 * Saving a payment method (D1, D2, D7) and replacing one (D5). The gateway is called first and
 * outside any transaction (attach the token, send micro-deposits to a bank account); then one
 * short transaction records the method. If Billow then refuses (a duplicate, the customer
 * archived meanwhile), the gateway is told to forget the method again, so nothing stays behind.
 */
import { AppError } from '../../core/errors.js';
import { assertCurrencySupported } from '../../gateways/codes.js';
import type { AttachedMethod, Gateway, MicroDepositStart } from '../../gateways/types.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { getCustomer, linkGatewayCustomer } from '../customers/service.js';
import { callGateway, tenantGateway } from './gateway.js';
import { type MethodCreate, statusOf } from './model.js';

export interface RequestMeta {
  ip?: string | undefined;
  userAgent?: string | undefined;
  /** The kinds this caller may save (the portal's tenant setting); any when absent. */
  kinds?: readonly ('card' | 'bank_account')[] | undefined;
}

/** What a gateway gave back for a token, ready to be recorded. */
export interface Attached {
  gateway: Gateway;
  gatewayCustomerId: string;
  method: AttachedMethod;
  deposits: MicroDepositStart | undefined;
  authorizedAt: Date;
}

/** The checks every save starts with: permission, currency, authorisation tick. */
export function checkSaveInput(ctx: Ctx, input: Pick<MethodCreate, 'authorized' | 'currency'>) {
  requirePermission(ctx, 'billing:write');
  assertCurrencySupported(input.currency);
  if (input.authorized !== true) {
    throw new AppError('authorization_required', { field: 'authorized' });
  }
}

/** The customer's object at the gateway, created the first time a method is saved for it. */
async function ensureGatewayCustomer(ctx: Ctx, gateway: Gateway, customerId: string) {
  const found = await ctx.db.maybeOne<{ gateway_customer_id: string }>(
    `SELECT gateway_customer_id FROM gateway_customers
      WHERE tenant_id = $1 AND customer_id = $2 AND gateway = $3`,
    [ctx.tenant.id, customerId, gateway.name],
  );
  if (found) {
    await linkGatewayCustomer(ctx.db, ctx, customerId, found.gateway_customer_id);
    return found.gateway_customer_id;
  }
  const customer = await getCustomer(ctx, customerId);
  if (customer.status !== 'active') throw new AppError('customer_archived', { id: customerId });
  const created = await callGateway(() =>
    gateway.createCustomer({
      billowCustomerId: customerId,
      name: customer.name,
      email: customer.billing_email,
    }),
  );
  // Two saves racing for a new customer: the first row wins, and both use it.
  const row = await ctx.db.one<{ gateway_customer_id: string }>(
    `INSERT INTO gateway_customers (tenant_id, customer_id, gateway, gateway_customer_id,
       created_at)
     VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (tenant_id, customer_id, gateway)
       DO UPDATE SET gateway_customer_id = gateway_customers.gateway_customer_id
     RETURNING gateway_customer_id`,
    [ctx.tenant.id, customerId, gateway.name, created.gatewayCustomerId, tenantNow(ctx)],
  );
  await linkGatewayCustomer(ctx.db, ctx, customerId, row.gateway_customer_id);
  return row.gateway_customer_id;
}

/**
 * Attaches the token at the tenant's gateway and, for a bank account, sends the micro-deposits.
 * Then runs `record` (which opens Billow's transaction); if anything after the attach fails, the
 * gateway forgets the method.
 */
export async function attachAndRecord<T>(
  ctx: Ctx,
  customerId: string,
  token: string,
  meta: RequestMeta,
  record: (attached: Attached) => Promise<T>,
): Promise<T> {
  const gateway = await tenantGateway(ctx);
  const gatewayCustomerId = await ensureGatewayCustomer(ctx, gateway, customerId);
  const method = await callGateway(() => gateway.attachMethod({ gatewayCustomerId, token }));
  const authorizedAt = tenantNow(ctx);
  try {
    if (meta.kinds && !meta.kinds.includes(method.kind)) {
      throw new AppError('payment_method_kind_not_accepted', {
        kind: method.kind,
        accepted: meta.kinds,
      });
    }
    if (method.kind === 'card') {
      const status = statusOf(
        {
          kind: 'card',
          exp_month: method.card.expMonth,
          exp_year: method.card.expYear,
          verified_at: authorizedAt,
          verification_locked_at: null,
          deleted_at: null,
        },
        tenantToday(ctx),
      );
      if (status === 'expired') throw new AppError('card_expired', { field: 'gateway_token' });
    }
    const deposits =
      method.kind === 'bank_account'
        ? await callGateway(() =>
            gateway.startMicroDeposits({
              gatewayCustomerId,
              gatewayMethodId: method.gatewayMethodId,
              mandate: { acceptedAt: authorizedAt, ipAddress: meta.ip, userAgent: meta.userAgent },
            }),
          )
        : undefined;
    return await record({ gateway, gatewayCustomerId, method, deposits, authorizedAt });
  } catch (err) {
    await forget(gateway, method.gatewayMethodId);
    throw err;
  }
}

/** Best effort: a gateway method Billow no longer records is detached; a failure is not fatal. */
export async function forget(gateway: Gateway, gatewayMethodId: string): Promise<boolean> {
  try {
    await gateway.detachMethod({ gatewayMethodId });
    return true;
  } catch {
    return false;
  }
}

/** The gateway-side columns of a method row, from an attached method. */
export function gatewayColumns(a: Attached) {
  const m = a.method;
  const verifiedAt =
    m.kind === 'card' || a.deposits?.verified ? a.authorizedAt : (null as Date | null);
  return {
    kind: m.kind,
    gateway: a.gateway.name,
    gateway_customer_id: a.gatewayCustomerId,
    gateway_method_id: m.gatewayMethodId,
    gateway_verification_id: a.deposits?.verificationId ?? null,
    fingerprint: m.fingerprint,
    last4: m.last4,
    brand: m.kind === 'card' ? m.card.brand : null,
    exp_month: m.kind === 'card' ? m.card.expMonth : null,
    exp_year: m.kind === 'card' ? m.card.expYear : null,
    account_type: m.kind === 'bank_account' ? m.bank.accountType : null,
    holder_type: m.kind === 'bank_account' ? m.bank.holderType : null,
    routing_last4: m.kind === 'bank_account' ? m.bank.routingLast4 : null,
    bank_name: m.kind === 'bank_account' ? m.bank.bankName : null,
    name: m.name,
    billing_address: JSON.stringify(m.address),
    verified_at: verifiedAt,
    micro_deposits_sent_at: m.kind === 'bank_account' && a.deposits ? a.authorizedAt : null,
    authorized_at: a.authorizedAt,
  };
}
