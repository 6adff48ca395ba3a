/**
 * Bill run benchmark (issue 3): N customers, each with one usage subscription and ten usage
 * records for October, billed by a bill run for 2026-11-01 through the real path (durable jobs
 * processed by the worker) and posted. The same rows are then written by plain SQL for an
 * identical second tenant: the baseline. One line of results.
 *
 *   npm run bench -- billrun --customers 100000                     (PGlite)
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench -- billrun --customers 100000
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ManualClock } from '../src/core/clock.js';
import type { Db } from '../src/db/db.js';
import { startQueue } from '../src/jobs/queue.js';
import { startWorker } from '../src/jobs/worker.js';
import { createBillRun, getBillRun, postBillRun } from '../src/modules/billruns/service.js';
import { systemCtx } from '../src/modules/context.js';
import { createTenant, loadTenant } from '../src/modules/tenants/service.js';
import { arg, benchDb, rssSampler } from './harness.js';

const CUSTOMERS = arg('customers', 100_000);
const UNIT = 5; // cents per GB
const PER_CUSTOMER = UNIT * 55; // 1 + 2 + … + 10 GB

async function seed(db: Db, tenantId: string, tag: string): Promise<void> {
  const now = new Date('2026-10-01T12:00:00Z');
  await db.query(
    `INSERT INTO products (id, tenant_id, name, created_at, updated_at) VALUES ($1, $2, 'Transfer', $3, $3)`,
    [`prod_${tag}`, tenantId, now],
  );
  await db.query(
    `INSERT INTO prices (id, tenant_id, product_id, kind, billing_interval, pricing_model, unit_amount,
                         unit_of_measure, used_at, created_at, updated_at)
     VALUES ($1, $2, $3, 'usage', 'month', 'per_unit', $4, 'GB', $5, $5, $5)`,
    [`price_${tag}`, tenantId, `prod_${tag}`, UNIT, now],
  );
  await db.query(
    `INSERT INTO customers (id, tenant_id, number, name, created_at, updated_at)
     SELECT 'cus_' || $3 || lpad(g::text, 8, '0'), $1, 'C-' || g, 'Customer ' || g, $2, $2
       FROM generate_series(1, $4) g`,
    [tenantId, now, tag, CUSTOMERS],
  );
  await db.query(
    `INSERT INTO subscriptions (id, tenant_id, customer_id, price_id, start_date, billing_anchor_day,
                                created_at, updated_at)
     SELECT 'sub_' || $3 || lpad(g::text, 8, '0'), $1, 'cus_' || $3 || lpad(g::text, 8, '0'), $4,
            '2026-10-01', 1, $2, $2
       FROM generate_series(1, $5) g`,
    [tenantId, now, tag, `price_${tag}`, CUSTOMERS],
  );
  await db.query(
    `INSERT INTO usage_records (id, tenant_id, customer_id, subscription_id, client_id, usage_date,
                                quantity, unit_of_measure, created_at)
     SELECT 'ur_' || $3 || g || '_' || k, $1, 'cus_' || $3 || lpad(g::text, 8, '0'),
            'sub_' || $3 || lpad(g::text, 8, '0'), 'u-' || g || '-' || k, date '2026-10-01' + k, k,
            'GB', $2
       FROM generate_series(1, $4) g, generate_series(1, 10) k`,
    [tenantId, now, tag, CUSTOMERS],
  );
  await db.exec('ANALYZE');
}

/** The same rows as the bill run writes, by plain set-based SQL in one transaction. */
async function baseline(db: Db, tenantId: string): Promise<void> {
  await db.tx(async (inner) => {
    const tx = {
      ...inner,
      query: async (text: string, params?: readonly unknown[]) => {
        const t = performance.now();
        const r = await inner.query(text, params);
        if (process.env.BENCH_DEBUG)
          console.error(`${(performance.now() - t).toFixed(0)} ms ${text.slice(0, 60)}`);
        return r;
      },
    };
    const now = new Date('2026-11-02T15:00:00Z');
    await tx.query(
      `INSERT INTO invoices (id, tenant_id, customer_id, status, invoice_date, total, created_at, updated_at)
       SELECT 'inv_' || c.id, $1, c.id, 'draft', '2026-11-01', 0, $2, $2 FROM customers c WHERE c.tenant_id = $1`,
      [tenantId, now],
    );
    await tx.query(
      `INSERT INTO invoice_lines (id, tenant_id, invoice_id, kind, description, subscription_id, price_id,
                                  quantity, unit_amount, amount, period_start, period_end, created_at)
       SELECT 'il_' || u.subscription_id, $1, 'inv_' || u.customer_id, 'usage', 'Transfer: ' || sum(u.quantity) || ' GB',
              u.subscription_id, s.price_id, sum(u.quantity), $3::bigint, round(sum(u.quantity) * $3::bigint), '2026-10-01',
              '2026-11-01', $2
         FROM usage_records u JOIN subscriptions s ON s.id = u.subscription_id
        WHERE u.tenant_id = $1 GROUP BY u.subscription_id, u.customer_id, s.price_id`,
      [tenantId, now, UNIT],
    );
    await tx.query(
      `UPDATE usage_records SET invoice_id = 'inv_' || customer_id WHERE tenant_id = $1 AND invoice_id IS NULL`,
      [tenantId],
    );
    await tx.query(
      `UPDATE invoices i SET total = l.amount FROM invoice_lines l WHERE l.invoice_id = i.id AND i.tenant_id = $1`,
      [tenantId],
    );
    for (const action of ['invoice.created', 'invoice.posted']) {
      await tx.query(
        `INSERT INTO audit_log (id, tenant_id, at, actor_type, action, object_type, object_id, after)
         SELECT 'aud_' || $3 || i.id, $1, $2, 'system', $3, 'invoice', i.id, jsonb_build_object('id', i.id)
           FROM invoices i WHERE i.tenant_id = $1`,
        [tenantId, now, action],
      );
      await tx.query(
        `INSERT INTO events (id, tenant_id, type, object_type, object_id, data, created_at)
         SELECT 'evt_' || $3 || i.id, $1, $3, 'invoice', i.id, jsonb_build_object('id', i.id), $2
           FROM invoices i WHERE i.tenant_id = $1`,
        [tenantId, now, action],
      );
    }
    await tx.query(
      `UPDATE invoices i SET status = 'posted', number = 'INV-' || lpad(n.rn::text, 6, '0'),
              due_date = i.invoice_date + 30, posted_at = $2
         FROM (SELECT id, row_number() OVER (ORDER BY id) rn FROM invoices WHERE tenant_id = $1) n
        WHERE n.id = i.id`,
      [tenantId, now],
    );
  });
}

const bench = await benchDb(12);
const { db } = bench;
const clock = new ManualClock('2026-11-02T15:00:00Z');
const billow = await createTenant(db, clock, {
  name: 'Bench',
  ownerEmail: 'bench@example.com',
  ownerPassword: 'bench password 1',
});
const raw = await createTenant(db, clock, {
  name: 'Baseline',
  ownerEmail: 'baseline@example.com',
  ownerPassword: 'bench password 1',
});
const seedStart = performance.now();
await seed(db, billow.tenant.id, 'a');
await seed(db, raw.tenant.id, 'b');
const seedSeconds = (performance.now() - seedStart) / 1000;

const queue = await startQueue(db, {
  schema: bench.schema ? `${bench.schema}_jobs` : undefined,
  pollingIntervalSeconds: 0.5,
});
const worker = await startWorker({
  db,
  clock,
  queue,
  email: { smtpUrl: null, from: 'bench@localhost' },
});
const tenant = await loadTenant(db, billow.tenant.id);
if (!tenant) throw new Error('no tenant');
const ctx = systemCtx(db, clock, tenant);

const rss = rssSampler();
const t0 = performance.now();
const run = await createBillRun(ctx, { target_date: '2026-11-01' });
let status = run;
while (status.status === 'running') {
  await sleep(100);
  status = await getBillRun(ctx, run.id);
  if (process.stderr.isTTY) {
    process.stderr.write(`\r  generating ${status.progress.processed}/${status.progress.total}`);
  }
}
const generated = performance.now();
const posted = await postBillRun(ctx, run.id);
const t1 = performance.now();
const peak = rss.stop();
if (process.stderr.isTTY) process.stderr.write('\n');

// Fresh statistics for the baseline, as Billow's run had after seeding: foreign-key checks keep
// the plan a connection first made, and one made while `invoices` was empty scans it per row.
await db.exec('ANALYZE');
const b0 = performance.now();
await baseline(db, raw.tenant.id);
const b1 = performance.now();

const check = await db.one<{
  invoices: number;
  customers: number;
  total: number;
  unbilled: number;
}>(
  `SELECT count(*) AS invoices, count(DISTINCT customer_id) AS customers, coalesce(sum(total), 0)::bigint AS total,
          (SELECT count(*) FROM usage_records WHERE tenant_id = $1 AND invoice_id IS NULL) AS unbilled
     FROM invoices WHERE tenant_id = $1 AND status = 'posted'`,
  [billow.tenant.id],
);
await worker.stop();
await queue.stop();
await bench.close();

const seconds = (t1 - t0) / 1000;
const baseSeconds = (b1 - b0) / 1000;
const ok =
  check.invoices === CUSTOMERS &&
  check.customers === CUSTOMERS &&
  check.total === CUSTOMERS * PER_CUSTOMER &&
  check.unbilled === 0 &&
  posted.invoice_count === CUSTOMERS;
console.log(
  `billrun: ${CUSTOMERS} customers -> ${check.invoices} posted invoices in ${seconds.toFixed(1)} s ` +
    `(generate ${((generated - t0) / 1000).toFixed(1)} s, post ${((t1 - generated) / 1000).toFixed(1)} s) = ` +
    `${Math.round(CUSTOMERS / seconds)} invoices/s; raw SQL ${baseSeconds.toFixed(1)} s = ` +
    `${Math.round(CUSTOMERS / baseSeconds)} invoices/s; ratio ${(seconds / baseSeconds).toFixed(2)}; ` +
    `peak RSS ${peak} MiB; ${bench.label}; checks ${ok ? 'ok' : 'FAILED'} (seed ${seedSeconds.toFixed(0)} s)`,
);
if (!ok) {
  console.error(JSON.stringify(check));
  process.exit(1);
}
