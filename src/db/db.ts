/**
 * The database handle every service uses: node-postgres over either a PostgreSQL server or the
 * embedded PGlite (reached through its gated socket, see embedded.ts). One driver, one dialect,
 * so the same code and the same test suite run on both.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';

// bigint columns hold minor units and counts: return them as JS numbers, refusing any value a
// number cannot hold exactly rather than rounding it.
pg.types.setTypeParser(pg.types.builtins.INT8, (text: string) => {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`bigint ${text} exceeds the safe range`);
  return n;
});
// Business dates stay 'YYYY-MM-DD' strings; the default parser would shift them into the
// process's time zone.
pg.types.setTypeParser(pg.types.builtins.DATE, (text: string) => text);

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<T = Row>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** The single row of a statement that must return exactly one. */
  one<T = Row>(text: string, params?: readonly unknown[]): Promise<T>;
  /** The first row, or undefined. */
  maybeOne<T = Row>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs several statements without parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Tx extends Queryable {
  readonly inTransaction: true;
}

export interface TxOptions {
  isolation?: 'read committed' | 'repeatable read' | 'serializable';
}

export interface Db extends Queryable {
  readonly kind: 'pglite' | 'postgres';
  /** The pool, for libraries that need a pg client of their own (the job queue). */
  readonly pool: pg.Pool;
  /**
   * Transactions retried after a deadlock or a serialization failure since the database was
   * opened: a retry is invisible to callers, so this is how it shows (tests, operations).
   */
  readonly stats: { deadlocks: number; serializationFailures: number };
  /**
   * Runs `fn` in one transaction: commit when it resolves, roll back when it throws. A
   * serialization failure or deadlock is retried (fn must therefore touch only the database).
   */
  tx<T>(fn: (tx: Tx) => Promise<T>, options?: TxOptions): Promise<T>;
  close(): Promise<void>;
}

type Client = pg.Pool | pg.PoolClient;

/** Statement texts marked by prepared(), with their statement names. */
const PREPARED = new Map<string, string>();

/**
 * Marks a hot statement (one every portal or API request runs) to be run as a named prepared
 * statement on PostgreSQL: each connection parses it once and, once PostgreSQL judges a generic
 * plan as good as the custom ones, stops planning it; planning was most of the database's time
 * for the session lookup and the portal's reads (docs/performance.md). Returns `text` unchanged.
 *
 * Only for statements whose plan does not depend on which parameters are null (build the text
 * from the filters in use instead), and never on PGlite: its one session is shared by every
 * connection of the gate (gate.ts), so two connections would prepare the same name.
 */
export function prepared(text: string): string {
  if (!PREPARED.has(text)) {
    PREPARED.set(text, `billow_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`);
  }
  return text;
}

function queryable(client: Client, named: boolean): Queryable {
  const query = async <T>(text: string, params?: readonly unknown[]) => {
    const name = named ? PREPARED.get(text) : undefined;
    const values = params as unknown[] | undefined;
    return (await (name ? client.query({ name, text, values }) : client.query(text, values)))
      .rows as T[];
  };
  return {
    query,
    async one<T>(text: string, params?: readonly unknown[]) {
      const rows = await query<T>(text, params);
      if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}: ${text}`);
      return rows[0] as T;
    },
    async maybeOne<T>(text: string, params?: readonly unknown[]) {
      return (await query<T>(text, params))[0];
    },
    async exec(text: string) {
      await client.query(text);
    },
  };
}

const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 4;

export function createDb(pool: pg.Pool, kind: Db['kind'], onClose?: () => Promise<void>): Db {
  const stats = { deadlocks: 0, serializationFailures: 0 };
  return {
    kind,
    pool,
    stats,
    ...queryable(pool, kind === 'postgres'),
    async tx<T>(fn: (tx: Tx) => Promise<T>, options: TxOptions = {}): Promise<T> {
      for (let attempt = 1; ; attempt++) {
        const client = await pool.connect();
        try {
          await client.query(
            options.isolation
              ? `BEGIN ISOLATION LEVEL ${options.isolation.toUpperCase()}`
              : 'BEGIN',
          );
          const result = await fn({
            ...queryable(client, kind === 'postgres'),
            inTransaction: true,
          });
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          const code = (err as { code?: string }).code;
          if (code === '40P01') stats.deadlocks++;
          if (code === '40001') stats.serializationFailures++;
          if (code && RETRYABLE.has(code) && attempt < MAX_ATTEMPTS) continue;
          throw err;
        } finally {
          client.release();
        }
      }
    },
    async close() {
      await pool.end();
      await onClose?.();
    },
  };
}

/** The PostgreSQL error code of a failed query (23505 unique violation, …), if any. */
export function pgErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/** The constraint a failed query violated, if any. */
export function pgConstraint(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'constraint' in err
    ? String((err as { constraint: unknown }).constraint)
    : undefined;
}

/**
 * Runs `fn` against a handle whose every statement lands in one transaction on one connection:
 * its `tx` calls become savepoints, so work that is made of many use cases (the demo data, made
 * through the API) commits whole or not at all. A statement outside a `tx` gets a savepoint of
 * its own, so a caller that catches its error (a unique violation, say) can go on as it would
 * on a pool. Calls are serialised (a use case may run its queries concurrently); a `tx` inside a
 * `tx` nests. Nothing else may use the database this connection holds meanwhile — on PGlite the
 * gate makes everyone else wait — so keep such work short. The queue is not reachable through
 * this handle (`queueFor` answers undefined): sends are left to the worker's sweeps.
 */
export async function inOneTransaction<T>(db: Db, fn: (one: Db) => Promise<T>): Promise<T> {
  const client = await db.pool.connect();
  const plain = queryable(client, db.kind === 'postgres');
  let savepoints = 0;
  let depth = 0;
  let turn: Promise<unknown> = Promise.resolve();
  /** One call at a time at the top level; inside a tx (depth > 0) the caller already has it. */
  const serialised = <R>(work: () => Promise<R>): Promise<R> => {
    if (depth > 0) return work();
    const run = turn.then(work, work);
    turn = run.catch(() => undefined);
    return run;
  };
  const inSavepoint = async <R>(work: () => Promise<R>): Promise<R> => {
    const name = `one_${++savepoints}`;
    await client.query(`SAVEPOINT ${name}`);
    try {
      const result = await work();
      await client.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
      await client.query(`RELEASE SAVEPOINT ${name}`);
      throw err;
    }
  };
  const statement =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    (...args: A) =>
      serialised(() => (depth > 0 ? f(...args) : inSavepoint(() => f(...args))));
  const one: Db = {
    kind: db.kind,
    pool: db.pool,
    stats: db.stats,
    query: statement(plain.query) as Queryable['query'],
    one: statement(plain.one) as Queryable['one'],
    maybeOne: statement(plain.maybeOne) as Queryable['maybeOne'],
    exec: statement(plain.exec),
    tx<R>(work: (tx: Tx) => Promise<R>): Promise<R> {
      return serialised(() =>
        inSavepoint(async () => {
          depth++;
          try {
            return await work({ ...plain, inTransaction: true });
          } finally {
            depth--;
          }
        }),
      );
    },
    async close() {},
  };
  try {
    await client.query('BEGIN');
    const result = await fn(one);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}
