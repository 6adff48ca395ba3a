/**
 * Builds a gateway from its configuration. Which configuration a tenant has (and its secret key)
 * is Billow's business (modules/methods/gateway.ts); this only knows how to make each adapter.
 */
import { SandboxGateway, type SandboxOptions } from './sandbox/gateway.js';
import { StripeGateway, type StripeOptions } from './stripe/gateway.js';
import type { Gateway } from './types.js';

export { SandboxGateway } from './sandbox/gateway.js';
export { StripeGateway } from './stripe/gateway.js';
export * from './types.js';

export type GatewayConfig =
  | ({ name: 'sandbox' } & SandboxOptions)
  | ({ name: 'stripe' } & StripeOptions);

/**
 * Where the Stripe SDK sends requests: BILLOW_STRIPE_API_BASE (an http(s) URL such as a local
 * stripe-mock) when set, api.stripe.com otherwise. An installation setting, not a tenant one,
 * so no tenant can send its key elsewhere.
 */
export function stripeApiBase(): string | undefined {
  return process.env.BILLOW_STRIPE_API_BASE || undefined;
}

/** The sandbox's delay per call unless the tenant sets one: BILLOW_SANDBOX_LATENCY_MS. */
export function defaultSandboxLatencyMs(): number {
  const n = Number(process.env.BILLOW_SANDBOX_LATENCY_MS ?? 0);
  return Number.isInteger(n) && n >= 0 && n <= 10_000 ? n : 0;
}

export function createGateway(config: GatewayConfig): Gateway {
  if (config.name === 'sandbox') {
    const { name: _name, ...options } = config;
    return new SandboxGateway(options);
  }
  const { name: _name, ...options } = config;
  return new StripeGateway({ ...options, apiBase: options.apiBase ?? stripeApiBase() });
}
