/**
 * The embedded database: PGlite persisted in a data directory, served on a Unix socket inside
 * that directory through the SessionGate, so that the server, its workers and `billow` commands
 * in other processes all reach it with node-postgres, safely, one transaction at a time.
 *
 * Exactly one process owns a data directory (it holds `billow.lock`); any other process that
 * opens the same directory connects to the owner's socket instead. A lock left by a dead process
 * is taken over.
 */
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketHandler } from '@electric-sql/pglite-socket';
import { SessionGate } from './gate.js';

/** node-postgres finds a server at `<host dir>/.s.PGSQL.<port>`. */
export const SOCKET_PORT = 5432;
const socketFile = (dir: string) => join(dir, `.s.PGSQL.${SOCKET_PORT}`);
const MAX_SOCKET_PATH = 100; // Unix socket paths are limited to ~108 bytes

export interface EmbeddedHandle {
  /** The directory holding the socket: node-postgres' `host`. */
  socketDir: string;
  /** True when this process owns the database; false when it uses another process's. */
  owner: boolean;
  close(): Promise<void>;
}

/** Serves an open PGlite on a gated Unix socket in `socketDir`. */
export async function serveGated(db: PGlite, socketDir: string): Promise<Server> {
  const path = socketFile(socketDir);
  if (path.length > MAX_SOCKET_PATH) {
    throw new Error(`data directory path too long for a Unix socket (${path}); use a shorter one`);
  }
  rmSync(path, { force: true });
  const gate = new SessionGate(db);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // The handler speaks the wire protocol; the gate decides whose turn it is.
    const handler = new PGLiteSocketHandler({
      queryQueue: gate as unknown as ConstructorParameters<
        typeof PGLiteSocketHandler
      >[0]['queryQueue'],
      closeOnDetach: true,
    });
    handler.attach(socket).catch(() => socket.destroy());
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok());
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return server;
}

/**
 * An open PGlite with Billow's extensions: persisted in `dataDir`, or in memory; `loadDataDir`
 * starts it from a dump (`dumpDataDir`) instead of an empty cluster — the test suite migrates
 * one database and starts each file's from its dump, as initdb takes most of a fresh start.
 */
export async function createPGlite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create({ dataDir, extensions: { pg_trgm }, ...(loadDataDir && { loadDataDir }) });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Data directories this process owns, with the text of its lock in each. */
const ownedHere = new Map<string, string>();

function readLock(lock: string): string | null {
  try {
    return readFileSync(lock, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * True when the lock text names a process that still holds it. Our own pid counts only for a
 * directory this process really owns: a container restarted with the same pid left the other.
 */
function holderAlive(dir: string, text: string): boolean {
  const pid = Number(text.split('\n')[0]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return ownedHere.get(dir) === text;
  return processAlive(pid);
}

/**
 * Creates `path` holding `text` if it does not exist: written aside then hard-linked, so that
 * nobody ever reads it empty or half-written (and takes a starting owner for a dead one).
 */
function createExclusive(path: string, text: string): boolean {
  const aside = `${path}.${process.pid}.${randomBytes(6).toString('hex')}`;
  writeFileSync(aside, text, { mode: 0o600 });
  try {
    linkSync(aside, path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  } finally {
    rmSync(aside, { force: true });
  }
  // A file system without hard links: still exclusive, though briefly empty.
  try {
    writeFileSync(path, text, { flag: 'wx', mode: 0o600 });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/**
 * Removes a lock judged stale, if it still holds that same text. Judging and removing happen
 * under a second lock, so that two processes finding one stale lock cannot both remove "it"
 * (the second one removing the first one's fresh lock).
 */
function removeStaleLock(dir: string, lock: string, stale: string): void {
  const guard = `${lock}.takeover`;
  const me = `${process.pid}\n${randomBytes(8).toString('hex')}\n`;
  if (!createExclusive(guard, me)) {
    const other = readLock(guard);
    // A process that died during a takeover leaves the guard behind.
    if (other !== null && !holderAlive(dir, other)) rmSync(guard, { force: true });
    return;
  }
  try {
    if (readLock(lock) === stale) rmSync(lock, { force: true });
  } finally {
    rmSync(guard, { force: true });
  }
}

/**
 * Waits until the holder of the lock serves its socket: true when it does, false when the lock
 * changed hands or its holder died first (the caller then tries again).
 */
async function waitForSocket(dir: string, lock: string, held: string): Promise<boolean> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const now = readLock(lock);
    if (now !== held || !holderAlive(dir, now)) return false;
    try {
      await new Promise<void>((ok, fail) => {
        const s = connect(socketFile(dir), () => {
          s.end();
          ok();
        });
        s.once('error', fail);
      });
      return true;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(
    `process ${held.split('\n')[0]} holds ${lock} but does not serve the database; ` +
      'if no Billow process is running, remove the lock file',
  );
}

/**
 * Opens the embedded database in `dataDir`: as owner when nobody holds it, otherwise as a
 * client of the process that does (this one included).
 */
export async function openEmbedded(dataDir: string): Promise<EmbeddedHandle> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'billow.lock');
  for (let attempt = 0; attempt < 100; attempt++) {
    const mine = `${process.pid}\n${randomBytes(8).toString('hex')}\n`;
    if (!createExclusive(lock, mine)) {
      const held = readLock(lock);
      if (held === null) continue; // released meanwhile
      if (holderAlive(dir, held)) {
        if (await waitForSocket(dir, lock, held)) {
          return { socketDir: dir, owner: false, close: async () => {} };
        }
        continue;
      }
      removeStaleLock(dir, lock, held);
      await sleep(attempt < 3 ? 0 : 20);
      continue;
    }
    ownedHere.set(dir, mine);
    const release = () => {
      if (ownedHere.get(dir) === mine) ownedHere.delete(dir);
      if (readLock(lock) === mine) rmSync(lock, { force: true });
    };
    try {
      const db = await createPGlite(join(dir, 'pgdata'));
      try {
        const server = await serveGated(db, dir);
        return {
          socketDir: dir,
          owner: true,
          async close() {
            await new Promise<void>((ok) => server.close(() => ok()));
            await db.close();
            rmSync(socketFile(dir), { force: true });
            release();
          },
        };
      } catch (err) {
        await db.close();
        throw err;
      }
    } catch (err) {
      release();
      throw err;
    }
  }
  throw new Error(`could not take or share ${lock}`);
}
