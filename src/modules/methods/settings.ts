/**
 * Gateway settings per tenant (J5, K1): which gateway new payment methods go to, the Stripe
 * credentials (the secret key sealed, never returned: only its last four characters are shown),
 * and the sandbox's simulated latency. A sandbox tenant starts on the sandbox gateway; a live
 * tenant has none until it configures Stripe with a live-mode key.
 */
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { defaultSandboxLatencyMs } from '../../gateways/index.js';
import type { GatewayName } from '../../gateways/types.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { sealSecret } from './secrets.js';

export const METHOD_KINDS = ['card', 'bank_account'] as const;
export type MethodKind = (typeof METHOD_KINDS)[number];
const PortalMethodKinds = z
  .array(z.enum(METHOD_KINDS))
  .min(1)
  .max(2)
  .refine((k) => new Set(k).size === k.length, 'each kind once');

export const GatewaySettingsPut = z.strictObject({
  gateway: z.enum(['sandbox', 'stripe']),
  stripe_secret_key: z
    .string()
    .trim()
    .max(255)
    .optional()
    .describe('sk_test_… / rk_test_… for a sandbox tenant, sk_live_… / rk_live_… for a live one'),
  stripe_publishable_key: z.string().trim().max(255).nullable().optional(),
  sandbox_latency_ms: z
    .number()
    .int()
    .min(0)
    .max(10_000)
    .optional()
    .describe('Delay added to every sandbox gateway call, for benchmarks'),
  portal_method_kinds: PortalMethodKinds.optional().describe(
    'Which kinds contacts may add in the customer portal (default both); staff may add either',
  ),
});
export type GatewaySettingsPut = z.infer<typeof GatewaySettingsPut>;

export const GatewaySettingsView = z.object({
  gateway: z.enum(['sandbox', 'stripe']).nullable().describe('null: none configured (live)'),
  stripe: z.object({
    configured: z.boolean(),
    secret_key_last4: z.string().nullable().describe('The secret key itself is never returned'),
    publishable_key: z.string().nullable(),
  }),
  sandbox: z.object({ available: z.boolean(), latency_ms: z.number().int() }),
  portal_method_kinds: z
    .array(z.enum(METHOD_KINDS))
    .describe('The kinds contacts may add in the customer portal'),
  updated_at: z.string().nullable(),
});
export type GatewaySettingsView = z.infer<typeof GatewaySettingsView>;

export const GatewayCheckView = z.object({
  gateway: z.enum(['sandbox', 'stripe']),
  ok: z.boolean().describe('Whether the gateway answered with the saved credentials'),
  livemode: z.boolean().nullable(),
  reason: z
    .string()
    .nullable()
    .describe('When not ok: authentication (key refused), unavailable (not reachable), …'),
  message: z.string().nullable().describe('When not ok: the gateway’s own words'),
});

export interface SettingsRow {
  gateway: GatewayName;
  stripe_secret_key_enc: string | null;
  stripe_secret_key_last4: string | null;
  stripe_publishable_key: string | null;
  sandbox_latency_ms: number;
  portal_method_kinds: MethodKind[];
  updated_at: Date;
}

const SETTINGS_COLUMNS = `gateway, stripe_secret_key_enc, stripe_secret_key_last4, stripe_publishable_key,
            sandbox_latency_ms, portal_method_kinds, updated_at`;

/** Canonical order, so views and comparisons do not depend on how a setting was written. */
const orderedKinds = (kinds: readonly MethodKind[]) =>
  METHOD_KINDS.filter((k) => kinds.includes(k));

/** The tenant's settings row, or the defaults of its mode when it has none. */
export async function loadSettings(ctx: Ctx): Promise<SettingsRow | null> {
  const row = await ctx.db.maybeOne<SettingsRow>(
    `SELECT ${SETTINGS_COLUMNS} FROM gateway_settings WHERE tenant_id = $1`,
    [ctx.tenant.id],
  );
  return row ?? null;
}

function view(ctx: Ctx, row: SettingsRow | null): GatewaySettingsView {
  const sandbox = ctx.tenant.mode === 'sandbox';
  return {
    gateway: row?.gateway ?? (sandbox ? 'sandbox' : null),
    stripe: {
      configured: Boolean(row?.stripe_secret_key_enc),
      secret_key_last4: row?.stripe_secret_key_last4 ?? null,
      publishable_key: row?.stripe_publishable_key ?? null,
    },
    sandbox: {
      available: sandbox,
      latency_ms: row?.sandbox_latency_ms ?? defaultSandboxLatencyMs(),
    },
    portal_method_kinds: orderedKinds(row?.portal_method_kinds ?? METHOD_KINDS),
    updated_at: row?.updated_at.toISOString() ?? null,
  };
}

export async function getGatewaySettings(ctx: Ctx): Promise<GatewaySettingsView> {
  requirePermission(ctx, 'tenant:manage');
  return view(ctx, await loadSettings(ctx));
}

function checkKey(ctx: Ctx, key: string, kinds: string, field: string): void {
  const mode = ctx.tenant.mode === 'sandbox' ? 'test' : 'live';
  const match = new RegExp(`^(${kinds})_(test|live)_[A-Za-z0-9]{8,}$`).exec(key);
  if (!match) throw new AppError('stripe_key_invalid', { field, reason: 'format' });
  if (match[2] !== mode) {
    throw new AppError('stripe_key_invalid', { field, reason: 'mode', expected_mode: mode });
  }
}

export async function putGatewaySettings(
  ctx: Ctx,
  input: GatewaySettingsPut,
): Promise<GatewaySettingsView> {
  requirePermission(ctx, 'tenant:manage');
  if (input.gateway === 'sandbox' && ctx.tenant.mode !== 'sandbox') {
    throw new AppError('sandbox_only');
  }
  if (input.stripe_secret_key !== undefined) {
    checkKey(ctx, input.stripe_secret_key, 'sk|rk', 'stripe_secret_key');
  }
  if (input.stripe_publishable_key) {
    checkKey(ctx, input.stripe_publishable_key, 'pk', 'stripe_publishable_key');
  }
  // Sealed before the transaction: the first use may create the installation's key.
  const sealed =
    input.stripe_secret_key === undefined
      ? undefined
      : await sealSecret(ctx.db, ctx.tenant.id, input.stripe_secret_key);
  return ctx.db.tx(async (tx) => {
    const current = await tx.maybeOne<SettingsRow>(
      `SELECT ${SETTINGS_COLUMNS} FROM gateway_settings WHERE tenant_id = $1 FOR NO KEY UPDATE`,
      [ctx.tenant.id],
    );
    const secret = sealed ?? current?.stripe_secret_key_enc ?? null;
    if (input.gateway === 'stripe' && !secret) {
      throw new AppError('stripe_key_invalid', { field: 'stripe_secret_key', reason: 'missing' });
    }
    const row = await tx.one<SettingsRow>(
      `INSERT INTO gateway_settings (tenant_id, gateway, stripe_secret_key_enc,
         stripe_secret_key_last4, stripe_publishable_key, sandbox_latency_ms,
         portal_method_kinds, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $8, $7)
       ON CONFLICT (tenant_id) DO UPDATE SET gateway = $2, stripe_secret_key_enc = $3,
         stripe_secret_key_last4 = $4, stripe_publishable_key = $5, sandbox_latency_ms = $6,
         portal_method_kinds = $8, updated_at = $7
       RETURNING ${SETTINGS_COLUMNS}`,
      [
        ctx.tenant.id,
        input.gateway,
        secret,
        input.stripe_secret_key?.slice(-4) ?? current?.stripe_secret_key_last4 ?? null,
        input.stripe_publishable_key === undefined
          ? (current?.stripe_publishable_key ?? null)
          : input.stripe_publishable_key,
        input.sandbox_latency_ms ?? current?.sandbox_latency_ms ?? defaultSandboxLatencyMs(),
        tenantNow(ctx),
        orderedKinds(input.portal_method_kinds ?? current?.portal_method_kinds ?? METHOD_KINDS),
      ],
    );
    const before = view(ctx, current ?? null);
    const after = view(ctx, row);
    await recordChange(tx, ctx, {
      action: 'gateway_settings.updated',
      objectType: 'tenant',
      objectId: ctx.tenant.id,
      before,
      after,
    });
    return after;
  });
}

/** The kinds of payment method contacts may add in the portal, and the tenant's gateway. */
export async function portalMethodSettings(ctx: Ctx): Promise<{
  gateway: GatewayName | null;
  kinds: MethodKind[];
}> {
  const row = await loadSettings(ctx);
  return {
    gateway: row?.gateway ?? (ctx.tenant.mode === 'sandbox' ? 'sandbox' : null),
    kinds: orderedKinds(row?.portal_method_kinds ?? METHOD_KINDS),
  };
}
