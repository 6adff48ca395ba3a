/**
 * Many gateway payments at once (a payment-run batch), in the same three steps as one payment
 * (record.ts), each step set-based:
 * 1. reserve (one transaction): the methods checked and locked, the invoices locked, every
 *    payment and its application written with a few statements; a charge that cannot be made
 *    (method unusable, invoice paid meanwhile) is refused on its own and the others go on;
 * 2. charge: the gateway calls, outside any transaction, at most `concurrency` at once;
 * 3. record (one transaction): every answer, the audit entries, the receipts, and the caller's
 *    own bookkeeping (`within`, the run's items).
 * Crash safety is that of one payment: every reserved payment carries attempted_at and its id as
 * the gateway idempotency key, so charging it again (`resume`, reconcile) answers with the charge
 * already made.
 */
import { type AppError, isAppError } from '../../core/errors.js';
import { mapLimit } from '../../core/limit.js';
import type { Tx } from '../../db/db.js';
import type { Gateway, GatewayName } from '../../gateways/index.js';
import { recordMany } from '../audit/service.js';
import { type InvoiceBalance, invoiceBalances, lockInvoices } from '../books/service.js';
import type { Ctx } from '../context.js';
import { gatewayNamed, type MethodRow, usableMethodsFor } from '../methods/service.js';
import type { AdjustedScheduled, PaymentRow, PaymentView } from './model.js';
import { paymentViews } from './queries.js';
import {
  type ChargeAnswer,
  chargeAtGateway,
  insertApplicationRows,
  insertPayments,
  recordChargeResults,
} from './record.js';
import { adjustScheduled, scheduledCover } from './scheduled.js';

/** One autopay charge for one invoice (a payment run's item). */
export interface AutopayCharge {
  invoiceId: string;
  customerId: string;
  paymentMethodId: string;
  /**
   * The amount, or 'balance': what the invoice has open when it is locked, less what the
   * customer's scheduled payments mean to pay on it (they take precedence over autopay).
   */
  amount: number | 'balance';
  source: 'autopay' | 'payment_run';
  paymentRunId?: string | null;
  autopayRuleId?: string | null;
}

/** Why a charge was not made: an error code and its details (nothing was written for it). */
export interface Refusal {
  code: string;
  details: Record<string, unknown>;
}

/** What became of one invoice charge of a batch: its payment, or why it was not made. */
export type AutopayChargeOutcome =
  | { charge: AutopayCharge; payment: PaymentView }
  | { charge: AutopayCharge; refused: Refusal };

interface Reserved {
  charge: AutopayCharge;
  row: PaymentRow;
  method: MethodRow;
}

const refusal = (err: AppError): Refusal => ({ code: err.code, details: err.details ?? {} });

/** The amount a charge may take from its (locked) invoice, or why it may take nothing. */
function check(
  charge: AutopayCharge,
  inv: InvoiceBalance | undefined,
  live: { id: string; status: string } | undefined,
  scheduled: number,
): number | Refusal {
  if (!inv) return { code: 'invoice_not_found', details: { id: charge.invoiceId } };
  if (inv.status !== 'posted' || inv.customer_id !== charge.customerId) {
    return { code: 'invoice_not_payable', details: { invoice_id: inv.id, status: inv.status } };
  }
  if (live) {
    return {
      code: 'autopay_payment_exists',
      details: { invoice_id: inv.id, payment_id: live.id, status: live.status },
    };
  }
  const amount = charge.amount === 'balance' ? inv.available - scheduled : charge.amount;
  if (charge.amount === 'balance' && inv.available > 0 && amount <= 0) {
    return {
      code: 'scheduled_payment_covers',
      details: { invoice_id: inv.id, available: inv.available, scheduled },
    };
  }
  if (amount <= 0 || amount > inv.available) {
    return {
      code: inv.available === 0 ? 'nothing_due' : 'amount_exceeds_balance',
      details: { invoice_id: inv.id, requested: amount, available: inv.available },
    };
  }
  return amount;
}

/** Step 1 for many charges in one transaction. */
async function reserveMany(
  tx: Tx,
  ctx: Ctx,
  charges: AutopayCharge[],
): Promise<{ reserved: Reserved[]; refused: Map<AutopayCharge, Refusal> }> {
  const refused = new Map<AutopayCharge, Refusal>();
  const methods = await usableMethodsFor(
    tx,
    ctx,
    charges.map((c) => ({ customerId: c.customerId, methodId: c.paymentMethodId })),
    'FOR SHARE',
  );
  const invoiceIds = charges.map((c) => c.invoiceId);
  await lockInvoices(tx, ctx.tenant.id, invoiceIds);
  const balances = new Map(
    (await invoiceBalances(tx, ctx.tenant.id, invoiceIds)).map((b) => [b.id, b]),
  );
  const cover = await scheduledCover(
    tx,
    ctx.tenant.id,
    charges.filter((c) => c.amount === 'balance').map((c) => c.invoiceId),
  );
  // One live autopay charge per invoice (G3; the unique index would fail the whole batch). A
  // charge refunded in part is not live: what its refund reopened is collected like any balance.
  const live = new Map(
    (
      await tx.query<{ id: string; autopay_invoice_id: string; status: string }>(
        `SELECT id, autopay_invoice_id, status FROM payments
          WHERE tenant_id = $1 AND autopay_invoice_id = ANY ($2::text[])
            AND status IN ('scheduled', 'pending', 'succeeded') AND amount_refunded = 0`,
        [ctx.tenant.id, invoiceIds],
      )
    ).map((p) => [p.autopay_invoice_id, p]),
  );
  const accepted: { charge: AutopayCharge; method: MethodRow; amount: number }[] = [];
  charges.forEach((charge, i) => {
    const method = methods[i] as MethodRow | AppError;
    const inv = balances.get(charge.invoiceId);
    const amount = isAppError(method)
      ? refusal(method)
      : check(charge, inv, live.get(charge.invoiceId), cover.get(charge.invoiceId) ?? 0);
    if (typeof amount !== 'number') {
      refused.set(charge, amount);
    } else {
      (inv as InvoiceBalance).available -= amount;
      live.set(charge.invoiceId, {
        id: '',
        autopay_invoice_id: charge.invoiceId,
        status: 'pending',
      });
      accepted.push({ charge, method: method as MethodRow, amount });
    }
  });
  if (accepted.length === 0) return { reserved: [], refused };

  const rows = await insertPayments(
    tx,
    ctx,
    accepted.map(({ charge, method, amount }) => ({
      customerId: charge.customerId,
      methodType: method.kind,
      paymentMethodId: method.id,
      gateway: method.gateway,
      reference: null,
      amount,
      status: 'pending' as const,
      source: charge.source,
      prepayment: false,
      autopayRuleId: charge.autopayRuleId,
      paymentRunId: charge.paymentRunId,
      autopayInvoiceId: charge.invoiceId,
    })),
  );
  await insertApplicationRows(
    tx,
    ctx,
    rows.map((row, i) => ({
      paymentId: row.id,
      invoiceId: (accepted[i] as (typeof accepted)[number]).charge.invoiceId,
      amount: row.amount,
    })),
  );
  // E3: clip the scheduled payments of the customers that have any.
  const adjusted = new Map<string, AdjustedScheduled[]>();
  const withScheduled = await tx.query<{ customer_id: string }>(
    `SELECT DISTINCT customer_id FROM payments
      WHERE tenant_id = $1 AND status = 'scheduled' AND customer_id = ANY ($2::text[])
      ORDER BY customer_id`,
    [ctx.tenant.id, [...new Set(rows.map((r) => r.customer_id))]],
  );
  for (const { customer_id } of withScheduled) {
    adjusted.set(customer_id, await adjustScheduled(tx, ctx, customer_id));
  }
  const views = await paymentViews(tx, rows);
  await recordMany(
    tx,
    ctx,
    views.map((v) => ({
      action: 'payment.created',
      objectType: 'payment',
      objectId: v.id,
      after: { ...v, adjusted_scheduled: adjusted.get(v.customer_id) ?? [] },
    })),
  );
  return {
    reserved: rows.map((row, i) => {
      const a = accepted[i] as (typeof accepted)[number];
      return { charge: a.charge, row, method: a.method };
    }),
    refused,
  };
}

/** The tenant's gateways by name, each built once for the batch. */
function gatewaysOf(ctx: Ctx): (name: GatewayName) => Promise<Gateway | undefined> {
  const built = new Map<GatewayName, Promise<Gateway | undefined>>();
  return (name) => {
    let gw = built.get(name);
    if (!gw) {
      // A gateway that cannot be built is left to chargeAtGateway, which reports it.
      gw = gatewayNamed(ctx, name).catch(() => undefined);
      built.set(name, gw);
    }
    return gw;
  };
}

export interface CollectManyOptions {
  /** Gateway calls in flight at once. */
  concurrency: number;
  /**
   * Payments reserved earlier and never answered (a crash between the charge and the record):
   * charged again with their own idempotency key, so the gateway answers with the first charge.
   */
  resume?: { row: PaymentRow; charge: AutopayCharge }[];
  /** Runs in the recording transaction with every outcome (refusals included). */
  within?: (tx: Tx, outcomes: AutopayChargeOutcome[]) => Promise<void>;
}

/** Reserves, charges and records many invoice charges; one outcome per charge, in order. */
export async function collectMany(
  ctx: Ctx,
  charges: AutopayCharge[],
  options: CollectManyOptions,
): Promise<AutopayChargeOutcome[]> {
  const { reserved, refused } =
    charges.length > 0
      ? await ctx.db.tx((tx) => reserveMany(tx, ctx, charges))
      : { reserved: [], refused: new Map<AutopayCharge, Refusal>() };
  const resume = options.resume ?? [];
  const resumedMethods = new Map(
    resume.length === 0
      ? []
      : (
          await ctx.db.query<MethodRow>(
            'SELECT * FROM payment_methods WHERE tenant_id = $1 AND id = ANY ($2::text[])',
            [ctx.tenant.id, resume.map((r) => r.row.payment_method_id)],
          )
        ).map((m) => [m.id, m]),
  );
  const toCharge: Reserved[] = [
    ...reserved,
    ...resume.flatMap(({ row, charge }) => {
      const method = resumedMethods.get(row.payment_method_id ?? '');
      return method ? [{ charge, row, method }] : [];
    }),
  ];
  const gateway = gatewaysOf(ctx);
  const answers: ChargeAnswer[] = await mapLimit(toCharge, options.concurrency, async (r) => ({
    paymentId: r.row.id,
    result: await chargeAtGateway(ctx, r.row, r.method, await gateway(r.method.gateway)),
  }));
  const paymentOf = new Map<AutopayCharge, PaymentView>();
  const outcomesOf = (views: PaymentView[]): AutopayChargeOutcome[] => {
    views.forEach((v, i) => {
      paymentOf.set((toCharge[i] as Reserved).charge, v);
    });
    const all = [...charges, ...resume.map((r) => r.charge)];
    return all.flatMap((charge): AutopayChargeOutcome[] => {
      const payment = paymentOf.get(charge);
      if (payment) return [{ charge, payment }];
      const no = refused.get(charge);
      return no ? [{ charge, refused: no }] : [];
    });
  };
  let outcomes: AutopayChargeOutcome[] = [];
  const views = await recordChargeResults(ctx, answers, async (tx, views) => {
    outcomes = outcomesOf(views);
    if (options.within) await options.within(tx, outcomes);
  });
  if (answers.length === 0) {
    outcomes = outcomesOf(views);
    if (options.within && outcomes.length > 0) {
      const within = options.within;
      await ctx.db.tx((tx) => within(tx, outcomes));
    }
  }
  return outcomes;
}
