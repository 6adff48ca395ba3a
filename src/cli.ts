/**
 * `billow …` commands. Each opens the configured database; on the embedded database a command
 * run while the server is up goes through the server's database socket (see db/embedded.ts).
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { Command, Option } from 'commander';
import { loadConfig } from './config.js';
import { systemClock } from './core/clock.js';
import { isBusinessDate, isValidTimeZone } from './core/dates.js';
import { newSecret } from './core/ids.js';
import { formatMoney } from './core/money.js';
import { openDatabase } from './db/connect.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { createDemo } from './demo.js';
import { startQueue } from './jobs/queue.js';
import { startWorker } from './jobs/worker.js';
import { createBillRun, getBillRun } from './modules/billruns/service.js';
import { systemCtx, type TenantInfo } from './modules/context.js';
import { createTenant, listTenants, loadTenant } from './modules/tenants/service.js';
import { verifyTenant } from './modules/verify/service.js';
import { wireModules } from './modules/wiring.js';
import { startServer, startWorkers } from './server.js';

const program = new Command('billow')
  .description('Billow billing and payments')
  .showHelpAfterError();

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(loadConfig());
  try {
    await migrate(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

program
  .command('serve')
  .description('serve the API (and run the workers) on the configured database')
  .option('--no-worker', 'serve the API only; run `billow worker` processes for background work')
  .action(async (opts: { worker: boolean }) => {
    const config = loadConfig();
    const running = await startServer(config, { worker: opts.worker });
    const where = config.databaseUrl ? 'PostgreSQL' : `embedded database in ${config.dataDir}`;
    console.log(
      `Billow listening on ${running.url} (${where}); console at ${running.url}/console/, portal at ${running.url}/portal/, API docs at ${running.url}/api/docs`,
    );
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('worker')
  .description('run only the background workers (bill runs, payments, emails, webhooks)')
  .action(async () => {
    const running = await startWorkers(loadConfig());
    console.log('Billow worker running');
    const stop = async () => {
      await running.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('migrate')
  .description('apply pending database migrations')
  .action(async () => {
    const db = await openDatabase(loadConfig());
    try {
      const applied = await migrate(db);
      console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
    } finally {
      await db.close();
    }
  });

const tenant = program.command('tenant').description('tenants of this installation');

tenant
  .command('create')
  .description('create a tenant with its owner and an owner API key')
  .requiredOption('--name <name>', 'tenant name')
  .option('--email <email>', 'owner email', 'owner@example.com')
  .option('--password <password>', 'owner password (generated when omitted)')
  .option('--time-zone <zone>', 'IANA time zone', 'America/New_York')
  .option('--live', 'a live tenant (real gateway, real clock) instead of a sandbox')
  .addOption(new Option('--json', 'print the result as JSON'))
  .action(async (opts) => {
    if (!isValidTimeZone(opts.timeZone)) throw new Error(`unknown time zone ${opts.timeZone}`);
    const name = String(opts.name).trim();
    if (!name || name.length > 200) throw new Error('--name must be 1 to 200 characters');
    const password: string = opts.password ?? newSecret(12);
    if (password.length < 12) throw new Error('--password must be at least 12 characters');
    const created = await withDb((db) =>
      createTenant(db, systemClock, {
        name,
        live: Boolean(opts.live),
        timeZone: opts.timeZone,
        ownerEmail: String(opts.email).toLowerCase(),
        ownerPassword: password,
      }),
    );
    const out = {
      tenant_id: created.tenant.id,
      name: created.tenant.name,
      mode: created.tenant.mode,
      owner_email: created.owner.email,
      owner_password: password,
      api_key: created.apiKey.secret,
    };
    if (opts.json) {
      console.log(JSON.stringify(out));
      return;
    }
    console.log(`Created ${out.mode} tenant "${out.name}" (${out.tenant_id})`);
    console.log(`  owner login: ${out.owner_email} / ${out.owner_password}`);
    console.log(`  API key (shown once): ${out.api_key}`);
  });

tenant
  .command('list')
  .description('list tenants')
  .action(async () => {
    const tenants = await withDb((db) => listTenants(db));
    for (const t of tenants) console.log(`${t.id}  ${t.mode.padEnd(7)}  ${t.name}`);
  });

async function tenantFor(db: Db, id: string | undefined): Promise<TenantInfo> {
  if (id) {
    const tenant = await loadTenant(db, id);
    if (!tenant) throw new Error(`no tenant ${id}`);
    return tenant;
  }
  const all = await listTenants(db);
  if (all.length !== 1) throw new Error('say which tenant with --tenant (billow tenant list)');
  return (await loadTenant(db, (all[0] as { id: string }).id)) as TenantInfo;
}

function progressBar(done: number, total: number): string {
  const width = 30;
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total} customers`;
}

program
  .command('bill-run')
  .description('run a bill run for a target date, showing its progress')
  .requiredOption('--date <date>', 'target date YYYY-MM-DD')
  .option('--tenant <id>', 'tenant id (needed when there are several)')
  .option('--auto-post', 'post the invoices when the run finishes')
  .option('--auto-email', 'email the invoices after posting')
  .action(async (opts) => {
    if (!isBusinessDate(opts.date)) throw new Error('--date must be a real date YYYY-MM-DD');
    const config = loadConfig();
    const db = await openDatabase(config);
    // This process works on the run too, alongside any running workers.
    const queue = await startQueue(db);
    const webhooks = { allowPrivate: config.webhooksAllowPrivate };
    const worker = await startWorker({ db, clock: systemClock, queue, webhooks });
    try {
      const ctx = systemCtx(db, systemClock, await tenantFor(db, opts.tenant));
      let run = await createBillRun(ctx, {
        target_date: opts.date,
        auto_post: opts.autoPost ? true : undefined,
        auto_email: opts.autoEmail ? true : undefined,
      });
      const tty = process.stderr.isTTY;
      let shown = -1;
      while (run.status === 'running' || (run.auto_post && run.status === 'completed')) {
        const { processed, total } = run.progress;
        if (tty) process.stderr.write(`\r${progressBar(processed, total)}`);
        else if (processed !== shown) console.error(progressBar(processed, total));
        shown = processed;
        await sleep(250);
        run = await getBillRun(ctx, run.id);
      }
      if (tty)
        process.stderr.write(`\r${progressBar(run.progress.processed, run.progress.total)}\n`);
      console.log(
        `bill run ${run.id}: ${run.status}, ${run.invoice_count} invoices, total ${run.total_amount === null ? `${run.total_amount_exact} minor units` : formatMoney(run.total_amount)}`,
      );
    } finally {
      await worker.stop();
      await queue.stop();
      await db.close();
    }
  });

program
  .command('demo')
  .description(
    'create a sandbox tenant with demo customers, subscriptions, usage and posted invoices',
  )
  .option('--json', 'print the result as JSON')
  .action(async (opts) => {
    const demo = await withDb((db) => createDemo(db, systemClock));
    if (opts.json) {
      console.log(JSON.stringify(demo));
      return;
    }
    console.log(
      `Created demo tenant ${demo.tenant_id}: ${demo.customers} customers, ${demo.invoices} posted invoices`,
    );
    console.log(`  owner login: ${demo.owner_email} / ${demo.owner_password}`);
    console.log(`  API key (shown once): ${demo.api_key}`);
  });

program
  .command('verify')
  .description(
    'check the books of every tenant (or one) against the invariants; exit 1 on a violation',
  )
  .option('--tenant <id>', 'only this tenant')
  .action(async (opts) => {
    const violations = await withDb(async (db) => {
      const ids = opts.tenant ? [opts.tenant as string] : (await listTenants(db)).map((t) => t.id);
      const found = [];
      for (const id of ids) {
        for (const v of await verifyTenant(db, id)) found.push({ tenant: id, ...v });
      }
      return found;
    });
    for (const v of violations) console.log(`${v.tenant}  ${v.check}: ${v.object_id} ${v.detail}`);
    console.log(
      violations.length === 0 ? 'books balance: no violations' : `${violations.length} violations`,
    );
    if (violations.length > 0) process.exitCode = 1;
  });

// Every command changes state as the server does: its events fan out to webhooks (delivered by
// the workers' sweep), a posted bill run starts its payment run, and so on.
wireModules();
program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`billow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
