import { defineConfig } from 'vitest/config';

/**
 * Files about one database's processes run once, in the suite of that database: the embedded
 * database's ownership of its data directory and the crash of its only process, and several worker
 * processes sharing a PostgreSQL server (a database of their own). src/db/embedded.test.ts never
 * reads BILLOW_TEST_DATABASE_URL: on PostgreSQL it only ran the same processes a second time.
 */
const onPostgres = Boolean(process.env.BILLOW_TEST_DATABASE_URL);
const otherDatabaseOnly = onPostgres
  ? ['test/cli/kill-restart.test.ts', 'src/db/embedded.test.ts']
  : ['test/cli/workers.test.ts'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The browser suite has its own config (vitest.browser.config.ts, npm run test:browser).
    exclude: ['test/browser/**', '**/node_modules/**', ...otherDatabaseOnly],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    // A worker keeps its modules from one file to the next: importing the app again for each of
    // ~90 files was 430 s of the PGlite suite's time in CI (25 s without). Every file still gets
    // its own database and installation (test/helpers/harness.ts); module-level state must be
    // restored by whoever changes it (see registerMethodUsage).
    isolate: false,
    // For the `billow serve` processes of test/cli, which deliver webhooks to a receiver on
    // loopback. In-process tests pass the setting to buildApp and startWorker instead (where
    // it defaults to refusing private targets), so this reaches only code that reads the env.
    // The same processes take jobs within half a second instead of two (as the harness's
    // in-process queue does), so tests waiting on a job wait less.
    env: { BILLOW_WEBHOOKS_ALLOW_PRIVATE: '1', BILLOW_JOB_POLL_SECONDS: '0.5' },
  },
});
