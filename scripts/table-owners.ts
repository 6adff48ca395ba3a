/**
 * Which module owns each table, and which SQL in src/modules reaches a table another module
 * owns (issue 9, item 3). Prints every cross-module reference as `file: verb table (owner)`,
 * writes first. With `--check`, fails on any cross-module write: a module changes another
 * module's rows only by calling a function of the owner (none is allowed; `.ci/run` runs it).
 *
 * The scan is textual: it reads the SQL verbs FROM, JOIN, UPDATE, INSERT INTO and DELETE FROM
 * followed by a table name, in every .ts file of a module (tests excluded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const MODULES = join(ROOT, 'src/modules');

/** Table → the module that owns it (creates, writes and defines its rows). */
export const OWNERS: Record<string, string> = {
  tenants: 'tenants',
  installation_keys: 'methods',
  idempotency_keys: 'http',
  job_workers: 'jobs',
  staff_users: 'staff',
  staff_sessions: 'staff',
  api_keys: 'staff',
  audit_log: 'audit',
  events: 'audit',
  customers: 'customers',
  customer_number_counters: 'customers',
  contacts: 'contacts',
  contact_profiles: 'contacts',
  webhook_endpoints: 'webhooks',
  webhook_deliveries: 'webhooks',
  products: 'catalog',
  prices: 'catalog',
  subscriptions: 'subscriptions',
  usage_records: 'usage',
  usage_exports: 'usage',
  pending_charges: 'billruns',
  bill_runs: 'billruns',
  bill_run_batches: 'billruns',
  invoices: 'invoices',
  invoice_lines: 'invoices',
  invoice_adjustments: 'invoices',
  invoice_number_counters: 'invoices',
  invoice_questions: 'invoices',
  emails: 'email',
  email_templates: 'email',
  payment_methods: 'methods',
  gateway_customers: 'methods',
  gateway_settings: 'methods',
  payments: 'payments',
  payment_applications: 'payments',
  refunds: 'payments',
  credit_memos: 'credits',
  credit_applications: 'credits',
  autopay_rules: 'autopay',
  payment_runs: 'paymentruns',
  payment_run_items: 'paymentruns',
};

/** Modules whose reading of other modules' tables is their purpose (named in architecture.md). */
const READERS = new Set(['books', 'verify', 'accounting', 'search']);

export interface Reference {
  file: string;
  module: string;
  verb: string;
  table: string;
  owner: string;
  write: boolean;
}

const VERB = /\b(FROM|JOIN|UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+([a-z_]+)\b/gi;

function filesOf(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return filesOf(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [path] : [];
  });
}

export function crossModuleReferences(): Reference[] {
  const out: Reference[] = [];
  for (const path of filesOf(MODULES)) {
    const file = relative(ROOT, path);
    const module = relative(MODULES, path).split('/')[0]?.replace(/\.ts$/, '') ?? '';
    const text = readFileSync(path, 'utf8');
    const seen = new Set<string>();
    for (const m of text.matchAll(VERB)) {
      const verb = (m[1] ?? '').toUpperCase().replace(/\s+/g, ' ');
      const table = (m[2] ?? '').toLowerCase();
      const owner = OWNERS[table];
      if (!owner || owner === module) continue;
      const key = `${verb} ${table}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const write = verb !== 'FROM' && verb !== 'JOIN';
      out.push({ file, module, verb, table, owner, write });
    }
  }
  return out.sort((a, b) => Number(b.write) - Number(a.write) || a.file.localeCompare(b.file));
}

const refs = crossModuleReferences();
const writes = refs.filter((r) => r.write);
const reads = refs.filter((r) => !r.write);
for (const r of writes) console.log(`write  ${r.file}: ${r.verb} ${r.table} (${r.owner})`);
for (const r of reads) {
  const why = READERS.has(r.module) ? ' [reader]' : '';
  console.log(`read   ${r.file}: ${r.verb} ${r.table} (${r.owner})${why}`);
}
console.log(`${writes.length} cross-module writes, ${reads.length} cross-module reads`);
if (process.argv.includes('--check')) {
  for (const r of writes) {
    console.error(`cross-module write: ${r.file}: ${r.verb} ${r.table} (owned by ${r.owner})`);
  }
  if (writes.length > 0) process.exit(1);
}
