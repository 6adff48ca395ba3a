/**
 * The console's first run (A1) in Chromium, on a server of its own over an empty embedded
 * database (the suite's server already has tenants): /console/ leads to "Welcome to Billow",
 * the organisation is created with its owner, who lands signed in on the customers list; the
 * page then leads to sign-in, and the API refuses a second setup. axe and screenshots.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { checkPage, useBrowser } from './browser.js';

const b = useBrowser();
let server: Awaited<ReturnType<typeof startServer>>;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'billow-first-run-'));
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const config = loadConfig({ ...env, PORT: '0', LOG_LEVEL: 'warn' });
  server = await startServer({ ...config, dataDir, host: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await server?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('first run', () => {
  it('creates the organisation and its owner from the browser, then signs the owner in', async () => {
    const context = await b.browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 800 },
      reducedMotion: 'reduce',
    });
    try {
      const page = await context.newPage();
      await page.goto('/console/');
      await page.getByRole('heading', { name: 'Welcome to Billow' }).waitFor();
      expect(page.url()).toContain('/console/setup');
      await checkPage(page, 'console-first-run');

      // The demo choice explains itself; then back to creating an organisation.
      await page.getByText('Load the demo data', { exact: true }).first().click();
      await page.getByText(/Demo Hosting Co/).waitFor();
      await page.getByText('Create your organisation', { exact: true }).click();

      // A short password is refused next to its field.
      await page.getByLabel('Organisation name').fill('Riverbend Utilities');
      await page.getByRole('combobox', { name: 'Time zone' }).fill('America/Chicago');
      await page.getByRole('option', { name: 'America/Chicago' }).click();
      await page.getByLabel('Your name').fill('Rita Rivers');
      await page.getByLabel('Email').fill('rita@riverbend.example');
      await page.getByLabel(/^Password/).fill('short');
      await page.getByRole('button', { name: 'Create the organisation' }).click();
      await page.getByText('at least 12 characters').first().waitFor();

      await page.getByLabel(/^Password/).fill('rivers run deep 2026');
      await page.getByRole('button', { name: 'Create the organisation' }).click();
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      await page.getByText('Rita Rivers · Riverbend Utilities').waitFor();

      // Set up now: the first-run page leads to sign-in, and the API refuses a second setup.
      const status = await fetch(new URL('/api/v1/setup', server.url));
      expect(await status.json()).toEqual({ needed: false });
      const again = await fetch(new URL('/api/v1/setup', server.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          kind: 'organisation',
          tenant_name: 'Intruder',
          owner_name: 'I',
          email: 'i@example.com',
          password: 'intruder password',
        }),
      });
      expect(again.status).toBe(409);
      const other = await b.browser.newContext({ baseURL: server.url, reducedMotion: 'reduce' });
      try {
        const fresh = await other.newPage();
        await fresh.goto('/console/setup');
        await fresh.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
      } finally {
        await other.close();
      }
    } finally {
      await context.close();
    }
  });
});
