/**
 * The worker: every job handler of Billow, registered on a started queue. Any number of worker
 * processes (and `billow serve` in-process) can run against one database; pg-boss hands each
 * job to one of them at a time.
 */
import type { Clock } from '../core/clock.js';
import type { Db } from '../db/db.js';
import {
  type DeliveryJob,
  deliverWebhook,
  enqueueUnqueued,
  registerWebhookFanOut,
  WEBHOOK_POLICY,
  WEBHOOK_QUEUE,
} from '../modules/webhooks/deliver.js';
import type { Queue } from './queue.js';

export interface WebhookWorkerOptions {
  /** Retries after the first attempt (default 8). */
  retryLimit?: number | undefined;
  /** Seconds before the first retry, doubling after each (default 60). */
  retryDelaySeconds?: number | undefined;
  /** Per-attempt HTTP timeout in milliseconds (default 10 000). */
  timeoutMs?: number | undefined;
  /** Deliveries attempted at once per poll (default 10). */
  concurrency?: number | undefined;
}

export interface WorkerOptions {
  db: Db;
  clock: Clock;
  queue: Queue;
  webhooks?: WebhookWorkerOptions;
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
  // Jobs change state too (bill runs, payments): their events must fan out to webhooks.
  registerWebhookFanOut();

  const hooks = options.webhooks ?? {};
  await queue.define(WEBHOOK_QUEUE, {
    ...WEBHOOK_POLICY,
    ...(hooks.retryLimit !== undefined && { retryLimit: hooks.retryLimit }),
    ...(hooks.retryDelaySeconds !== undefined && { retryDelay: hooks.retryDelaySeconds }),
  });
  await queue.work<DeliveryJob>(
    WEBHOOK_QUEUE,
    (job) => deliverWebhook(job, { db, clock, timeoutMs: hooks.timeoutMs }),
    { batchSize: hooks.concurrency ?? 10 },
  );

  let sweeping: Promise<unknown> = Promise.resolve();
  const sweep = () => {
    sweeping = sweeping
      .then(async () => {
        while ((await enqueueUnqueued(db, queue)) > 0);
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
      await queue.boss.offWork(WEBHOOK_QUEUE);
    },
  };
}
