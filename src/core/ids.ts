/**
 * Prefixed ids from one generator and a closed list of prefixes. The body is a ULID-style
 * 26-character Crockford base32 string: 48 bits of time then 80 random bits, so ids sort
 * roughly by creation and cursor pagination by id is stable.
 */
import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  tenant: 'ten',
  staff: 'usr',
  session: 'ses',
  apiKey: 'key',
  customer: 'cus',
  contact: 'con',
  contactProfile: 'cpr',
  auditEntry: 'aud',
  event: 'evt',
  webhookEndpoint: 'whe',
  webhookDelivery: 'whd',
  product: 'prod',
  price: 'price',
  subscription: 'sub',
  usageRecord: 'ur',
  invoice: 'inv',
  billRun: 'br',
  paymentMethod: 'pm',
  payment: 'pay',
  creditMemo: 'cm',
  paymentRun: 'pr',
  email: 'em',
  invoiceLine: 'il',
  invoiceAdjustment: 'adj',
  pendingCharge: 'chg',
  invoiceQuestion: 'iq',
  gatewayToken: 'tok',
  paymentApplication: 'pa',
  refund: 're',
  creditApplication: 'ca',
  autopayRule: 'apr',
  portalLogin: 'plg',
  portalToken: 'ptk',
  portalSession: 'pss',
  usageExport: 'uex',
  // The sandbox gateway's own objects (its vault, standing for the gateway's side).
  sandboxCustomer: 'sbcus',
  sandboxMethod: 'sbpm',
  sandboxCharge: 'sbch',
  sandboxRefund: 'sbre',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;
export type IdPrefix = (typeof ID_PREFIXES)[IdKind];

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encode(value: bigint, length: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(v & 31n)] + out;
    v >>= 5n;
  }
  return out;
}

export function newId(kind: IdKind, at: number = Date.now()): string {
  const random = BigInt(`0x${randomBytes(10).toString('hex')}`);
  return `${ID_PREFIXES[kind]}_${encode(BigInt(at), 10)}${encode(random, 16)}`;
}

const ID_BODY = /^[0-9a-hjkmnp-tv-z]{26}$/;

/** True when `id` is a well-formed id of the given kind. */
export function isId(kind: IdKind, id: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return id.startsWith(prefix) && ID_BODY.test(id.slice(prefix.length));
}

/** A random secret for API keys, session tokens and links (base64url, 32 bytes). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
