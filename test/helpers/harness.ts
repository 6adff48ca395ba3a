/**
 * The one test harness: Billow's API on a fresh database (PGlite, or a new schema on PostgreSQL),
 * on a manual clock, with what a file asks for besides (a loopback SMTP server, the job queue, the
 * worker). A test file calls `useHarness()` once at top level (or inside a describe block, for a
 * second installation with other settings); it starts everything before the first test of its
 * block and stops it all after the last one.
 */
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../src/core/clock.js';
import { type App, buildApp } from '../../src/http/app.js';
import type { ContractViolation } from '../../src/http/contract.js';
import { type Queue, startQueue } from '../../src/jobs/queue.js';
import {
  type EmailWorkerOptions,
  startWorker,
  type WebhookWorkerOptions,
  type Worker,
} from '../../src/jobs/worker.js';
import { wireModules } from '../../src/modules/wiring.js';
import { openTestDb, type TestDb } from './db.js';
import { scoped } from './scoped.js';
import { startSmtp, type TestSmtp } from './smtp.js';

/** Where the harness clock starts: 10:00 on Sunday 2026-11-22 in New York. */
export const HARNESS_START = '2026-11-22T15:00:00Z';

export interface WorkerTuning {
  /** SMTP goes to the harness's server (`smtp: true`), or nowhere: messages stay queued. */
  email?: Omit<EmailWorkerOptions, 'smtpUrl'>;
  /** Private targets follow the harness's `webhooksAllowPrivate`. */
  webhooks?: Omit<WebhookWorkerOptions, 'allowPrivate'>;
  /** How often the worker sweeps for undelivered webhooks and emails (default 300 ms). */
  sweepIntervalMs?: number;
}

export interface HarnessOptions {
  /** Login attempts per minute per client address (default 1000: tests log in a lot). */
  loginRateLimit?: number;
  /** Webhook endpoints and their deliveries may target loopback and private addresses. */
  webhooksAllowPrivate?: boolean;
  /** Reverse proxies whose X-Forwarded-For is believed (buildApp's `trustProxy`). */
  trustProxy?: number | string[];
  /** Log every request at trace level into `h.logs` (otherwise the app logs nothing). */
  captureLogs?: boolean;
  /** A real SMTP server on loopback (`h.smtp`); the worker sends through it. */
  smtp?: boolean;
  /** The job queue on the test database (`h.queue`), with no handlers: the file adds its own. */
  queue?: boolean;
  /** Serve built web apps from this directory (`webDir` of buildApp). */
  webDir?: string;
  /** The job queue and the worker with every handler of Billow (`h.queue`, `h.worker`). */
  worker?: boolean | WorkerTuning;
}

export interface Harness {
  app: App;
  testDb: TestDb;
  clock: ManualClock;
  /** The loopback SMTP server (`smtp: true`). */
  smtp: TestSmtp;
  /** The job queue (`queue` or `worker`). */
  queue: Queue;
  /** The worker (`worker`). */
  worker: Worker;
  /** Every log line of the app so far (`captureLogs: true`). */
  logs: string;
  close(): Promise<void>;
}

/** Asks for a part the harness was not started with: a mistake in the test file. */
function missing(part: string, option: string): never {
  throw new Error(`the harness has no ${part}: start it with useHarness({ ${option} })`);
}

/**
 * Assembles one installation for tests: the database, the clock, the app and, when asked, the
 * queue and the worker. The one place where tests put Billow together, as the server does.
 */
export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  // Closed in reverse order, also when a later part fails to start.
  const stack: (() => Promise<void>)[] = [];
  const closeAll = async () => {
    for (const close of stack.splice(0).reverse()) await close();
  };
  // Every reply is checked against the statuses its route documents (src/http/contract.ts);
  // closing the harness fails the file that saw an undocumented one.
  const violations: ContractViolation[] = [];
  const closeAndCheck = async () => {
    await closeAll();
    const seen = new Set(
      violations.map(
        (v) => `${v.method} ${v.url} answered ${v.status} (documents ${v.documented})`,
      ),
    );
    if (seen.size > 0)
      throw new Error(`replies with undocumented statuses:\n${[...seen].join('\n')}`);
  };
  try {
    // As the server does: connect the modules before anything runs.
    wireModules();
    const testDb = await openTestDb();
    stack.push(() => testDb.close());
    const clock = new ManualClock(HARNESS_START);
    let logs = '';
    const logStream = options.captureLogs ? new PassThrough() : undefined;
    logStream?.on('data', (chunk: Buffer) => {
      logs += chunk.toString('utf8');
    });
    const app = await buildApp({
      contract: { strict: true, violations },
      db: testDb.db,
      clock,
      logLevel: logStream ? 'trace' : false,
      ...(logStream && { logStream }),
      loginRateLimit: options.loginRateLimit ?? 1000,
      webhooksAllowPrivate: options.webhooksAllowPrivate ?? false,
      ...(options.trustProxy !== undefined && { trustProxy: options.trustProxy }),
      ...(options.webDir && { webDir: options.webDir }),
    });
    stack.push(() => app.close());
    await app.ready();
    const smtp = options.smtp ? await startSmtp() : undefined;
    if (smtp) stack.push(() => smtp.close());
    let queue: Queue | undefined;
    if (options.queue || options.worker) {
      // On PostgreSQL the jobs get a schema of their own beside the test's schema.
      const started = await startQueue(testDb.db, {
        schema: testDb.schema && `${testDb.schema}_jobs`,
        pollingIntervalSeconds: 0.5,
      });
      queue = started;
      stack.push(async () => {
        await started.stop();
        if (testDb.schema) await testDb.db.exec(`DROP SCHEMA IF EXISTS ${started.schema} CASCADE`);
      });
    }
    const tuning = typeof options.worker === 'object' ? options.worker : {};
    let worker: Worker | undefined;
    if (queue && options.worker) {
      const started = await startWorker({
        db: testDb.db,
        clock,
        queue,
        email: { ...tuning.email, smtpUrl: smtp?.url ?? null },
        webhooks: { ...tuning.webhooks, allowPrivate: options.webhooksAllowPrivate ?? false },
        sweepIntervalMs: tuning.sweepIntervalMs ?? 300,
      });
      // A test may stop the worker itself (to start another in its place); closing stops it once.
      let stopping: Promise<void> | undefined;
      const stop = () => {
        stopping ??= started.stop();
        return stopping;
      };
      worker = { stop };
      stack.push(stop);
    }
    return {
      app,
      testDb,
      clock,
      get smtp() {
        return smtp ?? missing('SMTP server', 'smtp: true');
      },
      get queue() {
        return queue ?? missing('job queue', 'queue: true');
      },
      get worker() {
        return worker ?? missing('worker', 'worker: true');
      },
      get logs() {
        return logStream ? logs : missing('log', 'captureLogs: true');
      },
      close: closeAndCheck,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}

/**
 * Starts an installation before the first test of the enclosing block (the file, or a describe
 * block) and closes it after the last; what it returns reads through to the running harness.
 */
export function useHarness(options: HarnessOptions = {}): Harness {
  return scoped('the harness', () => startHarness(options), {
    stop: (h) => h.close(),
    // A fresh database is migrated from scratch: slow when other test runs share the cores.
    timeoutMs: 180_000,
  });
}

/** How many rows of `table` belong to the tenant (`account_id` in the sandbox vault's tables). */
export async function countRows(
  h: Harness,
  table: string,
  tenantId: string,
  column: 'tenant_id' | 'account_id' = 'tenant_id',
): Promise<number> {
  const row = await h.testDb.db.one<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
    [tenantId],
  );
  return row.n;
}
