/**
 * POST /sandbox/tokens: the one place Billow's process ever receives a full card or bank account
 * number. It stands for a gateway's client-side tokenization: the data is checked, sealed into
 * the sandbox vault, and only a single-use token goes back. The CVC is checked and dropped:
 * nothing keeps it, not even the vault (card networks forbid storing it after authorisation).
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../../modules/context.js';
import { assertCurrencySupported } from '../codes.js';
import { seal } from '../crypto.js';
import { vaultKeys } from './keys.js';
import type { TokenCreate, TokenView } from './model.js';
import {
  checkAccountNumber,
  checkCardNumber,
  checkCvc,
  checkExpiry,
  checkRoutingNumber,
} from './validate.js';
import {
  fingerprintOf,
  insertToken,
  purgeExpiredTokens,
  sealContext,
  type VaultToken,
} from './vault.js';

/** How long a token can wait to be attached, on the tenant's clock. */
export const TOKEN_TTL_MS = 30 * 60_000;

/** Refuses everything sandbox-only for live tenants: their data goes to a real gateway. */
export function assertSandboxTenant(ctx: Ctx): void {
  if (ctx.tenant.mode !== 'sandbox') throw new AppError('sandbox_only');
}

export async function createToken(ctx: Ctx, input: TokenCreate): Promise<TokenView> {
  requirePermission(ctx, 'billing:write');
  return tokenize(ctx, input);
}

/**
 * Tokenizes for a caller already allowed to (staff with billing:write, or a signed-in contact
 * whose profile may add methods or pay: see POST /sandbox/portal-tokens).
 */
export async function tokenize(ctx: Ctx, input: TokenCreate): Promise<TokenView> {
  assertSandboxTenant(ctx);
  assertCurrencySupported(input.currency);
  const now = tenantNow(ctx);
  const accountId = ctx.tenant.id;
  // Every check runs before anything is written: invalid data stores nothing.
  let token: Omit<VaultToken, 'used_at' | 'number_sealed' | 'fingerprint'> & { number: string };
  const base = {
    id: newId('gatewayToken'),
    account_id: accountId,
    created_at: now,
    expires_at: new Date(now.getTime() + TOKEN_TTL_MS),
  };
  if (input.card) {
    const card = input.card;
    const { digits, brand } = checkCardNumber(card.number);
    const expiry = checkExpiry(card.expiry, tenantToday(ctx));
    checkCvc(card.cvc, brand);
    token = {
      ...base,
      kind: 'card',
      number: digits,
      last4: digits.slice(-4),
      brand,
      exp_month: expiry.month,
      exp_year: expiry.year,
      routing_number: null,
      account_type: null,
      holder_type: null,
      name: card.name,
      address: card.address ?? {},
    };
  } else {
    const bank = input.bank_account!;
    const account = checkAccountNumber(bank.account_number);
    const routing = checkRoutingNumber(bank.routing_number);
    token = {
      ...base,
      kind: 'bank_account',
      number: `${routing}:${account}`,
      last4: account.slice(-4),
      brand: null,
      exp_month: null,
      exp_year: null,
      routing_number: routing,
      account_type: bank.account_type,
      holder_type: bank.holder_type,
      name: bank.name,
      address: bank.address ?? {},
    };
  }
  const keys = await vaultKeys(ctx.db);
  const { number, ...rest } = token;
  await insertToken(ctx.db, {
    ...rest,
    number_sealed: seal(keys.current.sealing, number, sealContext(accountId, token.kind)),
    fingerprint: fingerprintOf(keys.current.fingerprint, token.kind, number),
  });
  await purgeExpiredTokens(ctx.db, accountId, now);
  return {
    id: token.id,
    object: 'token',
    kind: token.kind,
    card:
      token.kind === 'card'
        ? {
            brand: token.brand!,
            last4: token.last4,
            exp_month: token.exp_month!,
            exp_year: token.exp_year!,
          }
        : null,
    bank_account:
      token.kind === 'bank_account'
        ? {
            last4: token.last4,
            routing_last4: token.routing_number!.slice(-4),
            account_type: token.account_type!,
            holder_type: token.holder_type!,
          }
        : null,
    name: token.name ?? '',
    created_at: now.toISOString(),
    expires_at: token.expires_at.toISOString(),
  };
}
