/**
 * One batch of a payment run: for each of its invoices still queued, the method autopay chooses
 * now (first matching rule, else the default of simple autopay), one gateway charge through
 * collectPayment (outside any transaction, a bounded number at once), and the item's result.
 * Safe to run twice: a processed item is skipped, and a charge already made for the item (a
 * crash between the charge and the item's update) is found and recorded instead of repeated;
 * the unique live-autopay-charge index makes a second charge for the invoice impossible anyway.
 */
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { autopayChoices } from '../autopay/store.js';
import { type Ctx, systemCtx, tenantNow } from '../context.js';
import { availableToPay, collectPayment, type PaymentView } from '../payments/service.js';
import { loadTenant } from '../tenants/service.js';
import { afterFailure } from './retries.js';
import { RUN_COLUMNS, type RunRow, runView } from './view.js';

/** Gateway charges in flight at once per batch job. */
export const CHARGE_CONCURRENCY = 8;

/** Runs `fn` over `items` with at most `limit` at once. */
export async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

type ItemStatus = 'succeeded' | 'pending' | 'failed' | 'skipped';

async function recordItem(
  db: Db,
  runId: string,
  invoiceId: string,
  at: Date,
  r: { status: ItemStatus; paymentId?: string; ruleId?: string | null; detail?: string | null },
): Promise<void> {
  await db.query(
    `UPDATE payment_run_items SET status = $3, payment_id = $4, autopay_rule_id = $5, detail = $6,
            processed_at = $7
      WHERE payment_run_id = $1 AND invoice_id = $2 AND status = 'queued'`,
    [runId, invoiceId, r.status, r.paymentId ?? null, r.ruleId ?? null, r.detail ?? null, at],
  );
}

const itemStatus = (p: PaymentView): ItemStatus =>
  p.status === 'succeeded' ? 'succeeded' : p.status === 'failed' ? 'failed' : 'pending';

export async function runCtx(db: Db, clock: Clock, runId: string): Promise<Ctx | null> {
  const run = await db.maybeOne<{ tenant_id: string }>(
    'SELECT tenant_id FROM payment_runs WHERE id = $1',
    [runId],
  );
  const tenant = run && (await loadTenant(db, run.tenant_id));
  return tenant ? systemCtx(db, clock, tenant) : null;
}

export async function processRunBatch(
  db: Db,
  clock: Clock,
  runId: string,
  invoiceIds: string[],
): Promise<void> {
  const ctx = await runCtx(db, clock, runId);
  if (!ctx) return;
  const queued = (
    await db.query<{ invoice_id: string }>(
      `SELECT invoice_id FROM payment_run_items
        WHERE payment_run_id = $1 AND invoice_id = ANY ($2::text[]) AND status = 'queued'`,
      [runId, invoiceIds],
    )
  ).map((r) => r.invoice_id);
  if (queued.length > 0) await chargeItems(ctx, runId, queued);
  await refreshRun(ctx, runId);
}

async function chargeItems(ctx: Ctx, runId: string, invoiceIds: string[]): Promise<void> {
  const db = ctx.db;
  const choices = await autopayChoices(db, ctx, invoiceIds);
  const available = await availableToPay(db, ctx.tenant.id, invoiceIds);
  const earlier = await db.query<{ id: string; autopay_invoice_id: string; status: string }>(
    `SELECT id, autopay_invoice_id, status FROM payments
      WHERE tenant_id = $1 AND payment_run_id = $2 AND autopay_invoice_id = ANY ($3::text[])
        AND source = 'payment_run'`,
    [ctx.tenant.id, runId, invoiceIds],
  );
  const made = new Map(earlier.map((p) => [p.autopay_invoice_id, p]));
  await mapLimit(invoiceIds, CHARGE_CONCURRENCY, async (invoiceId) => {
    const at = tenantNow(ctx);
    const found = made.get(invoiceId);
    if (found) {
      const status = found.status as PaymentView['status'];
      const s: ItemStatus =
        status === 'succeeded' ? 'succeeded' : status === 'failed' ? 'failed' : 'pending';
      await recordItem(db, runId, invoiceId, at, { status: s, paymentId: found.id });
      return;
    }
    const choice = choices.get(invoiceId);
    const amount = available.get(invoiceId) ?? 0;
    if (!choice) {
      await recordItem(db, runId, invoiceId, at, { status: 'skipped', detail: 'no_autopay' });
      return;
    }
    if (amount <= 0) {
      await recordItem(db, runId, invoiceId, at, { status: 'skipped', detail: 'nothing_due' });
      return;
    }
    try {
      const payment = await collectPayment(ctx, {
        customerId: choice.customerId,
        paymentMethodId: choice.methodId,
        amount,
        allocations: [{ invoice_id: invoiceId, amount }],
        source: 'payment_run',
        paymentRunId: runId,
        autopayInvoiceId: invoiceId,
        ...(choice.rule && { autopayRuleId: choice.rule.id }),
      });
      await recordItem(db, runId, invoiceId, at, {
        status: itemStatus(payment),
        paymentId: payment.id,
        ruleId: choice.rule?.id ?? null,
      });
      if (payment.status === 'failed') await afterFailure(ctx, payment);
    } catch (err) {
      // A refusal before any charge (the method became unusable, the invoice was paid
      // meanwhile): the item is skipped with the reason; anything else retries the batch.
      if (!(err instanceof AppError)) throw err;
      await recordItem(db, runId, invoiceId, at, {
        status: 'skipped',
        ruleId: choice.rule?.id ?? null,
        detail: err.code,
      });
    }
  });
}

/** Recounts the run from its items (one source of truth) and completes it when none is queued. */
export async function refreshRun(ctx: Ctx, runId: string): Promise<void> {
  await ctx.db.tx(async (tx) => {
    const before = await tx.one<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM payment_runs WHERE id = $1 FOR NO KEY UPDATE`,
      [runId],
    );
    const c = await tx.one<{
      processed: number;
      succeeded: number;
      failed: number;
      pending: number;
      queued: number;
      collected: number;
    }>(
      `SELECT count(*) FILTER (WHERE it.status <> 'queued')::int AS processed,
              count(*) FILTER (WHERE it.status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE it.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE it.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE it.status = 'queued')::int AS queued,
              coalesce(sum(p.amount) FILTER (WHERE it.status = 'succeeded'), 0)::bigint AS collected
         FROM payment_run_items it LEFT JOIN payments p ON p.id = it.payment_id
        WHERE it.payment_run_id = $1`,
      [runId],
    );
    const completes = before.status === 'running' && c.queued === 0;
    const after = await tx.one<RunRow>(
      `UPDATE payment_runs SET processed = $2, succeeded_count = $3, failed_count = $4,
              pending_count = $5, collected = $6,
              status = CASE WHEN $7 THEN 'completed' ELSE status END,
              completed_at = CASE WHEN $7 THEN $8 ELSE completed_at END
        WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
      [
        runId,
        c.processed,
        c.succeeded,
        c.failed,
        c.pending,
        c.collected,
        completes,
        tenantNow(ctx),
      ],
    );
    if (completes) {
      await recordChange(tx, ctx, {
        action: 'payment_run.completed',
        objectType: 'payment_run',
        objectId: runId,
        before: runView(before),
        after: runView(after),
      });
    }
  });
}

/** Processes every queued item of a run here and now (tests, and runs without workers). */
export async function runPaymentRunHere(db: Db, clock: Clock, runId: string): Promise<void> {
  const ctx = await runCtx(db, clock, runId);
  if (!ctx) throw new AppError('payment_run_not_found', { id: runId });
  for (;;) {
    const queued = await db.query<{ invoice_id: string }>(
      `SELECT invoice_id FROM payment_run_items WHERE payment_run_id = $1 AND status = 'queued'
        ORDER BY invoice_id LIMIT 200`,
      [runId],
    );
    if (queued.length === 0) break;
    await chargeItems(
      ctx,
      runId,
      queued.map((q) => q.invoice_id),
    );
  }
  await refreshRun(ctx, runId);
}
