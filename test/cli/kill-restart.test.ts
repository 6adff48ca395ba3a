/**
 * A server killed while a bill run works (kill -9: a crash, a power cut) takes the run up again
 * after a restart, in seconds rather than at the job's 15-minute expiry, and bills each customer
 * once (issue 10, item 7). Real processes on a real data directory.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect.js';
import { cloneRow } from '../helpers/clone.js';
import { type ServeProcess, startServe } from '../helpers/serve.js';
import { until } from '../helpers/wait.js';

const CUSTOMERS = 300;
const servers: ServeProcess[] = [];

afterAll(async () => {
  for (const s of servers) await s.kill();
  if (servers[0]) rmSync(servers[0].dataDir, { recursive: true, force: true, maxRetries: 5 });
});

describe('a bill run when its only process is killed', { timeout: 300_000 }, () => {
  it('finishes after a restart with one invoice per customer and balanced books', async () => {
    const first = await startServe();
    servers.push(first);
    const created = JSON.parse(await first.billow('tenant', 'create', '--name', 'Crash', '--json'));
    const headers = {
      authorization: `Bearer ${created.api_key}`,
      'content-type': 'application/json',
    };
    const call = async (url: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}/api/v1${path}`, {
        method: body ? 'POST' : 'GET',
        headers,
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      const json = await res.json();
      expect(res.status, JSON.stringify(json)).toBeLessThan(300);
      return json;
    };
    const product = await call(first.url, '/products', { name: 'Hosting' });
    const price = await call(first.url, '/prices', {
      product_id: product.id,
      kind: 'recurring',
      pricing_model: 'flat',
      billing_interval: 'month',
      unit_amount: 4200,
    });
    // One customer on a monthly plan made through the API, cloned in SQL to 300.
    const customer = await call(first.url, '/customers', { name: 'Customer', invoice_only: true });
    const sub = await call(first.url, '/subscriptions', {
      customer_id: customer.id,
      price_id: price.id,
      start_date: '2026-11-01',
    });
    const watcher = await openDatabase({ databaseUrl: undefined, dataDir: first.dataDir });
    const n = CUSTOMERS - 1;
    await cloneRow(
      watcher,
      'customers',
      customer.id,
      n,
      `'id', t.id || '_' || g, 'number', t.number || '-' || g`,
    );
    await cloneRow(
      watcher,
      'subscriptions',
      sub.id,
      n,
      `'id', t.id || '_' || g, 'customer_id', t.customer_id || '_' || g`,
    );

    // Watch the job queue through the server's own database socket, and pull the plug the
    // moment a worker has taken the run's batch.
    const activeBatch = `SELECT id FROM pgboss.job WHERE name = 'bill-run-batch' AND state = 'active'`;
    const run = await call(first.url, '/bill-runs', { target_date: '2026-11-01' });
    const taken = await until(async () => (await watcher.query<{ id: string }>(activeBatch))[0], {
      what: 'a worker to take the batch',
      timeoutMs: 60_000,
      intervalMs: 20,
    });
    await watcher.close();
    await first.kill();

    // The dead process still holds the job (pg-boss would wait for its 15-minute expiry); the
    // restarted one finds it orphaned and runs it again.
    const second = await startServe({ dataDir: first.dataDir });
    servers.push(second);
    const done = await until(
      async () => {
        const r = await call(second.url, `/bill-runs/${run.id}`);
        return r.status === 'completed' ? r : null;
      },
      { what: 'the bill run to complete after the restart', timeoutMs: 120_000, intervalMs: 500 },
    );
    const after = await openDatabase({ databaseUrl: undefined, dataDir: first.dataDir });
    try {
      // The job the dead process held is run again (or found done) and completed.
      const state = () =>
        after.one<{ state: string }>('SELECT state::text AS state FROM pgboss.job WHERE id = $1', [
          taken.id,
        ]);
      await until(async () => (await state()).state === 'completed', {
        what: 'the batch job to complete',
        timeoutMs: 120_000,
        intervalMs: 500,
      });
    } finally {
      await after.close();
    }
    expect(done).toMatchObject({ invoice_count: CUSTOMERS, total_amount: CUSTOMERS * 4200 });
    const invoices = await call(second.url, '/invoices?limit=1');
    expect(invoices.total ?? invoices.data.length).toBeGreaterThan(0);
    expect(await second.billow('verify', '--tenant', created.tenant_id)).toContain('no violations');
    // A new run is taken at once: nothing is left "in progress".
    const again = await call(second.url, '/bill-runs', { target_date: '2026-11-01' });
    const second2 = await until(
      async () => {
        const r = await call(second.url, `/bill-runs/${again.id}`);
        return r.status === 'completed' ? r : null;
      },
      { what: 'the second run', timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(second2).toMatchObject({ invoice_count: 0 });
  });
});
