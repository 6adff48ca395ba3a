/**
 * A server started with a configuration sends email where that configuration says, not where the
 * process environment does: the worker used to read BILLOW_SMTP_URL from the environment itself,
 * so a server given its own SMTP server (the browser suite's cycle test, an embedder) mailed the
 * environment's instead. Here the environment names one SMTP server and the configuration
 * another; a test email must reach the configuration's only. (The server opens its own embedded
 * database, as `billow serve` does.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/core/clock.js';
import { createTenant } from '../../src/modules/tenants/service.js';
import { startServer } from '../../src/server.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

let configured: TestSmtp;
let environment: TestSmtp;
let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;
const saved = process.env.BILLOW_SMTP_URL;

beforeAll(async () => {
  configured = await startSmtp();
  environment = await startSmtp();
  process.env.BILLOW_SMTP_URL = environment.url;
  dataDir = mkdtempSync(join(tmpdir(), 'billow-server-email-'));
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const config = loadConfig({
    ...env,
    PORT: '0',
    LOG_LEVEL: 'silent',
    BILLOW_SMTP_URL: configured.url,
    BILLOW_EMAIL_FROM: 'billing@configured.example',
  });
  server = await startServer({ ...config, dataDir, host: '127.0.0.1' });
}, 120_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.BILLOW_SMTP_URL;
  else process.env.BILLOW_SMTP_URL = saved;
  await server?.close();
  await configured?.close();
  await environment?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('startServer and email', () => {
  it('sends through the SMTP server and sender of its configuration', async () => {
    const { apiKey } = await createTenant(server.db, systemClock, {
      name: 'Configured Water',
      ownerEmail: 'owner@configured.example',
      ownerPassword: 'configured water 2026',
    });
    const res = await fetch(new URL('/api/v1/email-templates/invoice/test', server.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ to: 'clerk@configured.example' }),
    });
    expect(res.status).toBe(201);
    const until = Date.now() + 20_000;
    while (configured.received.length === 0 && Date.now() < until) await sleep(100);
    expect(configured.to('clerk@configured.example')).toHaveLength(1);
    expect(configured.received[0]?.mail.from?.text).toContain('billing@configured.example');
    expect(environment.received).toEqual([]);
  }, 60_000);
});
