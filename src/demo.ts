/**
 * `billow demo`: a sandbox tenant with a small, believable book — customers (one with a child
 * account), contacts, a catalog, subscriptions started last month, last month's usage, and a
 * posted bill run — made through the API itself, so it passes the same checks as any client.
 */
import type { Clock } from './core/clock.js';
import { addDays, businessDate } from './core/dates.js';
import { newSecret } from './core/ids.js';
import { type Db, inOneTransaction } from './db/db.js';
import { buildApp } from './http/app.js';
import { runBillRunHere } from './modules/billruns/service.js';
import {
  type CreatedTenant,
  createFirstTenant,
  createTenant,
  type NewTenant,
} from './modules/tenants/service.js';

export interface Demo {
  tenant_id: string;
  owner_email: string;
  owner_password: string;
  api_key: string;
  customers: number;
  invoices: number;
}

/** The demo tenant's name and owner: `billow demo`'s, or the first run's with its own owner. */
export function demoTenant(owner?: { email: string; name: string; password: string }): NewTenant {
  return {
    name: 'Demo Hosting Co',
    ownerEmail: owner?.email ?? 'demo@example.com',
    ownerName: owner?.name ?? 'Demo Owner',
    ownerPassword: owner?.password ?? newSecret(12),
  };
}

/**
 * `billow demo`: the tenant and its data in one transaction, so a failure halfway leaves no
 * half-made tenant behind. Its owner key stays: the command prints it for scripts.
 */
export async function createDemo(db: Db, clock: Clock): Promise<Demo> {
  const tenant = demoTenant();
  return inOneTransaction(db, async (one) =>
    fillDemo(one, clock, await createTenant(one, clock, tenant), tenant.ownerPassword),
  );
}

/** The key the first run's demo loader calls the API with; revoked once the data is in. */
export const DEMO_LOADER_KEY = 'Demo data loader';

/**
 * The first run's "load the demo data" (POST /setup, kind demo): the installation's first tenant
 * and its data in one transaction, so if loading fails halfway there is still no tenant and the
 * first run can be tried again. The owner signs in with a password, so the loader's key is
 * revoked when it is done (the audit log still names it as the maker of the demo data).
 */
export async function loadFirstRunDemo(
  db: Db,
  clock: Clock,
  owner: { email: string; name: string; password: string },
): Promise<void> {
  await inOneTransaction(db, async (one) => {
    const created = await createFirstTenant(one, clock, demoTenant(owner), {
      keyName: DEMO_LOADER_KEY,
    });
    if (!created.apiKey) throw new Error('demo: the first tenant has no loader key');
    await fillDemo(one, clock, { ...created, apiKey: created.apiKey }, owner.password, {
      revokeKey: true,
    });
  });
}

/**
 * Fills a new tenant with the demo's catalog, customers, usage and a posted bill run, through
 * the API with the tenant's key (revoked at the end with `revokeKey`).
 */
export async function fillDemo(
  db: Db,
  clock: Clock,
  created: CreatedTenant,
  password: string,
  options: { revokeKey?: boolean } = {},
): Promise<Demo> {
  const app = await buildApp({ db, clock, logLevel: false });
  const call = async <T = { id: string }>(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    body?: object,
  ) => {
    const res = await app.inject({
      method,
      url: `/api/v1${url}`,
      headers: { authorization: `Bearer ${created.apiKey.secret}` },
      ...(body && { payload: body }),
    });
    if (res.statusCode >= 300)
      throw new Error(`demo: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return JSON.parse(res.body) as T;
  };
  try {
    const today = businessDate(clock.now(), created.tenant.time_zone);
    const thisMonth = `${today.slice(0, 7)}-01`;
    const lastMonth = `${addDays(thisMonth, -1).slice(0, 7)}-01`;

    const hosting = await call('POST', '/products', { name: 'Managed hosting' });
    const transfer = await call('POST', '/products', { name: 'Data transfer' });
    const setup = await call('POST', '/products', { name: 'Onboarding' });
    const plan = await call('POST', '/prices', {
      product_id: hosting.id,
      kind: 'recurring',
      pricing_model: 'flat',
      billing_interval: 'month',
      unit_amount: 4900,
      nickname: 'Managed hosting, monthly',
    });
    const gb = await call('POST', '/prices', {
      product_id: transfer.id,
      kind: 'usage',
      pricing_model: 'tiered',
      billing_interval: 'month',
      unit_of_measure: 'GB',
      tiers: [
        { up_to: 100, unit_amount: 0 },
        { up_to: 1000, unit_amount: 5 },
        { up_to: null, unit_amount: 3 },
      ],
      nickname: 'Data transfer (first 100 GB free)',
    });
    const onboarding = await call('POST', '/prices', {
      product_id: setup.id,
      kind: 'one_time',
      pricing_model: 'flat',
      unit_amount: 9900,
    });

    const people = [
      ['Globex Corporation', 'Hank Scorpio', 'hank@globex.example'],
      ['Initech', 'Bill Lumbergh', 'bill@initech.example'],
      ['Umbrella Corp', 'Alice Abernathy', 'alice@umbrella.example'],
      ['Soylent Industries', 'Sol Roth', 'sol@soylent.example'],
    ] as const;
    const ids: string[] = [];
    for (const [name, contact, email] of people) {
      const c = await call('POST', '/customers', {
        name,
        billing_email: email,
        invoice_only: true,
      });
      await call('POST', `/customers/${c.id}/contacts`, { name: contact, email });
      ids.push(c.id);
    }
    const child = await call('POST', '/customers', {
      name: 'Globex East',
      parent_id: ids[0],
      billing_email: 'east@globex.example',
      invoice_only: true,
    });
    ids.push(child.id);

    for (const [i, id] of ids.entries()) {
      await call('POST', '/subscriptions', {
        customer_id: id,
        price_id: plan.id,
        start_date: lastMonth,
        quantity: 1 + (i % 3),
      });
      await call('POST', '/subscriptions', {
        customer_id: id,
        price_id: gb.id,
        start_date: lastMonth,
      });
      const records = Array.from({ length: 10 }, (_, d) => ({
        id: `demo-${id}-${d}`,
        customer_id: id,
        unit_of_measure: 'GB',
        quantity: 20 + ((i * 37 + d * 11) % 60),
        usage_date: addDays(lastMonth, d * 2),
      }));
      await call('POST', '/usage-records', { records });
    }
    await call('POST', `/customers/${ids[1]}/charges`, { price_id: onboarding.id, quantity: 1 });

    const run = await call('POST', '/bill-runs', { target_date: thisMonth, auto_post: true });
    await runBillRunHere(db, clock, run.id);
    const posted = await call<{ invoice_count: number }>('GET', `/bill-runs/${run.id}`);
    if (options.revokeKey) await call('POST', `/api-keys/${created.apiKey.id}/revoke`, {});
    return {
      tenant_id: created.tenant.id,
      owner_email: created.owner.email,
      owner_password: password,
      api_key: created.apiKey.secret,
      customers: ids.length,
      invoices: posted.invoice_count,
    };
  } finally {
    await app.close();
  }
}
