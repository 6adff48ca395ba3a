/** Stripe's objects as the gateway interface's results: pure mapping, no calls. */
import type Stripe from 'stripe';
import { achReturnCodeOfStripe, declineOfStripe } from '../codes.js';
import {
  type AttachedMethod,
  type BillingAddress,
  CARD_BRANDS,
  type CardBrand,
  type ChargeResult,
  type ChargeStatus,
  GatewayError,
} from '../types.js';

function address(a: Stripe.Address | null | undefined): BillingAddress {
  if (!a) return {};
  const out: BillingAddress = {};
  if (a.line1) out.line1 = a.line1;
  if (a.line2) out.line2 = a.line2;
  if (a.city) out.city = a.city;
  if (a.state) out.region = a.state;
  if (a.postal_code) out.postal_code = a.postal_code;
  if (a.country && /^[A-Z]{2}$/.test(a.country)) out.country = a.country;
  return out;
}

export function attachedOf(pm: Stripe.PaymentMethod): AttachedMethod {
  const common = {
    gatewayMethodId: pm.id,
    name: pm.billing_details?.name ?? null,
    address: address(pm.billing_details?.address),
  };
  if (pm.type === 'card' && pm.card) {
    const brand = pm.card.brand as CardBrand;
    if (!(CARD_BRANDS as readonly string[]).includes(brand)) {
      throw new GatewayError('stripe', 'unsupported_method', `Card brand ${pm.card.brand}`);
    }
    return {
      ...common,
      kind: 'card',
      fingerprint: pm.card.fingerprint ?? pm.id,
      last4: pm.card.last4,
      card: { brand, expMonth: pm.card.exp_month, expYear: pm.card.exp_year },
    };
  }
  if (pm.type === 'us_bank_account' && pm.us_bank_account) {
    const bank = pm.us_bank_account;
    return {
      ...common,
      kind: 'bank_account',
      fingerprint: bank.fingerprint ?? pm.id,
      last4: bank.last4 ?? '0000',
      bank: {
        accountType: bank.account_type === 'savings' ? 'savings' : 'checking',
        holderType: bank.account_holder_type === 'company' ? 'business' : 'personal',
        routingLast4: (bank.routing_number ?? '').slice(-4).padStart(4, '0'),
        bankName: bank.bank_name ?? null,
      },
    };
  }
  throw new GatewayError('stripe', 'unsupported_method', `Payment method type ${pm.type}`);
}

function isAch(pi: Stripe.PaymentIntent): boolean {
  return pi.payment_method_types.includes('us_bank_account');
}

function failureOf(pi: Stripe.PaymentIntent) {
  const err = pi.last_payment_error;
  return {
    declineCode: declineOfStripe(err?.code, err?.decline_code),
    message: err?.message ?? 'The payment failed.',
  };
}

export function chargeResultOf(pi: Stripe.PaymentIntent): ChargeResult {
  switch (pi.status) {
    case 'succeeded':
      return { status: 'succeeded', gatewayChargeId: pi.id };
    case 'processing':
      return { status: 'pending', gatewayChargeId: pi.id, expectedSettlementDate: null };
    case 'requires_action':
      return {
        status: 'failed',
        gatewayChargeId: pi.id,
        declineCode: 'card_declined',
        message: 'The card issuer requires the cardholder to authenticate this payment.',
      };
    case 'canceled':
      return {
        status: 'failed',
        gatewayChargeId: pi.id,
        declineCode: 'processing_error',
        message: 'The payment was canceled.',
      };
    default:
      return { status: 'failed', gatewayChargeId: pi.id, ...failureOf(pi) };
  }
}

function latestCharge(pi: Stripe.PaymentIntent): Stripe.Charge | null {
  return typeof pi.latest_charge === 'object' ? pi.latest_charge : null;
}

/**
 * A PaymentIntent as Billow's charge status. An ACH debit that failed after it was accepted
 * (processing) is a return, with the NACHA code of its failure; a disputed ACH debit is an
 * unauthorised return (R10).
 */
export function chargeStatusOf(pi: Stripe.PaymentIntent): ChargeStatus {
  const charge = latestCharge(pi);
  const base = {
    gatewayChargeId: pi.id,
    amount: pi.amount,
    amountRefunded: charge?.amount_refunded ?? 0,
    currency: 'USD' as const,
    declineCode: null,
    message: null,
    returnCode: null,
  };
  if (pi.status === 'succeeded') {
    if (isAch(pi) && charge?.disputed) return { ...base, status: 'returned', returnCode: 'R10' };
    return { ...base, status: 'succeeded' };
  }
  if (pi.status === 'processing') return { ...base, status: 'pending' };
  const returnCode = isAch(pi) ? achReturnCodeOfStripe(charge?.failure_code) : null;
  const failure = failureOf(pi);
  if (returnCode) return { ...base, ...failure, status: 'returned', returnCode };
  const result = chargeResultOf(pi);
  return {
    ...base,
    status: 'failed',
    declineCode: result.status === 'failed' ? result.declineCode : failure.declineCode,
    message: result.status === 'failed' ? result.message : failure.message,
  };
}
