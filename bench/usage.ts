/**
 * Usage ingestion benchmark (B3, POST /usage-records): starts the API on the configured database,
 * seeds a tenant with 1,000 customers each on a usage subscription (bulk SQL), then POSTs batches
 * of records over real HTTP from a few concurrent clients, about 10% of them replays of ids sent
 * before, and checks that exactly the unique records were stored. Then times a raw-SQL baseline:
 * the same batches through the same unnest INSERT, straight into the database.
 *
 *   npx tsx bench/usage.ts [--records 200000] [--batch 1000] [--concurrency 4]
 *
 * Embedded PGlite in a temporary directory, or the PostgreSQL server named by DATABASE_URL (in a
 * fresh schema, dropped at the end); see harness.ts. Also `npm run bench -- usage [options]`.
 */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.js';
import { addDays } from '../src/core/dates.js';
import { newId } from '../src/core/ids.js';
import { buildApp } from '../src/http/app.js';
import { createTenant } from '../src/modules/tenants/service.js';
import { insertUsageRows, type UsageRow } from '../src/modules/usage/service.js';
import { arg, benchDb } from './harness.js';

const total = arg('records', 200_000);
const batchSize = arg('batch', 1000);
const concurrency = arg('concurrency', 4);
for (const [name, n, max] of [
  ['--records', total, 1e8],
  ['--batch', batchSize, 1000],
  ['--concurrency', concurrency, 64],
] as const) {
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new Error(`${name} takes a whole number from 1 to ${max}`);
  }
}
const CUSTOMERS = 1000;
const REPLAY_SHARE = 0.1;
const START = '2026-01-01';

/** A deterministic generator, so runs are comparable. */
let seed = 7;
function rand(n: number): number {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed % n;
}

interface Rec {
  id: string;
  customer_id: string;
  unit_of_measure: string;
  quantity: string;
  usage_date: string;
}

/** Batches of records, about 10% of each a replay of an id sent earlier (or earlier in it). */
function generate(customers: string[]): { batches: Rec[][]; unique: number } {
  const sent: Rec[] = [];
  const batches: Rec[][] = [];
  let unique = 0;
  for (let made = 0; made < total; ) {
    const size = Math.min(batchSize, total - made);
    const batch: Rec[] = [];
    for (let i = 0; i < size; i++) {
      const earlier = sent.length > 0 && rand(1000) < REPLAY_SHARE * 1000;
      if (earlier) {
        batch.push(sent[rand(sent.length)] as Rec);
        continue;
      }
      const rec: Rec = {
        id: `evt-${unique}`,
        customer_id: customers[rand(customers.length)] as string,
        unit_of_measure: 'api_call',
        quantity: `${rand(10_000)}.${String(rand(1000)).padStart(3, '0')}`,
        usage_date: addDays(START, rand(300)),
      };
      unique += 1;
      sent.push(rec);
      batch.push(rec);
    }
    batches.push(batch);
    made += size;
  }
  return { batches, unique };
}

/** Runs `work` over 0…n-1 with `concurrency` at a time. */
async function pool(n: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

const bench = await benchDb(concurrency + 2);
const { db } = bench;
try {
  const created = await createTenant(db, systemClock, {
    name: 'Usage bench',
    ownerEmail: 'bench@example.com',
    ownerPassword: 'bench password long',
  });
  const tenantId = created.tenant.id;
  const now = new Date();
  const productId = newId('product');
  const priceId = newId('price');
  const customers = Array.from({ length: CUSTOMERS }, () => newId('customer'));
  const subscriptions = customers.map(() => newId('subscription'));
  await db.query(
    'INSERT INTO products (id, tenant_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)',
    [productId, tenantId, 'API', now],
  );
  await db.query(
    `INSERT INTO prices (id, tenant_id, product_id, kind, billing_interval, pricing_model,
       unit_amount, unit_of_measure, used_at, created_at, updated_at)
     VALUES ($1, $2, $3, 'usage', 'month', 'per_unit', 1, 'api_call', $4, $4, $4)`,
    [priceId, tenantId, productId, now],
  );
  await db.query(
    `INSERT INTO customers (id, tenant_id, number, name, invoice_only, created_at, updated_at)
     SELECT c.id, $1, 'C-' || lpad(c.n::text, 6, '0'), 'Customer ' || c.n, true, $2, $2
       FROM unnest($3::text[]) WITH ORDINALITY AS c(id, n)`,
    [tenantId, now, customers],
  );
  await db.query(
    `INSERT INTO subscriptions (id, tenant_id, customer_id, price_id, start_date,
       billing_anchor_day, created_at, updated_at)
     SELECT s.id, $1, s.customer_id, $2, $3, 1, $4, $4
       FROM unnest($5::text[], $6::text[]) AS s(id, customer_id)`,
    [tenantId, priceId, START, now, subscriptions, customers],
  );
  await db.query('ANALYZE');

  const { batches, unique } = generate(customers);
  // Bodies are serialised before the clock starts: the client shares the server's process.
  const bodies = batches.map((records) => JSON.stringify({ records }));

  const app = await buildApp({ db, clock: systemClock, logLevel: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}/api/v1/usage-records`;
  const headers = {
    authorization: `Bearer ${created.apiKey.secret}`,
    'content-type': 'application/json',
  };
  let accepted = 0;
  let duplicates = 0;
  let started = performance.now();
  await pool(bodies.length, async (i) => {
    const res = await fetch(url, { method: 'POST', headers, body: bodies[i] as string });
    const body = (await res.json()) as { accepted: number; duplicates: number };
    if (res.status !== 201 && res.status !== 200) {
      throw new Error(`batch ${i}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 500)}`);
    }
    accepted += body.accepted;
    duplicates += body.duplicates;
  });
  const httpSeconds = (performance.now() - started) / 1000;
  await app.close();

  const { n: storedCount } = await db.one<{ n: number }>(
    'SELECT count(*)::int AS n FROM usage_records WHERE tenant_id = $1',
    [tenantId],
  );
  if (storedCount !== unique || accepted !== unique || accepted + duplicates !== total) {
    throw new Error(
      `stored ${storedCount}, accepted ${accepted}, duplicates ${duplicates}; expected ` +
        `${unique} unique of ${total}`,
    );
  }

  // The baseline: the same batches (deduplicated as the service does) through the same INSERT.
  await db.query('DELETE FROM usage_records WHERE tenant_id = $1', [tenantId]);
  await db.query('VACUUM ANALYZE usage_records');
  const subscriptionOf = new Map(customers.map((c, i) => [c, subscriptions[i] as string]));
  const rawBatches: UsageRow[][] = batches.map((batch) => {
    const firstOf = new Map<string, Rec>();
    for (const r of batch) if (!firstOf.has(r.id)) firstOf.set(r.id, r);
    return [...firstOf.values()].map((r) => ({
      id: newId('usageRecord'),
      customer_id: r.customer_id,
      subscription_id: subscriptionOf.get(r.customer_id) as string,
      client_id: r.id,
      description: null,
      usage_date: r.usage_date,
      quantity: r.quantity,
      unit_of_measure: r.unit_of_measure,
    }));
  });
  started = performance.now();
  await pool(rawBatches.length, async (i) => {
    await insertUsageRows(db, tenantId, rawBatches[i] as UsageRow[], new Date());
  });
  const rawSeconds = (performance.now() - started) / 1000;
  const { n: rawStored } = await db.one<{ n: number }>(
    'SELECT count(*)::int AS n FROM usage_records WHERE tenant_id = $1',
    [tenantId],
  );
  if (rawStored !== unique) throw new Error(`raw SQL stored ${rawStored}, expected ${unique}`);

  const rate = total / httpSeconds;
  const rawRate = total / rawSeconds;
  console.log(
    `usage: ${total} records in ${httpSeconds.toFixed(2)} s = ${Math.round(rate)} records/s ` +
      `(raw SQL ${Math.round(rawRate)} records/s, ratio ${(rawRate / rate).toFixed(2)}) on ${bench.label}`,
  );
  console.log(
    `(${batches.length} batches of up to ${batchSize}, ${concurrency} concurrent; ${unique} ` +
      `unique, ${duplicates} replays counted once; ${CUSTOMERS} customers)`,
  );
} finally {
  await bench.close();
}
