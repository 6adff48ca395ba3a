/**
 * A fresh, isolated database for one test file: an in-memory PGlite behind the same gated socket
 * the server uses, or, when BILLOW_TEST_DATABASE_URL is set, a new schema on that PostgreSQL
 * server. Either way fully migrated, and dropped at the end.
 *
 * On PGlite most of a fresh start is initdb (about 2 s), so the run's global setup migrates one
 * database and dumps it (`writePgliteTemplate`); each file's database starts from that dump
 * (about 0.4 s) and `migrate` then finds nothing left to apply.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { poolOptions } from '../../src/db/connect.js';
import { createDb, type Db } from '../../src/db/db.js';
import { createPGlite, serveGated } from '../../src/db/embedded.js';
import { migrate } from '../../src/db/migrate.js';

export const TEST_DATABASE_URL = process.env.BILLOW_TEST_DATABASE_URL;

declare module 'vitest' {
  export interface ProvidedContext {
    /** A dump of a migrated PGlite database (global setup, PGlite runs only). */
    pgliteTemplate: string | undefined;
  }
}

export interface TestDb {
  db: Db;
  /** Schema name on PostgreSQL (undefined on PGlite). */
  schema: string | undefined;
  /** A pool config reaching the same database, for a second client (the job queue). */
  poolConfig: pg.PoolConfig;
  close(): Promise<void>;
}

async function openPglite(
  template?: Blob,
): Promise<{ db: Db; poolConfig: pg.PoolConfig; dump(): Promise<Blob> }> {
  const dir = mkdtempSync(join(tmpdir(), 'billow-test-'));
  const lite = await createPGlite(undefined, template);
  const server = await serveGated(lite, dir);
  const poolConfig = poolOptions({ dataDir: dir }, dir);
  const db = createDb(new pg.Pool(poolConfig), 'pglite', async () => {
    await new Promise<void>((ok) => server.close(() => ok()));
    await lite.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, poolConfig, dump: () => lite.dumpDataDir('none') };
}

/** Migrates a new PGlite database and writes its dump to `file` (the run's global setup). */
export async function writePgliteTemplate(file: string): Promise<void> {
  const { db, dump } = await openPglite();
  try {
    await migrate(db);
    writeFileSync(file, Buffer.from(await (await dump()).arrayBuffer()));
  } finally {
    await db.close();
  }
}

function pgliteTemplate(): Blob | undefined {
  const file = inject('pgliteTemplate');
  return file ? new Blob([readFileSync(file)]) : undefined;
}

export async function openTestDb(): Promise<TestDb> {
  if (TEST_DATABASE_URL) {
    const schema = `t_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const poolConfig = poolOptions({ databaseUrl: TEST_DATABASE_URL, dataDir: '', schema });
    const db = createDb(new pg.Pool(poolConfig), 'postgres', async () => {
      const drop = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await drop.connect();
      await drop.query(`DROP SCHEMA ${schema} CASCADE`);
      await drop.end();
    });
    await migrate(db);
    return { db, schema, poolConfig, close: () => db.close() };
  }
  const { db, poolConfig } = await openPglite(pgliteTemplate());
  await migrate(db);
  return { db, schema: undefined, poolConfig, close: () => db.close() };
}
