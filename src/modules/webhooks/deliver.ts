/**
 * Webhook deliveries: fan-out of each event to the tenant's subscribed endpoints, in the writing
 * transaction, and the job that POSTs one signed delivery and records the attempt.
 *
 * The delivery row and its job are written in the event's transaction, so a change that rolls
 * back sends nothing and one that commits is delivered even if the process dies right after.
 * A writer with no queue started (a CLI command) leaves the row without a job; the worker's
 * sweep enqueues those. Each job is safe to run twice: only a pending delivery is attempted.
 */
import { fetch } from 'undici';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Db, Tx } from '../../db/db.js';
import { defineQueue, type Job, type Queue, type QueuePolicy, queueFor } from '../../jobs/queue.js';
import type { EventRow } from '../audit/service.js';
import type { Ctx } from '../context.js';
import { deliveryDispatcher, literalTargetRefusal, privateTargetRefusal } from './egress.js';
import { eventTypeKeys, signatureHeader, type WebhookPayload } from './model.js';

/** Up to 8 retries after the first attempt, 1 min then doubling with jitter: ~4 to 8 hours. */
export const WEBHOOK_POLICY: Required<QueuePolicy> = {
  retryLimit: 8,
  retryDelay: 60,
  retryBackoff: true,
  expireInSeconds: 60,
};
export const WEBHOOK_QUEUE = defineQueue('webhook-delivery', WEBHOOK_POLICY);

export interface DeliveryJob {
  delivery_id: string;
}

async function enqueue(tx: Tx, queue: Queue, deliveryId: string): Promise<void> {
  const data: DeliveryJob = { delivery_id: deliveryId };
  const jobId = await queue.send(WEBHOOK_QUEUE, data, {}, tx);
  await tx.query('UPDATE webhook_deliveries SET job_id = $2 WHERE id = $1', [deliveryId, jobId]);
}

/** Writes an event's deliveries to the endpoints that want it, in the event's transaction. */
export async function fanOut(tx: Tx, ctx: Ctx, event: EventRow): Promise<void> {
  const endpoints = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_endpoints
      WHERE tenant_id = $1 AND status = 'active'
        AND (cardinality(event_types) = 0 OR event_types && $2::text[])`,
    [ctx.tenant.id, eventTypeKeys(event.type)],
  );
  if (endpoints.length === 0) return;
  // No queue in this process (or not yet this one): the worker's sweep enqueues the rows.
  const queue = queueFor(ctx.db);
  const send = queue?.has(WEBHOOK_QUEUE) ? queue : undefined;
  const now = ctx.clock.now();
  for (const endpoint of endpoints) {
    const inserted = await tx.maybeOne<{ id: string }>(
      `INSERT INTO webhook_deliveries
         (id, tenant_id, endpoint_id, event_id, status, next_attempt_at, created_at)
       VALUES ($1, $2, $3, $4, 'pending', $5, $5)
       ON CONFLICT (endpoint_id, event_id) WHERE resend_of IS NULL DO NOTHING RETURNING id`,
      [newId('webhookDelivery'), ctx.tenant.id, endpoint.id, event.id, now],
    );
    if (inserted && send) await enqueue(tx, send, inserted.id);
  }
}

/**
 * A re-send: a new pending delivery of a delivered (or failed) event to the same endpoint, with
 * its job when this process has the queue (the worker's sweep sends it otherwise). It is signed
 * when it is sent, so with the endpoint's secret of that moment. Returns the new delivery's id.
 */
export async function queueResend(
  tx: Tx,
  ctx: Ctx,
  of: { id: string; endpoint_id: string; event_id: string },
): Promise<string> {
  const id = newId('webhookDelivery');
  const now = ctx.clock.now();
  await tx.query(
    `INSERT INTO webhook_deliveries
       (id, tenant_id, endpoint_id, event_id, status, next_attempt_at, created_at, resend_of)
     VALUES ($1, $2, $3, $4, 'pending', $5, $5, $6)`,
    [id, ctx.tenant.id, of.endpoint_id, of.event_id, now, of.id],
  );
  const queue = queueFor(ctx.db);
  if (queue?.has(WEBHOOK_QUEUE)) await enqueue(tx, queue, id);
  return id;
}

/**
 * The fan-out of many events at once (recordMany): one query for the endpoints, one insert for
 * the deliveries. Their jobs are sent by the worker's sweep, which loops until none is left, so
 * a bill run of thousands of invoices does not send thousands of jobs inside its transaction.
 */
export async function fanOutMany(tx: Tx, ctx: Ctx, events: EventRow[]): Promise<void> {
  if (events.length === 0) return;
  const endpoints = await tx.query<{ id: string; event_types: string[] }>(
    `SELECT id, event_types FROM webhook_endpoints WHERE tenant_id = $1 AND status = 'active'`,
    [ctx.tenant.id],
  );
  if (endpoints.length === 0) return;
  const endpointIds: string[] = [];
  const eventIds: string[] = [];
  for (const event of events) {
    const keys = eventTypeKeys(event.type);
    for (const e of endpoints) {
      if (e.event_types.length > 0 && !e.event_types.some((t) => keys.includes(t))) continue;
      endpointIds.push(e.id);
      eventIds.push(event.id);
    }
  }
  const now = ctx.clock.now();
  await tx.query(
    `INSERT INTO webhook_deliveries
       (id, tenant_id, endpoint_id, event_id, status, next_attempt_at, created_at)
     SELECT id, $1, endpoint_id, event_id, 'pending', $2, $2
       FROM unnest($3::text[], $4::text[], $5::text[]) AS d(id, endpoint_id, event_id)
     ON CONFLICT (endpoint_id, event_id) WHERE resend_of IS NULL DO NOTHING`,
    [ctx.tenant.id, now, endpointIds.map(() => newId('webhookDelivery')), endpointIds, eventIds],
  );
}

/** Enqueues pending deliveries written without a job; returns how many. */
export async function enqueueUnqueued(db: Db, queue: Queue, limit = 100): Promise<number> {
  return db.tx(async (tx) => {
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM webhook_deliveries WHERE status = 'pending' AND job_id IS NULL
        ORDER BY created_at LIMIT $1 FOR NO KEY UPDATE SKIP LOCKED`,
      [limit],
    );
    for (const row of rows) await enqueue(tx, queue, row.id);
    return rows.length;
  });
}

export interface DeliverOptions {
  db: Db;
  clock: Clock;
  /** Per-attempt HTTP timeout (default 10 s). */
  timeoutMs?: number | undefined;
  /**
   * Deliver to private, loopback and link-local addresses too (BILLOW_WEBHOOKS_ALLOW_PRIVATE);
   * by default such a target fails the delivery at once.
   */
  allowPrivate?: boolean | undefined;
}

interface Target {
  status: 'pending' | 'succeeded' | 'failed';
  tenant_id: string;
  url: string;
  secret: string;
  endpoint_status: 'active' | 'disabled';
  event_id: string;
  type: string;
  object_type: string;
  object_id: string;
  data: unknown;
  created_at: Date;
}

const MAX_ERROR = 500;

function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && err.name === 'TimeoutError') {
    return `no response within ${timeoutMs / 1000} s`;
  }
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : err);
  return `could not connect: ${String(detail)}`.slice(0, MAX_ERROR);
}

interface Attempt {
  /** The HTTP status, when the endpoint answered. */
  code: number | null;
  /** Why the attempt failed, or null when the endpoint answered 2xx. */
  error: string | null;
  /** The target is refused by the installation's policy: retrying cannot help. */
  permanent: boolean;
}

/** POSTs the signed body to the endpoint once. */
async function post(
  target: Target,
  body: string,
  signature: string,
  opts: { timeoutMs: number; allowPrivate: boolean },
): Promise<Attempt> {
  const refused = opts.allowPrivate ? null : literalTargetRefusal(target.url);
  if (refused) return { code: null, error: refused.message.slice(0, MAX_ERROR), permanent: true };
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Billow-Webhooks/1',
        'billow-signature': signature,
        'billow-event-id': target.event_id,
        'billow-event-type': target.type,
      },
      body,
      // A redirect is an answer, not a success: the endpoint should be updated instead.
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
      // Its DNS lookup refuses private addresses, and its socket connects to what it checked.
      dispatcher: deliveryDispatcher(opts.allowPrivate),
    });
    await res.body?.cancel().catch(() => undefined);
    const ok = res.status >= 200 && res.status <= 299;
    return { code: res.status, error: ok ? null : `HTTP ${res.status}`, permanent: false };
  } catch (err) {
    const policy = privateTargetRefusal(err);
    if (policy) return { code: null, error: policy.message.slice(0, MAX_ERROR), permanent: true };
    return { code: null, error: describe(err, opts.timeoutMs), permanent: false };
  }
}

/** Runs one attempt of a delivery job; throws when it failed and must be retried. */
export async function deliverWebhook(job: Job<DeliveryJob>, opts: DeliverOptions): Promise<void> {
  const { db, clock } = opts;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const id = job.data.delivery_id;
  const target = await db.maybeOne<Target>(
    `SELECT d.status, d.tenant_id, w.url, w.secret, w.status AS endpoint_status,
            e.id AS event_id, e.type, e.object_type, e.object_id, e.data, e.created_at
       FROM webhook_deliveries d
       JOIN webhook_endpoints w ON w.id = d.endpoint_id
       JOIN events e ON e.id = d.event_id
      WHERE d.id = $1`,
    [id],
  );
  // Gone with its endpoint, or already settled by an earlier run of this job.
  if (target?.status !== 'pending') return;
  if (target.endpoint_status !== 'active') {
    await settle(db, id, 'failed', {
      attempted: false,
      code: null,
      error: 'endpoint disabled',
      at: clock.now(),
    });
    return;
  }

  const payload: WebhookPayload = {
    id: target.event_id,
    type: target.type,
    created_at: target.created_at.toISOString(),
    data: target.data,
    object_type: target.object_type,
    object_id: target.object_id,
    tenant_id: target.tenant_id,
  };
  const body = JSON.stringify(payload);
  const signature = signatureHeader(target.secret, body, Math.floor(clock.now().getTime() / 1000));
  const { code, error, permanent } = await post(target, body, signature, {
    timeoutMs,
    allowPrivate: opts.allowPrivate ?? false,
  });
  const at = clock.now();
  if (error === null) {
    await settle(db, id, 'succeeded', { attempted: true, code, error: null, at });
    return;
  }
  // Refused by the installation's policy: no retry can succeed, so the delivery fails now, as
  // one to a disabled endpoint does.
  if (permanent) {
    await settle(db, id, 'failed', { attempted: true, code, error, at });
    return;
  }
  if (job.retryCount >= job.retryLimit) {
    await settle(db, id, 'failed', { attempted: true, code, error, at });
  } else {
    // pg-boss waits retryDelay·2^retryCount seconds, up to twice that with jitter.
    const factor = job.retryBackoff ? 2 ** job.retryCount : 1;
    const next = new Date(at.getTime() + job.retryDelay * factor * 1000);
    await db.query(
      `UPDATE webhook_deliveries
          SET attempts = attempts + 1, last_status_code = $2, last_error = $3, next_attempt_at = $4
        WHERE id = $1 AND status = 'pending'`,
      [id, code, error, next],
    );
  }
  throw new Error(`webhook delivery ${id} failed: ${error}`);
}

async function settle(
  db: Db,
  id: string,
  status: 'succeeded' | 'failed',
  attempt: { attempted: boolean; code: number | null; error: string | null; at: Date },
): Promise<void> {
  await db.query(
    `UPDATE webhook_deliveries
        SET status = $2, attempts = attempts + $3, last_status_code = $4, last_error = $5,
            next_attempt_at = NULL, delivered_at = CASE WHEN $2 = 'succeeded' THEN $6::timestamptz END
      WHERE id = $1 AND status = 'pending'`,
    [id, status, attempt.attempted ? 1 : 0, attempt.code, attempt.error, attempt.at],
  );
}
