/**
 * Several workers, proven (L2; issue 10, item 11): `billow serve --no-worker` and two
 * `billow worker` processes share one database. A bill run and a payment run of 2,000 customers
 * are spread over both workers; one worker is killed (kill -9) in the middle of each run, and the
 * other finishes it. Nothing is billed or charged twice, and `billow verify` finds the books
 * balanced. On PostgreSQL, in a database of its own (vitest.config.ts runs this file in the
 * PostgreSQL suite only).
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import type { Db } from '../../src/db/db.js';
import { cloneRow } from '../helpers/clone.js';
import { TEST_DATABASE_URL } from '../helpers/db.js';
import { type ServeProcess, startServe } from '../helpers/serve.js';
import { until } from '../helpers/wait.js';

const CUSTOMERS = 2000;
const dbName = `billow_l2_${Math.random().toString(36).slice(2, 8)}`;
const databaseUrl = TEST_DATABASE_URL && new URL(TEST_DATABASE_URL);
if (databaseUrl) databaseUrl.pathname = `/${dbName}`;

let serve: ServeProcess | undefined;
let watcher: Db | undefined;
const workers: ChildProcess[] = [];

async function startWorker(s: ServeProcess): Promise<ChildProcess> {
  const child = s.spawnBillow('worker');
  workers.push(child);
  await new Promise<void>((ok, fail) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('worker running')) ok();
    });
    child.stderr?.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.once('exit', (code) => fail(new Error(`worker exited ${code}: ${out}`)));
  });
  return child;
}

function kill(child: ChildProcess): Promise<void> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill('SIGKILL');
  });
}

afterAll(async () => {
  for (const w of workers) await kill(w);
  await watcher?.close();
  if (serve) {
    await serve.kill();
    rmSync(serve.dataDir, { recursive: true, force: true });
  }
  if (TEST_DATABASE_URL) {
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
    await admin.end();
  }
});

/** Blocks every insert into `table` until release(): a transaction holding a SHARE lock on it. */
async function holdTable(table: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl?.toString() });
  await client.connect();
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN SHARE MODE`);
  return {
    async release() {
      await client.query('COMMIT');
      await client.end();
    },
  };
}

/**
 * Waits until every worker of `live` runs a job of `queue` (the run is shared), kills one of
 * them, and returns the others: the workers that are to finish what it left.
 */
async function killOneWhileShared(db: Db, live: ChildProcess[], queue: string) {
  const pids = live.map((w) => w.pid);
  const running = await until(
    async () => {
      const rows = await db.query<{ pid: number }>(
        `SELECT DISTINCT w.pid FROM job_workers w JOIN pgboss.job j ON j.id = ANY (w.active_jobs)
          WHERE w.pid = ANY ($1::int[]) AND j.name = $2 AND j.state = 'active'`,
        [pids, queue],
      );
      return rows.length === live.length ? rows : null;
    },
    { what: `every worker to run a ${queue} job`, timeoutMs: 120_000, intervalMs: 20 },
  );
  const dying = live.find((w) => w.pid === running[0]?.pid);
  if (dying) await kill(dying);
  return live.filter((w) => w !== dying);
}

describe('two workers and a server on one database', { timeout: 600_000 }, () => {
  it('share a bill run and a payment run, and one killed mid-run loses and doubles nothing', async () => {
    if (TEST_DATABASE_URL) {
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      await admin.query(`CREATE DATABASE ${dbName}`);
      await admin.end();
    }
    serve = await startServe({
      args: ['--no-worker'],
      ...(databaseUrl && { databaseUrl: databaseUrl.toString() }),
      // A slow gateway, so that a payment-run batch is still charging when its worker dies.
      env: { BILLOW_SANDBOX_LATENCY_MS: '20' },
    });
    const s = serve;
    watcher = await openDatabase({ databaseUrl: databaseUrl?.toString(), dataDir: s.dataDir });
    const db = watcher;
    const created = JSON.parse(await s.billow('tenant', 'create', '--name', 'Workers', '--json'));
    const tenantId = created.tenant_id as string;
    const headers = {
      authorization: `Bearer ${created.api_key}`,
      'content-type': 'application/json',
    };
    const call = async (path: string, body?: unknown, method = body ? 'POST' : 'GET') => {
      const res = await fetch(`${s.url}/api/v1${path}`, {
        method,
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const json = await res.json();
      expect(res.status, `${path}: ${JSON.stringify(json)}`).toBeLessThan(300);
      return json;
    };

    // Invoices due when posted: a payment run collects only what is due by today.
    await call('/tenant', { settings: { payment_terms_days: 0 } }, 'PATCH');
    // One customer made through the API (plan, card, autopay), cloned in SQL to 2,000.
    const product = await call('/products', { name: 'Hosting' });
    const price = await call('/prices', {
      product_id: product.id,
      kind: 'recurring',
      pricing_model: 'flat',
      billing_interval: 'month',
      unit_amount: 4200,
    });
    const template = await call('/customers', { name: 'Template' });
    const token = await call('/sandbox/tokens', {
      card: { number: '4242424242424242', expiry: '12/30', cvc: '737', name: 'Template' },
    });
    const pm = await call(`/customers/${template.id}/payment-methods`, {
      gateway_token: token.id,
      authorized: true,
    });
    await call(`/customers/${template.id}/autopay`, { enabled: true }, 'PATCH');
    const sub = await call('/subscriptions', {
      customer_id: template.id,
      price_id: price.id,
      start_date: '2026-11-01',
    });
    const n = CUSTOMERS - 1;
    const clone = (table: string, id: string, changes: string) =>
      cloneRow(db, table, id, n, changes);
    const row = await db.one<{ gateway_customer_id: string; gateway_method_id: string }>(
      'SELECT gateway_customer_id, gateway_method_id FROM payment_methods WHERE id = $1',
      [pm.id],
    );
    await clone(
      'customers',
      template.id,
      `'id', t.id || '_' || g, 'number', t.number || '-' || g, 'name', 'Customer ' || g`,
    );
    await clone('sandbox_vault_customers', row.gateway_customer_id, `'id', t.id || '_' || g`);
    await clone(
      'sandbox_vault_methods',
      row.gateway_method_id,
      `'id', t.id || '_' || g, 'customer_id', t.customer_id || '_' || g`,
    );
    await clone(
      'payment_methods',
      pm.id,
      `'id', t.id || '_' || g, 'customer_id', t.customer_id || '_' || g,
       'gateway_customer_id', t.gateway_customer_id || '_' || g,
       'gateway_method_id', t.gateway_method_id || '_' || g, 'fingerprint', t.fingerprint || g`,
    );
    await clone(
      'subscriptions',
      sub.id,
      `'id', t.id || '_' || g, 'customer_id', t.customer_id || '_' || g`,
    );
    await db.query('ANALYZE');

    // The bill run: four batches of 500, shared; one worker dies in the middle of its batch.
    let live: ChildProcess[] = [await startWorker(s), await startWorker(s)];
    // Batches wait on a lock the test holds until every worker has taken some: on a quiet
    // machine one worker could otherwise finish them all before the other polls.
    let hold = await holdTable('invoice_lines');
    const run = await call('/bill-runs', { target_date: '2026-11-01' });
    live = await killOneWhileShared(db, live, 'bill-run-batch');
    await hold.release();
    expect(live).toHaveLength(1);
    live.push(await startWorker(s));
    const billed = await until(
      async () => {
        const r = await call(`/bill-runs/${run.id}`);
        return r.status === 'completed' ? r : null;
      },
      { what: 'the bill run to complete', timeoutMs: 240_000, intervalMs: 500 },
    );
    expect(billed).toMatchObject({ invoice_count: CUSTOMERS, total_amount: CUSTOMERS * 4200 });
    const perCustomer = await db.one<{ customers: number; most: number }>(
      `SELECT count(*)::int AS customers, max(n)::int AS most
         FROM (SELECT customer_id, count(*) AS n FROM invoices WHERE tenant_id = $1 GROUP BY 1) c`,
      [tenantId],
    );
    expect(perCustomer).toEqual({ customers: CUSTOMERS, most: 1 });

    await call(`/bill-runs/${run.id}/post`, {});
    await until(async () => (await call(`/bill-runs/${run.id}`)).status === 'posted', {
      what: 'the bill run to be posted',
      timeoutMs: 120_000,
      intervalMs: 500,
    });

    // The payment run: ten batches of 200, shared by the two live workers; one dies mid-charge.
    hold = await holdTable('payments');
    const payRun = await call('/payment-runs', {});
    live = await killOneWhileShared(db, live, 'payment-run-batch');
    await hold.release();
    expect(live).toHaveLength(1);
    // What the dead worker charged without recording it is reconciled with the gateway once it
    // is two minutes old on the tenant clock: move the sandbox clock past that.
    await until(async () => (await call(`/payment-runs/${payRun.id}`)).status !== 'running', {
      what: 'the payment run to finish',
      timeoutMs: 240_000,
      intervalMs: 500,
    });
    await call('/clock/advance', { to: new Date(Date.now() + 5 * 60_000).toISOString() });
    const settled = await until(
      async () => {
        const pending = await db.one<{ n: number }>(
          `SELECT count(*)::int AS n FROM payments WHERE tenant_id = $1 AND status = 'pending'`,
          [tenantId],
        );
        return pending.n === 0;
      },
      { what: 'no payment left pending', timeoutMs: 240_000, intervalMs: 1000 },
    );
    expect(settled).toBe(true);
    const charges = await db.one<{ invoices: number; charged_twice: number; paid_twice: number }>(
      `SELECT
         (SELECT count(*)::int FROM invoices WHERE tenant_id = $1) AS invoices,
         (SELECT count(*)::int FROM (
            SELECT a.invoice_id FROM sandbox_vault_charges v
              JOIN payments p ON p.gateway_charge_id = v.id
              JOIN payment_applications a ON a.payment_id = p.id
             WHERE p.tenant_id = $1 GROUP BY 1 HAVING count(*) > 1) d) AS charged_twice,
         (SELECT count(*)::int FROM (
            SELECT a.invoice_id FROM payments p JOIN payment_applications a ON a.payment_id = p.id
             WHERE p.tenant_id = $1 AND p.status = 'succeeded' GROUP BY 1 HAVING count(*) > 1) d)
           AS paid_twice`,
      [tenantId],
    );
    expect(charges).toEqual({ invoices: CUSTOMERS, charged_twice: 0, paid_twice: 0 });
    expect(await s.billow('verify', '--tenant', tenantId)).toContain('no violations');
  });
});
