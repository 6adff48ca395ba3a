/**
 * The worker: every job handler of Billow, registered on a started queue. Any number of worker
 * processes (and `billow serve` in-process) can run against one database; pg-boss hands each
 * job to one of them at a time.
 */

import { loadConfig } from '../config.js';
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/db.js';
import { currentSchema, vacuumAnalyze } from '../db/maintenance.js';
import { checkSchedules, SCHEDULE_QUEUE } from '../modules/billruns/schedule.js';
import {
  BATCH_QUEUE,
  type BatchJob,
  EMAIL_RUN_QUEUE,
  type EmailRunJob,
  POST_QUEUE,
  type PostJob,
  runBatchJob,
  runEmailJob,
  runPostJob,
} from '../modules/billruns/service.js';
import {
  deliverEmail,
  EMAIL_POLICY,
  EMAIL_QUEUE,
  type EmailJob,
  enqueueUnsentEmails,
} from '../modules/email/deliver.js';
import { startPaymentRunJobs } from '../modules/paymentruns/jobs.js';
import { startPaymentJobs } from '../modules/payments/jobs.js';
import {
  runUsageExport,
  USAGE_EXPORT_QUEUE,
  type UsageExportJob,
} from '../modules/usage/exports.js';
import {
  type DeliveryJob,
  deliverWebhook,
  enqueueUnqueued,
  WEBHOOK_POLICY,
  WEBHOOK_QUEUE,
} from '../modules/webhooks/deliver.js';
import { wireModules } from '../modules/wiring.js';
import type { Queue } from './queue.js';

/** The hourly VACUUM (ANALYZE) of the embedded database. */
export const MAINTENANCE_QUEUE = 'db-maintenance';

export interface WebhookWorkerOptions {
  /** Retries after the first attempt (default 8). */
  retryLimit?: number | undefined;
  /** Seconds before the first retry, doubling after each (default 60). */
  retryDelaySeconds?: number | undefined;
  /** Per-attempt HTTP timeout in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Deliveries attempted at once per poll (default 10). */
  concurrency?: number | undefined;
  /**
   * Deliver to private, loopback and link-local addresses too (BILLOW_WEBHOOKS_ALLOW_PRIVATE;
   * default false: such deliveries fail at once).
   */
  allowPrivate?: boolean | undefined;
}

export interface EmailWorkerOptions {
  /**
   * smtp://user:pass@host:587 or smtps://…; null: no SMTP (messages stay queued, readable in the
   * console); undefined: BILLOW_SMTP_URL.
   */
  smtpUrl?: string | null | undefined;
  /** The sender of tenants without their own (default BILLOW_EMAIL_FROM, billing@localhost). */
  from?: string | undefined;
  /** Retries after the first attempt (default 6). */
  retryLimit?: number | undefined;
  /** Seconds before the first retry, doubling after each (default 60). */
  retryDelaySeconds?: number | undefined;
  /** Per-attempt SMTP timeout in milliseconds (default 30 000). */
  timeoutMs?: number | undefined;
  /** Messages sent at once per poll (default 5). */
  concurrency?: number | undefined;
}

export interface WorkerOptions {
  db: Db;
  clock: Clock;
  queue: Queue;
  webhooks?: WebhookWorkerOptions;
  email?: EmailWorkerOptions;
  /** How often deliveries written without a job (by a CLI command) are enqueued (default 60 s). */
  sweepIntervalMs?: number;
  /** Called with errors of background sweeps (default: printed to stderr). */
  onError?: (err: Error) => void;
}

export interface Worker {
  /** Stops taking jobs; stop the queue afterwards to wait for those still running. */
  stop(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<Worker> {
  const { db, clock, queue } = options;
  const onError = options.onError ?? ((err: Error) => console.error('worker:', err.message));
  // Jobs change state too (bill runs, payments): their events fan out, their clocks move.
  wireModules();

  const hooks = options.webhooks ?? {};
  await queue.define(WEBHOOK_QUEUE, {
    ...WEBHOOK_POLICY,
    ...(hooks.retryLimit !== undefined && { retryLimit: hooks.retryLimit }),
    ...(hooks.retryDelaySeconds !== undefined && { retryDelay: hooks.retryDelaySeconds }),
  });
  await queue.work<DeliveryJob>(
    WEBHOOK_QUEUE,
    (job) =>
      deliverWebhook(job, {
        db,
        clock,
        timeoutMs: hooks.timeoutMs,
        allowPrivate: hooks.allowPrivate,
      }),
    { batchSize: hooks.concurrency ?? 10 },
  );

  const mail = options.email ?? {};
  const needsConfig = mail.smtpUrl === undefined || mail.from === undefined;
  const config = needsConfig ? loadConfig() : undefined;
  const smtpUrl = (mail.smtpUrl === undefined ? config?.smtpUrl : mail.smtpUrl) ?? undefined;
  const defaultFrom = mail.from ?? config?.emailFrom;
  await queue.define(EMAIL_QUEUE, {
    ...EMAIL_POLICY,
    ...(mail.retryLimit !== undefined && { retryLimit: mail.retryLimit }),
    ...(mail.retryDelaySeconds !== undefined && { retryDelay: mail.retryDelaySeconds }),
  });
  await queue.work<EmailJob>(
    EMAIL_QUEUE,
    (job) => deliverEmail(job, { db, clock, smtpUrl, defaultFrom, timeoutMs: mail.timeoutMs }),
    { batchSize: mail.concurrency ?? 5 },
  );

  await queue.define(BATCH_QUEUE);
  await queue.define(POST_QUEUE);
  await queue.work<BatchJob>(BATCH_QUEUE, (job) => runBatchJob(db, clock, job.data), {
    batchSize: 2,
  });
  await queue.work<PostJob>(POST_QUEUE, (job) => runPostJob(db, clock, job.data), { batchSize: 1 });
  await queue.define(EMAIL_RUN_QUEUE);
  await queue.work<EmailRunJob>(EMAIL_RUN_QUEUE, (job) => runEmailJob(db, clock, job.data), {
    batchSize: 1,
  });
  await queue.define(USAGE_EXPORT_QUEUE);
  await queue.work<UsageExportJob>(
    USAGE_EXPORT_QUEUE,
    (job) => runUsageExport(db, clock, job.data),
    { batchSize: 1 },
  );
  await queue.define(SCHEDULE_QUEUE);
  await queue.work(SCHEDULE_QUEUE, () => checkSchedules(db, clock), { batchSize: 1 });
  // Every 10 minutes, whichever worker's turn it is checks the tenants' bill run schedules.
  await queue.boss.schedule(SCHEDULE_QUEUE, '*/10 * * * *');

  // The embedded database has no autovacuum: clean up and refresh statistics every hour.
  if (db.kind === 'pglite') {
    const schemas = [await currentSchema(db), queue.schema];
    await queue.define(MAINTENANCE_QUEUE);
    await queue.work(
      MAINTENANCE_QUEUE,
      async () => {
        await vacuumAnalyze(db, schemas);
      },
      { batchSize: 1 },
    );
    await queue.boss.schedule(MAINTENANCE_QUEUE, '17 * * * *');
  }

  // Scheduled payments, reconciliation after a crash (E11) and bank debits (ACH).
  const stopPaymentJobs = await startPaymentJobs(queue, db, clock);
  // Payment runs, automatic retries of failed payments (F1–F3).
  const stopPaymentRunJobs = await startPaymentRunJobs(queue, db, clock);

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping
      .then(async () => {
        while ((await enqueueUnqueued(db, queue)) > 0);
        // Without SMTP, queued messages wait for a worker that has it.
        while (smtpUrl && (await enqueueUnsentEmails(db, queue)) > 0);
      })
      .catch((err: Error) => onError(err));
  };
  sweep();
  const timer = setInterval(sweep, options.sweepIntervalMs ?? 60_000);
  timer.unref();

  return {
    async stop() {
      clearInterval(timer);
      await sweeping;
      await stopPaymentJobs();
      await stopPaymentRunJobs();
      await queue.boss.offWork(WEBHOOK_QUEUE);
      await queue.boss.offWork(BATCH_QUEUE);
      await queue.boss.offWork(POST_QUEUE);
      await queue.boss.offWork(SCHEDULE_QUEUE);
      await queue.boss.offWork(USAGE_EXPORT_QUEUE);
      await queue.boss.offWork(EMAIL_RUN_QUEUE);
      await queue.boss.offWork(EMAIL_QUEUE);
      if (db.kind === 'pglite') await queue.boss.offWork(MAINTENANCE_QUEUE);
    },
  };
}
