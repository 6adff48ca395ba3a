/**
 * Payments (E1–E3, E6, E11): the use cases. A gateway charge is made in three steps (record.ts):
 * reserve (tx1), call the gateway (no transaction), record the result (tx2).
 */
import { AppError } from '../../core/errors.js';
import type { Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { invoiceBalances, lockInvoices, RESERVING_SQL } from '../books/service.js';
import { type Ctx, requirePermission } from '../context.js';
import { type MethodRow, usableMethodFor } from '../methods/service.js';
import { allocate, checkAllocations, oldestFirst } from './allocate.js';
import type {
  AdjustedScheduled,
  Allocation,
  ExternalPaymentCreate,
  PaymentCreate,
  PaymentRow,
  PaymentSource,
  PaymentView,
} from './model.js';
import { findPaymentRow, paymentView } from './queries.js';
import { queueReceipt } from './receipts.js';
import {
  chargeAtGateway,
  insertApplications,
  insertPayment,
  recordChargeResult,
} from './record.js';
import { adjustScheduled, checkFutureDate, startScheduled } from './scheduled.js';

export { availableOn as availableToPay } from '../books/service.js';
export { type AutopayCharge, collectMany } from './batch.js';
export { claimAutomaticRetry, isHardDecline, stopAutomaticRetries } from './failures.js';

export {
  type LastPayment,
  lastPaymentOf,
  lastSucceededPaymentSql,
  lastUsedMethodId,
  listPaymentSummaries,
  listPayments,
  type PaymentSummary,
} from './history.js';
export type { PaymentView } from './model.js';
export { payMethodsOf } from './options.js';
export { checkPayableAllocations, payDate, previewLines, previewPayment } from './preview.js';
export { findPaymentRow, paymentViews } from './queries.js';
export { noticeRecipients } from './receipts.js';
export { adjustScheduled, scheduledCover, scheduledReducedBy } from './scheduled.js';
export { invoiceSummary } from './summary.js';

export interface CollectInput {
  customerId: string;
  paymentMethodId: string;
  amount: number;
  allocations: { invoice_id: string; amount: number }[];
  source: 'manual' | 'scheduled' | 'autopay' | 'payment_run' | 'retry';
  autopayRuleId?: string;
  paymentRunId?: string;
  autopayInvoiceId?: string;
  retryOf?: string;
  /** Keep what is not allocated as an unapplied payment (otherwise refused). */
  prepayment?: boolean;
  /** An automatic retry (its failure uses up one of the schedule's retries). */
  automaticRetry?: boolean;
}

export async function assertCustomer(tx: Tx, ctx: Ctx, customerId: string): Promise<void> {
  const row = await tx.maybeOne('SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2', [
    ctx.tenant.id,
    customerId,
  ]);
  if (!row) throw new AppError('customer_not_found', { id: customerId });
}

/**
 * Locks the invoices a payment may take from (the given ones, or all the customer's posted
 * ones) and allocates against what is available under the lock.
 */
async function allocateLocked(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  amount: number,
  given: Allocation[] | undefined,
  prepayment: boolean,
) {
  const ids = given
    ? given.map((a) => a.invoice_id)
    : (
        await tx.query<{ id: string }>(
          `SELECT id FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND status = 'posted'`,
          [ctx.tenant.id, customerId],
        )
      ).map((r) => r.id);
  await lockInvoices(tx, ctx.tenant.id, ids);
  const balances = await invoiceBalances(tx, ctx.tenant.id, ids);
  try {
    return allocate({ given, balances, customerId, amount, prepayment });
  } catch (err) {
    // Not when the allocations merely add up to more than the payment (details.allocated).
    if (
      err instanceof AppError &&
      err.code === 'amount_exceeds_balance' &&
      !err.details?.allocated
    ) {
      await refuseForPendingDebits(tx, ctx, given ? given.map((a) => a.invoice_id) : ids);
    }
    throw err;
  }
}

/**
 * A payment that does not fit because a payment in flight (a pending bank debit) holds part of
 * the invoices' balance is refused with a code that names those debits, so the payer learns the
 * money is on its way rather than that nothing is open.
 */
async function refuseForPendingDebits(tx: Tx, ctx: Ctx, invoiceIds: string[]): Promise<void> {
  const pending = await tx.query<{
    payment_id: string;
    invoice_id: string;
    amount: number;
    expected_settlement_date: string | null;
  }>(
    `SELECT p.id AS payment_id, pa.invoice_id, pa.amount, p.expected_settlement_date
       FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
      WHERE pa.tenant_id = $1 AND pa.invoice_id = ANY ($2::text[]) AND p.status IN ${RESERVING_SQL}
      ORDER BY p.id, pa.invoice_id`,
    [ctx.tenant.id, invoiceIds],
  );
  if (pending.length === 0) return;
  throw new AppError('invoice_payment_pending', {
    pending_amount: pending.reduce((s, p) => s + p.amount, 0),
    pending,
  });
}

interface Reserved {
  row: PaymentRow;
  method: MethodRow;
  adjusted: AdjustedScheduled[];
}

/** tx1 alone (exported for the crash tests; collectPayment is the use case). */
export async function reservePayment(
  ctx: Ctx,
  input: CollectInput & { given?: Allocation[] },
): Promise<Reserved> {
  return ctx.db.tx(async (tx) => {
    await assertCustomer(tx, ctx, input.customerId);
    const method = await usableMethodFor(
      tx,
      ctx,
      input.customerId,
      input.paymentMethodId,
      'FOR SHARE',
    );
    const { allocations } = await allocateLocked(
      tx,
      ctx,
      input.customerId,
      input.amount,
      input.given,
      input.prepayment ?? false,
    );
    const row = await insertPayment(tx, ctx, {
      customerId: input.customerId,
      methodType: method.kind,
      paymentMethodId: method.id,
      gateway: method.gateway,
      reference: null,
      amount: input.amount,
      status: 'pending',
      source: input.source,
      prepayment: input.prepayment ?? false,
      autopayRuleId: input.autopayRuleId,
      paymentRunId: input.paymentRunId,
      autopayInvoiceId: input.autopayInvoiceId,
      retryOf: input.retryOf,
    });
    await insertApplications(tx, ctx, row.id, allocations);
    const adjusted = await adjustScheduled(tx, ctx, input.customerId);
    await recordChange(tx, ctx, {
      action: 'payment.created',
      objectType: 'payment',
      objectId: row.id,
      after: { ...(await paymentView(tx, row)), adjusted_scheduled: adjusted },
    });
    return { row, method, adjusted };
  });
}

/** Reserves, charges and records one gateway payment; returns it in its resulting state. */
export async function collectPayment(ctx: Ctx, input: CollectInput): Promise<PaymentView> {
  return (await collect(ctx, input)).payment;
}

async function collect(
  ctx: Ctx,
  input: CollectInput,
): Promise<{ payment: PaymentView; adjusted: AdjustedScheduled[] }> {
  const given = input.allocations.length > 0 ? input.allocations : undefined;
  const { row, method, adjusted } = await reservePayment(ctx, {
    ...input,
    ...(given && { given }),
  });
  const result = await chargeAtGateway(ctx, row, method);
  return {
    payment: await recordChargeResult(ctx, row.id, result, input.automaticRetry ?? false),
    adjusted,
  };
}

export type PaymentResponse = PaymentView & { adjusted_scheduled: AdjustedScheduled[] };

/**
 * POST /payments: pay now, or schedule for a future business date. A declined payment emails
 * the billing contacts why, in the transaction that records it; it is not retried automatically
 * (failures.ts).
 */
export async function createPayment(ctx: Ctx, input: PaymentCreate): Promise<PaymentResponse> {
  requirePermission(ctx, 'billing:write');
  if (input.scheduled_for !== undefined) {
    return { ...(await schedulePayment(ctx, input)), adjusted_scheduled: [] };
  }
  const { payment, adjusted } = await collect(ctx, {
    customerId: input.customer_id,
    paymentMethodId: input.payment_method_id,
    amount: input.amount,
    allocations: input.allocations ?? [],
    source: 'manual',
    prepayment: input.prepayment ?? false,
  });
  return { ...payment, adjusted_scheduled: adjusted };
}

async function schedulePayment(ctx: Ctx, input: PaymentCreate): Promise<PaymentView> {
  checkFutureDate(ctx, input.scheduled_for as string);
  return ctx.db.tx(async (tx) => {
    await assertCustomer(tx, ctx, input.customer_id);
    const method = await usableMethodFor(
      tx,
      ctx,
      input.customer_id,
      input.payment_method_id,
      'FOR SHARE',
    );
    const { allocations } = await allocateLocked(
      tx,
      ctx,
      input.customer_id,
      input.amount,
      input.allocations,
      input.prepayment ?? false,
    );
    const row = await insertPayment(tx, ctx, {
      customerId: input.customer_id,
      methodType: method.kind,
      paymentMethodId: method.id,
      gateway: method.gateway,
      reference: null,
      amount: input.amount,
      status: 'scheduled',
      source: 'scheduled',
      prepayment: input.prepayment ?? false,
      scheduledFor: input.scheduled_for ?? null,
      plannedAllocations: allocations,
    });
    const view = await paymentView(tx, row);
    await recordChange(tx, ctx, {
      action: 'payment.scheduled',
      objectType: 'payment',
      objectId: row.id,
      after: view,
    });
    return view;
  });
}

/**
 * Runs one due scheduled payment (re-allocated on its date); null when not due or gone. A
 * failure (declined, or the method no longer usable) emails the billing contacts why, in the
 * transaction that records it. It is not retried automatically: the payer authorised one charge
 * on the date they chose (see failures.ts); staff can retry it from the failed-payments list.
 */
export async function runScheduledPayment(ctx: Ctx, id: string): Promise<PaymentView | null> {
  const started = await startScheduled(ctx, id);
  if (!started) return null;
  return started.kind === 'done'
    ? started.view
    : recordChargeResult(ctx, id, await chargeAtGateway(ctx, started.row, started.method));
}

/** POST /payments/external (E6): a check, wire or cash payment recorded by staff. */
export async function createExternalPayment(
  ctx: Ctx,
  input: ExternalPaymentCreate,
): Promise<PaymentResponse> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    await assertCustomer(tx, ctx, input.customer_id);
    const { allocations } = await allocateLocked(
      tx,
      ctx,
      input.customer_id,
      input.amount,
      input.allocations,
      input.prepayment ?? false,
    );
    const row = await insertPayment(tx, ctx, {
      customerId: input.customer_id,
      methodType: input.method,
      paymentMethodId: null,
      gateway: null,
      reference: input.reference ?? null,
      amount: input.amount,
      status: 'succeeded',
      source: 'external' as PaymentSource,
      prepayment: input.prepayment ?? false,
    });
    await insertApplications(tx, ctx, row.id, allocations);
    const adjusted = await adjustScheduled(tx, ctx, input.customer_id);
    const view = await paymentView(tx, row);
    await recordChange(tx, ctx, {
      action: 'payment.succeeded',
      objectType: 'payment',
      objectId: row.id,
      after: { ...view, received_on: input.received_on ?? null, adjusted_scheduled: adjusted },
    });
    await queueReceipt(tx, ctx, row);
    return { ...view, adjusted_scheduled: adjusted };
  });
}

/** POST /payments/{id}/apply (H2): applies an unapplied remainder to open invoices. */
export async function applyPayment(
  ctx: Ctx,
  id: string,
  given: Allocation[] | undefined,
): Promise<PaymentResponse> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const peek = await findPaymentRow(tx, ctx.tenant.id, id);
    const before = await paymentView(tx, peek);
    const ids = given
      ? given.map((a) => a.invoice_id)
      : (
          await tx.query<{ id: string }>(
            `SELECT id FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND status = 'posted'`,
            [ctx.tenant.id, peek.customer_id],
          )
        ).map((r) => r.id);
    await lockInvoices(tx, ctx.tenant.id, ids);
    const row = await findPaymentRow(tx, ctx.tenant.id, id, 'FOR NO KEY UPDATE');
    const current = await paymentView(tx, row);
    if (current.unapplied <= 0) {
      throw new AppError('payment_nothing_unapplied', { id, unapplied: current.unapplied });
    }
    const balances = await invoiceBalances(tx, ctx.tenant.id, ids);
    const { allocations } = given
      ? checkAllocations(given, balances, row.customer_id, current.unapplied)
      : oldestFirst(
          balances.filter((b) => b.status === 'posted' && b.customer_id === row.customer_id),
          current.unapplied,
        );
    if (allocations.length === 0) {
      throw new AppError('payment_nothing_unapplied', { id, reason: 'no open invoice' });
    }
    await insertApplications(tx, ctx, id, allocations);
    const adjusted = await adjustScheduled(tx, ctx, row.customer_id);
    const after = await paymentView(tx, row);
    await recordChange(tx, ctx, {
      action: 'payment.applied',
      objectType: 'payment',
      objectId: id,
      before: { applications: before.applications, unapplied: before.unapplied },
      after,
    });
    return { ...after, adjusted_scheduled: adjusted };
  });
}
