/**
 * A gateway charge in three steps, so that a crash or a timeout never charges twice (E11):
 * 1. reserve (tx1): the payment row 'pending' with attempted_at and its applications, which
 *    reserve the invoices' balances;
 * 2. charge: the gateway call, outside any transaction, with idempotency key = payment id;
 * 3. record (tx2): the result. A payment left pending with attempted_at and no charge id is
 *    reconciled (reconcile.ts) by asking the gateway again with the same key.
 */
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import {
  type ChargeResult,
  type Gateway,
  type GatewayName,
  isGatewayError,
} from '../../gateways/index.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, tenantNow } from '../context.js';
import { gatewayNamed } from '../methods/gateway.js';
import type { MethodRow } from '../methods/store.js';
import type { Allocation, PaymentRow, PaymentSource, PaymentView } from './model.js';
import { findPaymentRow, paymentView } from './queries.js';
import { queueReceipt } from './receipts.js';

export interface NewPayment {
  customerId: string;
  methodType: PaymentRow['method_type'];
  paymentMethodId: string | null;
  gateway: GatewayName | null;
  reference: string | null;
  amount: number;
  status: 'scheduled' | 'pending' | 'succeeded';
  source: PaymentSource;
  prepayment: boolean;
  scheduledFor?: string | null;
  plannedAllocations?: Allocation[] | null;
  autopayRuleId?: string | null | undefined;
  paymentRunId?: string | null | undefined;
  autopayInvoiceId?: string | null | undefined;
  retryOf?: string | null | undefined;
}

export async function insertPayment(tx: Tx, ctx: Ctx, p: NewPayment): Promise<PaymentRow> {
  const now = tenantNow(ctx);
  return tx.one<PaymentRow>(
    `INSERT INTO payments (id, tenant_id, customer_id, method_type, payment_method_id, gateway,
       reference, amount, status, source, prepayment, scheduled_for, planned_allocations,
       autopay_rule_id, payment_run_id, autopay_invoice_id, retry_of, attempted_at, settled_at,
       created_by, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
       $20, $21, $21)
     RETURNING *`,
    [
      newId('payment'),
      ctx.tenant.id,
      p.customerId,
      p.methodType,
      p.paymentMethodId,
      p.gateway,
      p.reference,
      p.amount,
      p.status,
      p.source,
      p.prepayment,
      p.scheduledFor ?? null,
      p.plannedAllocations ? JSON.stringify(p.plannedAllocations) : null,
      p.autopayRuleId ?? null,
      p.paymentRunId ?? null,
      p.autopayInvoiceId ?? null,
      p.retryOf ?? null,
      p.status === 'scheduled' ? null : now,
      p.status === 'succeeded' ? now : null,
      ctx.actor.id,
      now,
    ],
  );
}

/** Application rows (never updated): positive for payments, negative for refunds. */
export async function insertApplications(
  tx: Tx,
  ctx: Ctx,
  paymentId: string,
  allocations: Allocation[],
  kind: 'payment' | 'refund' = 'payment',
): Promise<void> {
  const now = tenantNow(ctx);
  for (const a of allocations) {
    if (a.amount === 0) continue;
    await tx.query(
      `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, kind, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [newId('paymentApplication'), ctx.tenant.id, paymentId, a.invoice_id, a.amount, kind, now],
    );
  }
}

/** What the gateway said, or that it could not be reached (the payment stays pending). */
export type ChargeOutcome = ChargeResult | { status: 'unknown'; message: string };

/** Step 2: the gateway call (never inside a transaction). */
export async function chargeAtGateway(
  ctx: Ctx,
  row: PaymentRow,
  method: Pick<MethodRow, 'gateway' | 'gateway_customer_id' | 'gateway_method_id' | 'kind'>,
  gateway?: Gateway,
): Promise<ChargeOutcome> {
  try {
    const gw = gateway ?? (await gatewayNamed(ctx, method.gateway));
    return await gw.charge({
      gatewayCustomerId: method.gateway_customer_id,
      gatewayMethodId: method.gateway_method_id,
      kind: method.kind,
      amount: row.amount,
      currency: 'USD',
      idempotencyKey: row.id,
      description: `Billow payment ${row.id}`,
      metadata: { billow_payment_id: row.id, billow_tenant_id: ctx.tenant.id },
    });
  } catch (err) {
    // Unreachable or timing out: the charge may or may not exist; reconcile asks again.
    if (isGatewayError(err) && err.code === 'unavailable') {
      return { status: 'unknown', message: err.message };
    }
    if (isGatewayError(err)) {
      return {
        status: 'failed',
        gatewayChargeId: null,
        declineCode: 'processing_error',
        message: err.message,
      };
    }
    return { status: 'unknown', message: err instanceof Error ? err.message : String(err) };
  }
}

/** Step 3 (tx2): records the gateway's answer on a still-pending payment; safe to repeat. */
export async function recordChargeResult(
  ctx: Ctx,
  paymentId: string,
  result: ChargeOutcome,
): Promise<PaymentView> {
  return ctx.db.tx(async (tx) => {
    const before = await findPaymentRow(tx, ctx.tenant.id, paymentId, 'FOR NO KEY UPDATE');
    if (result.status === 'unknown' || before.status !== 'pending' || before.gateway_charge_id) {
      return paymentView(tx, before);
    }
    const now = tenantNow(ctx);
    let after: PaymentRow;
    if (result.status === 'succeeded') {
      after = await tx.one<PaymentRow>(
        `UPDATE payments SET status = 'succeeded', gateway_charge_id = $2, settled_at = $3, updated_at = $3
          WHERE id = $1 RETURNING *`,
        [paymentId, result.gatewayChargeId, now],
      );
      await queueReceipt(tx, ctx, after);
    } else if (result.status === 'pending') {
      after = await tx.one<PaymentRow>(
        `UPDATE payments SET gateway_charge_id = $2, expected_settlement_date = $3, updated_at = $4
          WHERE id = $1 RETURNING *`,
        [paymentId, result.gatewayChargeId, result.expectedSettlementDate, now],
      );
    } else {
      after = await tx.one<PaymentRow>(
        `UPDATE payments SET status = 'failed', gateway_charge_id = $2, decline_code = $3,
                failure_message = $4, failed_at = $5, updated_at = $5
          WHERE id = $1 RETURNING *`,
        [paymentId, result.gatewayChargeId, result.declineCode, result.message, now],
      );
    }
    const view = await paymentView(tx, after);
    await recordChange(tx, ctx, {
      action: `payment.${after.status === 'pending' ? 'initiated' : after.status}`,
      objectType: 'payment',
      objectId: paymentId,
      before: { status: before.status },
      after: view,
    });
    return view;
  });
}
