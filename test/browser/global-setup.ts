/**
 * Once per browser-suite run: build the web apps if web/dist is missing or stale, start one Billow
 * server (API, apps, worker) on a temporary embedded database, and seed a tenant whose owner the
 * tests sign in as. The files get its address and credentials through `inject('billow')`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWeb, isStale } from '../../scripts/build-web.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/core/clock.js';
import { createTenant } from '../../src/modules/tenants/service.js';
import { startServer } from '../../src/server.js';
import { startSmtp } from '../helpers/smtp.js';

export interface BrowserSuiteInfo {
  url: string;
  tenantId: string;
  apiKey: string;
  ownerEmail: string;
  password: string;
  /** GET <mailUrl>?to=<address>: the messages the suite's SMTP server took for that address. */
  mailUrl: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    billow: BrowserSuiteInfo;
  }
}

export default async function setup(project: TestProject) {
  if (isStale()) await buildWeb();
  const dataDir = mkdtempSync(join(tmpdir(), 'billow-browser-'));
  // The embedded database, whatever the environment says: the suite needs no server of its own.
  const { DATABASE_URL: _ignored, ...env } = process.env;
  // A real SMTP server on loopback takes every email the worker sends; the test files read them
  // through a small JSON endpoint (they run in other processes).
  const smtp = await startSmtp();
  process.env.BILLOW_SMTP_URL = smtp.url;
  env.BILLOW_SMTP_URL = smtp.url;
  const mailbox = createServer((req, res) => {
    const to = new URL(req.url ?? '/', 'http://x').searchParams.get('to') ?? '';
    const found = smtp.to(to).map((r) => ({
      subject: r.mail.subject ?? '',
      text: r.mail.text ?? '',
      attachments: (r.mail.attachments ?? []).map((a) => a.filename ?? ''),
    }));
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(found));
  });
  await new Promise<void>((ok) => mailbox.listen(0, '127.0.0.1', ok));
  const mailUrl = `http://127.0.0.1:${(mailbox.address() as AddressInfo).port}/`;
  // Jobs (emails, runs) are taken within half a second, so the pages waiting on them wait less.
  const config = loadConfig({
    ...env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    BILLOW_JOB_POLL_SECONDS: '0.5',
  });
  const server = await startServer({ ...config, dataDir, host: '127.0.0.1' });
  const ownerEmail = 'owner@browser.example';
  const password = 'correct horse battery';
  const created = await createTenant(server.db, systemClock, {
    name: 'Acme Water Co',
    timeZone: 'America/New_York',
    ownerEmail,
    ownerPassword: password,
  });
  project.provide('billow', {
    url: server.url,
    tenantId: created.tenant.id,
    apiKey: created.apiKey.secret,
    ownerEmail,
    password,
    mailUrl,
  });
  return async () => {
    await server.close();
    await new Promise((ok) => mailbox.close(ok));
    await smtp.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
