/**
 * Payment runs (F1, F3, L2): collect autopay payments on every posted invoice due on or before
 * the run's target date (default: the business date it starts on) with something left to pay
 * whose customer is on autopay — what the calendar projects for that day. What the customer's
 * scheduled payments mean to pay on an invoice is left to them (issue 10 item 2). Ad hoc
 * (starts now) or scheduled: a scheduled run waits for its business date and for the bill run it
 * follows to be posted. Starting a run selects the invoices and writes one queued item per
 * invoice, cut into batches sent as durable jobs; each batch charges its invoices with bounded
 * concurrency outside any transaction (batch.ts).
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { defineQueue, queueFor } from '../../jobs/queue.js';
import { recordChange } from '../audit/service.js';
import { ON_AUTOPAY_SQL } from '../autopay/service.js';
import { availableOn as availableToPay } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { scheduledCover } from '../payments/service.js';
import { RUN_COLUMNS, type RunRow, type RunView, runView } from './view.js';

export { type RunView, runView } from './view.js';

/** Invoices per batch job. */
export const RUN_BATCH_SIZE = 200;
export const RUN_BATCH_QUEUE = defineQueue('payment-run-batch', {
  retryLimit: 5,
  retryDelay: 5,
  retryBackoff: true,
  expireInSeconds: 900,
});

export interface RunBatchJob {
  payment_run_id: string;
  invoice_ids: string[];
}

export interface NewPaymentRun {
  run_on?: string | undefined;
  after_bill_run_id?: string | undefined;
  target_date?: string | undefined;
}

export async function createPaymentRun(ctx: Ctx, input: NewPaymentRun): Promise<RunView> {
  requirePermission(ctx, 'billing:write');
  // A run collects what is due by the day it runs, never ahead of the calendar.
  const today = tenantToday(ctx);
  const latest = input.run_on && input.run_on > today ? input.run_on : today;
  if (input.target_date && input.target_date > latest) {
    throw new AppError('payment_run_target_date_ahead', { target_date: input.target_date, latest });
  }
  return ctx.db.tx(async (tx) => {
    if (input.after_bill_run_id) {
      const br = await tx.maybeOne('SELECT id FROM bill_runs WHERE tenant_id = $1 AND id = $2', [
        ctx.tenant.id,
        input.after_bill_run_id,
      ]);
      if (!br) throw new AppError('bill_run_not_found', { id: input.after_bill_run_id });
    }
    const id = newId('paymentRun');
    await tx.query(
      `INSERT INTO payment_runs (id, tenant_id, status, after_bill_run_id, run_on, target_date,
                                 created_by, created_at)
       VALUES ($1, $2, 'scheduled', $3, $4, $5, $6, $7)`,
      [
        id,
        ctx.tenant.id,
        input.after_bill_run_id ?? null,
        input.run_on ?? null,
        input.target_date ?? null,
        ctx.actor.id,
        tenantNow(ctx),
      ],
    );
    const created = await loadRun(tx, ctx, id);
    await recordChange(tx, ctx, {
      action: 'payment_run.created',
      objectType: 'payment_run',
      objectId: id,
      after: runView(created),
    });
    await startDueRuns(tx, ctx, id);
    return runView(await loadRun(tx, ctx, id));
  });
}

async function loadRun(tx: Tx, ctx: Ctx, id: string, lock = ''): Promise<RunRow> {
  const row = await tx.maybeOne<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM payment_runs WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('payment_run_not_found', { id });
  return row;
}

/**
 * Starts the tenant's scheduled runs whose date has come and whose bill run is posted (F3), in
 * the caller's transaction (the clock's, a sweep's, or the creating request's); `only` limits it
 * to one run. Returns the ids started.
 */
export async function startDueRuns(tx: Tx, ctx: Ctx, only?: string): Promise<string[]> {
  const due = await tx.query<{ id: string }>(
    `SELECT r.id FROM payment_runs r
       LEFT JOIN bill_runs b ON b.tenant_id = r.tenant_id AND b.id = r.after_bill_run_id
      WHERE r.tenant_id = $1 AND r.status = 'scheduled' AND ($3::text IS NULL OR r.id = $3)
        AND (r.run_on IS NULL OR r.run_on <= $2)
        AND (r.after_bill_run_id IS NULL OR b.status = 'posted')
      ORDER BY r.id FOR NO KEY UPDATE OF r SKIP LOCKED`,
    [ctx.tenant.id, tenantToday(ctx), only ?? null],
  );
  for (const r of due) await startRun(tx, ctx, r.id);
  return due.map((r) => r.id);
}

/**
 * The invoices a run with this target date collects, as the calendar projects them: posted,
 * of a customer on autopay, due on or before the target date (or without a due date), with
 * something left to pay beyond what scheduled payments are arranged to pay.
 */
export async function invoicesToCollect(
  q: Queryable,
  ctx: Ctx,
  targetDate: string,
): Promise<string[]> {
  const candidates = await q.query<{ id: string }>(
    `SELECT i.id FROM invoices i
       JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
      WHERE i.tenant_id = $1 AND i.status = 'posted' AND ${ON_AUTOPAY_SQL}
        AND (i.due_date IS NULL OR i.due_date <= $2)
      ORDER BY i.customer_id, i.id`,
    [ctx.tenant.id, targetDate],
  );
  const all = candidates.map((c) => c.id);
  const available = await availableToPay(q, ctx.tenant.id, all);
  const cover = await scheduledCover(q, ctx.tenant.id, all);
  return all.filter((i) => (available.get(i) ?? 0) - (cover.get(i) ?? 0) > 0);
}

/** Selects the invoices, writes the queued items, and sends one job per batch. */
async function startRun(tx: Tx, ctx: Ctx, id: string): Promise<void> {
  const run = await loadRun(tx, ctx, id);
  const targetDate = run.target_date ?? tenantToday(ctx);
  const ids = await invoicesToCollect(tx, ctx, targetDate);
  await tx.query(
    `INSERT INTO payment_run_items (payment_run_id, invoice_id, tenant_id, status)
     SELECT $1, invoice_id, $2, 'queued' FROM unnest($3::text[]) AS t(invoice_id)`,
    [id, ctx.tenant.id, ids],
  );
  const now = tenantNow(ctx);
  const before = await loadRun(tx, ctx, id);
  await tx.query(
    `UPDATE payment_runs SET status = $2, total_invoices = $3, started_at = $4,
            completed_at = CASE WHEN $3 = 0 THEN $4::timestamptz END, target_date = $5
      WHERE id = $1`,
    [id, ids.length === 0 ? 'completed' : 'running', ids.length, now, targetDate],
  );
  const queue = queueFor(ctx.db);
  if (queue?.has(RUN_BATCH_QUEUE)) {
    for (let i = 0; i < ids.length; i += RUN_BATCH_SIZE) {
      const job: RunBatchJob = {
        payment_run_id: id,
        invoice_ids: ids.slice(i, i + RUN_BATCH_SIZE),
      };
      await queue.send<RunBatchJob>(RUN_BATCH_QUEUE, job, {}, tx);
    }
  }
  await recordChange(tx, ctx, {
    action: 'payment_run.started',
    objectType: 'payment_run',
    objectId: id,
    before: runView(before),
    after: runView(await loadRun(tx, ctx, id)),
  });
}

export async function getPaymentRun(ctx: Ctx, id: string): Promise<RunView> {
  requirePermission(ctx, 'billing:read');
  return ctx.db.tx(async (tx) => runView(await loadRun(tx, ctx, id)));
}

export async function listPaymentRuns(
  ctx: Ctx,
  after: string | undefined,
  limit: number,
): Promise<RunView[]> {
  requirePermission(ctx, 'billing:read');
  const rows = await ctx.db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM payment_runs WHERE tenant_id = $1 AND ($2::text IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [ctx.tenant.id, after ?? null, limit],
  );
  return rows.map(runView);
}

export interface ItemView {
  invoice_id: string;
  invoice_number: string | null;
  customer_id: string;
  customer_name: string;
  status: 'queued' | 'succeeded' | 'pending' | 'failed' | 'skipped';
  payment_id: string | null;
  autopay_rule_id: string | null;
  amount: number | null;
  decline_code: string | null;
  detail: string | null;
  processed_at: string | null;
}

/** A run's per-invoice results, by invoice id; `status` filters (?status=failed). */
export async function listRunItems(
  ctx: Ctx,
  id: string,
  f: { status?: ItemView['status'] | undefined; cursor?: string | undefined; limit: number },
): Promise<{ data: ItemView[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  await ctx.db.tx((tx) => loadRun(tx, ctx, id));
  const rows = await ctx.db.query<Omit<ItemView, 'processed_at'> & { processed_at: Date | null }>(
    `SELECT it.invoice_id, i.number AS invoice_number, i.customer_id, c.name AS customer_name,
            it.status, it.payment_id, it.autopay_rule_id, p.amount, p.decline_code,
            coalesce(it.detail, p.failure_message) AS detail, it.processed_at
       FROM payment_run_items it LEFT JOIN payments p ON p.id = it.payment_id
       JOIN invoices i ON i.id = it.invoice_id JOIN customers c ON c.id = i.customer_id
      WHERE it.payment_run_id = $1 AND ($2::text IS NULL OR it.status = $2)
        AND ($3::text IS NULL OR it.invoice_id > $3)
      ORDER BY it.invoice_id LIMIT $4`,
    [id, f.status ?? null, f.cursor ?? null, f.limit + 1],
  );
  const data = rows
    .slice(0, f.limit)
    .map((r) => ({ ...r, processed_at: r.processed_at?.toISOString() ?? null }));
  return {
    data,
    next_cursor: rows.length > f.limit ? (data[data.length - 1]?.invoice_id ?? null) : null,
  };
}
