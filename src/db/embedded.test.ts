/**
 * One embedded database, several processes: the first to open a data directory owns it and serves
 * it on a socket; the others become its clients; a lock left by a dead process is taken over.
 * Child processes run tiny scripts through tsx; every one is killed at the end of its test.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EmbeddedHandle, openEmbedded, SOCKET_PORT } from './embedded.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const EMBEDDED = new URL('./embedded.ts', import.meta.url).href;

let dir: string;
const children = new Set<ChildProcess>();
const handles: EmbeddedHandle[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'billow-emb-'));
});

afterEach(async () => {
  for (const child of children) child.kill('SIGKILL');
  await Promise.all(
    [...children].map(
      (c) => new Promise((ok) => (c.exitCode !== null ? ok(0) : c.once('exit', ok))),
    ),
  );
  children.clear();
  for (const h of handles.splice(0).reverse()) await h.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

async function open(): Promise<EmbeddedHandle> {
  const handle = await openEmbedded(dir);
  handles.push(handle);
  return handle;
}

async function withClient<T>(h: EmbeddedHandle, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    host: h.socketDir,
    port: SOCKET_PORT,
    user: 'postgres',
    database: 'postgres',
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts `node --import tsx` on a script that has `openEmbedded` and `pg` in scope and `dir`
 * as the data directory. The script talks back with `say(value)` (one JSON line each) and
 * can wait for `await heard()`, a line on its stdin.
 */
function child(script: string): {
  process: ChildProcess;
  next(): Promise<unknown>;
  tell(): void;
  exited: Promise<number | null>;
} {
  const code = `
    import readline from 'node:readline';
    import pg from 'pg';
    const { openEmbedded } = await import(process.env.EMBEDDED_MODULE);
    const dir = process.env.DATA_DIR;
    const say = (value) => process.stdout.write(JSON.stringify(value) + '\\n');
    const lines = readline.createInterface({ input: process.stdin })[Symbol.asyncIterator]();
    const heard = () => lines.next();
    const query = async (handle, text, params) => {
      const c = new pg.Client({ host: handle.socketDir, port: ${SOCKET_PORT}, user: 'postgres', database: 'postgres' });
      await c.connect();
      try { return (await c.query(text, params)).rows; } finally { await c.end(); }
    };
    ${script}
    process.exit(0);
  `;
  const proc = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, EMBEDDED_MODULE: EMBEDDED, DATA_DIR: dir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(proc);
  let stderr = '';
  proc.stderr!.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<number | null>((ok) => proc.once('exit', (code) => ok(code)));
  exited.then(() => children.delete(proc));
  const said: unknown[] = [];
  const waiting: ((v: unknown) => void)[] = [];
  let buffer = '';
  proc.stdout!.on('data', (d) => {
    buffer += d;
    for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
      const value = JSON.parse(buffer.slice(0, nl));
      buffer = buffer.slice(nl + 1);
      const w = waiting.shift();
      if (w) w(value);
      else said.push(value);
    }
  });
  return {
    process: proc,
    exited,
    tell: () => proc.stdin!.write('go\n'),
    next: () =>
      said.length > 0
        ? Promise.resolve(said.shift())
        : Promise.race([
            new Promise((ok) => waiting.push(ok)),
            exited.then((code) => {
              throw new Error(`child exited (${code}) before answering: ${stderr}`);
            }),
          ]),
  };
}

/**
 * Fails with `what` if `work` has not settled after 45 s: still short of the 60 s an open waits,
 * so an open that only gave up waiting fails, but with room for a loaded CI machine (20 s was
 * exceeded there with two cores and many processes).
 */
async function settles<T>(what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const stuck = new Promise<never>((_, fail) => {
    timer = setTimeout(() => fail(new Error(`stuck: ${what}`)), 45_000);
  });
  try {
    return await Promise.race([work, stuck]);
  } finally {
    clearTimeout(timer);
  }
}

/** A pid no process has (checked, not assumed). */
function deadPid(): number {
  for (let pid = 999_999; pid < 1_100_000; pid++) {
    try {
      process.kill(pid, 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free pid found');
}

const lockFile = () => join(dir, 'billow.lock');
const lockPid = () => Number(readFileSync(lockFile(), 'utf8').split('\n')[0]);

// Each test starts PGlite at least once, in this process or a child: allow for a loaded machine.
describe('openEmbedded', { timeout: 90_000 }, () => {
  it('shares one database between an owner and a client in another process, and keeps it', async () => {
    const a = await open();
    expect(a.owner).toBe(true);
    expect(lockPid()).toBe(process.pid);
    await withClient(a, (c) => c.query('CREATE TABLE notes (body text, pid int)'));

    const b = child(`
      const h = await openEmbedded(dir);
      await query(h, 'INSERT INTO notes VALUES ($1, $2)', ['from the client', process.pid]);
      say({ owner: h.owner, pid: process.pid });
      await h.close();
    `);
    const told = (await b.next()) as { owner: boolean; pid: number };
    expect(told.owner).toBe(false);
    expect(await b.exited).toBe(0);
    // The client's close left the owner's database alone.
    const rows = await withClient(a, async (c) => (await c.query('SELECT * FROM notes')).rows);
    expect(rows).toEqual([{ body: 'from the client', pid: told.pid }]);

    await a.close();
    // No lock, socket or scratch file is left behind.
    expect(readdirSync(dir)).toEqual(['pgdata']);

    // Another process now becomes the owner and finds the row on disk.
    const c = child(`
      const h = await openEmbedded(dir);
      say({ owner: h.owner, rows: await query(h, 'SELECT body FROM notes') });
      await h.close();
    `);
    expect(await c.next()).toEqual({ owner: true, rows: [{ body: 'from the client' }] });
    expect(await c.exited).toBe(0);

    // And so does this one, again.
    const again = await open();
    expect(again.owner).toBe(true);
    const count = await withClient(again, (cl) => cl.query('SELECT count(*)::int AS n FROM notes'));
    expect(count.rows).toEqual([{ n: 1 }]);
  });

  it('opened twice in one process, shares rather than opening the files a second time', async () => {
    const a = await open();
    const b = await open();
    expect(a.owner).toBe(true);
    expect(b.owner).toBe(false);
    await withClient(b, (c) => c.query('CREATE TABLE t (n int); INSERT INTO t VALUES (1)'));
    const rows = await withClient(a, async (c) => (await c.query('SELECT n FROM t')).rows);
    expect(rows).toEqual([{ n: 1 }]);
    await b.close(); // a client's close leaves the owner serving
    expect(await withClient(a, async (c) => (await c.query('SELECT 1 AS one')).rows)).toEqual([
      { one: 1 },
    ]);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const pid = deadPid();
    writeFileSync(lockFile(), String(pid));
    const a = await open();
    expect(a.owner).toBe(true);
    expect(lockPid()).toBe(process.pid);
    expect(await withClient(a, async (c) => (await c.query('SELECT 1 AS one')).rows)).toEqual([
      { one: 1 },
    ]);
  });

  it('takes over a lock bearing its own pid that it does not hold (a restarted container)', async () => {
    writeFileSync(lockFile(), String(process.pid));
    const a = await open();
    expect(a.owner).toBe(true);
    expect(readFileSync(lockFile(), 'utf8')).not.toBe(String(process.pid)); // a new lock
  });

  it('takes over from an owner that was killed, with its committed data', async () => {
    const owner = child(`
      const h = await openEmbedded(dir);
      await query(h, 'CREATE TABLE t (n int); INSERT INTO t VALUES (42)');
      say({ owner: h.owner, pid: process.pid });
      await heard();
    `);
    expect(await owner.next()).toMatchObject({ owner: true });
    owner.process.kill('SIGKILL');
    await owner.exited;
    expect(existsSync(lockFile())).toBe(true); // it had no chance to clean up

    const a = await open();
    expect(a.owner).toBe(true);
    const rows = await withClient(a, async (c) => (await c.query('SELECT n FROM t')).rows);
    expect(rows).toEqual([{ n: 42 }]);
  });

  it('waiting for an owner that dies before serving, takes over instead of failing', async () => {
    // A live process holds the lock but never opens the socket (it is about to crash).
    const holder = child('say({ pid: process.pid }); await heard();');
    const { pid } = (await holder.next()) as { pid: number };
    writeFileSync(lockFile(), String(pid));
    const opening = open();
    await new Promise((resolve) => setTimeout(resolve, 300)); // it is waiting for the socket
    holder.process.kill('SIGKILL');
    await holder.exited;
    const a = await settles('opening after the lock holder died', opening);
    expect(a.owner).toBe(true);
    expect(lockPid()).toBe(process.pid);
  });

  it.each([
    ['a fresh directory', () => undefined],
    ['a stale lock', () => writeFileSync(lockFile(), String(deadPid()))],
  ])('processes starting together on %s get exactly one owner', async (_name, prepare) => {
    prepare();
    const n = 4;
    const procs = Array.from({ length: n }, () =>
      child(`
        const h = await openEmbedded(dir);
        if (h.owner) await query(h, 'CREATE TABLE IF NOT EXISTS seen (pid int)');
        say({ owner: h.owner });
        await heard(); // the table exists
        await query(h, 'INSERT INTO seen VALUES ($1)', [process.pid]);
        say({ wrote: true });
        await heard(); // everyone has written: the owner may go
        await h.close();
      `),
    );
    const roles = (await Promise.all(procs.map((p) => p.next()))) as { owner: boolean }[];
    expect(roles.filter((r) => r.owner)).toHaveLength(1);
    for (const p of procs) p.tell();
    expect(await Promise.all(procs.map((p) => p.next()))).toEqual(
      new Array(n).fill({ wrote: true }),
    );
    const here = await open();
    expect(here.owner).toBe(false);
    const rows = await withClient(here, async (c) => (await c.query('SELECT pid FROM seen')).rows);
    expect(rows.map((r) => r.pid).sort()).toEqual(procs.map((p) => p.process.pid).sort());
    for (const p of procs) p.tell();
    expect(await Promise.all(procs.map((p) => p.exited))).toEqual(new Array(n).fill(0));
  });
});
