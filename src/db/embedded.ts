/**
 * The embedded database: PGlite persisted in a data directory, served on a Unix socket inside
 * that directory through the SessionGate, so that the server, its workers and `billow` commands
 * in other processes all reach it with node-postgres, safely, one transaction at a time.
 *
 * Exactly one process owns a data directory (it holds `billow.lock`); any other process that
 * opens the same directory connects to the owner's socket instead. A lock left by a dead process
 * is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

export async function createPGlite(dataDir?: string): Promise<PGlite> {
  return PGlite.create({ dataDir, extensions: { pg_trgm } });
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitForSocket(dir: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      readFileSync(join(dir, 'billow.lock'));
      await new Promise<void>((ok, fail) => {
        const s = connect(socketFile(dir), () => {
          s.end();
          ok();
        });
        s.once('error', fail);
      });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`the process holding ${dir}/billow.lock did not open its database socket`);
}

/**
 * Opens the embedded database in `dataDir`: as owner when nobody holds it, otherwise as a
 * client of the process that does.
 */
export async function openEmbedded(dataDir: string): Promise<EmbeddedHandle> {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'billow.lock');
  for (let attempt = 0; attempt < 50; attempt++) {
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx', mode: 0o600 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = Number(readFileSync(lock, 'utf8').trim());
      if (pid && pid !== process.pid && processAlive(pid)) {
        await waitForSocket(dir, 60_000);
        return { socketDir: dir, owner: false, close: async () => {} };
      }
      rmSync(lock, { force: true }); // left by a process that is gone
      continue;
    }
    try {
      const db = await createPGlite(join(dir, 'pgdata'));
      const server = await serveGated(db, dir);
      return {
        socketDir: dir,
        owner: true,
        async close() {
          await new Promise<void>((ok) => server.close(() => ok()));
          await db.close();
          rmSync(socketFile(dir), { force: true });
          rmSync(lock, { force: true });
        },
      };
    } catch (err) {
      rmSync(lock, { force: true });
      throw err;
    }
  }
  throw new Error(`could not take or share ${lock}`);
}
