/**
 * The email outbox (J4, L4): every message another module sends is a row written in that
 * module's transaction, with its delivery job; deliver.ts sends it. Plus the history views and
 * resending. Templates are in templates.ts (defaults, rendering) and template-store.ts (edits).
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { queueFor } from '../../jobs/queue.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { EMAIL_QUEUE, enqueueEmail } from './deliver.js';
import {
  type AttachmentDescriptor,
  type EmailKind,
  type EmailStatus,
  type EmailSummary,
  type EmailView,
  OutgoingEmail,
} from './model.js';

export type { OutgoingEmail } from './model.js';
export { renderTemplate } from './template-store.js';

interface EmailRow {
  id: string;
  kind: EmailKind;
  customer_id: string | null;
  contact_id: string | null;
  invoice_id: string | null;
  to_address: string;
  cc: string[];
  subject: string;
  body_text: string;
  body_html: string | null;
  attachments: AttachmentDescriptor[];
  status: EmailStatus;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
  message_id: string | null;
  resent_from: string | null;
  created_at: Date;
}

const SUMMARY_COLUMNS = `id, kind, customer_id, contact_id, invoice_id, to_address, cc, subject,
  attachments, status, attempts, last_error, sent_at, message_id, resent_from, created_at`;
const COLUMNS = `${SUMMARY_COLUMNS}, body_text, body_html`;

function summary(row: Omit<EmailRow, 'body_text' | 'body_html'>): EmailSummary {
  return {
    id: row.id,
    kind: row.kind,
    customer_id: row.customer_id,
    contact_id: row.contact_id,
    invoice_id: row.invoice_id,
    to: row.to_address,
    cc: row.cc,
    subject: row.subject,
    attachments: row.attachments,
    status: row.status,
    attempts: row.attempts,
    last_error: row.last_error,
    sent_at: row.sent_at?.toISOString() ?? null,
    message_id: row.message_id,
    resent_from: row.resent_from,
    created_at: row.created_at.toISOString(),
  };
}

function view(row: EmailRow): EmailView {
  return { ...summary(row), body_text: row.body_text, body_html: row.body_html };
}

/**
 * Puts a message in the outbox inside the caller's transaction, with its delivery job when this
 * process runs the queue (otherwise a worker's sweep picks it up): it is sent if and only if the
 * transaction commits. The caller has already checked the actor may send it. Attachments are
 * descriptors rendered at send time by the renderer registered for their type.
 */
export async function queueEmail(tx: Tx, ctx: Ctx, message: OutgoingEmail): Promise<EmailView> {
  return insertEmail(tx, ctx, message, null);
}

async function insertEmail(
  tx: Tx,
  ctx: Ctx,
  message: OutgoingEmail,
  resentFrom: string | null,
): Promise<EmailView> {
  const parsed = OutgoingEmail.safeParse(message);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
    throw new AppError('validation_failed', { issues });
  }
  const m = parsed.data;
  const row = await tx.one<EmailRow>(
    `INSERT INTO emails
       (id, tenant_id, customer_id, contact_id, invoice_id, kind, to_address, cc, subject,
        body_text, body_html, attachments, status, resent_from, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'queued', $13, $14)
     RETURNING ${COLUMNS}`,
    [
      newId('email'),
      ctx.tenant.id,
      m.customerId,
      m.contactId,
      m.invoiceId,
      m.kind,
      m.to.toLowerCase(),
      m.cc.map((a) => a.toLowerCase()),
      m.subject,
      m.bodyText,
      m.bodyHtml,
      JSON.stringify(m.attachments),
      resentFrom,
      tenantNow(ctx),
    ],
  );
  // No queue in this process (a CLI command): the worker's sweep enqueues the row.
  const queue = queueFor(ctx.db);
  if (queue?.has(EMAIL_QUEUE)) await enqueueEmail(tx, queue, row.id);
  // The audit row and event describe the message, never its body.
  await recordChange(tx, ctx, {
    action: 'email.queued',
    objectType: 'email',
    objectId: row.id,
    after: summary(row),
  });
  return view(row);
}

export interface EmailFilter {
  customerId?: string | undefined;
  contactId?: string | undefined;
  invoiceId?: string | undefined;
  status?: EmailStatus | undefined;
  kind?: EmailKind | undefined;
  /** Cursor: only emails with an id below this one. */
  after?: string | undefined;
  limit: number;
}

/** The email history, newest first: the whole outbox or per customer, contact or invoice. */
export async function listEmails(
  ctx: Ctx,
  filter: EmailFilter,
  db: Queryable = ctx.db,
): Promise<EmailSummary[]> {
  requirePermission(ctx, 'billing:read');
  const rows = await db.query<EmailRow>(
    `SELECT ${SUMMARY_COLUMNS} FROM emails
      WHERE tenant_id = $1
        AND ($2::text IS NULL OR customer_id = $2) AND ($3::text IS NULL OR contact_id = $3)
        AND ($4::text IS NULL OR invoice_id = $4) AND ($5::text IS NULL OR status = $5)
        AND ($6::text IS NULL OR kind = $6) AND ($7::text IS NULL OR id < $7)
      ORDER BY id DESC LIMIT $8`,
    [
      ctx.tenant.id,
      filter.customerId ?? null,
      filter.contactId ?? null,
      filter.invoiceId ?? null,
      filter.status ?? null,
      filter.kind ?? null,
      filter.after ?? null,
      filter.limit,
    ],
  );
  return rows.map(summary);
}

async function loadEmail(db: Queryable, ctx: Ctx, id: string): Promise<EmailRow> {
  const row = await db.maybeOne<EmailRow>(
    `SELECT ${COLUMNS} FROM emails WHERE tenant_id = $1 AND id = $2`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('email_not_found', { id });
  return row;
}

/** One message as it was (or will be) sent, with its delivery status. */
export async function getEmail(ctx: Ctx, id: string): Promise<EmailView> {
  requirePermission(ctx, 'billing:read');
  return view(await loadEmail(ctx.db, ctx, id));
}

/** Queues a copy of a message to the same recipients; attachments are rendered afresh. */
export async function resendEmail(ctx: Ctx, id: string): Promise<EmailView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await loadEmail(tx, ctx, id);
    return insertEmail(
      tx,
      ctx,
      {
        kind: row.kind,
        to: row.to_address,
        cc: row.cc,
        subject: row.subject,
        bodyText: row.body_text,
        bodyHtml: row.body_html,
        customerId: row.customer_id,
        contactId: row.contact_id,
        invoiceId: row.invoice_id,
        attachments: row.attachments,
      },
      row.id,
    );
  });
}
