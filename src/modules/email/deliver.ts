/**
 * Email delivery (L4): the job that sends one outbox message over SMTP and records the attempt,
 * the sweep for messages written without a job, the registry of attachment renderers, and the
 * sealed links a message carries with the registry of their checks.
 *
 * Without SMTP configured a job leaves its message `queued` (readable in the console) and clears
 * its job_id; only a worker with SMTP sweeps such messages, so an installation without SMTP never
 * loops on them and one that gets SMTP later sends the backlog. A job sends only the message
 * whose job_id it is, so a message is never sent by two jobs at once.
 */
import nodemailer from 'nodemailer';
import type { Clock } from '../../core/clock.js';
import type { Db, Queryable, Tx } from '../../db/db.js';
import { defineQueue, type Job, type Queue, type QueuePolicy } from '../../jobs/queue.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, systemCtx, tenantNow } from '../context.js';
import { openSecret, sealSecret } from '../methods/service.js';
import { getTenant, loadTenant } from '../tenants/service.js';
import type { AttachmentDescriptor } from './model.js';

/** Up to 6 retries after the first attempt, 1 min then doubling with jitter: ~1 to 2 hours. */
export const EMAIL_POLICY: Required<QueuePolicy> = {
  retryLimit: 6,
  retryDelay: 60,
  retryBackoff: true,
  expireInSeconds: 120,
};
export const EMAIL_QUEUE = defineQueue('email-delivery', EMAIL_POLICY);

export interface EmailJob {
  email_id: string;
}

export interface RenderedAttachment {
  filename: string;
  content: Buffer;
  contentType?: string;
}

/**
 * Renders one attachment of a message when it is sent, with the database, its tenant and the
 * sending worker's clock.
 */
export type AttachmentRenderer = (
  /** The database itself (not a transaction): a renderer may read through services. */
  db: Db,
  tenantId: string,
  attachment: AttachmentDescriptor,
  clock: Clock,
) => Promise<RenderedAttachment>;

const renderers = new Map<string, AttachmentRenderer>();

/** Plugs in the renderer of an attachment type ('invoice_pdf'); a later call replaces it. */
export function registerAttachmentRenderer(type: string, render: AttachmentRenderer): void {
  renderers.set(type, render);
}

/**
 * Why the link a message carries no longer works, in words staff can act on: `reason` is short
 * ("used", "expired", "replaced by a newer link"), `remedy` says what to send instead.
 */
export interface DeadLink {
  reason: string;
  remedy: string;
}

/**
 * Says whether the link a sealed token opens still works for the tenant of `ctx`: undefined when
 * it does. The module that issued the link owns the check (its table, its clock).
 */
export type LinkCheck = (ctx: Ctx, token: string) => Promise<DeadLink | undefined>;

const linkChecks = new Map<string, LinkCheck>();

/**
 * Plugs in the check of one kind of emailed link ('portal_invitation'); a later call replaces
 * it. A resend asks it, so that staff never send a copy whose link is already dead.
 */
export function registerLinkCheck(link: string, check: LinkCheck): void {
  linkChecks.set(link, check);
}

/**
 * A secret that a message must carry but the outbox must not keep in clear (the token of an
 * invitation or password-reset link): sealed under the installation's secrets key and written
 * into the text as a marker naming the kind of link, which delivery opens just before sending.
 * Staff reading the outbox see the marker; a resend carries the same link while that link's
 * check (registerLinkCheck) says it works. Call outside a transaction (the first use of the
 * secrets key may create it).
 */
export async function sealForEmail(db: Queryable, tenantId: string, secret: string, link: string) {
  if (!/^[a-z_]+$/.test(link)) throw new Error(`a link kind is lowercase letters: ${link}`);
  return `[[sealed:${link}:${await sealSecret(db, tenantId, secret)}]]`;
}

/** A marker: the kind of link (absent in messages written before kinds were named), the blob. */
const SEALED = /\[\[sealed:(?:([a-z_]+):)?([A-Za-z0-9_.-]+)\]\]/g;

async function openSealed(db: Queryable, tenantId: string, text: string): Promise<string> {
  const opened = new Map<string, string>();
  for (const match of text.matchAll(SEALED)) {
    const blob = match[2] as string;
    if (!opened.has(blob)) opened.set(blob, await openSecret(db, tenantId, blob));
  }
  return opened.size === 0
    ? text
    : text.replace(SEALED, (_, _link: string | undefined, blob: string) => opened.get(blob) ?? '');
}

/**
 * The first link among `texts` (a message's text and HTML) that no longer works, with its kind;
 * undefined when every link works or there is none. A link whose kind has no check (or is not
 * named) counts as dead: nothing can vouch for it.
 */
export async function deadLinkIn(
  ctx: Ctx,
  texts: (string | null)[],
): Promise<(DeadLink & { link: string }) | undefined> {
  const seen = new Set<string>();
  for (const text of texts) {
    for (const match of (text ?? '').matchAll(SEALED)) {
      const [, link, blob] = match as unknown as [string, string | undefined, string];
      if (seen.has(blob)) continue;
      seen.add(blob);
      const check = link ? linkChecks.get(link) : undefined;
      if (!link || !check) {
        return {
          link: link ?? 'unknown',
          reason: 'it cannot be checked',
          remedy: 'Send a new message from where this one was first sent.',
        };
      }
      const dead = await check(ctx, await openSecret(ctx.db, ctx.tenant.id, blob));
      if (dead) return { link, ...dead };
    }
  }
  return undefined;
}

/** Sends the messages' jobs inside the writing transaction and records their ids. */
export async function enqueueEmails(tx: Tx, queue: Queue, emailIds: string[]): Promise<void> {
  if (emailIds.length === 0) return;
  const jobIds = await queue.sendMany<EmailJob>(
    EMAIL_QUEUE,
    emailIds.map((id) => ({ email_id: id })),
    tx,
  );
  await tx.query(
    `UPDATE emails e SET job_id = t.job_id
       FROM unnest($1::text[], $2::uuid[]) AS t(id, job_id) WHERE e.id = t.id`,
    [emailIds, jobIds],
  );
}

/** Enqueues queued messages that have no job; returns how many. */
export async function enqueueUnsentEmails(db: Db, queue: Queue, limit = 100): Promise<number> {
  return db.tx(async (tx) => {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM emails WHERE status = 'queued' AND job_id IS NULL
        ORDER BY created_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED`,
      [limit],
    );
    await enqueueEmails(
      tx,
      queue,
      rows.map((r) => r.id),
    );
    return rows.length;
  });
}

export interface DeliverEmailOptions {
  db: Db;
  clock: Clock;
  /** smtp://user:pass@host:587 or smtps://…; undefined: SMTP is not configured. */
  smtpUrl: string | undefined;
  /** The sender when the tenant has none (default billing@localhost). */
  defaultFrom?: string | undefined;
  /** Per-attempt connection and socket timeout in milliseconds (default 30 000). */
  timeoutMs?: number | undefined;
}

interface Message {
  id: string;
  tenant_id: string;
  to_address: string;
  cc: string[];
  subject: string;
  body_text: string;
  body_html: string | null;
  attachments: AttachmentDescriptor[];
  status: 'queued' | 'sent' | 'failed';
  job_id: string | null;
}

const MAX_ERROR = 500;

/** A permanent SMTP refusal (5xx): retrying cannot help. */
function isPermanent(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

function describe(err: unknown): string {
  const e = err as { response?: string; code?: string; message?: string };
  return String(e.response ?? e.message ?? e.code ?? err).slice(0, MAX_ERROR);
}

/** The tenant's sender, or its name at the installation's address. */
async function senderOf(ctx: Ctx, fallback: string): Promise<{ name: string; address: string }> {
  const { name, settings } = await getTenant(ctx);
  return {
    name: settings.email_from_name || name,
    address: settings.email_from_address || fallback,
  };
}

/** Runs one attempt of a delivery job; throws when it failed and must be retried. */
export async function deliverEmail(job: Job<EmailJob>, opts: DeliverEmailOptions): Promise<void> {
  const { db } = opts;
  const id = job.data.email_id;
  const m = await db.maybeOne<Message>(
    `SELECT id, tenant_id, to_address, cc, subject, body_text, body_html, attachments, status,
            job_id
       FROM emails WHERE id = $1`,
    [id],
  );
  // Settled by an earlier run of this job, or handed to another job by a sweep.
  if (m?.status !== 'queued' || m.job_id !== job.id) return;
  if (!opts.smtpUrl) {
    // Set aside for a worker with SMTP; readable meanwhile. Not an attempt, not an error.
    await db.query(`UPDATE emails SET job_id = NULL WHERE id = $1 AND job_id = $2`, [id, job.id]);
    return;
  }

  const tenant = await loadTenant(db, m.tenant_id);
  if (!tenant) return;
  const ctx = systemCtx(db, opts.clock, tenant);
  const from = await senderOf(ctx, opts.defaultFrom ?? 'billing@localhost');
  const timeout = opts.timeoutMs ?? 30_000;
  let error: string | null = null;
  let permanent = false;
  let messageId: string | null = null;
  const transport = nodemailer.createTransport({
    url: opts.smtpUrl,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
  });
  try {
    const attachments = [];
    for (const a of m.attachments) {
      const render = renderers.get(a.type);
      if (!render) throw new Error(`no renderer for attachment type ${a.type}`);
      attachments.push(await render(db, m.tenant_id, a, opts.clock));
    }
    const domain = from.address.split('@')[1] || 'localhost';
    const info = await transport.sendMail({
      from,
      to: m.to_address,
      cc: m.cc,
      subject: m.subject,
      text: await openSealed(db, m.tenant_id, m.body_text),
      ...(m.body_html !== null && { html: await openSealed(db, m.tenant_id, m.body_html) }),
      attachments,
      // Stable per message, so a receiver can tell a re-sent attempt from a new message.
      messageId: `<${m.id}@${domain}>`,
    });
    messageId = info.messageId;
    if (info.rejected.length > 0) error = `rejected: ${info.rejected.join(', ')}`.slice(0, 500);
  } catch (err) {
    error = describe(err);
    permanent = isPermanent(err);
  } finally {
    transport.close();
  }

  const at = tenantNow(ctx);
  if (messageId !== null) {
    await settle(ctx, m, 'sent', { error, messageId, at });
    return;
  }
  if (permanent || job.retryCount >= job.retryLimit) {
    await settle(ctx, m, 'failed', { error, messageId: null, at });
    return;
  }
  await db.query(
    `UPDATE emails SET attempts = attempts + 1, last_error = $2
      WHERE id = $1 AND status = 'queued'`,
    [id, error],
  );
  throw new Error(`email ${id} not sent: ${error}`);
}

async function settle(
  ctx: Ctx,
  m: Message,
  status: 'sent' | 'failed',
  attempt: { error: string | null; messageId: string | null; at: Date },
): Promise<void> {
  await ctx.db.tx(async (tx) => {
    const row = await tx.maybeOne<{ id: string }>(
      `UPDATE emails
          SET status = $2, attempts = attempts + 1, last_error = $3, message_id = $4,
              sent_at = CASE WHEN $2 = 'sent' THEN $5::timestamptz END
        WHERE id = $1 AND status = 'queued' RETURNING id`,
      [m.id, status, attempt.error, attempt.messageId, attempt.at],
    );
    if (!row) return;
    const change = { id: m.id, status, to: m.to_address, subject: m.subject, error: attempt.error };
    await recordChange(tx, ctx, {
      action: `email.${status}`,
      objectType: 'email',
      objectId: m.id,
      after: change,
    });
  });
}
