/**
 * Once per test run. On PostgreSQL: install pg_trgm in public before the suites start, so that
 * suites migrating their own schemas in parallel do not race to create the extension. On PGlite:
 * migrate one database and dump it, for every file's database to start from (test/helpers/db.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { writePgliteTemplate } from './db.js';

export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const url = process.env.BILLOW_TEST_DATABASE_URL;
  if (url) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
    await client.end();
    project.provide('pgliteTemplate', undefined);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'billow-template-'));
  const file = join(dir, 'migrated.tar');
  await writePgliteTemplate(file);
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}
