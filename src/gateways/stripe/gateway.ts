/**
 * The Stripe adapter on the official SDK. Cards and US bank accounts are PaymentMethods that the
 * payer's browser created with Stripe.js (a `pm_…` id, or a legacy `tok_…` card token); Billow's
 * server only attaches, charges (PaymentIntents, off-session), refunds and verifies bank accounts
 * with micro-deposits (SetupIntents).
 *
 * Every mutating call carries an idempotency key, so the SDK's network retries never double a
 * charge. `apiBase` points the SDK at another host (the contract tests' local server, or
 * stripe-mock); by default it talks to api.stripe.com.
 */
import Stripe from 'stripe';
import { declineOfStripe } from '../codes.js';
import type {
  AttachedMethod,
  ChargeRequest,
  ChargeResult,
  ChargeStatus,
  Gateway,
  Mandate,
  MicroDepositStart,
  RefundRequest,
  RefundResult,
  VerifyResult,
} from '../types.js';
import { isStripeError, toGatewayError } from './errors.js';
import { attachedOf, chargeResultOf, chargeStatusOf } from './map.js';

export interface StripeOptions {
  secretKey: string;
  /** e.g. http://127.0.0.1:12111 for a local server; api.stripe.com when absent. */
  apiBase?: string | undefined;
  timeoutMs?: number;
  maxNetworkRetries?: number;
}

export function stripeClient(options: StripeOptions): Stripe {
  const config: Stripe.StripeConfig = {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    appInfo: { name: 'Billow' },
  };
  if (options.apiBase) {
    const url = new URL(options.apiBase);
    config.protocol = url.protocol === 'http:' ? 'http' : 'https';
    config.host = url.hostname;
    config.port = url.port || (url.protocol === 'http:' ? 80 : 443);
  }
  return new Stripe(options.secretKey, config);
}

const VERIFY_FAILURES: Record<string, Exclude<VerifyResult, { verified: true }>['reason']> = {
  payment_method_microdeposit_verification_amounts_mismatch: 'amounts_mismatch',
  payment_method_microdeposit_verification_amounts_invalid: 'amounts_mismatch',
  payment_method_microdeposit_verification_descriptor_code_mismatch: 'amounts_mismatch',
  payment_method_microdeposit_verification_attempts_exceeded: 'attempts_exceeded',
  payment_method_microdeposit_failed: 'deposits_failed',
  payment_method_microdeposit_verification_timeout: 'deposits_failed',
};

function acceptance(m: Mandate): Stripe.SetupIntentCreateParams.MandateData.CustomerAcceptance {
  const acceptedAt = Math.floor(m.acceptedAt.getTime() / 1000);
  if (m.ipAddress && m.userAgent) {
    return {
      type: 'online',
      accepted_at: acceptedAt,
      online: { ip_address: m.ipAddress, user_agent: m.userAgent },
    };
  }
  return { type: 'offline', accepted_at: acceptedAt, offline: {} };
}

export class StripeGateway implements Gateway {
  readonly name = 'stripe' as const;
  readonly #stripe: Stripe;

  constructor(options: StripeOptions) {
    this.#stripe = stripeClient(options);
  }

  /** Reads the account's balance: the cheapest call that proves the key works. */
  async checkConnection(): Promise<{ livemode: boolean | null }> {
    try {
      const balance = await this.#stripe.balance.retrieve();
      return { livemode: balance.livemode };
    } catch (err) {
      throw toGatewayError(err);
    }
  }

  async createCustomer(input: {
    billowCustomerId: string;
    name: string;
    email: string | null;
  }): Promise<{ gatewayCustomerId: string }> {
    try {
      const customer = await this.#stripe.customers.create(
        {
          name: input.name,
          ...(input.email && { email: input.email }),
          metadata: { billow_customer_id: input.billowCustomerId },
        },
        // Two saves racing for a new customer get the same Stripe customer.
        { idempotencyKey: `billow-customer-${input.billowCustomerId}` },
      );
      return { gatewayCustomerId: customer.id };
    } catch (err) {
      throw toGatewayError(err);
    }
  }

  async attachMethod(input: { gatewayCustomerId: string; token: string }): Promise<AttachedMethod> {
    try {
      let methodId = input.token;
      if (input.token.startsWith('tok_')) {
        const created = await this.#stripe.paymentMethods.create({
          type: 'card',
          card: { token: input.token },
        });
        methodId = created.id;
      }
      const pm = await this.#stripe.paymentMethods.attach(methodId, {
        customer: input.gatewayCustomerId,
      });
      return attachedOf(pm);
    } catch (err) {
      throw toGatewayError(err, 'token_not_found');
    }
  }

  async detachMethod(input: { gatewayMethodId: string }): Promise<void> {
    try {
      await this.#stripe.paymentMethods.detach(input.gatewayMethodId);
    } catch (err) {
      // Already gone is what we wanted.
      if (isStripeError(err) && err.code === 'resource_missing') return;
      throw toGatewayError(err);
    }
  }

  async startMicroDeposits(input: {
    gatewayCustomerId: string;
    gatewayMethodId: string;
    mandate: Mandate;
  }): Promise<MicroDepositStart> {
    try {
      const intent = await this.#stripe.setupIntents.create(
        {
          customer: input.gatewayCustomerId,
          payment_method: input.gatewayMethodId,
          allowed_payment_method_types: ['us_bank_account'],
          payment_method_options: { us_bank_account: { verification_method: 'microdeposits' } },
          mandate_data: { customer_acceptance: acceptance(input.mandate) },
          usage: 'off_session',
          confirm: true,
        },
        { idempotencyKey: `billow-setup-${input.gatewayMethodId}` },
      );
      return { verificationId: intent.id, verified: intent.status === 'succeeded' };
    } catch (err) {
      throw toGatewayError(err);
    }
  }

  async verifyMicroDeposits(input: {
    verificationId: string;
    amounts: readonly [number, number];
  }): Promise<VerifyResult> {
    try {
      const intent = await this.#stripe.setupIntents.verifyMicrodeposits(input.verificationId, {
        amounts: [...input.amounts],
      });
      if (intent.status === 'succeeded') return { verified: true };
      return {
        verified: false,
        reason: 'amounts_mismatch',
        message: intent.last_setup_error?.message ?? 'The account is not verified.',
      };
    } catch (err) {
      const reason = isStripeError(err) && err.code ? VERIFY_FAILURES[err.code] : undefined;
      if (reason && isStripeError(err)) return { verified: false, reason, message: err.message };
      throw toGatewayError(err);
    }
  }

  async charge(input: ChargeRequest): Promise<ChargeResult> {
    try {
      const intent = await this.#stripe.paymentIntents.create(
        {
          amount: input.amount,
          currency: 'usd',
          customer: input.gatewayCustomerId,
          payment_method: input.gatewayMethodId,
          allowed_payment_method_types: [input.kind === 'card' ? 'card' : 'us_bank_account'],
          confirm: true,
          off_session: true,
          ...(input.description && { description: input.description }),
          ...(input.metadata && { metadata: input.metadata }),
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return chargeResultOf(intent);
    } catch (err) {
      // A decline arrives as an error carrying the failed PaymentIntent.
      if (
        err instanceof Stripe.errors.StripeCardError ||
        (isStripeError(err) && err.payment_intent)
      ) {
        return {
          status: 'failed',
          gatewayChargeId: err.payment_intent?.id ?? null,
          declineCode: declineOfStripe(err.code, err.decline_code),
          message: err.message,
        };
      }
      throw toGatewayError(err);
    }
  }

  async refund(input: RefundRequest): Promise<RefundResult> {
    try {
      const refund = await this.#stripe.refunds.create(
        { payment_intent: input.gatewayChargeId, amount: input.amount },
        { idempotencyKey: input.idempotencyKey },
      );
      if (refund.status === 'failed' || refund.status === 'canceled') {
        return {
          status: 'failed',
          gatewayRefundId: refund.id,
          declineCode: 'processing_error',
          message: `The refund ${refund.status === 'failed' ? 'failed' : 'was canceled'}.`,
        };
      }
      return {
        status: refund.status === 'succeeded' ? 'succeeded' : 'pending',
        gatewayRefundId: refund.id,
      };
    } catch (err) {
      if (
        err instanceof Stripe.errors.StripeInvalidRequestError &&
        err.code !== 'resource_missing'
      ) {
        return {
          status: 'failed',
          gatewayRefundId: null,
          declineCode: 'processing_error',
          message: err.message,
        };
      }
      throw toGatewayError(err, 'charge_not_found');
    }
  }

  async fetchStatus(input: { gatewayChargeId: string }): Promise<ChargeStatus> {
    try {
      const intent = await this.#stripe.paymentIntents.retrieve(input.gatewayChargeId, {
        expand: ['latest_charge'],
      });
      return chargeStatusOf(intent);
    } catch (err) {
      throw toGatewayError(err, 'charge_not_found');
    }
  }
}
