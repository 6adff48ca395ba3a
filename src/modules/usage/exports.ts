/**
 * The portal's usage export (H3): a contact asks for the most recent records (up to 1,000) that
 * match the list's filters, with the columns it shows; a job writes the .xlsx, stores it in
 * usage_exports and emails the contact a link. The link's token is random, only its sha256 is
 * stored, and the email keeps it sealed in the outbox (as portal invitations do). The link opens
 * that one file, for 24 hours on the tenant's clock, without a portal session: the token is the
 * credential, so the contact can open the email on another device.
 */
import { PassThrough } from 'node:stream';
import type { Clock } from '../../core/clock.js';
import { businessDate } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { newId, newSecret } from '../../core/ids.js';
import type { Db, Queryable } from '../../db/db.js';
import { defineQueue, queueFor } from '../../jobs/queue.js';
import { type Ctx, systemCtx, tenantNow } from '../context.js';
import { type DeadLink, queueEmail, sealForEmail } from '../email/service.js';
import { portalUrl } from '../portal/service.js';
import { sha256 } from '../staff/service.js';
import { loadTenant } from '../tenants/service.js';
import {
  EXPORT_LINK_HOURS,
  EXPORT_MAX_ROWS,
  type PortalUsageFilters,
  USAGE_COLUMN_LABELS,
  type UsageColumn,
  type UsageExportRequest,
} from './model.js';
import { listUsage } from './service.js';

export const USAGE_EXPORT_QUEUE = defineQueue('usage-export', {
  retryLimit: 3,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: 300,
});

export interface UsageExportJob {
  tenant_id: string;
  export_id: string;
}

type ExportRecord = Awaited<ReturnType<typeof listUsage>>[number];

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

export { XLSX_TYPE };

/** A cell's value: quantities as numbers when exact enough, else as their decimal text. */
function cell(r: ExportRecord, column: UsageColumn): string | number | null {
  switch (column) {
    case 'quantity': {
      const n = Number(r.quantity);
      return String(n) === r.quantity ? n : r.quantity;
    }
    case 'invoiced':
      return r.invoiced ? 'Yes' : 'No';
    case 'description':
      return r.description ?? '';
    case 'invoice_id':
      return r.invoice_id ?? '';
    default:
      return r[column];
  }
}

/**
 * The workbook of `rows`, written with exceljs's streaming WorkbookWriter: each row is committed
 * as it is written, so the writer never holds the whole sheet as objects.
 */
export async function writeUsageXlsx(
  rows: ExportRecord[],
  columns: readonly UsageColumn[],
): Promise<Buffer> {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<void>((resolve, reject) => {
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  // Loaded on first use: exceljs is the largest module Billow has, and only exports need it.
  const { default: ExcelJS } = await import('exceljs');
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream,
    useStyles: true,
    useSharedStrings: false,
  });
  const sheet = workbook.addWorksheet('Usage');
  sheet.columns = columns.map((c) => ({
    header: USAGE_COLUMN_LABELS[c],
    key: c,
    width: c === 'description' ? 40 : 18,
  }));
  sheet.getRow(1).font = { bold: true };
  sheet.getRow(1).commit();
  for (const r of rows) {
    sheet.addRow(columns.map((c) => cell(r, c))).commit();
  }
  sheet.commit();
  await workbook.commit();
  await done;
  return Buffer.concat(chunks);
}

/** Asks for an export: stored as queued and its job sent in the same transaction. */
export async function requestUsageExport(
  ctx: Ctx,
  customerId: string,
  contactId: string,
  request: UsageExportRequest,
) {
  const { columns, ...filters } = request;
  const queue = queueFor(ctx.db);
  return ctx.db.tx(async (tx) => {
    const contact = await tx.one<{ email: string }>(
      'SELECT email FROM contacts WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, contactId],
    );
    const id = newId('usageExport');
    const now = tenantNow(ctx);
    await tx.query(
      `INSERT INTO usage_exports (id, tenant_id, customer_id, contact_id, filters, columns, status,
                                  created_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)`,
      [id, ctx.tenant.id, customerId, contactId, JSON.stringify(filters), columns, now],
    );
    // Without a queue in this process (a CLI), the job waits for nothing: the server always has one.
    if (queue) {
      await queue.send<UsageExportJob>(
        USAGE_EXPORT_QUEUE,
        { tenant_id: ctx.tenant.id, export_id: id },
        {},
        tx,
      );
    }
    return {
      id,
      status: 'queued' as const,
      email_to: contact.email,
      created_at: now.toISOString(),
    };
  });
}

interface ExportRow {
  id: string;
  customer_id: string;
  contact_id: string;
  filters: PortalUsageFilters;
  columns: UsageColumn[];
  status: string;
}

/** The job: writes the file, stores it with the link's hash, emails the link. Runs once per export. */
export async function runUsageExport(db: Db, clock: Clock, job: UsageExportJob): Promise<void> {
  const tenant = await loadTenant(db, job.tenant_id);
  if (!tenant) return;
  const ctx = systemCtx(db, clock, tenant);
  const row = await db.maybeOne<ExportRow>(
    `SELECT id, customer_id, contact_id, filters, columns, status FROM usage_exports
      WHERE tenant_id = $1 AND id = $2`,
    [tenant.id, job.export_id],
  );
  if (row?.status !== 'queued') return;
  const f = row.filters;
  const records = await listUsage(ctx, {
    customer: row.customer_id,
    from: f.from,
    to: f.to,
    invoiced: f.invoiced,
    q: f.q,
    order: 'date',
    limit: EXPORT_MAX_ROWS,
  });
  const file = await writeUsageXlsx(records, row.columns);
  const token = newSecret();
  const sealed = await sealForEmail(db, tenant.id, token, 'usage_export');
  await db.tx(async (tx) => {
    const now = tenantNow(ctx);
    const expiresAt = new Date(now.getTime() + EXPORT_LINK_HOURS * 3600_000);
    const updated = await tx.query(
      `UPDATE usage_exports
          SET status = 'ready', file = $3, row_count = $4, token_hash = $5, ready_at = $6,
              expires_at = $7
        WHERE tenant_id = $1 AND id = $2 AND status = 'queued'
        RETURNING id`,
      [tenant.id, row.id, file, records.length, sha256(token), now, expiresAt],
    );
    if (updated.length === 0) return;
    const contact = await tx.one<{ name: string; email: string; customer_name: string }>(
      `SELECT c.name, c.email, cu.name AS customer_name
         FROM contacts c JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
        WHERE c.tenant_id = $1 AND c.id = $2`,
      [tenant.id, row.contact_id],
    );
    const link = portalUrl(`/usage-export?token=${sealed}`);
    const until = `${businessDate(expiresAt, tenant.timeZone)} ${expiresAt.toLocaleTimeString(
      'en-GB',
      { timeZone: tenant.timeZone, hour: '2-digit', minute: '2-digit' },
    )}`;
    const body =
      `Hello ${contact.name || contact.customer_name},\n\n` +
      `Your usage export for ${contact.customer_name} is ready: ${records.length} ` +
      `record${records.length === 1 ? '' : 's'}, as an Excel file (.xlsx).\n\n` +
      `Download it here: ${link}\n\n` +
      `The link works for this file only, until ${until} (${tenant.timeZone}). ` +
      'After that, export the usage again from the portal.\n\n' +
      `${tenant.name}`;
    const email = await queueEmail(tx, ctx, {
      kind: 'other',
      to: contact.email,
      cc: [],
      subject: `Your usage export from ${tenant.name} is ready`,
      bodyText: body,
      customerId: row.customer_id,
      contactId: row.contact_id,
      attachments: [],
    });
    await tx.query('UPDATE usage_exports SET email_id = $2 WHERE id = $1', [row.id, email.id]);
  });
}

interface ReadyExport {
  id: string;
  tenant_id: string;
  customer_id: string;
  columns: UsageColumn[];
  row_count: number;
  ready_at: Date;
  expires_at: Date;
}

/** The export a link's token opens, if it still works on its tenant's clock. */
async function openLink(
  db: Queryable,
  clock: Clock,
  token: string,
): Promise<ReadyExport & { time_zone: string }> {
  const row = await db.maybeOne<ReadyExport>(
    `SELECT id, tenant_id, customer_id, columns, row_count, ready_at, expires_at
       FROM usage_exports WHERE token_hash = $1 AND status = 'ready'`,
    [sha256(token)],
  );
  const tenant = row && (await loadTenant(db, row.tenant_id));
  if (!row || !tenant || tenantNow({ clock, tenant }) >= row.expires_at) {
    throw new AppError('usage_export_not_found');
  }
  return { ...row, time_zone: tenant.timeZone };
}

/**
 * Whether an export email's download link still works, for a resend from the outbox (registered
 * in wiring.ts): the same test the download makes.
 */
export async function exportLinkCheck(ctx: Ctx, token: string): Promise<DeadLink | undefined> {
  try {
    const row = await openLink(ctx.db, ctx.clock, token);
    if (row.tenant_id === ctx.tenant.id) return undefined;
  } catch (err) {
    if (!(err instanceof AppError) || err.code !== 'usage_export_not_found') throw err;
  }
  return {
    reason: 'the download has expired',
    remedy: 'The contact can export the usage again from the portal.',
  };
}

function fileName(row: ReadyExport): string {
  return `usage-${row.ready_at.toISOString().slice(0, 10)}-${row.id.slice(-6)}.xlsx`;
}

/** What a link opens (for the download page), or usage_export_not_found. */
export async function usageExportLink(db: Db, clock: Clock, token: string) {
  const row = await openLink(db, clock, token);
  return {
    file_name: fileName(row),
    rows: row.row_count,
    columns: row.columns,
    created_at: row.ready_at.toISOString(),
    expires_at: row.expires_at.toISOString(),
    time_zone: row.time_zone,
  };
}

/** The file a link opens, or usage_export_not_found. */
export async function usageExportFile(db: Db, clock: Clock, token: string) {
  const row = await openLink(db, clock, token);
  const file = await db.one<{ file: Buffer }>('SELECT file FROM usage_exports WHERE id = $1', [
    row.id,
  ]);
  return { name: fileName(row), file: Buffer.from(file.file) };
}
