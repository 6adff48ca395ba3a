/**
 * The jobs of a process that died are taken up again in seconds, not at their 15-minute expiry
 * (issue 10, item 7), and the jobs of a live process are never taken from it.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from '../../src/jobs/queue.js';
import { useHarness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

const CHILD = join(import.meta.dirname, '../helpers/processes/hang-on-job.ts');
const h = useHarness();
let queue: Queue;
let schema: string;
const runs: { id: string; retryCount: number }[] = [];

beforeAll(async () => {
  schema = h.testDb.schema ? `${h.testDb.schema}_jobs` : 'pgboss';
  queue = await startQueue(h.testDb.db, {
    schema,
    pollingIntervalSeconds: 0.5,
    liveness: { heartbeatSeconds: 1, staleSeconds: 4, reclaimSeconds: 1 },
  });
  await queue.define('test-hang', { retryLimit: 2 });
});

afterAll(async () => {
  await queue.stop();
  if (h.testDb.schema) await h.testDb.db.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
});

async function stateOf(id: string) {
  const rows = await h.testDb.db.query<{ state: string; retry_count: number }>(
    `SELECT state::text AS state, retry_count FROM ${schema}.job WHERE id = $1`,
    [id],
  );
  return rows[0];
}

describe('a worker process killed while it runs a job', () => {
  it('keeps its job while alive, and once killed another process runs it again', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
      env: {
        ...process.env,
        BILLOW_CHILD: JSON.stringify({
          poolConfig: h.testDb.poolConfig,
          kind: h.testDb.db.kind,
          schema,
          heartbeatSeconds: 1,
        }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((ok) => child.on('exit', (_c, s) => ok(s)));
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    try {
      const id = await queue.send('test-hang', { n: 1 });
      await until(() => out.includes(id), { what: 'the child to take the job', timeoutMs: 30_000 });

      // Alive, with a heartbeat naming the job: longer than the stale limit, nobody takes it.
      await new Promise((ok) => setTimeout(ok, 7_000));
      expect(await stateOf(id)).toEqual({ state: 'active', retry_count: 0 });

      // This process works on the queue too, and now the child dies without a word.
      await queue.work<{ n: number }>('test-hang', async (job) => {
        runs.push({ id: job.id, retryCount: job.retryCount });
      });
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      await until(() => runs.length > 0, { what: 'the job to run again', timeoutMs: 30_000 });
      expect(runs).toEqual([{ id, retryCount: 1 }]);
      await until(async () => (await stateOf(id))?.state === 'completed', {
        what: 'the job to complete',
      });
    } finally {
      child.kill('SIGKILL');
    }
  }, 90_000);
});
