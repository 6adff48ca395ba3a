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

export class SessionGate {
  readonly #db: PGlite;
  #owner: number | null = null;
  #waiters: { id: number; resolve: () => void; reject: (e: Error) => void }[] = [];
  /** Per connection, the tail of its message chain: its messages run strictly in order. */
  #chains = new Map<number, Promise<unknown>>();

  constructor(db: PGlite) {
    this.#db = db;
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
    const run = async () => {
      await this.#acquire(id);
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
    const result = (this.#chains.get(id) ?? Promise.resolve()).then(run, run);
    this.#chains.set(
      id,
      result.catch(() => undefined),
    );
    return result;
  }

  /** The connection went away: forget its waiting turn. */
  clearQueueForHandler(id: number): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (w.id !== id) return true;
      w.reject(new Error('connection closed'));
      return false;
    });
    this.#chains.delete(id);
  }

  /** The connection went away while holding the database: roll back and pass it on. */
  async clearTransactionIfNeeded(id: number): Promise<void> {
    if (this.#owner !== id) return;
    if (this.#db.isInTransaction()) await this.#db.exec('ROLLBACK');
    this.#release(id);
  }

  getQueueLength(): number {
    return this.#waiters.length;
  }
}
