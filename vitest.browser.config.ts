import { defineConfig } from 'vitest/config';

/**
 * The browser suite (npm run test:browser), apart from `npm test`: the global setup builds the web
 * apps once and starts one Billow server on a temporary PGlite directory; the files then drive
 * Debian's Chromium through playwright-core, one file at a time (the machine has two cores).
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    globalSetup: ['test/browser/global-setup.ts'],
    fileParallelism: false,
    maxWorkers: 1,
    pool: 'forks',
    // CI runs this suite beside the database suites on two cores: pages are slower then.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Servers the files start take jobs (emails, runs) within half a second instead of two.
    env: { BILLOW_JOB_POLL_SECONDS: '0.5' },
  },
});
