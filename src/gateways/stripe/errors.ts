/**
 * Stripe's errors as GatewayErrors. Declines are not handled here: the adapter turns card errors
 * into `failed` results; what reaches this is a request that did not work.
 */
import Stripe from 'stripe';
import { GatewayError, type GatewayErrorCode } from '../types.js';

/** What a missing resource means for the call that asked for it. */
export type MissingAs = 'token_not_found' | 'method_not_found' | 'charge_not_found';

export function isStripeError(err: unknown): err is Stripe.errors.StripeError {
  return err instanceof Stripe.errors.StripeError;
}

export function toGatewayError(err: unknown, missing: MissingAs = 'method_not_found'): Error {
  if (!isStripeError(err)) return err instanceof Error ? err : new Error(String(err));
  let code: GatewayErrorCode = 'invalid_request';
  if (
    err instanceof Stripe.errors.StripeAuthenticationError ||
    err instanceof Stripe.errors.StripePermissionError
  ) {
    code = 'authentication';
  } else if (
    err instanceof Stripe.errors.StripeConnectionError ||
    err instanceof Stripe.errors.StripeAPIError ||
    err instanceof Stripe.errors.StripeRateLimitError ||
    (err.statusCode !== undefined && err.statusCode >= 500)
  ) {
    code = 'unavailable';
  } else if (err.code === 'resource_missing') {
    code = missing;
  } else if (
    err.code === 'token_already_used' ||
    err.code === 'token_in_use' ||
    /already been attached/i.test(err.message)
  ) {
    code = 'token_used';
  }
  return new GatewayError('stripe', code, err.message);
}
