/**
 * Once per test run on PostgreSQL: install pg_trgm in public before the suites start, so that
 * suites migrating their own schemas in parallel do not race to create the extension.
 */
import pg from 'pg';

export default async function setup(): Promise<void> {
  const url = process.env.BILLOW_TEST_DATABASE_URL;
  if (!url) return;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public');
  await client.end();
}
