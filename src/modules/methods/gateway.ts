/**
 * The gateway a tenant's payment methods live at, built from its gateway settings, and the one
 * translation of gateway failures into Billow's error codes. Gateway calls are made outside
 * database transactions (they may take seconds, and the sandbox runs its own transactions).
 */
import { AppError } from '../../core/errors.js';
import {
  createGateway,
  defaultSandboxLatencyMs,
  type Gateway,
  type GatewayName,
  isGatewayError,
} from '../../gateways/index.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { openSecret } from './secrets.js';
import { loadSettings } from './settings.js';

/** The gateway by name for this tenant: sandbox for sandbox tenants, Stripe when configured. */
export async function gatewayNamed(
  ctx: Ctx,
  name: GatewayName,
  stripeOptions: { timeoutMs?: number; maxNetworkRetries?: number } = {},
): Promise<Gateway> {
  const settings = await loadSettings(ctx);
  if (name === 'sandbox') {
    if (ctx.tenant.mode !== 'sandbox') throw new AppError('sandbox_only');
    return createGateway({
      name: 'sandbox',
      db: ctx.db,
      accountId: ctx.tenant.id,
      now: () => tenantNow(ctx),
      timeZone: ctx.tenant.timeZone,
      latencyMs: settings?.sandbox_latency_ms ?? defaultSandboxLatencyMs(),
    });
  }
  if (!settings?.stripe_secret_key_enc) throw new AppError('gateway_not_configured');
  const secretKey = await openSecret(ctx.db, ctx.tenant.id, settings.stripe_secret_key_enc);
  return createGateway({ name: 'stripe', secretKey, ...stripeOptions });
}

/** The gateway new payment methods of this tenant go to. */
export async function tenantGateway(ctx: Ctx): Promise<Gateway> {
  const settings = await loadSettings(ctx);
  const name = settings?.gateway ?? (ctx.tenant.mode === 'sandbox' ? 'sandbox' : null);
  if (!name) throw new AppError('gateway_not_configured');
  return gatewayNamed(ctx, name);
}

/** Runs a gateway call, turning its failures into AppErrors a client can act on. */
export async function callGateway<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    switch (err.code) {
      case 'token_not_found':
      case 'token_used':
      case 'token_expired':
        throw new AppError(err.code, { gateway: err.gateway });
      case 'unsupported_method':
        throw new AppError('card_number_invalid', {
          reason: 'brand',
          gateway: err.gateway,
          gateway_message: err.message,
        });
      default:
        throw new AppError('gateway_error', {
          gateway: err.gateway,
          reason: err.code,
          gateway_message: err.message,
        });
    }
  }
}

export interface GatewayCheck {
  gateway: GatewayName;
  ok: boolean;
  livemode: boolean | null;
  /** When not ok: the gateway's error code and its own words. */
  reason: string | null;
  message: string | null;
}

/**
 * Asks the tenant's gateway whether it answers (the sandbox always does; Stripe is called with
 * the saved key, once, with a short timeout). A failure is the result, not an error: the
 * console shows the gateway's words.
 */
export async function checkGatewayConnection(ctx: Ctx): Promise<GatewayCheck> {
  requirePermission(ctx, 'tenant:manage');
  const settings = await loadSettings(ctx);
  const name = settings?.gateway ?? (ctx.tenant.mode === 'sandbox' ? 'sandbox' : null);
  if (!name) throw new AppError('gateway_not_configured');
  const gateway = await gatewayNamed(ctx, name, { timeoutMs: 10_000, maxNetworkRetries: 0 });
  try {
    const { livemode } = await gateway.checkConnection();
    return { gateway: name, ok: true, livemode, reason: null, message: null };
  } catch (err) {
    if (!isGatewayError(err)) {
      const message = err instanceof Error ? err.message : String(err);
      return { gateway: name, ok: false, livemode: null, reason: 'unavailable', message };
    }
    return { gateway: name, ok: false, livemode: null, reason: err.code, message: err.message };
  }
}
