/**
 * The sandbox vault's tokens, customers and saved methods: the gateway's side of the boundary.
 * Numbers are stored sealed (AES-256-GCM, bound to the merchant account and kind) and are copied
 * from a token to the method it becomes without ever being opened; a used token keeps no number.
 */
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { hmacHex, sealedKeyId, unseal } from '../crypto.js';
import {
  type AccountType,
  type AttachedMethod,
  type BillingAddress,
  type CardBrand,
  GatewayError,
  type HolderType,
  type MethodKind,
} from '../types.js';
import type { VaultKeys } from './keys.js';

/** The context a sealed number is bound to: it opens only for this account and kind. */
export function sealContext(accountId: string, kind: MethodKind): string {
  return `sandbox-vault:${accountId}:${kind}`;
}

/** Opens a stored number: the card number, or "routing:account" for a bank account. */
export function openNumber(
  keys: { byId(id: string): VaultKeys },
  accountId: string,
  row: { kind: MethodKind; number_sealed: string },
): string {
  const keyId = sealedKeyId(row.number_sealed) ?? '';
  return unseal(keys.byId(keyId).sealing, row.number_sealed, sealContext(accountId, row.kind));
}

/** The fingerprint of a card number or of a bank account (routing + account number). */
export function fingerprintOf(key: Buffer, kind: MethodKind, number: string): string {
  return hmacHex(key, `${kind}:${number}`).slice(0, 32);
}

export interface VaultToken {
  id: string;
  account_id: string;
  kind: MethodKind;
  number_sealed: string | null;
  fingerprint: string;
  last4: string;
  brand: CardBrand | null;
  exp_month: number | null;
  exp_year: number | null;
  routing_number: string | null;
  account_type: AccountType | null;
  holder_type: HolderType | null;
  name: string | null;
  address: BillingAddress;
  created_at: Date;
  expires_at: Date;
  used_at: Date | null;
}

export type VaultMethod = Omit<VaultToken, 'expires_at' | 'used_at' | 'number_sealed'> & {
  customer_id: string;
  number_sealed: string;
  deposit_1: number | null;
  deposit_2: number | null;
  deposits_sent_at: Date | null;
  deposits_failed_at: Date | null;
  verified_at: Date | null;
  detached_at: Date | null;
};

export async function insertToken(q: Queryable, t: Omit<VaultToken, 'used_at'>): Promise<void> {
  await q.query(
    `INSERT INTO sandbox_vault_tokens (id, account_id, kind, number_sealed, fingerprint, last4,
       brand, exp_month, exp_year, routing_number, account_type, holder_type, name, address,
       created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      t.id,
      t.account_id,
      t.kind,
      t.number_sealed,
      t.fingerprint,
      t.last4,
      t.brand,
      t.exp_month,
      t.exp_year,
      t.routing_number,
      t.account_type,
      t.holder_type,
      t.name,
      JSON.stringify(t.address),
      t.created_at,
      t.expires_at,
    ],
  );
}

/** Forgets the numbers of tokens that expired unused: a vault keeps no more than it must. */
export async function purgeExpiredTokens(
  q: Queryable,
  accountId: string,
  now: Date,
): Promise<void> {
  await q.query(
    `UPDATE sandbox_vault_tokens SET number_sealed = NULL
      WHERE account_id = $1 AND expires_at <= $2 AND number_sealed IS NOT NULL`,
    [accountId, now],
  );
}

export async function insertCustomer(
  q: Queryable,
  accountId: string,
  input: { reference: string; name: string; email: string | null },
  now: Date,
): Promise<string> {
  const id = newId('sandboxCustomer');
  await q.query(
    `INSERT INTO sandbox_vault_customers (id, account_id, reference, name, email, created_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [id, accountId, input.reference, input.name, input.email, now],
  );
  return id;
}

/** Turns an unused, unexpired token of the account into a method of the customer. */
export async function attachToken(
  tx: Tx,
  accountId: string,
  customerId: string,
  tokenId: string,
  now: Date,
): Promise<VaultMethod> {
  const customer = await tx.maybeOne(
    'SELECT id FROM sandbox_vault_customers WHERE id = $1 AND account_id = $2',
    [customerId, accountId],
  );
  if (!customer) throw new GatewayError('sandbox', 'invalid_request', 'No such customer.');
  const token = await tx.maybeOne<VaultToken>(
    'SELECT * FROM sandbox_vault_tokens WHERE id = $1 AND account_id = $2 FOR NO KEY UPDATE',
    [tokenId, accountId],
  );
  if (!token) throw new GatewayError('sandbox', 'token_not_found', `No such token: ${tokenId}`);
  if (token.used_at) {
    throw new GatewayError('sandbox', 'token_used', 'You cannot use a token more than once.');
  }
  if (token.expires_at.getTime() <= now.getTime() || token.number_sealed === null) {
    throw new GatewayError('sandbox', 'token_expired', 'This token has expired.');
  }
  const method = await tx.one<VaultMethod>(
    `INSERT INTO sandbox_vault_methods (id, account_id, customer_id, kind, number_sealed,
       fingerprint, last4, brand, exp_month, exp_year, routing_number, account_type, holder_type,
       name, address, created_at)
     SELECT $1, account_id, $2, kind, number_sealed, fingerprint, last4, brand, exp_month,
            exp_year, routing_number, account_type, holder_type, name, address, $3
       FROM sandbox_vault_tokens WHERE id = $4
     RETURNING *`,
    [newId('sandboxMethod'), customerId, now, tokenId],
  );
  await tx.query(
    'UPDATE sandbox_vault_tokens SET used_at = $2, number_sealed = NULL WHERE id = $1',
    [tokenId, now],
  );
  return method;
}

export async function findMethod(
  q: Queryable,
  accountId: string,
  methodId: string,
): Promise<VaultMethod> {
  const row = await q.maybeOne<VaultMethod>(
    'SELECT * FROM sandbox_vault_methods WHERE id = $1 AND account_id = $2',
    [methodId, accountId],
  );
  if (!row || row.detached_at) {
    throw new GatewayError('sandbox', 'method_not_found', `No such payment method: ${methodId}`);
  }
  return row;
}

export function attachedView(m: VaultMethod): AttachedMethod {
  const common = {
    gatewayMethodId: m.id,
    fingerprint: m.fingerprint,
    last4: m.last4,
    name: m.name,
    address: m.address,
  };
  if (m.kind === 'card') {
    return {
      ...common,
      kind: 'card',
      card: { brand: m.brand as CardBrand, expMonth: m.exp_month ?? 0, expYear: m.exp_year ?? 0 },
    };
  }
  return {
    ...common,
    kind: 'bank_account',
    bank: {
      accountType: m.account_type as AccountType,
      holderType: m.holder_type as HolderType,
      routingLast4: (m.routing_number ?? '').slice(-4),
      bankName: 'Sandbox Test Bank',
    },
  };
}

/** Two distinct amounts from 1 to 99 cents, fixed for a method (HMAC of its id). */
export function depositAmounts(key: Buffer, methodId: string): [number, number] {
  const digest = Buffer.from(hmacHex(key, methodId), 'hex');
  const a = 1 + (digest.readUInt32BE(0) % 99);
  let b = 1 + (digest.readUInt32BE(4) % 99);
  if (b === a) b = (a % 99) + 1;
  return [a, b];
}
