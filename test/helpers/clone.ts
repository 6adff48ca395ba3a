/** Many rows made in SQL from one made through the API, for tests that need volume fast. */
import type { Db } from '../../src/db/db.js';

/**
 * Inserts `n` copies of the row `id` of `table`, numbered g = 1…n: `changes` is the argument
 * list of a jsonb_build_object over the template row `t` and `g`, for example
 * `'id', t.id || '_' || g`.
 */
export async function cloneRow(
  db: Db,
  table: string,
  id: string,
  n: number,
  changes: string,
): Promise<void> {
  await db.query(
    `INSERT INTO ${table}
     SELECT (jsonb_populate_record(null::${table}, to_jsonb(t) || jsonb_build_object(${changes}))).*
       FROM generate_series(1, ${n}) g, ${table} t WHERE t.id = $1`,
    [id],
  );
}
