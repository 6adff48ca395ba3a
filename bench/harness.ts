/**
 * What every benchmark shares: a fresh database (a throwaway schema on DATABASE_URL, or a new
 * embedded PGlite in a temporary directory), migrated; argument parsing; peak RSS sampling.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase } from '../src/db/connect.js';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { wireModules } from '../src/modules/wiring.js';

export function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
  return value;
}

export interface BenchDb {
  db: Db;
  label: string;
  schema: string | undefined;
  close(): Promise<void>;
}

/**
 * The benchmark's database. `reuse` names a schema an earlier run kept (`--keep`): it is opened
 * (and migrated, should migrations have come since) instead of a new one, and kept again at the
 * end, so a large seed is paid once (PostgreSQL only).
 */
export async function benchDb(poolSize = 10, reuse?: string): Promise<BenchDb> {
  // Benchmarks assemble Billow as the server does.
  wireModules();
  const url = process.env.DATABASE_URL;
  if (reuse !== undefined && !url) throw new Error('reusing a kept schema needs DATABASE_URL');
  if (reuse !== undefined && !/^bench_[a-z0-9]+$/.test(reuse)) {
    throw new Error(`${reuse} is no schema a benchmark kept (bench_…)`);
  }
  if (url) {
    const schema = reuse ?? `bench_${Date.now().toString(36)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
    if (reuse === undefined) await admin.query(`CREATE SCHEMA ${schema}`);
    else {
      const found = await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
      if (found.rowCount === 0) throw new Error(`no schema ${schema} to reuse`);
    }
    await admin.end();
    const db = await openDatabase({ databaseUrl: url, dataDir: '', schema, poolSize });
    await migrate(db);
    return {
      db,
      schema,
      label: 'PostgreSQL',
      async close() {
        await db.close();
        if (reuse !== undefined) return;
        const drop = new pg.Client({ connectionString: url });
        await drop.connect();
        await drop.query(`DROP SCHEMA ${schema} CASCADE`);
        await drop.query(`DROP SCHEMA IF EXISTS ${schema}_jobs CASCADE`);
        await drop.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'billow-bench-'));
  const db = await openDatabase({ dataDir: dir, poolSize });
  await migrate(db);
  return {
    db,
    schema: undefined,
    label: 'PGlite',
    async close() {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Samples the resident set size until stopped; returns the peak in MiB. */
export function rssSampler(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.round(Math.max(peak, process.memoryUsage().rss) / 1024 / 1024);
    },
  };
}
