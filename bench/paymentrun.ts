/**
 * Payment run benchmark (issue 5): N autopay customers, each with a saved sandbox card and one
 * posted invoice, collected by one payment run through the real path (durable batch jobs on the
 * worker, bounded concurrency, the sandbox gateway with a simulated network latency). Checks
 * that every invoice is paid and nothing is charged twice (payments per invoice, and the
 * gateway's own charges per invoice in the sandbox vault). One line of results.
 *
 *   npm run bench -- paymentrun --invoices 20000 --gateway-latency-ms 100              (PGlite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- paymentrun --invoices 20000 --gateway-latency-ms 100
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../src/core/clock.js';
import { buildApp } from '../src/http/app.js';
import { startQueue } from '../src/jobs/queue.js';
import { startWorker } from '../src/jobs/worker.js';
import { systemCtx } from '../src/modules/context.js';
import { createPaymentRun, getPaymentRun } from '../src/modules/paymentruns/service.js';
import { createTenant, loadTenant } from '../src/modules/tenants/service.js';
import { arg, benchDb, rssSampler } from './harness.js';

const INVOICES = arg('invoices', 20_000);
const LATENCY = arg('gateway-latency-ms', 100);
process.env.BILLOW_SANDBOX_LATENCY_MS = String(LATENCY);

const bench = await benchDb(Number(process.env.BENCH_POOL ?? 24));
const { db } = bench;
const clock = new ManualClock('2026-11-02T15:00:00Z');
const created = await createTenant(db, clock, {
  name: 'Bench',
  ownerEmail: 'bench@example.com',
  ownerPassword: 'bench password 1',
});
const tenantId = created.tenant.id;

// One card saved through the real API (tokenize, attach); N customers cloned from it by SQL.
const app = await buildApp({ db, clock, logLevel: false, loginRateLimit: 1000 });
await app.ready();
const call = async (method: 'POST', url: string, payload: object) => {
  const res = await app.inject({
    method,
    url: `/api/v1${url}`,
    payload,
    headers: { authorization: `Bearer ${created.apiKey.secret}` },
  });
  if (res.statusCode >= 300) throw new Error(`${url}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as { id: string };
};
const template = await call('POST', '/customers', { name: 'Template' });
const token = await call('POST', '/sandbox/tokens', {
  card: { number: '4242424242424242', expiry: '12/30', cvc: '737', name: 'Bench' },
});
const pm = await call('POST', `/customers/${template.id}/payment-methods`, {
  gateway_token: token.id,
  authorized: true,
});
await app.close();

const seedStart = performance.now();
const now = new Date('2026-11-01T12:00:00Z');
const g = `FROM generate_series(1, ${INVOICES}) g`;
const suffix = `lpad(g::text, 8, '0')`;
await db.query(
  `INSERT INTO customers (id, tenant_id, number, name, autopay, created_at, updated_at)
   SELECT 'cus_bench' || ${suffix}, $1, 'B-' || g, 'Customer ' || g, true, $2, $2 ${g}`,
  [tenantId, now],
);
const pmRow = await db.one<{ gateway_customer_id: string; gateway_method_id: string }>(
  'SELECT gateway_customer_id, gateway_method_id FROM payment_methods WHERE id = $1',
  [pm.id],
);
await db.query(
  `INSERT INTO sandbox_vault_customers
   SELECT (jsonb_populate_record(null::sandbox_vault_customers,
             to_jsonb(c) || jsonb_build_object('id', c.id || '_' || g))).* ${g}, sandbox_vault_customers c
    WHERE c.id = $1`,
  [pmRow.gateway_customer_id],
);
await db.query(
  `INSERT INTO sandbox_vault_methods
   SELECT (jsonb_populate_record(null::sandbox_vault_methods, to_jsonb(m) || jsonb_build_object(
             'id', m.id || '_' || g, 'customer_id', m.customer_id || '_' || g))).*
     ${g}, sandbox_vault_methods m WHERE m.id = $1`,
  [pmRow.gateway_method_id],
);
await db.query(
  `INSERT INTO payment_methods
   SELECT (jsonb_populate_record(null::payment_methods, to_jsonb(p) || jsonb_build_object(
             'id', 'pm_bench' || ${suffix}, 'customer_id', 'cus_bench' || ${suffix},
             'gateway_customer_id', p.gateway_customer_id || '_' || g,
             'gateway_method_id', p.gateway_method_id || '_' || g, 'fingerprint', p.fingerprint || g))).*
     ${g}, payment_methods p WHERE p.id = $1`,
  [pm.id],
);
await db.query(
  `INSERT INTO invoices (id, tenant_id, customer_id, number, status, invoice_date, due_date, total,
                         posted_at, created_at, updated_at)
   SELECT 'inv_bench' || ${suffix}, $1, 'cus_bench' || ${suffix}, 'INV-B' || g, 'posted', '2026-11-01',
          '2026-12-01', 1000 + g % 100, $2, $2, $2 ${g}`,
  [tenantId, now],
);
await db.query(
  `INSERT INTO invoice_lines (id, tenant_id, invoice_id, kind, description, amount, created_at)
   SELECT 'il_bench' || ${suffix}, $1, 'inv_bench' || ${suffix}, 'manual', 'Service', 1000 + g % 100, $2 ${g}`,
  [tenantId, now],
);
await db.exec('ANALYZE');
const seedSeconds = (performance.now() - seedStart) / 1000;

const queue = await startQueue(db, {
  schema: bench.schema ? `${bench.schema}_jobs` : undefined,
  pollingIntervalSeconds: 0.5,
});
const worker = await startWorker({
  db,
  clock,
  queue,
  email: { smtpUrl: null, from: 'b@localhost' },
});
const tenant = await loadTenant(db, tenantId);
if (!tenant) throw new Error('no tenant');
const ctx = systemCtx(db, clock, tenant);

const rss = rssSampler();
const t0 = performance.now();
const run = await createPaymentRun(ctx, {});
const selected = performance.now();
let status = run;
while (status.status === 'running') {
  await sleep(200);
  status = await getPaymentRun(ctx, run.id);
  if (process.stderr.isTTY) {
    process.stderr.write(`\r  charging ${status.progress.processed}/${status.progress.total}`);
  }
}
const t1 = performance.now();
const peak = rss.stop();
if (process.stderr.isTTY) process.stderr.write('\n');

const check = await db.one<{
  payments: number;
  doubles: number;
  gateway_doubles: number;
  paid: number;
}>(
  `SELECT (SELECT count(*) FROM payments WHERE tenant_id = $1 AND status = 'succeeded') AS payments,
          (SELECT count(*) FROM (SELECT autopay_invoice_id FROM payments WHERE tenant_id = $1
              GROUP BY autopay_invoice_id HAVING count(*) > 1) d) AS doubles,
          (SELECT count(*) FROM (SELECT p.autopay_invoice_id FROM sandbox_vault_charges v
              JOIN payments p ON p.gateway_charge_id = v.id WHERE p.tenant_id = $1
              GROUP BY p.autopay_invoice_id HAVING count(*) > 1) d) AS gateway_doubles,
          (SELECT count(*) FROM sandbox_vault_charges WHERE account_id = $1) AS paid`,
  [tenantId],
);
await worker.stop();
await queue.stop();
await bench.close();

const seconds = (t1 - t0) / 1000;
const doubles = check.doubles + check.gateway_doubles + Math.max(0, check.paid - check.payments);
const ok = check.payments === INVOICES && status.counts.succeeded === INVOICES && doubles === 0;
console.log(
  `paymentrun: ${INVOICES} invoices, ${Math.round(INVOICES / seconds)} payments/s ` +
    `(${seconds.toFixed(1)} s, selection ${((selected - t0) / 1000).toFixed(1)} s, gateway latency ${LATENCY} ms), ` +
    `double charges ${doubles}, peak RSS ${peak} MiB; ${bench.label}; checks ${ok ? 'ok' : 'FAILED'} ` +
    `(seed ${seedSeconds.toFixed(0)} s)`,
);
if (!ok) {
  console.error(JSON.stringify({ check, status }));
  process.exit(1);
}
