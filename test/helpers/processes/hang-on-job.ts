/**
 * A worker process that takes one job of the queue `test-hang` and never finishes it: it prints
 * the job's id and waits to be killed. Run by test/jobs/liveness.test.ts with BILLOW_CHILD =
 * { poolConfig, kind, schema, heartbeatSeconds } as JSON.
 */
import pg from 'pg';
import { createDb, type Db } from '../../../src/db/db.js';
import { startQueue } from '../../../src/jobs/queue.js';

const child = JSON.parse(process.env.BILLOW_CHILD ?? '{}') as {
  poolConfig: pg.PoolConfig;
  kind: Db['kind'];
  schema: string;
  heartbeatSeconds: number;
};
const db = createDb(new pg.Pool({ ...child.poolConfig, max: 3 }), child.kind);
const queue = await startQueue(db, {
  schema: child.schema,
  pollingIntervalSeconds: 0.5,
  maintenance: false,
  liveness: { heartbeatSeconds: child.heartbeatSeconds },
});
await queue.work<{ n: number }>(
  'test-hang',
  async (job) => {
    process.stdout.write(`${job.id}\n`);
    await new Promise(() => undefined);
  },
  { batchSize: 1 },
);
