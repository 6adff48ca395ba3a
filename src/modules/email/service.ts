/**
 * The email outbox (J4, L4): every message another module sends is a row written in that
 * module's transaction, with its delivery job; deliver.ts sends it. Plus the history views and
 * resending. Templates are in templates.ts (defaults, rendering) and template-store.ts (edits).
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { queueFor } from '../../jobs/queue.js';
import { recordMany } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { deadLinkIn, EMAIL_QUEUE, enqueueEmails } from './deliver.js';
import {
  type AttachmentDescriptor,
  type EmailKind,
  type EmailStatus,
  type EmailSummary,
  type EmailView,
  OutgoingEmail,
} from './model.js';
import { previewTemplate } from './template-store.js';

export {
  type AttachmentRenderer,
  type DeadLink,
  type LinkCheck,
  sealForEmail,
} from './deliver.js';
export type { OutgoingEmail } from './model.js';
export { renderTemplate, templateRenderer } from './template-store.js';
export type { TemplateKey } from './templates.js';

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
  return (await queueEmails(tx, ctx, [message]))[0] as EmailView;
}

/** queueEmail for many messages (receipts of a payment run): a few statements in all. */
export async function queueEmails(
  tx: Tx,
  ctx: Ctx,
  messages: OutgoingEmail[],
): Promise<EmailView[]> {
  return insertEmails(
    tx,
    ctx,
    messages.map((m) => ({ message: m, resentFrom: null })),
  );
}

async function insertEmails(
  tx: Tx,
  ctx: Ctx,
  items: { message: OutgoingEmail; resentFrom: string | null }[],
): Promise<EmailView[]> {
  if (items.length === 0) return [];
  const parsed = items.map(({ message }) => {
    const p = OutgoingEmail.safeParse(message);
    if (!p.success) {
      const issues = p.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }));
      throw new AppError('validation_failed', { issues });
    }
    return p.data;
  });
  const ids = parsed.map(() => newId('email'));
  const inserted = await tx.query<EmailRow>(
    `INSERT INTO emails
       (id, tenant_id, customer_id, contact_id, invoice_id, kind, to_address, cc, subject,
        body_text, body_html, attachments, status, resent_from, created_at)
     SELECT id, $1, customer_id, contact_id, invoice_id, kind, to_address,
            ARRAY(SELECT jsonb_array_elements_text(cc::jsonb)), subject, body_text, body_html,
            attachments::jsonb, 'queued', resent_from, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
         AS t(id, customer_id, contact_id, invoice_id, kind, to_address, cc, subject, body_text,
              body_html, attachments, resent_from)
     RETURNING ${COLUMNS}`,
    [
      ctx.tenant.id,
      tenantNow(ctx),
      ids,
      parsed.map((m) => m.customerId),
      parsed.map((m) => m.contactId),
      parsed.map((m) => m.invoiceId),
      parsed.map((m) => m.kind),
      parsed.map((m) => m.to.toLowerCase()),
      parsed.map((m) => JSON.stringify(m.cc.map((a) => a.toLowerCase()))),
      parsed.map((m) => m.subject),
      parsed.map((m) => m.bodyText),
      parsed.map((m) => m.bodyHtml),
      parsed.map((m) => JSON.stringify(m.attachments)),
      items.map((i) => i.resentFrom),
    ],
  );
  const byId = new Map(inserted.map((r) => [r.id, r]));
  const rows = ids.map((id) => byId.get(id) as EmailRow);
  // No queue in this process (a CLI command): the worker's sweep enqueues the rows.
  const queue = queueFor(ctx.db);
  if (queue?.has(EMAIL_QUEUE)) await enqueueEmails(tx, queue, ids);
  // The audit rows and events describe the messages, never their bodies.
  await recordMany(
    tx,
    ctx,
    rows.map((row) => ({
      action: 'email.queued',
      objectType: 'email',
      objectId: row.id,
      after: summary(row),
    })),
  );
  return rows.map(view);
}

export interface EmailFilter {
  customerId?: string | undefined;
  contactId?: string | undefined;
  invoiceId?: string | undefined;
  status?: EmailStatus | undefined;
  kind?: EmailKind | undefined;
  /** Text the recipient address contains (case-insensitive). */
  to?: string | undefined;
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
        AND ($9::text IS NULL OR to_address LIKE '%' || $9 || '%' ESCAPE '\\')
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
      // Addresses are stored in lower case; LIKE's wildcards are taken literally.
      filter.to ? filter.to.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`) : null,
    ],
  );
  return rows.map(summary);
}

/** The newest email of each invoice (one query), for lists that show how delivery went. */
export async function latestInvoiceEmails(
  ctx: Ctx,
  invoiceIds: string[],
): Promise<Map<string, EmailSummary>> {
  requirePermission(ctx, 'billing:read');
  if (invoiceIds.length === 0) return new Map();
  const rows = await ctx.db.query<EmailRow>(
    `SELECT DISTINCT ON (invoice_id) ${SUMMARY_COLUMNS} FROM emails
      WHERE tenant_id = $1 AND invoice_id = ANY($2::text[])
      ORDER BY invoice_id, id DESC`,
    [ctx.tenant.id, invoiceIds],
  );
  return new Map(rows.map((r) => [r.invoice_id as string, summary(r)]));
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

/**
 * Queues a copy of a message to the same recipients; attachments are rendered afresh. A message
 * whose link no longer works (an invitation already accepted, a reset link past its hour, an
 * export's download expired) is not copied: the copy would carry the same dead link, so the
 * answer says what to send instead.
 */
export async function resendEmail(ctx: Ctx, id: string): Promise<EmailView> {
  requirePermission(ctx, 'billing:write');
  const original = await loadEmail(ctx.db, ctx, id);
  const dead = await deadLinkIn(ctx, [original.body_text, original.body_html]);
  if (dead) {
    throw new AppError(
      'email_link_dead',
      { link: dead.link, reason: dead.reason },
      `This email's link no longer works (${dead.reason}), so a copy would not work either. ${dead.remedy}`,
    );
  }
  return ctx.db.tx(async (tx) => {
    const row = await loadEmail(tx, ctx, id);
    const [copy] = await insertEmails(tx, ctx, [
      {
        message: {
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
        resentFrom: row.id,
      },
    ]);
    return copy as EmailView;
  });
}

/**
 * A test send of a template (J5): rendered on sample data like a preview (the saved text, or the
 * unsaved `draft`), marked "[Test]" in the subject, and queued to `to` through the normal outbox,
 * so it goes out by SMTP like any message (or waits in the outbox without SMTP).
 */
export async function sendTestEmail(
  ctx: Ctx,
  key: string,
  input: { to: string; subject?: string | undefined; body_text?: string | undefined },
): Promise<EmailView> {
  requirePermission(ctx, 'tenant:manage');
  const draft =
    input.subject !== undefined && input.body_text !== undefined
      ? { subject: input.subject, body_text: input.body_text }
      : null;
  const rendered = await previewTemplate(ctx, key, draft);
  return ctx.db.tx((tx) =>
    queueEmail(tx, ctx, {
      kind: key as EmailKind,
      to: input.to,
      subject: `[Test] ${rendered.subject}`,
      bodyText: rendered.text,
      bodyHtml: rendered.html,
    }),
  );
}
