/**
 * The durable job queue (L2): pg-boss in the same database as everything else, so any number of
 * API and worker processes share it, and a job sent inside one of our transactions exists if and
 * only if that transaction commits.
 *
 * pg-boss talks to the database through our own pool (its `db.executeSql` option) rather than a
 * pool of its own: one connection configuration, and on the embedded PGlite every statement goes
 * through the same gated socket as the rest of the process. pg-boss only sends single statements
 * or multi-statement scripts that open and commit their own transaction, so it never holds the
 * embedded database between messages.
 *
 * Queues are declared in code with defineQueue (name and retry policy) by the module that owns
 * them; startQueue creates every declared queue, because pg-boss 10 drops jobs sent to a queue
 * that does not exist.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import PgBoss from 'pg-boss';
import type { Db, Queryable } from '../db/db.js';
import { type Liveness, type LivenessOptions, startLiveness } from './liveness.js';

export interface QueuePolicy {
  /** Retries after the first attempt. */
  retryLimit?: number;
  /** Seconds before the first retry; doubled (with jitter) for each later one when backoff is on. */
  retryDelay?: number;
  retryBackoff?: boolean;
  /** An attempt running longer than this is failed (and retried). */
  expireInSeconds?: number;
}

const declared = new Map<string, QueuePolicy>();

/** Declares a queue and its retry policy; returns its name. Call at module load. */
export function defineQueue(name: string, policy: QueuePolicy = {}): string {
  declared.set(name, policy);
  return name;
}

export interface QueueOptions {
  /** The PostgreSQL schema holding pg-boss's tables (default 'pgboss'). */
  schema?: string | undefined;
  /** How often idle workers poll, in seconds (default 2, minimum 0.5). */
  pollingIntervalSeconds?: number | undefined;
  /**
   * Run pg-boss's maintenance (expiring stuck jobs, archiving) and cron schedules from this
   * process (default true). Safe in several processes at once: pg-boss elects one per interval.
   */
  maintenance?: boolean | undefined;
  /** Called with background errors of pg-boss (default: printed to stderr). */
  onError?: ((err: Error) => void) | undefined;
  /**
   * Heartbeats of the processes working on jobs, and how soon the jobs of a process that died
   * are taken up again (see liveness.ts).
   */
  liveness?: LivenessOptions | undefined;
}

export type Job<T> = PgBoss.JobWithMetadata<T>;
/** Handles one job; throwing fails this attempt, and the queue retries it per its policy. */
export type JobHandler<T> = (job: Job<T>) => Promise<void>;

export interface WorkOptions {
  /** Jobs fetched per poll and run concurrently (default 5). */
  batchSize?: number;
  pollingIntervalSeconds?: number;
}

export interface Queue {
  readonly boss: PgBoss;
  readonly schema: string;
  /** Creates a queue, or applies a new policy to it (for jobs sent from now on). */
  define(name: string, policy?: QueuePolicy): Promise<void>;
  /** Whether the queue exists, so that send() inside a transaction will take the job. */
  has(name: string): boolean;
  /**
   * Sends a job. With `tx` (a transaction of ours) the job is inserted in that transaction;
   * without, it is committed at once. Returns the job id.
   */
  send<T extends object>(
    name: string,
    data: T,
    options?: PgBoss.SendOptions,
    tx?: Queryable,
  ): Promise<string>;
  /**
   * Sends many jobs of one queue with one statement, in the transaction `tx`; returns their ids
   * in the order given. The queue's policy (retries, expiry) applies as with send().
   */
  sendMany<T extends object>(name: string, data: T[], tx: Queryable): Promise<string[]>;
  /** Runs `handler` for each job of the queue until stop(). */
  work<T extends object>(
    name: string,
    handler: JobHandler<T>,
    options?: WorkOptions,
  ): Promise<void>;
  stop(): Promise<void>;
}

const queues = new WeakMap<Db, Queue>();

/** The started queue on this database in this process, if any (for senders inside services). */
export function queueFor(db: Db): Queue | undefined {
  return queues.get(db);
}

/** A pg-boss `db` that runs its statements in one of our transactions (or on the pool). */
function executor(q: Queryable): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      if (values && values.length > 0) return { rows: await q.query(text, values) };
      // A script of several statements must go as one simple query, without parameters.
      return { rows: await q.query(text) };
    },
  };
}

/**
 * pg-boss's statements on the pool. `stopped()` true: the queue was stopped, and a statement that
 * fails now (the database closed or, in tests, its schema dropped) answers no result instead of an
 * error — pg-boss completes a fetched batch again after its callback returns without awaiting it,
 * so such a failure would otherwise surface as an unhandled rejection in whatever runs next.
 * Those jobs were settled by the callback already (settle below).
 */
function poolExecutor(db: Db, stopped: () => boolean): PgBoss.Db {
  return {
    async executeSql(text: string, values?: unknown[]) {
      let result: pg.QueryResult | pg.QueryResult[];
      try {
        result =
          values && values.length > 0
            ? await db.pool.query(text, values)
            : await db.pool.query(text);
      } catch (err) {
        // No result: what pg-boss's complete and fail read as "no job affected" (a `{ rows: [] }`
        // would make them read a count from a row that is not there).
        if (stopped()) return undefined as unknown as { rows: unknown[] };
        throw err;
      }
      // A multi-statement script answers with one result per statement.
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return { rows: last?.rows ?? [] };
    },
  };
}

export async function startQueue(db: Db, opts: QueueOptions = {}): Promise<Queue> {
  const schema = opts.schema ?? 'pgboss';
  const maintenance = opts.maintenance ?? true;
  let stopped = false;
  const boss = new PgBoss({
    db: poolExecutor(db, () => stopped),
    schema,
    supervise: maintenance,
    schedule: maintenance,
    pollingIntervalSeconds: opts.pollingIntervalSeconds ?? 2,
  });
  const onError = opts.onError ?? ((err: Error) => console.error('job queue:', err.message));
  boss.on('error', (err) => {
    if (!stopped) onError(err);
  });
  await boss.start();

  const created = new Set<string>();
  const define = async (name: string, policy: QueuePolicy = declared.get(name) ?? {}) => {
    if (!created.has(name)) await boss.createQueue(name, { name, ...policy });
    await boss.updateQueue(name, { name, ...policy });
    created.add(name);
  };
  for (const [name, policy] of declared) await define(name, policy);

  // Batches of jobs whose callback has not returned yet.
  let inFlight = 0;
  // Started by the first work(): a process that only sends jobs runs none and needs no heartbeat.
  let liveness: Liveness | undefined;
  const live = () => {
    liveness ??= startLiveness(db, boss, schema, executor, onError, opts.liveness);
    return liveness;
  };

  const queue: Queue = {
    boss,
    schema,
    define,
    has: (name) => created.has(name),
    async send(name, data, options = {}, tx) {
      if (!created.has(name)) {
        if (tx) throw new Error(`queue ${name} is not defined: declare it with defineQueue`);
        await define(name);
      }
      const id = await boss.send(name, data, { ...options, ...(tx && { db: executor(tx) }) });
      if (!id) throw new Error(`queue ${name} refused the job`);
      return id;
    },
    async sendMany(name, data, tx) {
      if (!created.has(name)) {
        throw new Error(`queue ${name} is not defined: declare it with defineQueue`);
      }
      if (data.length === 0) return [];
      const ids = data.map(() => randomUUID());
      await boss.insert(
        data.map((d, i) => ({ id: ids[i], name, data: d })),
        { db: executor(tx) },
      );
      return ids;
    },
    async work<T extends object>(name: string, handler: JobHandler<T>, options: WorkOptions = {}) {
      if (!created.has(name)) await define(name);
      const alive = live();
      await boss.work<T>(
        name,
        {
          includeMetadata: true,
          batchSize: options.batchSize ?? 5,
          pollingIntervalSeconds:
            options.pollingIntervalSeconds ?? opts.pollingIntervalSeconds ?? 2,
        },
        // pg-boss settles a fetched batch as a whole; settle each job on its own instead, so one
        // failing job is retried without failing the others. A job stays in this process's
        // heartbeat until it is settled, so no other process takes it for orphaned meanwhile.
        // Nothing escapes this callback: pg-boss would settle the batch again without awaiting
        // it, and after a shutdown that becomes an unhandled rejection.
        async (jobs) => {
          inFlight += 1;
          try {
            await Promise.all(jobs.map(settle));
          } finally {
            inFlight -= 1;
          }
        },
      );
      async function settle(job: Job<T>): Promise<void> {
        alive.running(job.id);
        try {
          await handler(job);
        } catch (err) {
          await boss
            .fail(name, job.id, errorOutput(err))
            .catch((e: Error) => {
              if (!stopped) onError(e);
            })
            .finally(() => alive.done(job.id));
          return;
        }
        // Completed here, before leaving the heartbeat, with the process that did it as the
        // job's output; should this fail, pg-boss completes the batch's jobs itself when
        // this callback returns.
        await boss
          .complete(name, job.id, { pid: process.pid, worker: alive.workerId })
          .catch(() => undefined);
        alive.done(job.id);
      }
    },
    async stop() {
      if (stopped) return;
      if (queues.get(db) === queue) queues.delete(db);
      await boss.stop({ graceful: true, wait: true, timeout: 15_000 });
      // Jobs still settling when pg-boss gave up waiting finish before the caller closes the
      // database (bounded: a handler stuck for good does not hold the shutdown).
      for (let waited = 0; inFlight > 0 && waited < 15_000; waited += 50) await sleep(50);
      await liveness?.stop();
      stopped = true;
    },
  };
  queues.set(db, queue);
  return queue;
}

function errorOutput(err: unknown): object {
  return err instanceof Error
    ? { name: err.name, message: err.message }
    : { message: String(err).slice(0, 500) };
}
