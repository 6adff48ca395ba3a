/**
 * The worker side of payment runs and retries: batch jobs (several at once, each charging a
 * bounded number of invoices at a time), the per-tenant retry job the clock sends, and a sweep
 * every 5 minutes for scheduled runs and due retries.
 */
import type { Clock } from '../../core/clock.js';
import type { Db } from '../../db/db.js';
import type { Queue } from '../../jobs/queue.js';
import { processRunBatch } from './batch.js';
import {
  PAYMENT_SWEEP_QUEUE,
  RETRY_QUEUE,
  type RetryJob,
  runRetryJob,
  sweepPaymentWork,
} from './schedule.js';
import { RUN_BATCH_QUEUE, type RunBatchJob } from './service.js';

/** Batch jobs a worker process runs at once (each with CHARGE_CONCURRENCY charges in flight). */
export const RUN_BATCH_JOBS_AT_ONCE = 4;

export async function startPaymentRunJobs(
  queue: Queue,
  db: Db,
  clock: Clock,
  batchJobsAtOnce = RUN_BATCH_JOBS_AT_ONCE,
): Promise<() => Promise<void>> {
  await queue.define(RUN_BATCH_QUEUE);
  await queue.work<RunBatchJob>(
    RUN_BATCH_QUEUE,
    (job) => processRunBatch(db, clock, job.data.payment_run_id, job.data.invoice_ids),
    { batchSize: batchJobsAtOnce, pollingIntervalSeconds: 0.5 },
  );
  await queue.define(RETRY_QUEUE);
  await queue.work<RetryJob>(RETRY_QUEUE, (job) => runRetryJob(db, clock, job.data), {
    batchSize: 2,
  });
  await queue.define(PAYMENT_SWEEP_QUEUE);
  await queue.work(PAYMENT_SWEEP_QUEUE, () => sweepPaymentWork(db, clock), { batchSize: 1 });
  await queue.boss.schedule(PAYMENT_SWEEP_QUEUE, '*/5 * * * *');
  return async () => {
    await queue.boss.offWork(RUN_BATCH_QUEUE);
    await queue.boss.offWork(RETRY_QUEUE);
    await queue.boss.offWork(PAYMENT_SWEEP_QUEUE);
  };
}
