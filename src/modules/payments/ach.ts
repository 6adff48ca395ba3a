/**
 * Bank debits after the charge (E4): they come back 'pending' and settle after business days on
 * the tenant clock, or come back returned (R01, R10 …) — even after settling. A return marks
 * the payment returned: its applications stop counting (the invoices reopen) and the customer
 * is told. The sandbox tells us in the clock's transaction (like a gateway webhook); the sweep
 * asks any gateway with fetchStatus.
 */

import type { Tx } from '../../db/db.js';
import { ACH_RETURN_CODES } from '../../gateways/codes.js';
import type { ChargeUpdate } from '../../gateways/sandbox/clock.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, tenantNow, tenantToday } from '../context.js';
import { gatewayNamed } from '../methods/service.js';
import type { PaymentRow } from './model.js';
import { paymentView } from './queries.js';
import { queueReceipt, queueReturnNotice } from './receipts.js';

/** Applies a settlement or a return the gateway reported for one of its charges. */
export async function applyChargeUpdate(
  tx: Tx,
  ctx: Ctx,
  gatewayChargeId: string,
  status: 'succeeded' | 'returned',
  returnCode: string | null,
): Promise<PaymentRow | undefined> {
  const row = await tx.maybeOne<PaymentRow>(
    'SELECT * FROM payments WHERE tenant_id = $1 AND gateway_charge_id = $2 FOR NO KEY UPDATE',
    [ctx.tenant.id, gatewayChargeId],
  );
  if (!row) return undefined;
  const now = tenantNow(ctx);
  let after: PaymentRow;
  if (status === 'succeeded') {
    if (row.status !== 'pending') return row;
    after = await tx.one<PaymentRow>(
      `UPDATE payments SET status = 'succeeded', settled_at = $2, updated_at = $2 WHERE id = $1 RETURNING *`,
      [row.id, now],
    );
    await queueReceipt(tx, ctx, after);
  } else {
    if (row.status !== 'pending' && row.status !== 'succeeded') return row;
    const meaning = returnCode ? ACH_RETURN_CODES[returnCode] : undefined;
    after = await tx.one<PaymentRow>(
      `UPDATE payments SET status = 'returned', return_code = $2, returned_at = $3, updated_at = $3,
              decline_code = $4, failure_message = $5 WHERE id = $1 RETURNING *`,
      [
        row.id,
        returnCode,
        now,
        meaning?.decline ?? 'processing_error',
        meaning?.meaning ?? 'The bank returned the debit.',
      ],
    );
    await queueReturnNotice(tx, ctx, after);
  }
  await recordChange(tx, ctx, {
    action: `payment.${after.status}`,
    objectType: 'payment',
    objectId: row.id,
    before: { status: row.status },
    after: await paymentView(tx, after),
  });
  return after;
}

/** A sandbox charge settled or came back: the payment follows (wired in wiring.ts). */
export async function paymentsOnChargeUpdate(
  tx: Tx,
  ctx: Ctx,
  update: ChargeUpdate,
): Promise<void> {
  await applyChargeUpdate(tx, ctx, update.gatewayChargeId, update.status, update.returnCode);
}

/** How long after settling a bank debit may still come back (R10 is late). */
export const RETURN_WINDOW_DAYS = 10;

/**
 * Asks the gateway about pending debits due to settle and recently settled ones; records what
 * changed. Returns the number of payments that changed.
 */
export async function checkSettlements(ctx: Ctx): Promise<number> {
  const today = tenantToday(ctx);
  const rows = await ctx.db.query<PaymentRow>(
    `SELECT * FROM payments WHERE tenant_id = $1 AND gateway_charge_id IS NOT NULL AND (
        (status = 'pending' AND (expected_settlement_date IS NULL OR expected_settlement_date <= $2))
        OR (status = 'succeeded' AND method_type = 'bank_account' AND settled_at >= $3))
      ORDER BY id`,
    [ctx.tenant.id, today, new Date(tenantNow(ctx).getTime() - RETURN_WINDOW_DAYS * 86_400_000)],
  );
  let changed = 0;
  for (const row of rows) {
    const gw = await gatewayNamed(ctx, row.gateway ?? 'sandbox');
    const status = await gw.fetchStatus({ gatewayChargeId: row.gateway_charge_id as string });
    const s = status.status;
    if (s === 'pending' || (s === 'succeeded' && row.status === 'succeeded')) continue;
    // A debit refused after acceptance ('failed') is a return without a code.
    const update = s === 'succeeded' ? 'succeeded' : 'returned';
    await ctx.db.tx((tx) =>
      applyChargeUpdate(tx, ctx, status.gatewayChargeId, update, status.returnCode),
    );
    changed += 1;
  }
  return changed;
}
