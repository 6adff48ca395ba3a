/**
 * The portal's usage (H3): the list with its filters and pages, scoped to the contact's customer
 * and gated by "view usage"; the .xlsx export made by the job, its emailed link (24 hours on the
 * tenant clock, that one file only, the token stored hashed).
 */
import { createHash } from 'node:crypto';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { client, type TestTenant, unique, useTenant } from '../helpers/app.js';
import { newCustomer, product, subscription } from '../helpers/billing.js';
import { type Harness, useHarness } from '../helpers/harness.js';
import { linkToken, portalContact } from '../helpers/portal.js';
import { until } from '../helpers/wait.js';

const h = useHarness({ worker: true, captureLogs: true });
const t = useTenant(h);
const USAGE = '/api/v1/portal/usage';

/** A customer on a usage price with four records (the first invoiced) and a signed-in contact. */
async function usageCustomer(h: Harness, t: TestTenant, options: { profile_id?: string } = {}) {
  const customer = await newCustomer(t, { invoice_only: true });
  const { id: productId } = await product(t, { name: `API ${unique()}` });
  const price = await t.api.post('/api/v1/prices', {
    product_id: productId,
    kind: 'usage',
    billing_interval: 'month',
    unit_amount: 1,
    unit_of_measure: 'api_call',
  });
  expect(price.status, JSON.stringify(price.body)).toBe(201);
  await subscription(t, {
    customer_id: customer.id,
    price_id: price.body.id,
    start_date: '2026-11-01',
  });
  const days = ['2026-11-01', '2026-11-10', '2026-11-15', '2026-11-20'];
  const res = await t.api.post('/api/v1/usage-records', {
    records: days.map((usage_date, i) => ({
      id: `u-${unique()}`,
      customer_id: customer.id,
      unit_of_measure: 'api_call',
      quantity: `${i + 1}.5`,
      usage_date,
      description: `Batch job ${i}`,
    })),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const ids: string[] = res.body.records.map((r: { id: string }) => r.id);
  // Billing marks a record invoiced by writing its invoice; the bill run is not this file's topic.
  await h.testDb.db.query(`UPDATE usage_records SET invoice_id = 'inv_test' WHERE id = $1`, [
    ids[0],
  ]);
  const signedIn = await portalContact(h, t, {
    customerId: customer.id,
    ...(options.profile_id && { profile_id: options.profile_id }),
  });
  return { ...signedIn, customerId: customer.id, ids };
}

const idsOf = (body: { data: { id: string }[] }) => body.data.map((r) => r.id).sort();

/** Waits for the export's email and returns the token of its link and the message. */
async function exportLink(exportId: string) {
  const row = await until(
    async () =>
      h.testDb.db.maybeOne<{ email_id: string | null; token_hash: string }>(
        `SELECT email_id, token_hash FROM usage_exports WHERE id = $1 AND email_id IS NOT NULL`,
        [exportId],
      ),
    { what: 'the export email', timeoutMs: 30_000 },
  );
  const emailId = row.email_id as string;
  const token = await linkToken(h, emailId);
  return { token, emailId, tokenHash: row.token_hash };
}

async function download(token: string) {
  return h.app.inject({
    method: 'GET',
    url: `/api/v1/portal/usage-exports/file?token=${encodeURIComponent(token)}`,
  });
}

async function readSheet(file: Buffer): Promise<(string | number | null)[][]> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(file as unknown as ArrayBuffer);
  const sheet = wb.getWorksheet('Usage');
  if (!sheet) throw new Error('no Usage sheet');
  const rows: (string | number | null)[][] = [];
  sheet.eachRow((row) => {
    rows.push((row.values as (string | number | null)[]).slice(1));
  });
  return rows;
}

describe('the usage list', () => {
  it('filters by dates, text and invoiced, and pages newest first', async () => {
    const u = await usageCustomer(h, t);
    const all = await u.portal.get(USAGE);
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect(idsOf(all.body)).toEqual([...u.ids].sort());
    expect(all.body.data[0]).toEqual({
      id: u.ids[3],
      client_id: expect.any(String),
      unit_of_measure: 'api_call',
      quantity: '4.5',
      usage_date: '2026-11-20',
      description: 'Batch job 3',
      invoiced: false,
      invoice_id: null,
    });
    expect(idsOf((await u.portal.get(`${USAGE}?from=2026-11-10&to=2026-11-15`)).body)).toEqual(
      [u.ids[1], u.ids[2]].sort(),
    );
    expect(idsOf((await u.portal.get(`${USAGE}?invoiced=true`)).body)).toEqual([u.ids[0]]);
    expect(idsOf((await u.portal.get(`${USAGE}?invoiced=false`)).body)).toHaveLength(3);
    expect(idsOf((await u.portal.get(`${USAGE}?q=job%202`)).body)).toEqual([u.ids[2]]);
    const seen: string[] = [];
    let url = `${USAGE}?limit=3`;
    for (;;) {
      const page = await u.portal.get(url);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((r: { id: string }) => r.id));
      if (!page.body.next_cursor) break;
      url = `${USAGE}?limit=3&cursor=${page.body.next_cursor}`;
    }
    expect(seen).toEqual([...u.ids].reverse());
    for (const qs of ['invoiced=yes', 'from=2026-13-01', 'customer=x', 'limit=101', 'cursor=x']) {
      const bad = await u.portal.get(`${USAGE}?${qs}`);
      expect(bad.status, qs).toBe(400);
    }
  });

  it('never shows another customer’s usage, and says whether the account has usage', async () => {
    const mine = await usageCustomer(h, t);
    const theirs = await usageCustomer(h, t);
    const list = await mine.portal.get(`${USAGE}?limit=100`);
    expect(idsOf(list.body)).toEqual([...mine.ids].sort());
    for (const id of theirs.ids) expect(idsOf(list.body)).not.toContain(id);
    expect((await mine.portal.get('/api/v1/portal/me')).body.has_usage).toBe(true);
    const plain = await portalContact(h, t);
    expect((await plain.portal.get('/api/v1/portal/me')).body.has_usage).toBe(false);
    expect((await plain.portal.get(USAGE)).body.data).toEqual([]);
  });

  it('refuses a profile without "view usage", and a staff credential', async () => {
    const profile = await t.api.post('/api/v1/contact-profiles', {
      name: `Invoices only ${unique()}`,
      permissions: ['view_invoices'],
    });
    expect(profile.status, JSON.stringify(profile.body)).toBe(201);
    const u = await usageCustomer(h, t, { profile_id: profile.body.id });
    const res = await u.portal.get(USAGE);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'portal_permission_denied',
      details: { permission: 'view_usage' },
    });
    const exp = await u.portal.post(`${USAGE}/exports`, { columns: ['usage_date'] });
    expect(exp.status).toBe(403);
    expect((await t.api.get(USAGE)).status).toBe(401);
    expect(
      (await u.portal.withoutCsrf.post(`${USAGE}/exports`, { columns: ['usage_date'] })).status,
    ).toBe(403);
  });
});

describe('the .xlsx export', () => {
  it('makes a file of the filtered rows and chosen columns, and emails a link to it', async () => {
    const u = await usageCustomer(h, t);
    const asked = await u.portal.post(`${USAGE}/exports`, {
      invoiced: false,
      from: '2026-11-10',
      columns: ['usage_date', 'description', 'quantity'],
    });
    expect(asked.status, JSON.stringify(asked.body)).toBe(202);
    expect(asked.body).toMatchObject({ status: 'queued', email_to: u.contact.email });
    const link = await exportLink(asked.body.id);
    const email = await h.testDb.db.one<{ to_address: string; body_text: string }>(
      'SELECT to_address, body_text FROM emails WHERE id = $1',
      [link.emailId],
    );
    expect(email.to_address).toBe(u.contact.email.toLowerCase());
    expect(email.body_text).toContain('/portal/usage-export?token=[[sealed:');
    // Only the hash is kept; no table holds the token itself.
    expect(link.tokenHash).toBe(createHash('sha256').update(link.token).digest('hex'));
    expect(email.body_text).not.toContain(link.token);

    const meta = await client(h.app).get(
      `/api/v1/portal/usage-exports/link?token=${encodeURIComponent(link.token)}`,
    );
    expect(meta.status, JSON.stringify(meta.body)).toBe(200);
    expect(meta.body).toMatchObject({
      rows: 3,
      columns: ['usage_date', 'description', 'quantity'],
    });
    const file = await download(link.token);
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toContain('spreadsheetml');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename=".+\.xlsx"$/);
    // No table and no log line holds the token in clear (the download's URL is masked).
    const tables = await h.testDb.db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables
        WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((r) => r.name)).toContain('usage_exports');
    for (const { name } of tables) {
      const rows = await h.testDb.db.query<{ row: string }>(
        `SELECT to_jsonb(x)::text AS row FROM "${name}" x`,
      );
      expect(
        rows.some((r) => r.row.includes(link.token)),
        name,
      ).toBe(false);
    }
    expect(h.logs).toContain('usage-exports/file?token=[redacted]');
    expect(h.logs).not.toContain(link.token);
    expect(await readSheet(file.rawPayload)).toEqual([
      ['Date', 'Description', 'Quantity'],
      ['2026-11-20', 'Batch job 3', 4.5],
      ['2026-11-15', 'Batch job 2', 3.5],
      ['2026-11-10', 'Batch job 1', 2.5],
    ]);
  });

  it('a link opens its own file only, and stops working after 24 hours on the tenant clock', async () => {
    const u = await usageCustomer(h, t);
    const a = await u.portal.post(`${USAGE}/exports`, { invoiced: true, columns: ['invoice_id'] });
    const b = await u.portal.post(`${USAGE}/exports`, { q: 'job 3', columns: ['description'] });
    expect([a.status, b.status]).toEqual([202, 202]);
    const linkA = await exportLink(a.body.id);
    const linkB = await exportLink(b.body.id);
    expect(await readSheet((await download(linkA.token)).rawPayload)).toEqual([
      ['Invoice'],
      ['inv_test'],
    ]);
    expect(await readSheet((await download(linkB.token)).rawPayload)).toEqual([
      ['Description'],
      ['Batch job 3'],
    ]);
    const unknown = await download(`${linkA.token.slice(0, -2)}xx`);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('usage_export_not_found');

    h.clock.advance(24 * 3600_000 - 60_000);
    expect((await download(linkA.token)).statusCode).toBe(200);
    // Staff may resend the email while its link works; the copy carries the same link.
    const resend = () => t.api.post(`/api/v1/emails/${linkA.emailId}/resend`);
    const copy = await resend();
    expect(copy.status, JSON.stringify(copy.body)).toBe(201);
    expect(await linkToken(h, copy.body.id)).toBe(linkA.token);
    h.clock.advance(60_000);
    const expired = await download(linkA.token);
    expect(expired.statusCode).toBe(404);
    expect(expired.json().error.message).toMatch(/expired/);
    // … and not once it has expired: the copy would be a dead link.
    const late = await resend();
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({
      code: 'email_link_dead',
      details: { link: 'usage_export', reason: 'the download has expired' },
    });
    expect(late.body.error.message).toMatch(/export the usage again from the portal/);
    const meta = await client(h.app).get(
      `/api/v1/portal/usage-exports/link?token=${encodeURIComponent(linkB.token)}`,
    );
    expect(meta.status).toBe(404);
  });

  it('refuses unknown columns and an empty column list', async () => {
    const u = await usageCustomer(h, t);
    for (const body of [
      { columns: [] },
      { columns: ['secret'] },
      { columns: ['usage_date'], x: 1 },
    ]) {
      const res = await u.portal.post(`${USAGE}/exports`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(
      (
        await h.testDb.db.one<{ n: number }>(
          'SELECT count(*)::int AS n FROM usage_exports WHERE customer_id = $1',
          [u.customerId],
        )
      ).n,
    ).toBe(0);
  });
});
