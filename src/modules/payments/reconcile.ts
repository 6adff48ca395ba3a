/**
 * Crash recovery (E11): a payment left 'pending' with attempted_at but no gateway answer (the
 * process died between the gateway call and tx2, or the gateway timed out) is charged again with
 * the same idempotency key — the gateway answers with the first charge if there was one — and
 * the answer is recorded, a decline with its follow-up (failures.ts). Refunds left pending are finished the same way. Run by the worker's
 * sweep and when it starts.
 */
import { isGatewayError } from '../../gateways/index.js';
import { type Ctx, tenantNow } from '../context.js';
import { findMethodRow, gatewayNamed } from '../methods/service.js';
import type { PaymentRow } from './model.js';
import { chargeAtGateway, recordChargeResult } from './record.js';
import { recordRefundResult } from './refunds.js';

/** Payments younger than this may still be in their own request: leave them alone. */
export const RECONCILE_AFTER_MS = 2 * 60_000;

export async function reconcilePending(
  ctx: Ctx,
  options: { olderThanMs?: number } = {},
): Promise<string[]> {
  const before = new Date(tenantNow(ctx).getTime() - (options.olderThanMs ?? RECONCILE_AFTER_MS));
  const rows = await ctx.db.query<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND status = 'pending' AND gateway_charge_id IS NULL
        AND payment_method_id IS NOT NULL AND attempted_at <= $2 ORDER BY id`,
    [ctx.tenant.id, before],
  );
  const done: string[] = [];
  for (const row of rows) {
    const method = await findMethodRow(ctx.db, ctx, row.payment_method_id as string);
    const result = await chargeAtGateway(ctx, row, method);
    // A failure recorded here gets its follow-up (retry date, email) in the recording
    // transaction. An automatic retry is recorded as a manual one would be (the flag died with
    // the process): its chain's count is one lower, and the next date is still the next
    // schedule day after today, so the schedule is not outrun.
    const view = await recordChargeResult(ctx, row.id, result);
    if (view.status !== 'pending' || view.gateway_charge_id) done.push(row.id);
  }
  await reconcileRefunds(ctx, before);
  return done;
}

async function reconcileRefunds(ctx: Ctx, before: Date): Promise<void> {
  const rows = await ctx.db.query<{
    id: string;
    payment_id: string;
    amount: number;
    status: 'pending';
    gateway: 'sandbox' | 'stripe';
    gateway_charge_id: string;
  }>(
    `SELECT r.id, r.payment_id, r.amount, r.status, p.gateway, p.gateway_charge_id
       FROM refunds r JOIN payments p ON p.id = r.payment_id
      WHERE r.tenant_id = $1 AND r.status = 'pending' AND r.created_at <= $2
        AND p.gateway_charge_id IS NOT NULL ORDER BY r.id`,
    [ctx.tenant.id, before],
  );
  for (const r of rows) {
    try {
      const gw = await gatewayNamed(ctx, r.gateway);
      const result = await gw.refund({
        gatewayChargeId: r.gateway_charge_id,
        amount: r.amount,
        currency: 'USD',
        idempotencyKey: r.id,
      });
      await recordRefundResult(ctx, r, result).catch(() => undefined);
    } catch (err) {
      if (!isGatewayError(err)) throw err;
    }
  }
}
