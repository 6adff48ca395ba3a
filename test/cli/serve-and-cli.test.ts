/**
 * The two-command promise on the embedded database: `billow serve` owns the data directory, and
 * `billow` commands run meanwhile share it through the server's database socket instead of
 * locking it or corrupting it. Real processes, real data directory.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { startReceiver } from '../helpers/receiver.js';
import { useServe } from '../helpers/serve.js';

const serve = useServe();
const billow = (...args: string[]) => serve.billow(...args);

// Every `billow` command is a Node process of its own: seconds each when the cores are busy.
describe('billow commands while the server runs', { timeout: 120_000 }, () => {
  it('creates a tenant whose key the running server accepts', async () => {
    const created = JSON.parse(await billow('tenant', 'create', '--name', 'Acme', '--json'));
    expect(created).toMatchObject({
      name: 'Acme',
      mode: 'sandbox',
      owner_email: 'owner@example.com',
    });
    expect(created.owner_password.length).toBeGreaterThanOrEqual(12);
    const res = await fetch(`${serve.url}/api/v1/tenant`, {
      headers: { authorization: `Bearer ${created.api_key}` },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(created.tenant_id);
  });

  it('runs the workers in the server process: a change reaches a webhook endpoint', async () => {
    const created = JSON.parse(await billow('tenant', 'create', '--name', 'Hooks', '--json'));
    const receiver = await startReceiver();
    const auth = { authorization: `Bearer ${created.api_key}`, 'content-type': 'application/json' };
    const endpoint = await fetch(`${serve.url}/api/v1/webhook-endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        url: `${receiver.url}/hook`,
        event_types: ['tenant.updated'],
      }),
    });
    expect(endpoint.status).toBe(201);
    await fetch(`${serve.url}/api/v1/tenant`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ name: 'Hooks renamed' }),
    });
    for (let i = 0; i < 100 && receiver.received.length === 0; i++) await sleep(200);
    await receiver.close();
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]?.body).toMatchObject({
      type: 'tenant.updated',
      data: { name: 'Hooks renamed' },
    });
  });

  it('runs a bill run from the command line with progress, next to the server', async () => {
    const created = JSON.parse(await billow('tenant', 'create', '--name', 'Billing', '--json'));
    const headers = {
      authorization: `Bearer ${created.api_key}`,
      'content-type': 'application/json',
    };
    const post = async (path: string, body: unknown) => {
      const res = await fetch(`${serve.url}/api/v1${path}`, {
        method: 'POST',
        headers,
        body: JSON.stringify(body),
      });
      expect(res.status).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    const customer = await post('/customers', { name: 'Initech', invoice_only: true });
    const product = await post('/products', { name: 'Hosting' });
    const price = await post('/prices', {
      product_id: product.id,
      kind: 'recurring',
      pricing_model: 'flat',
      billing_interval: 'month',
      unit_amount: 4200,
    });
    await post('/subscriptions', {
      customer_id: customer.id,
      price_id: price.id,
      start_date: '2026-11-01',
    });
    const out = await billow(
      'bill-run',
      '--date',
      '2026-11-01',
      '--tenant',
      created.tenant_id,
      '--auto-post',
    );
    expect(out).toMatch(/posted, 1 invoices, total \$42\.00/);
    const invoices = await fetch(`${serve.url}/api/v1/invoices`, { headers });
    expect((await invoices.json()).data[0]).toMatchObject({ number: 'INV-000001', total: 4200 });
  });

  it('makes a demo tenant whose books the server shows and billow verify finds balanced', async () => {
    const demo = JSON.parse(await billow('demo', '--json'));
    expect(demo).toMatchObject({ customers: 5, invoices: 5 });
    const res = await fetch(`${serve.url}/api/v1/invoices?status=open`, {
      headers: { authorization: `Bearer ${demo.api_key}` },
    });
    expect((await res.json()).data).toHaveLength(5);
    expect(await billow('verify', '--tenant', demo.tenant_id)).toContain('no violations');
  });

  it('runs migrate and tenant list against the same database', async () => {
    await billow('tenant', 'create', '--name', 'Acme');
    expect(await billow('migrate')).toContain('up to date');
    expect(await billow('tenant', 'list')).toContain('Acme');
  });

  it('refuses bad arguments with a message and a non-zero exit', async () => {
    await expect(
      billow('tenant', 'create', '--name', 'X', '--time-zone', 'Mars/Base'),
    ).rejects.toThrow(/unknown time zone/);
  });

  it('keeps the data after the server stops, and a command can then own the directory', async () => {
    await billow('tenant', 'create', '--name', 'Acme');
    expect(await serve.stop()).toBe(0);
    expect(await billow('tenant', 'list')).toContain('Acme');
  });
});
