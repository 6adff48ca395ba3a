/**
 * The two-command promise on the embedded database: `billow serve` owns the data directory, and
 * `billow` commands run meanwhile share it through the server's database socket instead of
 * locking it or corrupting it. Real processes, real data directory.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/billow.js');
let dataDir: string;
let server: ChildProcess | undefined;
let url: string;

function env() {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  return { ...rest, BILLOW_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
}

const billow = async (...args: string[]) =>
  (await run(process.execPath, [BIN, ...args], { env: env(), timeout: 60_000 })).stdout;

function startServe(): Promise<string> {
  server = spawn(process.execPath, [BIN, 'serve'], {
    env: env(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 60_000);
    server?.stdout?.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/[^\s]+)/.exec(out);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    server?.stderr?.on('data', (chunk) => {
      out += chunk;
    });
    server?.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
  });
}

function stopServe(): Promise<number | null> {
  return new Promise((resolve) => {
    if (!server || server.exitCode !== null) return resolve(server?.exitCode ?? null);
    server.once('exit', (code) => resolve(code));
    server.kill('SIGTERM');
  });
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'billow-cli-'));
  url = await startServe();
});

afterAll(async () => {
  await stopServe();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('billow commands while the server runs', () => {
  it('creates a tenant whose key the running server accepts', async () => {
    const created = JSON.parse(await billow('tenant', 'create', '--name', 'Acme', '--json'));
    expect(created).toMatchObject({
      name: 'Acme',
      mode: 'sandbox',
      owner_email: 'owner@example.com',
    });
    expect(created.owner_password.length).toBeGreaterThanOrEqual(12);
    const res = await fetch(`${url}/api/v1/tenant`, {
      headers: { authorization: `Bearer ${created.api_key}` },
    });
    expect(res.status).toBe(200);
    expect((await res.json()).id).toBe(created.tenant_id);
  });

  it('runs the workers in the server process: a change reaches a webhook endpoint', async () => {
    const created = JSON.parse(await billow('tenant', 'create', '--name', 'Hooks', '--json'));
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        received.push(body);
        res.end('ok');
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    const port = (receiver.address() as AddressInfo).port;
    const auth = { authorization: `Bearer ${created.api_key}`, 'content-type': 'application/json' };
    const endpoint = await fetch(`${url}/api/v1/webhook-endpoints`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        url: `http://127.0.0.1:${port}/hook`,
        event_types: ['tenant.updated'],
      }),
    });
    expect(endpoint.status).toBe(201);
    await fetch(`${url}/api/v1/tenant`, {
      method: 'PATCH',
      headers: auth,
      body: JSON.stringify({ name: 'Hooks renamed' }),
    });
    for (let i = 0; i < 100 && received.length === 0; i++) await sleep(200);
    receiver.close();
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0] as string)).toMatchObject({
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
      const res = await fetch(`${url}/api/v1${path}`, {
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
    const invoices = await fetch(`${url}/api/v1/invoices`, { headers });
    expect((await invoices.json()).data[0]).toMatchObject({ number: 'INV-000001', total: 4200 });
  });

  it('makes a demo tenant whose books the server shows and billow verify finds balanced', async () => {
    const demo = JSON.parse(await billow('demo', '--json'));
    expect(demo).toMatchObject({ customers: 5, invoices: 5 });
    const res = await fetch(`${url}/api/v1/invoices?status=open`, {
      headers: { authorization: `Bearer ${demo.api_key}` },
    });
    expect((await res.json()).data).toHaveLength(5);
    expect(await billow('verify', '--tenant', demo.tenant_id)).toContain('no violations');
  });

  it('runs migrate and tenant list against the same database', async () => {
    expect(await billow('migrate')).toContain('up to date');
    expect(await billow('tenant', 'list')).toContain('Acme');
  });

  it('refuses bad arguments with a message and a non-zero exit', async () => {
    await expect(
      billow('tenant', 'create', '--name', 'X', '--time-zone', 'Mars/Base'),
    ).rejects.toThrow(/unknown time zone/);
  });

  it('keeps the data after the server stops, and a command can then own the directory', async () => {
    expect(await stopServe()).toBe(0);
    expect(await billow('tenant', 'list')).toContain('Acme');
  });
});
