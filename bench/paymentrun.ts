/**
 * Payment run benchmark (issue 5): N autopay customers, each with a saved sandbox card and one
 * posted invoice, collected by one payment run through the real path (durable batch jobs on the
 * worker, bounded concurrency, the sandbox gateway with a simulated network latency). Checks
 * that every invoice is paid and nothing is charged twice (payments per invoice, and the
 * gateway's own charges per invoice in the sandbox vault), then times the raw-SQL baseline (the
 * same outcome written by hand with the same batching and latency) on a second set of invoices.
 * One line of results.
 *
 *   npm run bench -- paymentrun --invoices 20000 --gateway-latency-ms 100              (PGlite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- paymentrun --invoices 20000 --gateway-latency-ms 100
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../src/core/clock.js';
import { mapLimit } from '../src/core/limit.js';
import { buildApp } from '../src/http/app.js';
import { startQueue } from '../src/jobs/queue.js';
import { startWorker } from '../src/jobs/worker.js';
import { systemCtx } from '../src/modules/context.js';
import { CHARGE_CONCURRENCY } from '../src/modules/paymentruns/batch.js';
import { RUN_BATCH_JOBS_AT_ONCE } from '../src/modules/paymentruns/jobs.js';
import {
  createPaymentRun,
  getPaymentRun,
  RUN_BATCH_SIZE,
} from '../src/modules/paymentruns/service.js';
import { createTenant, loadTenant } from '../src/modules/tenants/service.js';
import { arg, benchDb, rssSampler } from './harness.js';

const INVOICES = arg('invoices', 20_000);
const LATENCY = arg('gateway-latency-ms', 100);
/** Contacts per customer whose profile receives receipts (each successful payment emails them). */
const CONTACTS = arg('contacts', 1);
process.env.BILLOW_SANDBOX_LATENCY_MS = String(LATENCY);

const bench = await benchDb(Number(process.env.BENCH_POOL ?? 10));
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

/**
 * N customers cloned from the template, each with its card and one posted invoice: the ids carry
 * `tag` ('bench' for Billow's run, 'base' for the raw-SQL baseline, whose customers are not on
 * autopay so that Billow's run leaves them alone).
 */
async function seed(tag: string, autopay: boolean): Promise<void> {
  const now = new Date('2026-11-01T12:00:00Z');
  const g = `FROM generate_series(1, ${INVOICES}) g`;
  const suffix = `lpad(g::text, 8, '0')`;
  await db.query(
    `INSERT INTO customers (id, tenant_id, number, name, autopay, created_at, updated_at)
     SELECT 'cus_${tag}' || ${suffix}, $1, '${tag}-' || g, 'Customer ' || g, $3, $2, $2 ${g}`,
    [tenantId, now, autopay],
  );
  await db.query(
    `INSERT INTO sandbox_vault_customers
     SELECT (jsonb_populate_record(null::sandbox_vault_customers,
               to_jsonb(c) || jsonb_build_object('id', c.id || '_${tag}' || g))).* ${g}, sandbox_vault_customers c
      WHERE c.id = $1`,
    [pmRow.gateway_customer_id],
  );
  await db.query(
    `INSERT INTO sandbox_vault_methods
     SELECT (jsonb_populate_record(null::sandbox_vault_methods, to_jsonb(m) || jsonb_build_object(
               'id', m.id || '_${tag}' || g, 'customer_id', m.customer_id || '_${tag}' || g))).*
       ${g}, sandbox_vault_methods m WHERE m.id = $1`,
    [pmRow.gateway_method_id],
  );
  await db.query(
    `INSERT INTO payment_methods
     SELECT (jsonb_populate_record(null::payment_methods, to_jsonb(p) || jsonb_build_object(
               'id', 'pm_${tag}' || ${suffix}, 'customer_id', 'cus_${tag}' || ${suffix},
               'gateway_customer_id', p.gateway_customer_id || '_${tag}' || g,
               'gateway_method_id', p.gateway_method_id || '_${tag}' || g,
               'fingerprint', p.fingerprint || '${tag}' || g))).*
       ${g}, payment_methods p WHERE p.id = $1`,
    [pm.id],
  );
  for (let k = 1; k <= CONTACTS; k++) {
    await db.query(
      `INSERT INTO contacts (id, tenant_id, customer_id, name, email, profile_id, created_at, updated_at)
       SELECT 'con_${tag}${k}_' || ${suffix}, $1, 'cus_${tag}' || ${suffix}, 'Billing ' || g,
              'billing${k}-' || g || '@${tag}.example.com', $3, $2, $2 ${g}`,
      [tenantId, now, receiptProfile.id],
    );
  }
  await db.query(
    `INSERT INTO invoices (id, tenant_id, customer_id, number, status, invoice_date, due_date, total,
                           posted_at, created_at, updated_at)
     SELECT 'inv_${tag}' || ${suffix}, $1, 'cus_${tag}' || ${suffix}, 'INV-${tag}' || g, 'posted',
            '2026-10-02', '2026-11-01', 1000 + g % 100, $2, $2, $2 ${g}`,
    [tenantId, now],
  );
  await db.query(
    `INSERT INTO invoice_lines (id, tenant_id, invoice_id, kind, description, amount, created_at)
     SELECT 'il_${tag}' || ${suffix}, $1, 'inv_${tag}' || ${suffix}, 'manual', 'Service', 1000 + g % 100, $2 ${g}`,
    [tenantId, now],
  );
}

const pmRow = await db.one<{ gateway_customer_id: string; gateway_method_id: string }>(
  'SELECT gateway_customer_id, gateway_method_id FROM payment_methods WHERE id = $1',
  [pm.id],
);
const receiptProfile = await db.one<{ id: string }>(
  `SELECT id FROM contact_profiles WHERE tenant_id = $1 AND 'receive_receipts' = ANY (permissions)
    ORDER BY id LIMIT 1`,
  [tenantId],
);
const seedStart = performance.now();
await seed('bench', true);
await seed('base', false);
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

/**
 * The raw-SQL baseline: the least work that gives the same outcome, written by hand with the same
 * batches, batch jobs at once, gateway concurrency and latency — per batch one statement for the
 * payments and one for their applications, one vault charge per invoice after the latency, then
 * one statement for the results and one for the run's items. No method checks, locks, balances,
 * autopay rules, audit, events or receipts: what Billow does beyond this is the ratio.
 */
async function baseline(): Promise<number> {
  const rows = await db.query<{
    invoice_id: string;
    customer_id: string;
    amount: number;
    pm_id: string;
    gw_customer: string;
    gw_method: string;
  }>(
    `SELECT i.id AS invoice_id, i.customer_id, i.total AS amount, m.id AS pm_id,
            m.gateway_customer_id AS gw_customer, m.gateway_method_id AS gw_method
       FROM invoices i JOIN payment_methods m ON m.customer_id = i.customer_id
      WHERE i.tenant_id = $1 AND i.id LIKE 'inv_base%' ORDER BY i.id`,
    [tenantId],
  );
  const at = new Date('2026-11-02T15:00:00Z');
  const runId = 'pr_baseline';
  await db.query(
    `INSERT INTO payment_runs (id, tenant_id, status, total_invoices, created_at, started_at)
     VALUES ($1, $2, 'running', $3, $4, $4)`,
    [runId, tenantId, rows.length, at],
  );
  await db.query(
    `INSERT INTO payment_run_items (payment_run_id, invoice_id, tenant_id, status)
     SELECT $1, id, $2, 'queued' FROM unnest($3::text[]) AS t(id)`,
    [runId, tenantId, rows.map((r) => r.invoice_id)],
  );
  const batches: (typeof rows)[] = [];
  for (let i = 0; i < rows.length; i += RUN_BATCH_SIZE)
    batches.push(rows.slice(i, i + RUN_BATCH_SIZE));
  const start = performance.now();
  await mapLimit(batches, RUN_BATCH_JOBS_AT_ONCE, async (batch) => {
    const ids = batch.map((r) => `pay_base_${r.invoice_id}`);
    await db.tx(async (tx) => {
      await tx.query(
        `INSERT INTO payments (id, tenant_id, customer_id, method_type, payment_method_id, gateway,
                               amount, status, source, payment_run_id, autopay_invoice_id,
                               attempted_at, created_at, updated_at)
         SELECT id, $1, customer_id, 'card', pm_id, 'sandbox', amount, 'pending', 'payment_run', $2,
                invoice_id, $3, $3, $3
           FROM unnest($4::text[], $5::text[], $6::text[], $7::bigint[], $8::text[])
             AS t(id, customer_id, pm_id, amount, invoice_id)`,
        [
          tenantId,
          runId,
          at,
          ids,
          batch.map((r) => r.customer_id),
          batch.map((r) => r.pm_id),
          batch.map((r) => r.amount),
          batch.map((r) => r.invoice_id),
        ],
      );
      await tx.query(
        `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, kind, created_at)
         SELECT 'pa_' || id, $1, id, invoice_id, amount, 'payment', $2
           FROM unnest($3::text[], $4::text[], $5::bigint[]) AS t(id, invoice_id, amount)`,
        [tenantId, at, ids, batch.map((r) => r.invoice_id), batch.map((r) => r.amount)],
      );
    });
    const charges = await mapLimit(batch, CHARGE_CONCURRENCY, async (r, i) => {
      await sleep(LATENCY);
      const charge = `ch_base_${r.invoice_id}`;
      await db.query(
        `INSERT INTO sandbox_vault_charges (id, account_id, customer_id, method_id, amount, currency,
                                            status, idempotency_key, created_at, settled_at)
         VALUES ($1, $2, $3, $4, $5, 'USD', 'succeeded', $6, $7, $7)`,
        [charge, tenantId, r.gw_customer, r.gw_method, r.amount, ids[i], at],
      );
      return charge;
    });
    await db.tx(async (tx) => {
      await tx.query(
        `UPDATE payments p SET status = 'succeeded', gateway_charge_id = t.charge, settled_at = $1,
                updated_at = $1
           FROM unnest($2::text[], $3::text[]) AS t(id, charge) WHERE p.id = t.id`,
        [at, ids, charges],
      );
      await tx.query(
        `UPDATE payment_run_items it SET status = 'succeeded', payment_id = t.id, processed_at = $2
           FROM unnest($3::text[], $4::text[]) AS t(id, invoice_id)
          WHERE it.payment_run_id = $1 AND it.invoice_id = t.invoice_id`,
        [runId, at, ids, batch.map((r) => r.invoice_id)],
      );
    });
  });
  return (performance.now() - start) / 1000;
}
const baselineSeconds = await baseline();
await bench.close();

const seconds = (t1 - t0) / 1000;
const doubles = check.doubles + check.gateway_doubles + Math.max(0, check.paid - check.payments);
const ok = check.payments === INVOICES && status.counts.succeeded === INVOICES && doubles === 0;
const rate = INVOICES / seconds;
const baseRate = INVOICES / baselineSeconds;
console.log(
  `paymentrun: ${INVOICES} invoices, ${Math.round(rate)} payments/s ` +
    `(${seconds.toFixed(1)} s, selection ${((selected - t0) / 1000).toFixed(1)} s, gateway latency ${LATENCY} ms, ` +
    `${RUN_BATCH_JOBS_AT_ONCE} batch jobs × ${CHARGE_CONCURRENCY} charges in flight, ` +
    `${CONTACTS} receipt contact(s) per customer); raw SQL ` +
    `${Math.round(baseRate)} payments/s; ratio ${(baseRate / rate).toFixed(2)}; ` +
    `double charges ${doubles}, peak RSS ${peak} MiB; ${bench.label}; checks ${ok ? 'ok' : 'FAILED'} ` +
    `(seed ${seedSeconds.toFixed(0)} s)`,
);
if (!ok) {
  console.error(JSON.stringify({ check, status }));
  process.exit(1);
}
