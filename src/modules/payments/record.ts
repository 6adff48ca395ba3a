/**
 * A gateway charge in three steps, so that a crash or a timeout never charges twice (E11):
 * 1. reserve (tx1): the payment row 'pending' with attempted_at and its applications, which
 *    reserve the invoices' balances;
 * 2. charge: the gateway call, outside any transaction, with idempotency key = payment id;
 * 3. record (tx2): the result. A payment left pending with attempted_at and no charge id is
 *    reconciled (reconcile.ts) by asking the gateway again with the same key.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import {
  type ChargeResult,
  type Gateway,
  type GatewayName,
  isGatewayError,
} from '../../gateways/index.js';
import { recordMany } from '../audit/service.js';
import { type Ctx, tenantNow } from '../context.js';
import type { MethodRow } from '../methods/service.js';
import { gatewayNamed } from '../methods/service.js';
import { followUpFailure } from './failures.js';
import type { Allocation, PaymentRow, PaymentSource, PaymentView } from './model.js';
import { paymentViews } from './queries.js';
import { queueReceipts } from './receipts.js';

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
  return (await insertPayments(tx, ctx, [p]))[0] as PaymentRow;
}

/** Inserts payments with one statement; rows come back in the order given. */
export async function insertPayments(tx: Tx, ctx: Ctx, ps: NewPayment[]): Promise<PaymentRow[]> {
  if (ps.length === 0) return [];
  const now = tenantNow(ctx);
  const col = <T>(f: (p: NewPayment) => T) => ps.map(f);
  const ids = col(() => newId('payment'));
  const rows = await tx.query<PaymentRow>(
    `INSERT INTO payments (id, tenant_id, customer_id, method_type, payment_method_id, gateway,
       reference, amount, status, source, prepayment, scheduled_for, planned_allocations,
       autopay_rule_id, payment_run_id, autopay_invoice_id, retry_of, attempted_at, settled_at,
       created_by, created_at, updated_at)
     SELECT id, $1, customer_id, method_type, payment_method_id, gateway, reference, amount, status,
            source, prepayment, scheduled_for, planned_allocations::jsonb, autopay_rule_id,
            payment_run_id, autopay_invoice_id, retry_of,
            CASE WHEN status = 'scheduled' THEN NULL ELSE $2::timestamptz END,
            CASE WHEN status = 'succeeded' THEN $2::timestamptz END, $3, $2, $2
       FROM unnest($4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
                   $10::bigint[], $11::text[], $12::text[], $13::boolean[], $14::date[], $15::text[],
                   $16::text[], $17::text[], $18::text[], $19::text[])
         AS t(id, customer_id, method_type, payment_method_id, gateway, reference, amount, status,
              source, prepayment, scheduled_for, planned_allocations, autopay_rule_id,
              payment_run_id, autopay_invoice_id, retry_of)
     RETURNING *`,
    [
      ctx.tenant.id,
      now,
      ctx.actor.id,
      ids,
      col((p) => p.customerId),
      col((p) => p.methodType),
      col((p) => p.paymentMethodId),
      col((p) => p.gateway),
      col((p) => p.reference),
      col((p) => p.amount),
      col((p) => p.status),
      col((p) => p.source),
      col((p) => p.prepayment),
      col((p) => p.scheduledFor ?? null),
      col((p) => (p.plannedAllocations ? JSON.stringify(p.plannedAllocations) : null)),
      col((p) => p.autopayRuleId ?? null),
      col((p) => p.paymentRunId ?? null),
      col((p) => p.autopayInvoiceId ?? null),
      col((p) => p.retryOf ?? null),
    ],
  );
  // Nothing promises RETURNING follows the input order: put the rows back in the order given.
  const order = new Map(ids.map((id, i) => [id, i]));
  return [...rows].sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
}

export interface ApplicationInsert {
  paymentId: string;
  invoiceId: string;
  /** Positive for payments, negative for refunds; zero is skipped. */
  amount: number;
  kind?: 'payment' | 'refund';
  /** For a refund's rows: the refund they belong to. */
  refundId?: string | null;
}

/** Application rows (never updated): positive for payments, negative for refunds. */
export async function insertApplications(
  tx: Tx,
  ctx: Ctx,
  paymentId: string,
  allocations: Allocation[],
  kind: 'payment' | 'refund' = 'payment',
  refundId: string | null = null,
): Promise<void> {
  await insertApplicationRows(
    tx,
    ctx,
    allocations.map((a) => ({
      paymentId,
      invoiceId: a.invoice_id,
      amount: a.amount,
      kind,
      refundId,
    })),
  );
}

/** Many payments' applications with one statement. */
export async function insertApplicationRows(
  tx: Tx,
  ctx: Ctx,
  rows: ApplicationInsert[],
): Promise<void> {
  const live = rows.filter((r) => r.amount !== 0);
  if (live.length === 0) return;
  await tx.query(
    `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, kind,
                                      refund_id, created_at)
     SELECT id, $1, payment_id, invoice_id, amount, kind, refund_id, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::text[])
         AS t(id, payment_id, invoice_id, amount, kind, refund_id)`,
    [
      ctx.tenant.id,
      tenantNow(ctx),
      live.map(() => newId('paymentApplication')),
      live.map((r) => r.paymentId),
      live.map((r) => r.invoiceId),
      live.map((r) => r.amount),
      live.map((r) => r.kind ?? 'payment'),
      live.map((r) => r.refundId ?? null),
    ],
  );
}

/** What the gateway said, or that it could not be reached (the payment stays pending). */
export type GatewayAnswer = ChargeResult | { status: 'unknown'; message: string };

/** Step 2: the gateway call (never inside a transaction). */
export async function chargeAtGateway(
  ctx: Ctx,
  row: PaymentRow,
  method: Pick<MethodRow, 'gateway' | 'gateway_customer_id' | 'gateway_method_id' | 'kind'>,
  gateway?: Gateway,
): Promise<GatewayAnswer> {
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
  result: GatewayAnswer,
  automaticRetry = false,
): Promise<PaymentView> {
  return (
    await recordChargeResults(ctx, [{ paymentId, result, automaticRetry }])
  )[0] as PaymentView;
}

export interface ChargeAnswer {
  paymentId: string;
  result: GatewayAnswer;
  /** The charge is an automatic retry: a failure uses up one of the schedule's retries. */
  automaticRetry?: boolean;
}

/**
 * Step 3 for many payments in one transaction (a payment-run batch): each still-pending payment
 * without a charge takes its answer; the others, and unknown answers, are left as they are. A
 * payment that fails here gets its follow-up (retry date, failure email: failures.ts) in this same
 * transaction, so a crash keeps both or neither; a payment left pending by a crash gets it when
 * reconcile records its answer. Returns every payment's view, in the order given; `within` runs in
 * the same transaction with those views (the run's items are updated with their payments, all or
 * nothing).
 */
export async function recordChargeResults(
  ctx: Ctx,
  answers: ChargeAnswer[],
  within?: (tx: Tx, views: PaymentView[]) => Promise<void>,
): Promise<PaymentView[]> {
  if (answers.length === 0) return [];
  return ctx.db.tx(async (tx) => {
    const ids = answers.map((a) => a.paymentId);
    const locked = await tx.query<PaymentRow>(
      `SELECT * FROM payments WHERE tenant_id = $1 AND id = ANY ($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
      [ctx.tenant.id, ids],
    );
    const before = new Map(locked.map((r) => [r.id, r]));
    for (const id of ids) if (!before.has(id)) throw new AppError('payment_not_found', { id });
    const todo = answers.filter(({ paymentId, result }) => {
      const row = before.get(paymentId) as PaymentRow;
      return result.status !== 'unknown' && row.status === 'pending' && !row.gateway_charge_id;
    });
    const changed = new Map<string, PaymentRow>();
    if (todo.length > 0) {
      const field = (f: (r: ChargeResult) => string | null) =>
        todo.map((a) => f(a.result as ChargeResult));
      const rows = await tx.query<PaymentRow>(
        `UPDATE payments p
            SET status = t.status,
                gateway_charge_id = t.charge_id,
                settled_at = CASE WHEN t.status = 'succeeded' THEN $2::timestamptz END,
                expected_settlement_date = t.settles_on,
                decline_code = t.decline_code, failure_message = t.message,
                failed_at = CASE WHEN t.status = 'failed' THEN $2::timestamptz END,
                updated_at = $2
           FROM unnest($3::text[], $4::text[], $5::text[], $6::date[], $7::text[], $8::text[])
             AS t(id, status, charge_id, settles_on, decline_code, message)
          WHERE p.tenant_id = $1 AND p.id = t.id
          RETURNING p.*`,
        [
          ctx.tenant.id,
          tenantNow(ctx),
          todo.map((a) => a.paymentId),
          field((r) => r.status),
          field((r) => r.gatewayChargeId),
          field((r) => (r.status === 'pending' ? r.expectedSettlementDate : null)),
          field((r) => (r.status === 'failed' ? r.declineCode : null)),
          field((r) => (r.status === 'failed' ? r.message : null)),
        ],
      );
      for (const r of rows) changed.set(r.id, r);
    }
    const rows = ids.map((id) => changed.get(id) ?? (before.get(id) as PaymentRow));
    const views = await paymentViews(tx, rows);
    const changes = views
      .filter((v) => changed.has(v.id))
      .map((v) => ({
        action: `payment.${v.status === 'pending' ? 'initiated' : v.status}`,
        objectType: 'payment',
        objectId: v.id,
        before: { status: (before.get(v.id) as PaymentRow).status },
        after: v,
      }));
    await recordMany(tx, ctx, changes);
    await queueReceipts(
      tx,
      ctx,
      [...changed.values()].filter((r) => r.status === 'succeeded'),
    );
    const automatic = new Set(answers.filter((a) => a.automaticRetry).map((a) => a.paymentId));
    for (const [i, v] of views.entries()) {
      if (changed.has(v.id) && v.status === 'failed') {
        views[i] = await followUpFailure(tx, ctx, v, automatic.has(v.id));
      }
    }
    if (within) await within(tx, views);
    return views;
  });
}
