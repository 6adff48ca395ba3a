/**
 * The sandbox's "bank statement": the two micro-deposit amounts sent to a sandbox bank account,
 * readable by the tenant (like Stripe test mode shows them), so that tests and demos can verify.
 */
import type { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { SandboxGateway } from '../../gateways/index.js';
import { assertSandboxTenant } from '../../gateways/sandbox/tokens.js';
import { type Ctx, requirePermission } from '../context.js';
import { callGateway, gatewayNamed } from './gateway.js';
import type { MicroDepositsView } from './model.js';
import { findLiveMethod } from './store.js';

export async function sandboxMicroDeposits(
  ctx: Ctx,
  id: string,
): Promise<z.infer<typeof MicroDepositsView>> {
  requirePermission(ctx, 'billing:read');
  assertSandboxTenant(ctx);
  const row = await findLiveMethod(ctx.db, ctx, id);
  if (row.kind !== 'bank_account') throw new AppError('verification_not_needed', { id });
  if (row.gateway !== 'sandbox') throw new AppError('sandbox_only', { id, gateway: row.gateway });
  const gateway = await gatewayNamed(ctx, 'sandbox');
  if (!(gateway instanceof SandboxGateway)) throw new AppError('sandbox_only');
  const deposits = await callGateway(() => gateway.microDeposits(row.gateway_method_id));
  if (!deposits) throw new AppError('verification_not_needed', { id, reason: 'no deposits sent' });
  return {
    payment_method_id: id,
    amounts: deposits.amounts,
    currency: 'USD',
    sent_at: deposits.sentAt.toISOString(),
    returned: deposits.failed,
  };
}
