/**
 * The embedded database's housekeeping (no autovacuum on PGlite): vacuumAnalyze cleans every
 * table of the schema and gives the planner the tables' real sizes.
 */
import { describe, expect, it } from 'vitest';
import { currentSchema, vacuumAnalyze } from '../../src/db/maintenance.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

describe('vacuumAnalyze', () => {
  it('vacuums and analyzes every table of the schema, one by one', async () => {
    const { db } = h.testDb;
    await db.exec('CREATE TABLE maint_probe (id int PRIMARY KEY, note text)');
    await db.exec(`INSERT INTO maint_probe SELECT g, 'x' FROM generate_series(1, 1000) g`);
    await db.exec('DELETE FROM maint_probe WHERE id % 2 = 0');
    const size = () =>
      db.one<{ reltuples: number }>(
        `SELECT reltuples::int AS reltuples FROM pg_class
          WHERE oid = to_regclass(current_schema() || '.maint_probe')`,
      );
    // Never analyzed: the planner knows nothing of the rows.
    expect((await size()).reltuples).toBeLessThanOrEqual(0);
    const schema = await currentSchema(db);
    const tables = await db.one<{ n: number }>(
      'SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1',
      [schema],
    );
    expect(await vacuumAnalyze(db, [schema])).toBe(tables.n);
    expect((await size()).reltuples).toBe(500);
    // A quoted name is no problem.
    await db.exec('CREATE TABLE "maint probe ""2""" (id int)');
    expect(await vacuumAnalyze(db, [schema])).toBe(tables.n + 1);
  });
});
