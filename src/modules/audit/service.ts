/**
 * The audit log (L3) and the event outbox (principle 4). Every state change calls
 * recordChange inside its own transaction, so the change, its audit row and its event commit or
 * roll back together. Webhook deliveries are fanned out from the event in the same transaction.
 */
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';

export interface Change {
  /** Verb in the past tense as an event type: 'customer.created', 'contact.revoked'. */
  action: string;
  objectType: string;
  objectId: string;
  before?: unknown;
  after?: unknown;
  /** The event payload; defaults to `after`. Set to null for audit-only changes. */
  event?: unknown;
}

type Hook = (tx: Tx, ctx: Ctx, event: EventRow) => Promise<void>;
const eventHooks: Hook[] = [];

/** Lets a module act on every event in the writing transaction (webhook fan-out). */
export function onEvent(hook: Hook): void {
  eventHooks.push(hook);
}

export interface EventRow {
  id: string;
  type: string;
  object_type: string;
  object_id: string;
  data: unknown;
  created_at: Date;
}

export async function recordChange(tx: Tx, ctx: Ctx, change: Change): Promise<void> {
  const at = tenantNow(ctx);
  await tx.query(
    `INSERT INTO audit_log
       (id, tenant_id, at, actor_type, actor_id, action, object_type, object_id, before, after,
        request_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [
      newId('auditEntry'),
      ctx.tenant.id,
      at,
      ctx.actor.type,
      ctx.actor.id,
      change.action,
      change.objectType,
      change.objectId,
      change.before === undefined ? null : JSON.stringify(change.before),
      change.after === undefined ? null : JSON.stringify(change.after),
      ctx.requestId ?? null,
    ],
  );
  const data = change.event === undefined ? (change.after ?? null) : change.event;
  if (change.event === null) return;
  const event: EventRow = {
    id: newId('event'),
    type: change.action,
    object_type: change.objectType,
    object_id: change.objectId,
    data,
    created_at: at,
  };
  await tx.query(
    `INSERT INTO events (id, tenant_id, type, object_type, object_id, data, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      event.id,
      ctx.tenant.id,
      event.type,
      event.object_type,
      event.object_id,
      JSON.stringify(data),
      at,
    ],
  );
  for (const hook of eventHooks) await hook(tx, ctx, event);
}

type ManyHook = (tx: Tx, ctx: Ctx, events: EventRow[]) => Promise<void>;
const manyHooks: ManyHook[] = [];

/** Like onEvent, for the events of recordMany (bulk work such as bill runs). */
export function onEvents(hook: ManyHook): void {
  manyHooks.push(hook);
}

/**
 * Records many changes at once with two set-based inserts: what bulk work (a bill run creating
 * or posting thousands of invoices) uses instead of recordChange per object.
 */
export async function recordMany(tx: Tx, ctx: Ctx, changes: Change[]): Promise<void> {
  if (changes.length === 0) return;
  const at = tenantNow(ctx);
  const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));
  await tx.query(
    `INSERT INTO audit_log
       (id, tenant_id, at, actor_type, actor_id, action, object_type, object_id, before, after,
        request_id)
     SELECT id, $1, $2, $3, $4, action, object_type, object_id, before::jsonb, after::jsonb, $5
       FROM unnest($6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
         AS c(id, action, object_type, object_id, before, after)`,
    [
      ctx.tenant.id,
      at,
      ctx.actor.type,
      ctx.actor.id,
      ctx.requestId ?? null,
      changes.map(() => newId('auditEntry')),
      changes.map((c) => c.action),
      changes.map((c) => c.objectType),
      changes.map((c) => c.objectId),
      changes.map((c) => json(c.before)),
      changes.map((c) => json(c.after)),
    ],
  );
  const events: EventRow[] = changes
    .filter((c) => c.event !== null)
    .map((c) => ({
      id: newId('event'),
      type: c.action,
      object_type: c.objectType,
      object_id: c.objectId,
      data: c.event === undefined ? (c.after ?? null) : c.event,
      created_at: at,
    }));
  await tx.query(
    `INSERT INTO events (id, tenant_id, type, object_type, object_id, data, created_at)
     SELECT id, $1, type, object_type, object_id, data::jsonb, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
         AS e(id, type, object_type, object_id, data)`,
    [
      ctx.tenant.id,
      at,
      events.map((e) => e.id),
      events.map((e) => e.type),
      events.map((e) => e.object_type),
      events.map((e) => e.object_id),
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
  for (const hook of manyHooks) await hook(tx, ctx, events);
}

export interface AuditEntry {
  id: string;
  at: Date;
  actor_type: string;
  actor_id: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export async function listAudit(
  ctx: Ctx,
  filter: { objectId?: string | undefined; after?: string | undefined; limit: number },
  db: Queryable = ctx.db,
): Promise<AuditEntry[]> {
  requirePermission(ctx, 'audit:read');
  return db.query<AuditEntry>(
    `SELECT id, at, actor_type, actor_id, action, object_type, object_id, before, after, request_id
       FROM audit_log
      WHERE tenant_id = $1 AND ($2::text IS NULL OR object_id = $2)
        AND ($3::text IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [ctx.tenant.id, filter.objectId ?? null, filter.after ?? null, filter.limit],
  );
}

export async function listEvents(
  ctx: Ctx,
  filter: { type?: string | undefined; after?: string | undefined; limit: number },
): Promise<EventRow[]> {
  requirePermission(ctx, 'events:read');
  return ctx.db.query<EventRow>(
    `SELECT id, type, object_type, object_id, data, created_at
       FROM events
      WHERE tenant_id = $1 AND ($2::text IS NULL OR type = $2) AND ($3::text IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [ctx.tenant.id, filter.type ?? null, filter.after ?? null, filter.limit],
  );
}
