/**
 * Lets several processes share one embedded PGlite safely.
 *
 * PGlite is a single PostgreSQL session. @electric-sql/pglite-socket serves it over the wire
 * protocol, but with several connections it interleaves their messages one by one, so one
 * client's Bind can land on another's Parse (we saw "unnamed prepared statement does not exist"
 * and wrong rows under load). This gate replaces its queue: a connection takes the database at
 * its first message and keeps it until PGlite answers ReadyForQuery with status 'I' (idle, no
 * transaction open). Connections therefore take turns at transaction granularity, like
 * PgBouncer's transaction pooling, and a transaction is never seen half-done by anyone else.
 */
import type { PGlite } from '@electric-sql/pglite';

const READY_FOR_QUERY = 0x5a; // 'Z'

/** Follows the framing of PGlite's replies to find the status of the last ReadyForQuery. */
class ReadyScanner {
  #header: number[] = [];
  #remaining = 0;
  #type = 0;
  lastStatus: string | null = null;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.#remaining > 0) {
        const n = Math.min(this.#remaining, chunk.length - i);
        if (this.#type === READY_FOR_QUERY) this.lastStatus = String.fromCharCode(chunk[i]!);
        i += n;
        this.#remaining -= n;
        continue;
      }
      this.#header.push(chunk[i]!);
      i += 1;
      if (this.#header.length === 5) {
        const [type, a, b, c, d] = this.#header as [number, number, number, number, number];
        this.#type = type;
        this.#remaining = ((a << 24) | (b << 16) | (c << 8) | d) - 4;
        this.#header = [];
      }
    }
  }
}

/** A simple-query message ('Q'), as the wire protocol frames it. */
function queryMessage(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`);
  const out = Buffer.alloc(5 + text.length);
  out.write('Q', 0);
  out.writeInt32BE(4 + text.length, 1);
  text.copy(out, 5);
  return out;
}
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4); // 'S'
const TERMINATE = 0x58; // 'X'

interface Connection {
  /** The tail of its message chain: its messages run strictly in order. */
  tail: Promise<unknown>;
  /** Set when the socket went away: nothing more of it may reach PGlite. */
  closed: boolean;
  /** The clean-up after it went away, once started. */
  cleanup?: Promise<void>;
}

export class SessionGate {
  readonly #db: PGlite;
  #owner: number | null = null;
  #waiters: { id: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  #connections = new Map<number, Connection>();

  constructor(db: PGlite) {
    this.#db = db;
  }

  #connection(id: number): Connection {
    let conn = this.#connections.get(id);
    if (!conn) {
      conn = { tail: Promise.resolve(), closed: false };
      this.#connections.set(id, conn);
    }
    return conn;
  }

  #acquire(id: number): Promise<void> {
    if (this.#owner === id) return Promise.resolve();
    if (this.#owner === null) {
      this.#owner = id;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => this.#waiters.push({ id, resolve, reject }));
  }

  #release(id: number): void {
    if (this.#owner !== id) return;
    const next = this.#waiters.shift();
    this.#owner = next ? next.id : null;
    next?.resolve();
  }

  /** Called by PGLiteSocketHandler for every protocol message of connection `id`. */
  enqueue(id: number, message: Uint8Array, onData: (data: Uint8Array) => void): Promise<number> {
    const conn = this.#connection(id);
    const run = async () => {
      // A message queued behind one that was still waiting when the socket closed must not
      // run later on its own: it would take the database and, lacking the rest of its
      // exchange, never hand it back.
      if (conn.closed) throw new Error('connection closed');
      // Terminate: the socket closes next, and the clean-up below ends whatever was open.
      if (message[0] === TERMINATE) return 0;
      await this.#acquire(id);
      if (conn.closed) throw new Error('connection closed'); // the clean-up releases the turn
      const scanner = new ReadyScanner();
      let bytes = 0;
      await this.#db.runExclusive(() =>
        this.#db.execProtocolRawStream(message, {
          onRawData: (data: Uint8Array) => {
            scanner.feed(data);
            bytes += data.length;
            onData(data);
          },
        }),
      );
      if (scanner.lastStatus === 'I') this.#release(id);
      return bytes;
    };
    const result = conn.tail.then(run, run);
    conn.tail = result.catch(() => undefined);
    return result;
  }

  /** The connection went away: forget its waiting turn and refuse the rest of its messages. */
  clearQueueForHandler(id: number): void {
    const conn = this.#connections.get(id);
    if (conn) conn.closed = true;
    this.#waiters = this.#waiters.filter((w) => {
      if (w.id !== id) return true;
      w.reject(new Error('connection closed'));
      return false;
    });
  }

  /**
   * The connection went away: once its last message has finished, if it held the database
   * (inside a transaction, or part-way through an extended-query exchange), undo what it left
   * open and pass the database on. Never rejects: nothing up the socket handler's chain of
   * calls would catch it.
   */
  clearTransactionIfNeeded(id: number): Promise<void> {
    const conn = this.#connection(id);
    conn.closed = true;
    conn.cleanup ??= (async () => {
      await conn.tail;
      this.#connections.delete(id);
      if (this.#owner !== id) return;
      try {
        await this.#reset();
      } catch {
        // PGlite closed under us: there is nobody left to protect.
      } finally {
        this.#release(id);
      }
    })();
    return conn.cleanup;
  }

  /**
   * Ends what a vanished connection left in the session: an implicit transaction of an
   * Execute that no Sync followed (which the next client's Sync would otherwise commit), the
   * skip-until-Sync state after an error in an extended query (in which the next client's
   * messages would be ignored), and an open or failed transaction block.
   */
  async #reset(): Promise<void> {
    await this.#db.runExclusive(async () => {
      if (this.#db.closed) return;
      await this.#db.execProtocolRaw(queryMessage('ROLLBACK'));
      await this.#db.execProtocolRaw(SYNC);
      if (this.#db.isInTransaction()) await this.#db.execProtocolRaw(queryMessage('ROLLBACK'));
    });
  }

  getQueueLength(): number {
    return this.#waiters.length;
  }
}
