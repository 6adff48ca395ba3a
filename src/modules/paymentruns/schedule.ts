/**
 * When payment work falls due (F2, F3): scheduled payment runs start when their date has come
 * and their bill run is posted; failed payments are retried on their next_retry_date. Both are
 * checked when a sandbox clock moves (in the advancing transaction: runs start there, retries are
 * sent as a job, because a gateway is never called inside a transaction) and by a periodic sweep
 * over every tenant. With the tenant setting payment_run_after_bill_run, posting a bill run
 * starts a payment run in the posting transaction; with payment_run_daily, the first check on
 * each business day of the tenant starts that day's run (one per day: a unique index, 0026).
 * A daily run follows no bill run, so it starts at once and collects what is posted and due by
 * then; drafts of a bill run still under way are never collected (F3).
 */
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db, Tx } from '../../db/db.js';
import { defineQueue, queueFor } from '../../jobs/queue.js';
import { type EventRow, recordChange } from '../audit/service.js';
import { type Ctx, systemCtx, tenantNow, tenantToday } from '../context.js';
import { loadTenant } from '../tenants/service.js';
import { runPaymentRunHere } from './batch.js';
import { runDueRetries } from './retry.js';
import { startDueRuns } from './service.js';

export const RETRY_QUEUE = defineQueue('payment-retries', {
  retryLimit: 3,
  retryDelay: 30,
  expireInSeconds: 1800,
});
export const PAYMENT_SWEEP_QUEUE = defineQueue('payment-sweep', {
  retryLimit: 1,
  expireInSeconds: 600,
});

export interface RetryJob {
  tenant_id: string;
}

/** Hands the tenant's due automatic retries to the worker; how many are due. */
async function sendRetryJob(tx: Tx, ctx: Ctx): Promise<number> {
  const due = await tx.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM payments p WHERE p.tenant_id = $1 AND p.status = 'failed'
        AND p.next_retry_date IS NOT NULL AND p.next_retry_date <= $2
        AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.retry_of = p.id AND r.status <> 'cancelled')`,
    [ctx.tenant.id, tenantToday(ctx)],
  );
  const queue = queueFor(ctx.db);
  if (due.n > 0 && queue?.has(RETRY_QUEUE)) {
    await queue.send<RetryJob>(
      RETRY_QUEUE,
      { tenant_id: ctx.tenant.id },
      { singletonKey: ctx.tenant.id },
      tx,
    );
  }
  return due.n;
}

/** On `bill_run.posted`, in the posting transaction: the tenant's run after bill runs. */
export async function runAfterPostedBillRun(tx: Tx, ctx: Ctx, event: EventRow): Promise<void> {
  if (event.type !== 'bill_run.posted') return;
  const on = await tx.one<{ on: boolean }>(
    `SELECT coalesce((settings->>'payment_run_after_bill_run')::boolean, false) AS on
       FROM tenants WHERE id = $1`,
    [ctx.tenant.id],
  );
  if (!on.on) return;
  // A run staff arranged after this bill run already collects it.
  const exists = await tx.maybeOne(
    'SELECT 1 FROM payment_runs WHERE tenant_id = $1 AND after_bill_run_id = $2',
    [ctx.tenant.id, event.object_id],
  );
  if (exists) return;
  const id = newId('paymentRun');
  const inserted = await tx.maybeOne(
    `INSERT INTO payment_runs (id, tenant_id, status, after_bill_run_id, schedule, created_at)
     VALUES ($1, $2, 'scheduled', $3, 'after_bill_run', $4)
     ON CONFLICT (tenant_id, after_bill_run_id) WHERE schedule = 'after_bill_run' DO NOTHING
     RETURNING id`,
    [id, ctx.tenant.id, event.object_id, tenantNow(ctx)],
  );
  if (!inserted) return;
  await recordChange(tx, ctx, {
    action: 'payment_run.created',
    objectType: 'payment_run',
    objectId: id,
    after: {
      id,
      after_bill_run_id: event.object_id,
      schedule: 'after_bill_run',
      status: 'scheduled',
    },
  });
  await startDueRuns(tx, ctx, id);
}

/**
 * With the tenant setting payment_run_daily, writes today's run (the tenant's business date)
 * unless it exists; the caller starts it with the other due runs. Returns its id when written.
 */
export async function scheduleDailyRun(tx: Tx, ctx: Ctx): Promise<string | null> {
  const on = await tx.one<{ on: boolean }>(
    `SELECT coalesce((settings->>'payment_run_daily')::boolean, false) AS on
       FROM tenants WHERE id = $1`,
    [ctx.tenant.id],
  );
  if (!on.on) return null;
  const today = tenantToday(ctx);
  const id = newId('paymentRun');
  const inserted = await tx.maybeOne(
    `INSERT INTO payment_runs (id, tenant_id, status, schedule, run_on, created_at)
     VALUES ($1, $2, 'scheduled', 'daily', $3, $4)
     ON CONFLICT (tenant_id, run_on) WHERE schedule = 'daily' DO NOTHING RETURNING id`,
    [id, ctx.tenant.id, today, tenantNow(ctx)],
  );
  if (!inserted) return null;
  await recordChange(tx, ctx, {
    action: 'payment_run.created',
    objectType: 'payment_run',
    objectId: id,
    after: { id, schedule: 'daily', run_on: today, status: 'scheduled' },
  });
  return id;
}

/** A sandbox clock advance starts the runs and sends the retries now due (wired in wiring.ts). */
export async function paymentWorkOnClock(
  tx: Tx,
  ctx: Ctx,
): Promise<{ payment_runs: string[]; retries: number }> {
  await scheduleDailyRun(tx, ctx);
  const payment_runs = await startDueRuns(tx, ctx);
  const retries = await sendRetryJob(tx, ctx);
  return { payment_runs, retries };
}

/** Writes today's daily run if due, then starts every run whose time has come. */
async function startDueRunsWithDaily(tx: Tx, ctx: Ctx): Promise<string[]> {
  await scheduleDailyRun(tx, ctx);
  return startDueRuns(tx, ctx);
}

/** The periodic sweep: every tenant with a waiting run, a daily run or a due retry. */
export async function sweepPaymentWork(db: Db, clock: Clock): Promise<void> {
  const tenants = await db.query<{ id: string }>(
    `SELECT DISTINCT tenant_id AS id FROM payment_runs WHERE status = 'scheduled'
     UNION
     SELECT DISTINCT tenant_id FROM payments WHERE status = 'failed' AND next_retry_date IS NOT NULL
     UNION
     SELECT id FROM tenants WHERE settings->>'payment_run_daily' = 'true'`,
  );
  for (const { id } of tenants) {
    const tenant = await loadTenant(db, id);
    if (!tenant) continue;
    const ctx = systemCtx(db, clock, tenant);
    await db.tx((tx) => startDueRunsWithDaily(tx, ctx));
    await runDueRetries(ctx);
  }
}

export async function runRetryJob(db: Db, clock: Clock, job: RetryJob): Promise<void> {
  const tenant = await loadTenant(db, job.tenant_id);
  if (tenant) await runDueRetries(systemCtx(db, clock, tenant));
}

/**
 * Everything due for one tenant, here and now (tests and the CLI without workers): scheduled
 * runs started, their items charged, due retries made.
 */
export async function runDuePaymentWorkHere(db: Db, clock: Clock, tenantId: string) {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) return;
  const ctx = systemCtx(db, clock, tenant);
  await db.tx((tx) => startDueRunsWithDaily(tx, ctx));
  const running = await db.query<{ id: string }>(
    `SELECT id FROM payment_runs WHERE tenant_id = $1 AND status = 'running' ORDER BY id`,
    [tenantId],
  );
  for (const r of running) await runPaymentRunHere(db, clock, r.id);
  await runDueRetries(ctx);
}
