/**
 * The SessionGate lets several connections share the single session of an embedded PGlite. These
 * tests hammer one PGlite through the gated socket with a pool, and kill clients at awkward
 * moments, checking answers and final counts exactly. A stuck database shows up as a named
 * failure after a generous delay (`settles`), never as a hung test; nothing asserts durations.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPGlite, SOCKET_PORT, serveGated } from './embedded.js';

let dir: string;
let lite: PGlite;
let server: Server;
let config: pg.ClientConfig;
let pool: pg.Pool;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'billow-gate-'));
  lite = await createPGlite();
  server = await serveGated(lite, dir);
  config = { host: dir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' };
  pool = new pg.Pool({ ...config, max: 8 });
});

afterAll(async () => {
  await pool?.end();
  await new Promise<void>((ok) => (server ? server.close(() => ok()) : ok()));
  await lite?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Fails with `what` if `work` has not settled after 10 s: the gate is stuck. */
async function settles<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`stuck: ${what}`)), 10_000);
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

let tables = 0;
async function newTable(columns = 'worker int NOT NULL, n int NOT NULL'): Promise<string> {
  tables += 1;
  const name = `gate_t${tables}`;
  await pool.query(`CREATE TABLE ${name} (id serial PRIMARY KEY, ${columns})`);
  return name;
}

async function count(table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${where}`,
    params,
  );
  return rows[0].n;
}

/** A pg client whose socket can be cut, as when its process dies. */
async function doomedClient(): Promise<{ client: pg.Client; kill(): void }> {
  const client = new pg.Client(config);
  client.on('error', () => undefined); // the cut is the point
  await client.connect();
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream;
  return { client, kill: () => socket.destroy() };
}

describe('many connections through the gate', () => {
  it('every parameterised query gets its own answer under concurrency', async () => {
    // Each query has its own text, parameter count and result shape, so that one connection's
    // Bind landing on another's Parse shows up as an error or a wrong answer. Some carry a
    // parameter large enough to arrive in several socket reads: a connection whose message is
    // only half there must still not let another connection in between its Parse and its Bind.
    const answers = await settles(
      'concurrent queries',
      Promise.all(
        Array.from({ length: 240 }, async (_, i) => {
          const rows = (i % 5) + 1;
          const text = `q${i}-${'x'.repeat(i % 3 === 0 ? 300_000 + i : i % 37)}`;
          const result =
            i % 2 === 0
              ? await pool.query(
                  `SELECT $1::int AS i, length($2::text) AS len, g AS g${i} FROM generate_series(1, ${rows}) AS g`,
                  [i, text],
                )
              : await pool.query(
                  `SELECT length($2::text) AS len, $1::int AS i, g AS g${i} FROM generate_series(1, $3::int) AS g`,
                  [i, text, rows],
                );
          return { i, len: text.length, rows, got: result.rows };
        }),
      ),
    );
    for (const { i, len, rows, got } of answers) {
      expect(got).toEqual(Array.from({ length: rows }, (_, k) => ({ i, len, [`g${i}`]: k + 1 })));
    }
  });

  it('transactions commit or roll back as a whole and are never seen half-done', async () => {
    const table = await newTable();
    const workers = 8;
    const rounds = 25;
    const committed = new Array<number>(workers).fill(0);
    await settles(
      'concurrent transactions',
      Promise.all(
        Array.from({ length: workers }, async (_, w) => {
          for (let n = 0; n < rounds; n++) {
            const client = await pool.connect();
            try {
              await client.query('BEGIN');
              const before = await client.query(`SELECT count(*)::int AS c FROM ${table}`);
              await client.query(`INSERT INTO ${table} (worker, n) VALUES ($1, $2)`, [w, n]);
              await new Promise((resolve) => setImmediate(resolve)); // let the others try
              const mine = await client.query(
                `SELECT count(*)::int AS c FROM ${table} WHERE worker = $1`,
                [w],
              );
              const after = await client.query(`SELECT count(*)::int AS c FROM ${table}`);
              expect(mine.rows[0].c).toBe(committed[w]! + 1);
              // Nobody else's transaction landed inside ours.
              expect(after.rows[0].c).toBe(before.rows[0].c + 1);
              if (n % 3 === 0) {
                await client.query('ROLLBACK');
              } else {
                await client.query('COMMIT');
                committed[w]! += 1;
              }
            } finally {
              client.release();
            }
          }
        }),
      ),
    );
    const perWorker = Math.floor((rounds * 2) / 3); // n % 3 !== 0 for 16 of 25 rounds
    expect(committed).toEqual(new Array(workers).fill(perWorker));
    for (let w = 0; w < workers; w++) {
      expect(await count(table, 'worker = $1', [w])).toBe(perWorker);
      const { rows } = await pool.query(`SELECT n FROM ${table} WHERE worker = $1 ORDER BY n`, [w]);
      expect(rows.map((r) => r.n)).toEqual(
        Array.from({ length: rounds }, (_, n) => n).filter((n) => n % 3 !== 0),
      );
    }
  });

  it('a failed statement inside a transaction, then ROLLBACK, leaves everything working', async () => {
    const table = await newTable();
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} (worker, n) VALUES (1, 1)`);
      await expect(client.query('SELECT * FROM no_such_table')).rejects.toMatchObject({
        code: '42P01',
      });
      // The transaction is failed ('E'): everything but ROLLBACK is refused...
      await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
      // ...while the others wait for their turn rather than run inside it.
      const others = Promise.all(
        [1, 2, 3].map((n) => pool.query(`INSERT INTO ${table} (worker, n) VALUES (2, $1)`, [n])),
      );
      await client.query('ROLLBACK');
      await settles('queries queued behind a failed transaction', others);
      const { rows } = await client.query('SELECT $1::text AS ok', ['fine']);
      expect(rows).toEqual([{ ok: 'fine' }]);
    } finally {
      client.release();
    }
    expect(await count(table, 'worker = 1')).toBe(0);
    expect(await count(table, 'worker = 2')).toBe(3);
  });

  it('a failed statement outside a transaction does not disturb the other connections', async () => {
    const results = await settles(
      'queries mixed with failures',
      Promise.allSettled(
        Array.from({ length: 40 }, (_, i) =>
          i % 4 === 0
            ? pool.query('SELECT $1::int / 0 AS boom', [i])
            : pool.query('SELECT $1::int AS i', [i]),
        ),
      ),
    );
    results.forEach((r, i) => {
      if (i % 4 === 0) expect(r).toMatchObject({ status: 'rejected', reason: { code: '22012' } });
      else
        expect(r).toEqual({
          status: 'fulfilled',
          value: expect.objectContaining({ rows: [{ i }] }),
        });
    });
  });
});

describe('a client that dies', () => {
  it('in the middle of a transaction: nothing of it is committed and the others proceed', async () => {
    const table = await newTable();
    const doomed = await doomedClient();
    await doomed.client.query('BEGIN');
    await doomed.client.query(`INSERT INTO ${table} (worker, n) VALUES (666, 1)`);
    // These wait for the doomed transaction to end.
    const waiting = Promise.all(
      Array.from({ length: 8 }, (_, n) =>
        pool.query(`INSERT INTO ${table} (worker, n) VALUES (1, $1)`, [n]),
      ),
    );
    doomed.kill();
    await settles('queries waiting on a dead client', waiting);
    expect(await count(table, 'worker = 666')).toBe(0);
    expect(await count(table, 'worker = 1')).toBe(8);
    // And a new transaction works from a clean state.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO ${table} (worker, n) VALUES (2, 1)`);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await count(table)).toBe(9);
  });

  it('in a failed transaction: the next client does not inherit the failure', async () => {
    const table = await newTable();
    const doomed = await doomedClient();
    await doomed.client.query('BEGIN');
    await doomed.client.query(`INSERT INTO ${table} (worker, n) VALUES (666, 1)`);
    await doomed.client.query('SELECT * FROM no_such_table').catch(() => undefined);
    doomed.kill();
    await settles('a query after a dead failed transaction', pool.query('SELECT 1'));
    expect(await count(table, 'worker = 666')).toBe(0);
  });

  it('many times over while others work: final counts are exact', async () => {
    const table = await newTable();
    const work = Promise.all(
      Array.from({ length: 6 }, async (_, w) => {
        for (let n = 0; n < 15; n++) {
          await pool.query(`INSERT INTO ${table} (worker, n) VALUES ($1, $2)`, [w, n]);
        }
      }),
    );
    for (let k = 0; k < 10; k++) {
      const doomed = await doomedClient();
      await doomed.client.query('BEGIN');
      await doomed.client.query(`INSERT INTO ${table} (worker, n) VALUES (666, $1)`, [k]);
      doomed.kill();
    }
    await settles('inserts around dying clients', work);
    expect(await count(table, 'worker = 666')).toBe(0);
    expect(await count(table)).toBe(6 * 15);
  });
});

/**
 * A client speaking the wire protocol by hand, to leave the session in states node-postgres
 * only leaves it in when its process dies half-way through writing.
 */
class RawClient {
  #socket: Socket;
  #received = Buffer.alloc(0);

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (d) => {
      this.#received = Buffer.concat([this.#received, d]);
    });
    socket.on('error', () => undefined);
  }

  static async open(): Promise<RawClient> {
    const socket = connect(join(dir, `.s.PGSQL.${SOCKET_PORT}`));
    await new Promise((ok, fail) => socket.once('connect', ok).once('error', fail));
    const raw = new RawClient(socket);
    const params = Buffer.from('user\0postgres\0database\0postgres\0\0');
    const startup = Buffer.alloc(8);
    startup.writeInt32BE(8 + params.length, 0);
    startup.writeInt32BE(196608, 4); // protocol 3.0
    raw.write(Buffer.concat([startup, params]));
    await settles('startup', raw.#until(Buffer.from('Z\0\0\0\x05I')));
    return raw;
  }

  async #until(bytes: Buffer): Promise<void> {
    for (let i = 0; i < 500 && !this.#received.includes(bytes); i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    if (!this.#received.includes(bytes)) throw new Error('no answer');
  }

  /** Writes, then waits until the server has read it (a turn of its event loop). */
  write(bytes: Buffer): Promise<void> {
    return new Promise((ok) => this.#socket.write(bytes, () => setTimeout(ok, 20)));
  }

  kill(): void {
    this.#socket.destroy();
  }
}

function message(type: string, ...parts: (string | number[])[]): Buffer {
  const body = Buffer.concat(
    parts.map((p) => (typeof p === 'string' ? Buffer.from(`${p}\0`) : Buffer.from(p))),
  );
  const head = Buffer.alloc(5);
  head.write(type, 0);
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}
const parse = (sql: string) => message('P', '', sql, [0, 0]);
const bind = () => message('B', '', '', [0, 0, 0, 0, 0, 0]);
const execute = () => message('E', '', [0, 0, 0, 0]);
const sync = () => message('S');
const simple = (sql: string) => message('Q', sql);

describe('a client that dies part-way through an extended query', () => {
  it('after Execute but before Sync: its statement is not committed by the next client', async () => {
    const table = await newTable();
    const raw = await RawClient.open();
    await raw.write(
      Buffer.concat([parse(`INSERT INTO ${table} (worker, n) VALUES (666, 1)`), bind(), execute()]),
    );
    raw.kill();
    await settles('a query after the dead client', pool.query('SELECT 1'));
    expect(await count(table, 'worker = 666')).toBe(0);
  });

  it('after an error but before Sync: the next client is not ignored', async () => {
    const raw = await RawClient.open();
    await raw.write(Buffer.concat([parse('SELECT * FROM no_such_table'), bind(), execute()]));
    raw.kill();
    const { rows } = await settles('a query after the dead client', pool.query('SELECT 7 AS n'));
    expect(rows).toEqual([{ n: 7 }]);
  });

  it('inside a transaction block after an error: the next client starts clean', async () => {
    const table = await newTable();
    const raw = await RawClient.open();
    await raw.write(
      Buffer.concat([
        simple('BEGIN'),
        simple(`INSERT INTO ${table} (worker, n) VALUES (666, 1)`),
        parse('SELECT * FROM no_such_table'),
        bind(),
        execute(),
      ]),
    );
    raw.kill();
    const { rows } = await settles('a query after the dead client', pool.query('SELECT 7 AS n'));
    expect(rows).toEqual([{ n: 7 }]);
    expect(await count(table, 'worker = 666')).toBe(0);
  });

  it('while waiting its turn with more messages queued: those never run later on their own', async () => {
    const table = await newTable();
    const raw = await RawClient.open();
    const holder = await pool.connect();
    try {
      await holder.query('BEGIN'); // the raw client must now wait
      // Two separate writes: the first message waits for the gate, the rest queue behind it.
      await raw.write(parse(`INSERT INTO ${table} (worker, n) VALUES (666, 1)`));
      await raw.write(Buffer.concat([bind(), execute(), sync()]));
      raw.kill();
      await new Promise((resolve) => setTimeout(resolve, 20)); // the server sees the close
      await holder.query('COMMIT');
    } finally {
      holder.release();
    }
    await settles('a query after the dead waiting client', pool.query('SELECT 1'));
    expect(await count(table, 'worker = 666')).toBe(0);
  });

  it('a client that says Terminate does not hold the others up', async () => {
    const raw = await RawClient.open();
    await raw.write(message('X'));
    const { rows } = await settles(
      'a query next to a terminated client',
      pool.query('SELECT 1 AS n'),
    );
    expect(rows).toEqual([{ n: 1 }]);
    raw.kill();
  });
});

describe('shutting down', () => {
  it('with a transaction open: the server and PGlite close without an unhandled error', async () => {
    const ownDir = mkdtempSync(join(tmpdir(), 'billow-gate-'));
    const ownLite = await createPGlite();
    const ownServer = await serveGated(ownLite, ownDir);
    const unhandled: unknown[] = [];
    const record = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      const client = new pg.Client({ ...config, host: ownDir });
      client.on('error', () => undefined);
      await client.connect();
      await client.query('BEGIN');
      await client.query('SELECT 1');
      await new Promise<void>((ok) => ownServer.close(() => ok()));
      await ownLite.close();
      // The socket handler cleans up after the close, asynchronously: give it a moment.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', record);
      rmSync(ownDir, { recursive: true, force: true });
    }
  });
});
