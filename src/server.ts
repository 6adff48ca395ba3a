/** Runs Billow: the database (migrated), the job queue, the HTTP API and the workers. */
import type { Config } from './config.js';
import { systemClock } from './core/clock.js';
import { openDatabase } from './db/connect.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';
import { DEFAULT_WEB_DIR } from './http/web.js';
import { startQueue } from './jobs/queue.js';
import { startWorker } from './jobs/worker.js';
import { configurePublicUrl } from './modules/portal/links.js';
import { wireModules } from './modules/wiring.js';

export interface Running {
  url: string;
  /** The server's database (the browser suite seeds its tenant through it). */
  db: Db;
  close(): Promise<void>;
}

/**
 * Email goes where the given configuration says, not where the process environment does (the
 * worker would otherwise read BILLOW_SMTP_URL itself): a server started with its own config — a
 * test's, or an embedder's — sends through its own SMTP server, or queues without one.
 */
function emailOf(config: Config) {
  return { smtpUrl: config.smtpUrl ?? null, from: config.emailFrom };
}

/** The API, and unless `worker` is false, the workers in the same process. */
export async function startServer(
  config: Config,
  options: { worker?: boolean } = {},
): Promise<Running> {
  wireModules();
  const db = await openDatabase(config, { owner: true });
  try {
    await migrate(db);
    // The queue starts before requests are taken, so events written by them find it.
    const queue = await startQueue(db, { pollingIntervalSeconds: config.jobPollSeconds });
    const app = await buildApp({
      db,
      clock: systemClock,
      logLevel: config.logLevel,
      webhooksAllowPrivate: config.webhooksAllowPrivate,
      trustProxy: config.trustProxy,
      webDir: config.webDir ?? DEFAULT_WEB_DIR,
    });
    const url = await app.listen({ port: config.port, host: config.host });
    // Links in emails: BILLOW_PUBLIC_URL, or where this server listens.
    configurePublicUrl(config.publicUrl ?? url);
    const webhooks = { allowPrivate: config.webhooksAllowPrivate };
    const worker =
      options.worker === false
        ? undefined
        : await startWorker({ db, clock: systemClock, queue, webhooks, email: emailOf(config) });
    return {
      url,
      db,
      async close() {
        await worker?.stop();
        await app.close();
        await queue.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}

/** Only the workers: extra processes on PostgreSQL share the queue with the server. */
export async function startWorkers(config: Config): Promise<{ close(): Promise<void> }> {
  wireModules();
  const db = await openDatabase(config);
  try {
    await migrate(db);
    configurePublicUrl(config.publicUrl ?? `http://${config.host}:${config.port}`);
    const queue = await startQueue(db, { pollingIntervalSeconds: config.jobPollSeconds });
    const webhooks = { allowPrivate: config.webhooksAllowPrivate };
    const worker = await startWorker({
      db,
      clock: systemClock,
      queue,
      webhooks,
      email: emailOf(config),
    });
    return {
      async close() {
        await worker.stop();
        await queue.stop();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
