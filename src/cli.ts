/**
 * `billow …` commands. Each opens the configured database; on the embedded database a command
 * run while the server is up goes through the server's database socket (see db/embedded.ts).
 */
import { Command, Option } from 'commander';
import { loadConfig } from './config.js';
import { systemClock } from './core/clock.js';
import { isValidTimeZone } from './core/dates.js';
import { newSecret } from './core/ids.js';
import { openDatabase } from './db/connect.js';
import type { Db } from './db/db.js';
import { migrate } from './db/migrate.js';
import { createTenant, listTenants } from './modules/tenants/service.js';
import { registerWebhookFanOut } from './modules/webhooks/deliver.js';
import { startServer, startWorkers } from './server.js';

const program = new Command('billow')
  .description('Billow billing and payments')
  .showHelpAfterError();

async function withDb<T>(fn: (db: Db) => Promise<T>): Promise<T> {
  // Events written by a command are delivered to webhooks by the workers' sweep.
  registerWebhookFanOut();
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
      `Billow listening on ${running.url} (${where}); API docs at ${running.url}/api/docs`,
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

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`billow: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
