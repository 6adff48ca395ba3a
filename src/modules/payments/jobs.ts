/**
 * Payments' due work: scheduled payments whose date has come, pending payments to reconcile
 * (E11), bank debits to check (ACH). A sandbox clock advance only queues a job for its tenant
 * (inside the advancing transaction, no gateway call there); a periodic sweep covers real time
 * passing and runs once when a worker starts (recovery after a crash).
 */
import type { Clock } from '../../core/clock.js';
import type { Db, Tx } from '../../db/db.js';
import { defineQueue, type Queue, queueFor } from '../../jobs/queue.js';
import { type Ctx, systemCtx } from '../context.js';
import { loadTenant } from '../tenants/service.js';
import { checkSettlements } from './ach.js';
import { reconcilePending } from './reconcile.js';
import { duePaymentIds } from './scheduled.js';
import { runScheduledPayment } from './service.js';

export const PAYMENTS_DUE_QUEUE = defineQueue('payments-due', {
  retryLimit: 3,
  retryDelay: 30,
  expireInSeconds: 900,
});
export const PAYMENTS_SWEEP_QUEUE = defineQueue('payments-sweep', {
  retryLimit: 1,
  expireInSeconds: 900,
});

export interface DueJob {
  tenantId: string;
}

export interface DueResult {
  ran: number;
  reconciled: number;
  settled: number;
}

/** Everything due for one tenant now; safe to run twice (each step re-checks under lock). */
export async function runDuePayments(
  ctx: Ctx,
  options: { reconcileAfterMs?: number } = {},
): Promise<DueResult> {
  let ran = 0;
  for (const id of await duePaymentIds(ctx.db, ctx)) {
    if (await runScheduledPayment(ctx, id)) ran += 1;
  }
  const reconciled = await reconcilePending(
    ctx,
    options.reconcileAfterMs === undefined ? {} : { olderThanMs: options.reconcileAfterMs },
  );
  const settled = await checkSettlements(ctx);
  return { ran, reconciled: reconciled.length, settled };
}

export async function runDueJob(db: Db, clock: Clock, data: DueJob): Promise<void> {
  const tenant = await loadTenant(db, data.tenantId);
  if (tenant) await runDuePayments(systemCtx(db, clock, tenant));
}

/** Every tenant with scheduled or pending payments. */
export async function sweepPayments(db: Db, clock: Clock): Promise<void> {
  const tenants = await db.query<{ tenant_id: string }>(
    `SELECT DISTINCT tenant_id FROM payments WHERE status IN ('scheduled', 'pending')
     UNION SELECT DISTINCT tenant_id FROM refunds WHERE status = 'pending'`,
  );
  for (const { tenant_id } of tenants) await runDueJob(db, clock, { tenantId: tenant_id });
}

/**
 * A sandbox clock advance queues the tenant's due payments (the job makes the charges; wired in
 * wiring.ts).
 */
export async function paymentsOnClock(tx: Tx, ctx: Ctx): Promise<{ scheduled_payments: number }> {
  const queue = queueFor(ctx.db);
  if (queue?.has(PAYMENTS_DUE_QUEUE)) {
    await queue.send<DueJob>(PAYMENTS_DUE_QUEUE, { tenantId: ctx.tenant.id }, {}, tx);
  }
  return { scheduled_payments: (await duePaymentIds(tx, ctx)).length };
}

/** Registers the payment jobs on a worker; returns what stops them. */
export async function startPaymentJobs(
  queue: Queue,
  db: Db,
  clock: Clock,
): Promise<() => Promise<void>> {
  await queue.define(PAYMENTS_DUE_QUEUE);
  await queue.define(PAYMENTS_SWEEP_QUEUE);
  await queue.work<DueJob>(PAYMENTS_DUE_QUEUE, (job) => runDueJob(db, clock, job.data), {
    batchSize: 2,
  });
  await queue.work(PAYMENTS_SWEEP_QUEUE, () => sweepPayments(db, clock), { batchSize: 1 });
  await queue.boss.schedule(PAYMENTS_SWEEP_QUEUE, '* * * * *');
  // On start: whatever a crash left pending is reconciled by the first sweep.
  await queue.send(PAYMENTS_SWEEP_QUEUE, {});
  return async () => {
    await queue.boss.offWork(PAYMENTS_DUE_QUEUE);
    await queue.boss.offWork(PAYMENTS_SWEEP_QUEUE);
  };
}
