import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { startQueue } from '../../src/jobs/queue.js';
import { useHarness } from '../helpers/harness.js';
import { until } from '../helpers/wait.js';

const h = useHarness({ queue: true });
const seen: { name: string; n: number; retryCount: number }[] = [];
let failOnce = new Set<number>();

// A queue of the test's own, whose jobs fail when told to.
beforeAll(async () => {
  await h.queue.define('test-tx', { retryLimit: 2, retryDelay: 1 });
  await h.queue.work<{ n: number }>('test-tx', async (job) => {
    seen.push({ name: job.name, n: job.data.n, retryCount: job.retryCount });
    if (failOnce.delete(job.data.n)) throw new Error(`job ${job.data.n} fails once`);
  });
});

const runs = (n: number) => seen.filter((s) => s.n === n);

describe('job queue', () => {
  it('a job sent in a rolled-back transaction never exists; a committed one runs once', async () => {
    await expect(
      h.testDb.db.tx(async (tx) => {
        await h.queue.send('test-tx', { n: 1 }, {}, tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const id = await h.testDb.db.tx((tx) => h.queue.send('test-tx', { n: 2 }, {}, tx));
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    await until(() => runs(2).length > 0);
    await sleep(1500); // several polls more: nothing else may arrive
    expect(runs(1)).toEqual([]);
    expect(runs(2)).toHaveLength(1);
    const jobs = await h.testDb.db.query<{ n: string; state: string }>(
      `SELECT data->>'n' AS n, state::text AS state FROM ${h.queue.schema}.job WHERE name = 'test-tx'`,
    );
    expect(jobs.filter((j) => j.n === '1')).toEqual([]);
    await until(async () => {
      const rows = await h.testDb.db.query<{ state: string }>(
        `SELECT state::text AS state FROM ${h.queue.schema}.job WHERE id = $1`,
        [id],
      );
      return rows[0]?.state === 'completed';
    });
  });

  it('a job that throws is retried on its own while the rest of its batch completes', async () => {
    failOnce = new Set([3]);
    await h.queue.send('test-tx', { n: 3 });
    await h.queue.send('test-tx', { n: 4 });
    await until(() => runs(3).length === 2 && runs(4).length === 1);
    expect(runs(3).map((r) => r.retryCount)).toEqual([0, 1]);
    expect(runs(4).map((r) => r.retryCount)).toEqual([0]);
  });

  it('refuses to send inside a transaction to a queue nobody declared', async () => {
    await expect(
      h.testDb.db.tx((tx) => h.queue.send('never-declared', { n: 5 }, {}, tx)),
    ).rejects.toThrow(/not defined/);
  });

  it('after stop, a statement pg-boss still makes fails quietly instead of as an unhandled error', async () => {
    // pg-boss completes a batch again after its callback returns, without awaiting it; once the
    // queue is stopped and its tables are gone, that statement must not reject.
    const schema = `pgboss_stopped_${Math.random().toString(36).slice(2, 8)}`;
    const q = await startQueue(h.testDb.db, { schema, maintenance: false });
    await q.define('test-stopped');
    await q.stop();
    await h.testDb.db.exec(`DROP SCHEMA ${schema} CASCADE`);
    await expect(q.boss.complete('test-stopped', crypto.randomUUID())).resolves.toMatchObject({
      affected: 0,
    });
  });
});
