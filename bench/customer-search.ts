/**
 * Customer search benchmark (A3, GET /customers?q=): fills one tenant with N generated customers
 * in a single INSERT … SELECT generate_series, then times searches for parts of names, numbers
 * and emails through the service, and shows the plan of the same statement.
 *
 *   npx tsx bench/customer-search.ts --customers 100000 [--searches 50]
 *
 * Runs on an embedded PGlite in a temporary directory, or on the PostgreSQL server named by
 * DATABASE_URL (in a fresh schema, dropped at the end).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { systemClock } from '../src/core/clock.js';
import { openDatabase } from '../src/db/connect.js';
import type { Db } from '../src/db/db.js';
import { migrate } from '../src/db/migrate.js';
import { systemCtx } from '../src/modules/context.js';
import { customerListQuery, listCustomers } from '../src/modules/customers/service.js';
import { createTenant, loadTenant } from '../src/modules/tenants/service.js';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '100000' },
    searches: { type: 'string', default: '50' },
  },
});
const customers = Number(values.customers);
const searches = Number(values.searches);
if (!Number.isSafeInteger(customers) || customers < 1 || !Number.isSafeInteger(searches)) {
  throw new Error('--customers and --searches take positive whole numbers');
}

const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka'];
const KINDS = ['Holdings', 'Labs', 'Logistics', 'Foods', 'Systems', 'Partners', 'Dynamics'];

/** Customer g is "<Company> <Kind> g", number C-00000g, email billing<g>@<company>.example. */
const GENERATE = `
  INSERT INTO customers (id, tenant_id, number, name, billing_email, created_at, updated_at)
  SELECT 'cus_' || lpad(to_hex(g), 26, '0'), $1, 'C-' || lpad(g::text, 6, '0'),
         ($2::text[])[1 + g % $4] || ' ' || ($3::text[])[1 + (g / $4) % $5] || ' ' || g,
         'billing' || g || '@' || lower(($2::text[])[1 + g % $4]) || '.example', $6, $6
    FROM generate_series(1, $7) AS g`;

/** Search terms like a user types: fragments of names, numbers and emails, any case. */
function terms(n: number): string[] {
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed;
  };
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = 1 + (next() % customers);
    const company = COMPANIES[g % COMPANIES.length] ?? 'Acme';
    const kind = KINDS[Math.floor(g / COMPANIES.length) % KINDS.length] ?? 'Labs';
    const options = [
      `${company.slice(1).toLowerCase()} ${kind.slice(0, 3)}`, // "lobex lab": hundreds of rows
      `${kind} ${g}`.toUpperCase(), // one row
      String(g).padStart(6, '0').slice(1), // a number fragment
      `billing${g}@`, // an email fragment
      `${company.toLowerCase()}.exam`, // a whole company's emails
    ];
    out.push(options[i % options.length] ?? company);
  }
  return out;
}

async function open(): Promise<{ db: Db; done: () => Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const schema = `bench_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    const db = await openDatabase({ databaseUrl: url, dataDir: '', schema, poolSize: 2 });
    return {
      db,
      done: async () => {
        await db.close();
        await admin.query(`DROP SCHEMA ${schema} CASCADE`);
        await admin.end();
      },
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'billow-bench-'));
  const db = await openDatabase({ dataDir: dir, poolSize: 2 });
  return {
    db,
    done: async () => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const { db, done } = await open();
try {
  await migrate(db);
  const created = await createTenant(db, systemClock, {
    name: 'Bench',
    ownerEmail: 'bench@example.com',
    ownerPassword: 'bench password long',
  });
  const tenant = await loadTenant(db, created.tenant.id);
  if (!tenant) throw new Error('tenant not created');
  const ctx = systemCtx(db, systemClock, tenant);

  let started = performance.now();
  await db.query(GENERATE, [
    tenant.id,
    COMPANIES,
    KINDS,
    COMPANIES.length,
    KINDS.length,
    new Date(),
    customers,
  ]);
  await db.query('INSERT INTO customer_number_counters (tenant_id, last_value) VALUES ($1, $2)', [
    tenant.id,
    customers,
  ]);
  await db.query('ANALYZE customers');
  const loadMs = performance.now() - started;

  const timings: number[] = [];
  let found = 0;
  for (const q of terms(searches)) {
    started = performance.now();
    const rows = await listCustomers(ctx, { q, limit: 26 });
    timings.push(performance.now() - started);
    found += rows.length;
  }
  timings.sort((a, b) => a - b);
  console.log(
    `customer-search: ${customers} customers, p50 ${percentile(timings, 50).toFixed(1)} ms, ` +
      `p95 ${percentile(timings, 95).toFixed(1)} ms`,
  );
  console.log(
    `(${db.kind}; ${searches} searches returned ${found} rows; loading took ` +
      `${(loadMs / 1000).toFixed(1)} s)`,
  );
  const { text, params } = customerListQuery(tenant.id, { q: 'billing4242@', limit: 26 });
  const plan = await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN ANALYZE ${text}`, params);
  console.log(`EXPLAIN ANALYZE (q = 'billing4242@'):`);
  for (const line of plan) console.log(`  ${line['QUERY PLAN']}`);
} finally {
  await done();
}
