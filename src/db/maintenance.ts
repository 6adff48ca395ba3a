/**
 * Housekeeping the embedded database needs: PGlite runs no autovacuum, so dead rows (every
 * update of a payment, an item, a job) pile up and the planner's statistics stay at what the
 * tables held when they were created. The worker runs this every hour on PGlite; a PostgreSQL
 * server does it itself. Table by table, so that other connections get the embedded database
 * between two tables (the gate hands it over per statement outside transactions).
 */
import type { Db } from './db.js';

/** VACUUM (ANALYZE) every table of the schemas given; returns how many tables it did. */
export async function vacuumAnalyze(db: Db, schemas: string[]): Promise<number> {
  const tables = await db.query<{ schemaname: string; tablename: string }>(
    `SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY ($1::text[])
      ORDER BY schemaname, tablename`,
    [schemas],
  );
  for (const t of tables) {
    await db.exec(`VACUUM (ANALYZE) ${quoteIdent(t.schemaname)}.${quoteIdent(t.tablename)}`);
  }
  return tables.length;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The schema Billow's tables are in on this connection (public, or a test's own). */
export async function currentSchema(db: Db): Promise<string> {
  return (await db.one<{ s: string }>('SELECT current_schema() AS s')).s;
}
