import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queue, startQueue } from '../../src/jobs/queue.js';
import { openTestDb, type TestDb } from '../helpers/db.js';

let testDb: TestDb;
let queue: Queue;
const seen: { name: string; n: number; retryCount: number }[] = [];
let failOnce = new Set<number>();

async function until(check: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await sleep(100);
  }
}

beforeAll(async () => {
  testDb = await openTestDb();
  queue = await startQueue(testDb.db, {
    schema: testDb.schema && `${testDb.schema}_jobs`,
    pollingIntervalSeconds: 0.5,
  });
  await queue.define('test-tx', { retryLimit: 2, retryDelay: 1 });
  await queue.work<{ n: number }>('test-tx', async (job) => {
    seen.push({ name: job.name, n: job.data.n, retryCount: job.retryCount });
    if (failOnce.delete(job.data.n)) throw new Error(`job ${job.data.n} fails once`);
  });
});

afterAll(async () => {
  await queue?.stop();
  if (testDb?.schema) await testDb.db.exec(`DROP SCHEMA IF EXISTS ${queue.schema} CASCADE`);
  await testDb?.close();
});

const runs = (n: number) => seen.filter((s) => s.n === n);

describe('job queue', () => {
  it('a job sent in a rolled-back transaction never exists; a committed one runs once', async () => {
    await expect(
      testDb.db.tx(async (tx) => {
        await queue.send('test-tx', { n: 1 }, {}, tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await testDb.db.tx((tx) => queue.send('test-tx', { n: 2 }, {}, tx));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await until(() => runs(2).length > 0);
    await sleep(1500); // several polls more: nothing else may arrive
    expect(runs(1)).toEqual([]);
    expect(runs(2)).toHaveLength(1);
    const jobs = await testDb.db.query<{ n: string; state: string }>(
      `SELECT data->>'n' AS n, state::text AS state FROM ${queue.schema}.job WHERE name = 'test-tx'`,
    );
    expect(jobs.filter((j) => j.n === '1')).toEqual([]);
    await until(async () => {
      const rows = await testDb.db.query<{ state: string }>(
        `SELECT state::text AS state FROM ${queue.schema}.job WHERE id = $1`,
        [id],
      );
      return rows[0]?.state === 'completed';
    });
  });

  it('a job that throws is retried on its own while the rest of its batch completes', async () => {
    failOnce = new Set([3]);
    await queue.send('test-tx', { n: 3 });
    await queue.send('test-tx', { n: 4 });
    await until(() => runs(3).length === 2 && runs(4).length === 1);
    expect(runs(3).map((r) => r.retryCount)).toEqual([0, 1]);
    expect(runs(4).map((r) => r.retryCount)).toEqual([0]);
  });

  it('refuses to send inside a transaction to a queue nobody declared', async () => {
    await expect(
      testDb.db.tx((tx) => queue.send('never-declared', { n: 5 }, {}, tx)),
    ).rejects.toThrow(/not defined/);
  });
});
