/**
 * Global search benchmark (issue 12 item 2, J1; GET /search): seeds one tenant with SQL — N
 * customers, one contact each, a card on every other customer, M posted invoices (every fourth
 * with a PO number) and P payments (every third a check with its number, the others by card) —
 * then times `search()` (what the endpoint runs, without HTTP) for each kind of term a clerk
 * types, and a baseline in the same run: one customer read by primary key, the floor of a query
 * on this machine at this moment. Prints p50/p95 per kind and the plans of the slowest kind.
 *
 *   DATABASE_URL=postgres://… npm run bench -- search [--customers 100000] [--invoices 1000000]
 *     [--payments 300000] [--searches 40]
 *
 * PostgreSQL (DATABASE_URL, a fresh schema dropped at the end) or, without it, embedded PGlite.
 * The trigram indexes are dropped while seeding and built again afterwards (CREATE INDEX on a
 * full table is many times faster than a GIN insert per row); the definitions come from the
 * catalog, so the indexes searched are exactly the migrations' ones.
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../src/core/clock.js';
import { systemCtx } from '../src/modules/context.js';
import { getCustomer } from '../src/modules/customers/service.js';
import { search } from '../src/modules/search/service.js';
import { createTenant, loadTenant } from '../src/modules/tenants/service.js';
import { arg, benchDb } from './harness.js';

const customers = arg('customers', 100_000);
const invoices = arg('invoices', 1_000_000);
const payments = arg('payments', 300_000);
const searches = arg('searches', 40);
for (const [name, n, min] of [
  ['--customers', customers, 2],
  ['--invoices', invoices, 1],
  ['--payments', payments, 3],
  ['--searches', searches, 1],
] as const) {
  if (!Number.isSafeInteger(n) || n < min) throw new Error(`${name} takes a whole number ≥ ${min}`);
}
const TARGET_P95_MS = 50;

const COMPANIES = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Stark', 'Wayne', 'Wonka'];
const KINDS = ['Holdings', 'Labs', 'Logistics', 'Foods', 'Systems', 'Partners', 'Dynamics'];
const FIRST = ['Pat', 'Sam', 'Alex', 'Jo', 'Robin', 'Kim', 'Lee', 'Max', 'Ari'];
const LAST = ['Smith', 'Garcia', 'Nguyen', 'Okafor', 'Rossi', 'Larsen', 'Kowalski'];

const hex = (prefix: string, g: string) => `'${prefix}_' || lpad(to_hex(${g}), 26, '0')`;
/** SQL for element `1 + i % len` of a text[] parameter. */
const pick = (param: string, len: number, i: string) => `(${param}::text[])[1 + (${i}) % ${len}]`;

/** A deterministic pseudo-random stream, so every run searches the same terms. */
function stream(seed: number) {
  let s = seed;
  return (n: number) => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return 1 + (s % n);
  };
}
const last4Of = (g: number) => String((g * 7919) % 10_000).padStart(4, '0');
const amountOf = (g: number) => 1_000 + ((g * 37) % 9_000);
const poOf = (g: number) => `PO-${100_000 + ((g * 7919) % 900_000)}`;

const b = await benchDb(4);
const { db } = b;
try {
  const created = await createTenant(db, systemClock, {
    name: 'Search bench',
    ownerEmail: 'bench@example.com',
    ownerPassword: 'bench password long',
  });
  const tenant = await loadTenant(db, created.tenant.id);
  if (!tenant) throw new Error('tenant not created');
  const ctx = systemCtx(db, systemClock, tenant);
  const tenantId = tenant.id;
  const now = new Date();

  // --- seed with SQL ---------------------------------------------------------------------------
  let t0 = performance.now();
  const trigram = await db.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes
      WHERE schemaname = current_schema() AND indexdef LIKE '%gin_trgm_ops%'
        AND tablename IN ('customers', 'contacts', 'invoices', 'payments')`,
  );
  for (const i of trigram) await db.exec(`DROP INDEX ${i.indexname}`);

  // Customer g: "<Company> <Kind> g", C-00000g, billing<g>@<company>.example.
  await db.query(
    `INSERT INTO customers (id, tenant_id, number, name, billing_email, created_at, updated_at)
     SELECT ${hex('cus', 'g')}, $1, 'C-' || lpad(g::text, 6, '0'),
            ${pick('$3', COMPANIES.length, 'g')} || ' ' ||
              ${pick('$4', KINDS.length, `g / ${COMPANIES.length}`)} || ' ' || g,
            'billing' || g || '@' || lower(${pick('$3', COMPANIES.length, 'g')}) || '.example',
            $2, $2
       FROM generate_series(1, $5) AS g`,
    [tenantId, now, COMPANIES, KINDS, customers],
  );
  await db.query(
    'INSERT INTO customer_number_counters (tenant_id, last_value) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [tenantId, customers],
  );
  // Contact g of customer g: "<First> <Last> g", <first>.<last>.g@<company>.example.
  const profile = await db.one<{ id: string }>(
    `SELECT id FROM contact_profiles WHERE tenant_id = $1 AND seed_key = 'billing_admin'`,
    [tenantId],
  );
  await db.query(
    `INSERT INTO contacts (id, tenant_id, customer_id, name, email, profile_id, created_at, updated_at)
     SELECT ${hex('con', 'g')}, $1, ${hex('cus', 'g')},
            ${pick('$4', FIRST.length, 'g')} || ' ' || ${pick('$5', LAST.length, `g / ${FIRST.length}`)} || ' ' || g,
            lower(${pick('$4', FIRST.length, 'g')} || '.' || ${pick('$5', LAST.length, `g / ${FIRST.length}`)})
              || '.' || g || '@' || lower(${pick('$6', COMPANIES.length, 'g')}) || '.example',
            $3, $2, $2
       FROM generate_series(1, $7) AS g`,
    [tenantId, now, profile.id, FIRST, LAST, COMPANIES, customers],
  );
  // A card on every even customer g (method g), last four from g.
  await db.query(
    `INSERT INTO payment_methods (id, tenant_id, customer_id, kind, gateway, gateway_customer_id,
                                  gateway_method_id, fingerprint, last4, brand, exp_month, exp_year,
                                  verified_at, authorized_at, authorized_by_type, created_at, updated_at)
     SELECT ${hex('pm', 'g')}, $1, ${hex('cus', 'g')}, 'card', 'sandbox', 'gc_' || g, 'gm_' || g,
            'fp_' || g, lpad(((g::bigint * 7919) % 10000)::text, 4, '0'), 'visa', 12, 2030, $2, $2,
            'staff', $2, $2
       FROM generate_series(2, $3, 2) AS g`,
    [tenantId, now, customers],
  );
  // Invoice g of customer 1 + g % N: INV-000000g (seven digits), every fourth with a PO number.
  await db.query(
    `INSERT INTO invoices (id, tenant_id, customer_id, number, status, invoice_date, due_date,
                           po_number, total, posted_at, created_at, updated_at)
     SELECT ${hex('inv', 'g')}, $1, ${hex('cus', '1 + g % $3')}, 'INV-' || lpad(g::text, 7, '0'),
            'posted', d, d + 30,
            CASE WHEN g % 4 = 0 THEN 'PO-' || (100000 + (g::bigint * 7919) % 900000) END,
            1000 + (g * 37) % 9000, $2, $2, $2
       FROM generate_series(1, $4) AS g,
            LATERAL (SELECT (current_date - 730 + (g::bigint * 730 / $4)::int) AS d) dd`,
    [tenantId, now, customers, invoices],
  );
  // Payment g: every third a check "CHK-<10000 + g>" of customer 1 + g % N, the others by the
  // card of an even customer; amount 1000 + (g * 37) % 9000.
  await db.query(
    `INSERT INTO payments (id, tenant_id, customer_id, method_type, payment_method_id, reference,
                           amount, status, source, attempted_at, settled_at, created_at, updated_at)
     SELECT ${hex('pay', 'g')}, $1, ${hex('cus', 'c')},
            CASE WHEN g % 3 = 0 THEN 'check' ELSE 'card' END,
            CASE WHEN g % 3 = 0 THEN NULL ELSE ${hex('pm', 'c')} END,
            CASE WHEN g % 3 = 0 THEN 'CHK-' || (10000 + g) END,
            1000 + (g * 37) % 9000, 'succeeded', 'manual', $2, $2, $2, $2
       FROM generate_series(1, $3) AS g,
            LATERAL (SELECT CASE WHEN g % 3 = 0 THEN 1 + g % $4
                                 ELSE 2 * (1 + g % ($4 / 2)) END AS c) cc`,
    [tenantId, now, payments, customers],
  );
  const seedMs = performance.now() - t0;
  t0 = performance.now();
  for (const i of trigram) await db.exec(i.indexdef);
  await db.exec('ANALYZE customers, contacts, payment_methods, invoices, payments');
  const indexMs = performance.now() - t0;
  console.log(
    `search: seeded ${customers} customers and contacts, ${customers / 2} cards, ${invoices} ` +
      `invoices, ${payments} payments in ${(seedMs / 1000).toFixed(1)} s; ${trigram.length} ` +
      `trigram indexes built in ${(indexMs / 1000).toFixed(1)} s (${b.label})`,
  );

  // --- the terms -------------------------------------------------------------------------------
  const next = stream(42);
  const customerG = () => next(customers);
  const company = (g: number) => COMPANIES[g % COMPANIES.length] ?? 'Acme';
  const kind = (g: number) => KINDS[Math.floor(g / COMPANIES.length) % KINDS.length] ?? 'Labs';
  const first = (g: number) => FIRST[g % FIRST.length] ?? 'Pat';
  const last = (g: number) => LAST[Math.floor(g / FIRST.length) % LAST.length] ?? 'Smith';
  const invoiceG = () => next(invoices);
  const checkG = () => 3 * next(Math.floor(payments / 3));
  const cardPaymentG = () => {
    const g = next(payments);
    return g % 3 === 0 ? g + 1 : g;
  };
  const kinds: Record<string, () => string> = {
    'customer name (one)': () => {
      const g = customerG();
      return `${kind(g)} ${g}`.toLowerCase();
    },
    'customer name (many)': () => {
      const g = customerG();
      return `${company(g).slice(1)} ${kind(g).slice(0, 3)}`;
    },
    'customer number': () => `C-${String(customerG()).padStart(6, '0')}`,
    'billing email': () => `billing${customerG()}@`,
    'contact email': () => {
      const g = customerG();
      return `${first(g)}.${last(g)}.${g}@`.toLowerCase();
    },
    'contact name': () => {
      const g = customerG();
      return `${last(g)} ${g}`;
    },
    'invoice number (exact)': () => `INV-${String(invoiceG()).padStart(7, '0')}`,
    'invoice number (part)': () => String(invoiceG()).padStart(7, '0').slice(2),
    'PO number': () => poOf(4 * next(Math.floor(invoices / 4))),
    'payment id': () => `pay_${cardPaymentG().toString(16).padStart(26, '0')}`,
    'check number': () => `CHK-${10_000 + checkG()}`,
    amount: () => {
      const a = amountOf(next(payments));
      return `$${Math.floor(a / 100)}.${String(a % 100).padStart(2, '0')}`;
    },
    'card last four': () => last4Of(2 * next(Math.floor(customers / 2))),
  };

  const percentile = (sorted: number[], p: number) =>
    sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
  const summary = (times: number[]) => {
    const sorted = [...times].sort((x, y) => x - y);
    return { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
  };

  // Warm up: the first searches load the indexes into the cache.
  for (const make of Object.values(kinds)) await search(ctx, { q: make(), limit: 5 });

  const rows: { kind: string; p50: number; p95: number; hits: number; jumps: number }[] = [];
  // Baseline: one customer by primary key through its service, the same Ctx and pool.
  const baseline: number[] = [];
  for (let i = 0; i < searches; i++) {
    const id = `cus_${customerG().toString(16).padStart(26, '0')}`;
    const s = performance.now();
    await getCustomer(ctx, id);
    baseline.push(performance.now() - s);
  }
  rows.push({ kind: 'baseline (customer by id)', ...summary(baseline), hits: searches, jumps: 0 });
  const all: number[] = [];
  for (const [name, make] of Object.entries(kinds)) {
    const times: number[] = [];
    let hits = 0;
    let jumps = 0;
    for (let i = 0; i < searches; i++) {
      const q = make();
      const s = performance.now();
      const res = await search(ctx, { q, limit: 5 });
      times.push(performance.now() - s);
      hits +=
        res.customers.length + res.contacts.length + res.invoices.length + res.transactions.length;
      if (res.jump) jumps++;
    }
    all.push(...times);
    rows.push({ kind: name, ...summary(times), hits, jumps });
  }
  const total = summary(all);
  console.log(`\n| term | p50 ms | p95 ms | hits | jumps |\n|---|---|---|---|---|`);
  for (const r of rows) {
    console.log(
      `| ${r.kind} | ${r.p50.toFixed(1)} | ${r.p95.toFixed(1)} | ${r.hits} | ${r.jumps} |`,
    );
  }
  console.log(
    `| **all searches** | ${total.p50.toFixed(1)} | **${total.p95.toFixed(1)}** | | |\n` +
      `\n${searches} searches per kind; target p95 ≤ ${TARGET_P95_MS} ms: ` +
      `${total.p95 <= TARGET_P95_MS ? 'met' : 'MISSED'}`,
  );
  const slowest = rows.slice(1).reduce((a, r) => (r.p95 > a.p95 ? r : a));
  console.log(`slowest kind: ${slowest.kind} (p95 ${slowest.p95.toFixed(1)} ms)`);
} finally {
  await b.close();
}
