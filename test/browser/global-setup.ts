/**
 * Once per browser-suite run: build the web apps if web/dist is missing or stale, start one Billow
 * server (API, apps, worker) on a temporary embedded database, and seed a tenant whose owner the
 * tests sign in as. The files get its address and credentials through `inject('billow')`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { buildWeb, isStale } from '../../scripts/build-web.js';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/core/clock.js';
import { createTenant } from '../../src/modules/tenants/service.js';
import { startServer } from '../../src/server.js';

export interface BrowserSuiteInfo {
  url: string;
  tenantId: string;
  apiKey: string;
  ownerEmail: string;
  password: string;
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
  const config = loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'warn' });
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
  });
  return async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
