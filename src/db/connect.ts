/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite. */
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

export function poolOptions(config: DbConfig, socketDir?: string): pg.PoolConfig {
  const base: pg.PoolConfig = { max: config.poolSize ?? 10 };
  if (config.schema) base.options = `-c search_path=${config.schema},public`;
  if (socketDir) {
    return { ...base, host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' };
  }
  return { ...base, connectionString: config.databaseUrl };
}

export async function openDatabase(config: DbConfig): Promise<Db> {
  if (config.databaseUrl) {
    return createDb(new pg.Pool(poolOptions(config)), 'postgres');
  }
  const embedded = await openEmbedded(config.dataDir);
  const pool = new pg.Pool(poolOptions(config, embedded.socketDir));
  return createDb(pool, 'pglite', () => embedded.close());
}
