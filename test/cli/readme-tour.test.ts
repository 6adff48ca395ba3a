/**
 * The README's tour runs as written. The ```sh blocks marked `<!-- tour -->` are pasted, in order,
 * into one bash session (`set -euo pipefail`, so a failing step fails the test) against a fresh
 * `billow serve`, and the story's outcomes are checked afterwards through the API: the scheduled
 * payment run collected what was left on the due date, the invoice is paid, the customer owes
 * nothing, and `billow verify` found the books balanced.
 *
 * The only change made to the blocks is the server's address: the reader's server listens on
 * port 3000, this one on a free port. They run in a scratch directory that stands in for the
 * checkout (its package.json, bin and node_modules linked), so `npx billow` resolves to this
 * repository as it does for the reader, and files the tour writes (invoice.pdf) stay out of it.
 * npm runs offline there: a `billow` that failed to resolve must not be fetched from a registry.
 *
 * On PostgreSQL the server gets a database of its own on the BILLOW_TEST_DATABASE_URL server
 * rather than a schema: `billow serve` keeps pg-boss in a fixed schema, which a schema per test
 * would not isolate from other test runs sharing the server.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../helpers/db.js';

const ROOT = join(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/billow.js');
const README_ADDRESS = 'http://127.0.0.1:3000';
const MARKER = '__tour_outcome__';

let scratch: string;
let database: { name: string; url: string } | undefined;
let server: ChildProcess | undefined;
let url: string;

/** The marked blocks of README.md, in order. */
function tourBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^<!-- tour -->\n```sh\n([\s\S]*?)\n```$/gm)].map(
    (m) => m[1] as string,
  );
}

function env(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const db = database ? { DATABASE_URL: database.url } : { BILLOW_DATA_DIR: join(scratch, 'data') };
  return {
    ...rest,
    ...db,
    PORT: '0',
    LOG_LEVEL: 'warn',
    npm_config_offline: 'true',
    npm_config_update_notifier: 'false',
  };
}

async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `billow_tour_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const target = new URL(TEST_DATABASE_URL as string);
  target.pathname = `/${name}`;
  return { name, url: target.toString() };
}

async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

function startServe(): Promise<string> {
  server = spawn(process.execPath, [BIN, 'serve'], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 120_000);
    server?.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server?.stderr?.on('data', (chunk) => {
      out += chunk;
    });
    server?.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

function stopServe(): Promise<void> {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null) return resolve();
    server.once('exit', () => resolve());
    server.kill('SIGTERM');
  });
}

/** Runs the tour in one bash session; resolves with its exit code and everything it printed. */
function runTour(script: string): Promise<{ code: number | null; output: string }> {
  const work = join(scratch, 'work');
  return new Promise((resolve) => {
    const bash = spawn('bash', ['-c', script], { cwd: work, env: env() });
    let output = '';
    bash.stdout.on('data', (chunk) => {
      output += chunk;
    });
    bash.stderr.on('data', (chunk) => {
      output += chunk;
    });
    bash.once('close', (code) => resolve({ code, output }));
  });
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'billow-tour-'));
  const work = join(scratch, 'work');
  mkdirSync(work);
  for (const entry of ['package.json', 'bin', 'node_modules', 'tsconfig.json']) {
    symlinkSync(join(ROOT, entry), join(work, entry));
  }
  if (TEST_DATABASE_URL) database = await createDatabase();
  url = await startServe();
}, 150_000);

afterAll(async () => {
  await stopServe();
  if (database) await dropDatabase(database.name);
  rmSync(scratch, { recursive: true, force: true });
}, 60_000);

describe('the README tour', () => {
  it('runs as written against a fresh server, and autopay collects what is left', async () => {
    // What the README asks the reader to have; a clear message rather than "command not found".
    const missing = ['curl', 'jq'].filter(
      (tool) => spawnSync('bash', ['-c', `command -v ${tool}`]).status !== 0,
    );
    expect(missing, 'the README tour needs these on the PATH').toEqual([]);
    const blocks = tourBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    const tour = blocks.join('\n');
    expect(tour).toContain(`API=${README_ADDRESS}/api/v1`);
    const script = [
      'set -euo pipefail',
      tour.replaceAll(README_ADDRESS, url),
      `printf '\\n${MARKER} %s %s %s %s\\n' "$KEY" "$CUS" "$INV" "$PAYMENT_RUN"`,
    ].join('\n');

    const { code, output } = await runTour(script);
    // On failure, the end of the output shows the failing step and the server's error.
    expect(code, output.slice(-3000)).toBe(0);
    expect(output).toContain('books balance: no violations');
    const outcome = new RegExp(`^${MARKER} (\\S+) (\\S+) (\\S+) (\\S+)$`, 'm').exec(output);
    expect(outcome, output.slice(-3000)).not.toBeNull();
    const [, key, customer, invoice, paymentRun] = outcome as unknown as string[];

    const get = async (path: string) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status, path).toBe(200);
      return res.json();
    };
    // $30 for the month served, $30 for the month ahead, 12.5 GB at 5¢, less a $5 credit.
    const inv = await get(`/invoices/${invoice}`);
    expect(inv).toMatchObject({ status: 'paid', total: 5563, amount_paid: 5563, balance: 0 });
    expect(inv.lines).toHaveLength(3);

    const runView = await get(`/payment-runs/${paymentRun}`);
    expect(runView).toMatchObject({
      status: 'completed',
      run_on: inv.due_date,
      counts: { succeeded: 1, failed: 0, pending: 0, skipped: 0 },
      collected: 2063,
    });

    const payments = await get(`/payments?customer=${customer}`);
    expect(payments.data).toHaveLength(3);
    const bySource = Object.fromEntries(
      payments.data.map((p: { source: string; amount: number; status: string }) => [
        p.source,
        { amount: p.amount, status: p.status },
      ]),
    );
    expect(bySource).toEqual({
      manual: { amount: 2500, status: 'succeeded' },
      external: { amount: 1000, status: 'succeeded' },
      payment_run: { amount: 2063, status: 'succeeded' },
    });

    expect(await get(`/customers/${customer}/balance`)).toMatchObject({
      total_balance: 0,
      open_invoice_count: 0,
    });
    // The clock stands on the due date: it moved forward to the billing date, then to the due date.
    expect((await get('/clock')).today).toBe(inv.due_date);
  }, 420_000);
});
