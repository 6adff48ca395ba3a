/**
 * One batch of a payment run: for each of its invoices still queued, the method autopay chooses
 * now (first matching rule, else the default of simple autopay), and one gateway charge per
 * invoice through collectMany (payments/batch.ts): one transaction reserves them all, the
 * gateway calls go out a bounded number at once, one transaction records the answers together
 * with the items' results. Safe to run twice: a processed item is skipped, a payment reserved by
 * an attempt that died before recording is charged again with its own idempotency key (the
 * gateway answers with the charge already made), and the unique live-autopay-charge index makes
 * a second charge for the invoice impossible anyway.
 */
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import type { Db, Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { autopayChoices } from '../autopay/service.js';
import { type Ctx, systemCtx, tenantNow } from '../context.js';
import type { PaymentRow, PaymentView } from '../payments/model.js';
import { type AutopayCharge, collectMany } from '../payments/service.js';
import { loadTenant } from '../tenants/service.js';
import { RUN_COLUMNS, type RunRow, runView } from './view.js';

/** Gateway charges in flight at once per batch job. */
export const CHARGE_CONCURRENCY = 64;

type ItemStatus = 'succeeded' | 'pending' | 'failed' | 'skipped';

interface ItemResult {
  invoiceId: string;
  status: ItemStatus;
  paymentId?: string | null;
  ruleId?: string | null;
  detail?: string | null;
}

/** Writes the results of queued items with one statement (items already processed stay). */
async function recordItems(
  q: Queryable,
  runId: string,
  at: Date,
  items: ItemResult[],
): Promise<void> {
  if (items.length === 0) return;
  await q.query(
    `UPDATE payment_run_items it
        SET status = t.status, payment_id = t.payment_id, autopay_rule_id = t.rule_id,
            detail = t.detail, processed_at = $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS t(invoice_id, status, payment_id, rule_id, detail)
      WHERE it.payment_run_id = $1 AND it.invoice_id = t.invoice_id AND it.status = 'queued'`,
    [
      runId,
      at,
      items.map((i) => i.invoiceId),
      items.map((i) => i.status),
      items.map((i) => i.paymentId ?? null),
      items.map((i) => i.ruleId ?? null),
      items.map((i) => i.detail ?? null),
    ],
  );
}

const itemStatus = (status: PaymentView['status'] | PaymentRow['status']): ItemStatus =>
  status === 'succeeded' ? 'succeeded' : status === 'failed' ? 'failed' : 'pending';

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

/**
 * Charges a batch of queued items: the autopay choice per invoice, then every charge through
 * collectMany (one reserving transaction, the gateway calls, one recording transaction that
 * also writes the items). Failures then get their retry date and email.
 */
async function chargeItems(ctx: Ctx, runId: string, invoiceIds: string[]): Promise<void> {
  const db = ctx.db;
  const choices = await autopayChoices(db, ctx, invoiceIds);
  const earlier = await db.query<PaymentRow>(
    `SELECT * FROM payments
      WHERE tenant_id = $1 AND payment_run_id = $2 AND autopay_invoice_id = ANY ($3::text[])
        AND source = 'payment_run'`,
    [ctx.tenant.id, runId, invoiceIds],
  );
  const made = new Map(earlier.map((p) => [p.autopay_invoice_id, p]));
  const done: ItemResult[] = [];
  const charges: AutopayCharge[] = [];
  const resume: { row: PaymentRow; charge: AutopayCharge }[] = [];
  for (const invoiceId of invoiceIds) {
    const found = made.get(invoiceId);
    const choice = choices.get(invoiceId);
    if (found?.status === 'pending' && !found.gateway_charge_id && found.attempted_at) {
      // Reserved by an earlier attempt of this batch that died before recording the answer.
      resume.push({
        row: found,
        charge: {
          invoiceId,
          customerId: found.customer_id,
          paymentMethodId: found.payment_method_id ?? '',
          amount: found.amount,
          source: 'payment_run',
          paymentRunId: runId,
          autopayRuleId: found.autopay_rule_id,
        },
      });
    } else if (found) {
      done.push({
        invoiceId,
        status: itemStatus(found.status),
        paymentId: found.id,
        ruleId: found.autopay_rule_id,
      });
    } else if (!choice) {
      done.push({ invoiceId, status: 'skipped', detail: 'no_autopay' });
    } else {
      charges.push({
        invoiceId,
        customerId: choice.customerId,
        paymentMethodId: choice.methodId,
        amount: 'balance',
        source: 'payment_run',
        paymentRunId: runId,
        autopayRuleId: choice.rule?.id ?? null,
      });
    }
  }
  const outcomes = await collectMany(ctx, charges, {
    concurrency: CHARGE_CONCURRENCY,
    resume,
    within: async (tx, all) => {
      const results = all.map((o): ItemResult => {
        const base = { invoiceId: o.charge.invoiceId, ruleId: o.charge.autopayRuleId ?? null };
        return 'payment' in o
          ? { ...base, status: itemStatus(o.payment.status), paymentId: o.payment.id }
          : { ...base, status: 'skipped', detail: o.refused.code };
      });
      await recordItems(tx, runId, tenantNow(ctx), [...done, ...results]);
    },
  });
  if (outcomes.length === 0) await recordItems(db, runId, tenantNow(ctx), done);
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
      collected: string;
    }>(
      `SELECT count(*) FILTER (WHERE it.status <> 'queued')::int AS processed,
              count(*) FILTER (WHERE it.status = 'succeeded')::int AS succeeded,
              count(*) FILTER (WHERE it.status = 'failed')::int AS failed,
              count(*) FILTER (WHERE it.status = 'pending')::int AS pending,
              count(*) FILTER (WHERE it.status = 'queued')::int AS queued,
              coalesce(sum(p.amount) FILTER (WHERE it.status = 'succeeded'), 0)::text AS collected
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
