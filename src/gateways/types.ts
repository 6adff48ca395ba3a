/**
 * The payment gateway interface (K1). Billow talks to every gateway through this, so the sandbox
 * and Stripe are interchangeable and services never see a gateway's own objects.
 *
 * Tokenization is not here: a real gateway tokenizes in the payer's browser (Stripe.js), and the
 * sandbox does it at POST /sandbox/tokens. Billow's server only ever handles tokens.
 *
 * Declines are results, not exceptions: charge() answers `failed` with a normalised decline code
 * and the gateway's own message. A GatewayError means the request itself did not work (no such
 * token, the gateway unreachable or refusing the credentials).
 */
import type { DeclineCode } from './codes.js';

export type { DeclineCode } from './codes.js';

export const GATEWAY_NAMES = ['sandbox', 'stripe'] as const;
export type GatewayName = (typeof GATEWAY_NAMES)[number];

export const CARD_BRANDS = ['visa', 'mastercard', 'amex', 'discover'] as const;
export type CardBrand = (typeof CARD_BRANDS)[number];

export type MethodKind = 'card' | 'bank_account';
export type AccountType = 'checking' | 'savings';
export type HolderType = 'personal' | 'business';

export interface BillingAddress {
  line1?: string;
  line2?: string;
  city?: string;
  region?: string;
  postal_code?: string;
  country?: string;
}

export interface CardDetails {
  brand: CardBrand;
  expMonth: number;
  /** Four digits. */
  expYear: number;
}

export interface BankDetails {
  accountType: AccountType;
  holderType: HolderType;
  routingLast4: string;
  bankName: string | null;
}

/** What attaching a token to a gateway customer gives back: references and display data only. */
export type AttachedMethod = {
  gatewayMethodId: string;
  /** The gateway's keyed hash of the number: equal for the same card or account. */
  fingerprint: string;
  last4: string;
  name: string | null;
  address: BillingAddress;
} & ({ kind: 'card'; card: CardDetails } | { kind: 'bank_account'; bank: BankDetails });

/** The customer's authorisation of debits (D7), passed on as the ACH mandate. */
export interface Mandate {
  acceptedAt: Date;
  ipAddress?: string | undefined;
  userAgent?: string | undefined;
}

export interface MicroDepositStart {
  /** The gateway's handle for verifying (a Stripe SetupIntent, the sandbox method id). */
  verificationId: string;
  /** True when the gateway verified the account at once (no amounts to enter). */
  verified: boolean;
}

export type VerifyResult =
  | { verified: true }
  | {
      verified: false;
      /** amounts_mismatch may be retried; the others never succeed. */
      reason: 'amounts_mismatch' | 'deposits_failed' | 'attempts_exceeded';
      message: string;
    };

export interface ChargeRequest {
  gatewayCustomerId: string;
  gatewayMethodId: string;
  kind: MethodKind;
  /** Minor units (cents), positive. */
  amount: number;
  currency: 'USD';
  /** The same key never charges twice: a repeat answers with the first charge. */
  idempotencyKey: string;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export type ChargeResult =
  | { status: 'succeeded'; gatewayChargeId: string }
  | {
      status: 'pending';
      gatewayChargeId: string;
      /** Business date the gateway expects the money to settle, when it says. */
      expectedSettlementDate: string | null;
    }
  | {
      status: 'failed';
      gatewayChargeId: string | null;
      declineCode: DeclineCode;
      /** The gateway's own words, for the payer. */
      message: string;
    };

export interface RefundRequest {
  gatewayChargeId: string;
  amount: number;
  currency: 'USD';
  idempotencyKey: string;
}

export type RefundResult =
  | { status: 'succeeded' | 'pending'; gatewayRefundId: string }
  | { status: 'failed'; gatewayRefundId: string | null; declineCode: DeclineCode; message: string };

export interface ChargeStatus {
  gatewayChargeId: string;
  status: 'pending' | 'succeeded' | 'failed' | 'returned';
  amount: number;
  amountRefunded: number;
  currency: 'USD';
  declineCode: DeclineCode | null;
  message: string | null;
  /** For a returned ACH debit: the NACHA return code (R01, R10, …). */
  returnCode: string | null;
}

export interface Gateway {
  readonly name: GatewayName;
  createCustomer(input: {
    billowCustomerId: string;
    name: string;
    email: string | null;
  }): Promise<{ gatewayCustomerId: string }>;
  /** Turns a single-use token into a saved method of the customer. */
  attachMethod(input: { gatewayCustomerId: string; token: string }): Promise<AttachedMethod>;
  /** Makes the gateway forget a saved method (after deletion or replacement). */
  detachMethod(input: { gatewayMethodId: string }): Promise<void>;
  /** Sends the two micro-deposits (under $1) to a bank account. */
  startMicroDeposits(input: {
    gatewayCustomerId: string;
    gatewayMethodId: string;
    mandate: Mandate;
  }): Promise<MicroDepositStart>;
  /** Checks the amounts (cents) the customer read on the statement. */
  verifyMicroDeposits(input: {
    verificationId: string;
    amounts: readonly [number, number];
  }): Promise<VerifyResult>;
  charge(input: ChargeRequest): Promise<ChargeResult>;
  refund(input: RefundRequest): Promise<RefundResult>;
  /** The charge as the gateway sees it now (ACH debits settle or come back later). */
  fetchStatus(input: { gatewayChargeId: string }): Promise<ChargeStatus>;
  /** Whether the gateway answers with these credentials; throws a GatewayError when not. */
  checkConnection(): Promise<{ livemode: boolean | null }>;
}

export type GatewayErrorCode =
  | 'token_not_found'
  | 'token_used'
  | 'token_expired'
  | 'method_not_found'
  | 'charge_not_found'
  | 'unsupported_method'
  | 'invalid_request'
  | 'authentication'
  | 'unavailable';

/** The request did not work (as opposed to a decline, which is a result). */
export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly gateway: GatewayName;

  constructor(gateway: GatewayName, code: GatewayErrorCode, message: string) {
    super(message);
    this.name = 'GatewayError';
    this.gateway = gateway;
    this.code = code;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
