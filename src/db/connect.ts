/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite. */
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { createDb, type Db } from './db.js';
import { openEmbedded, SOCKET_PORT } from './embedded.js';

export interface DbConfig {
  /** postgres://… to use a PostgreSQL server. */
  databaseUrl?: string | undefined;
  /** Data directory of the embedded database (when no databaseUrl). */
  dataDir: string;
  /** Optional schema to work in (tests use one per suite on a shared server). */
  schema?: string | undefined;
  /** Connections in the pool. */
  poolSize?: number;
}

/**
 * How long an idle pooled connection is kept. node-postgres closes one after 10 s by default, and
 * hands out the most recently used first, so under steady load the pool's spare connections idle
 * out and a burst opens new ones: each a new backend that parses and plans the prepared
 * statements again with cold catalog caches (30–70 ms per statement, seen in PostgreSQL's log as
 * slow `bind`s during the portal benchmark: its p99 stalls). Ten minutes keeps a busy server's
 * connections warm and still lets a quiet one give them back.
 */
export const POOL_IDLE_MS = 10 * 60_000;

export function poolOptions(config: DbConfig, socketDir?: string): pg.PoolConfig {
  const base: pg.PoolConfig = { max: config.poolSize ?? 10, idleTimeoutMillis: POOL_IDLE_MS };
  if (config.schema) base.options = `-c search_path=${config.schema},public`;
  if (socketDir) {
    return { ...base, host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' };
  }
  return { ...base, connectionString: config.databaseUrl };
}

/**
 * Opens the configured database. With `owner`, the embedded database is opened only as its
 * owner: the server waits for a `billow` command that holds the data directory to finish rather
 * than depend on it, since the owner's exit closes the socket everyone else uses.
 */
export async function openDatabase(
  config: DbConfig,
  options: { owner?: boolean } = {},
): Promise<Db> {
  if (config.databaseUrl) {
    return createDb(new pg.Pool(poolOptions(config)), 'postgres');
  }
  let embedded = await openEmbedded(config.dataDir);
  for (let waited = 0; options.owner && !embedded.owner; waited += 250) {
    if (waited > 120_000) throw new Error(`${config.dataDir} is held by another Billow process`);
    await sleep(250);
    embedded = await openEmbedded(config.dataDir);
  }
  const pool = new pg.Pool(poolOptions(config, embedded.socketDir));
  return createDb(pool, 'pglite', () => embedded.close());
}
