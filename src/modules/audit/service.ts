/**
 * The audit log (L3) and the event outbox (principle 4). Every state change calls
 * recordChange inside its own transaction, so the change, its audit row and its event commit or
 * roll back together. Webhook deliveries are fanned out from the event in the same transaction.
 */
import { addDays, startOfBusinessDate } from '../../core/dates.js';
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
  /** The staff user's or API key's name, when the actor is one. */
  actor_name: string | null;
  action: string;
  object_type: string;
  object_id: string;
  before: unknown;
  after: unknown;
  request_id: string | null;
}

export interface AuditFilter {
  objectId?: string | undefined;
  objectType?: string | undefined;
  /** Who: a staff user's or API key's id. */
  actorId?: string | undefined;
  actorType?: string | undefined;
  /** Business dates in the tenant's time zone, both inclusive. */
  from?: string | undefined;
  to?: string | undefined;
  /** Cursor: only entries with an id below this one. */
  after?: string | undefined;
  limit: number;
}

/** The audit log, newest first, filtered on the server; one query per page. */
export async function listAudit(
  ctx: Ctx,
  filter: AuditFilter,
  db: Queryable = ctx.db,
): Promise<AuditEntry[]> {
  requirePermission(ctx, 'audit:read');
  const zone = ctx.tenant.timeZone;
  const from = filter.from ? startOfBusinessDate(filter.from, zone) : null;
  const until = filter.to ? startOfBusinessDate(addDays(filter.to, 1), zone) : null;
  return db.query<AuditEntry>(
    `SELECT a.id, a.at, a.actor_type, a.actor_id,
            CASE a.actor_type WHEN 'staff' THEN s.name WHEN 'api_key' THEN k.name END
              AS actor_name,
            a.action, a.object_type, a.object_id, a.before, a.after, a.request_id
       FROM audit_log a
       LEFT JOIN staff_users s
         ON a.actor_type = 'staff' AND s.id = a.actor_id AND s.tenant_id = a.tenant_id
       LEFT JOIN api_keys k
         ON a.actor_type = 'api_key' AND k.id = a.actor_id AND k.tenant_id = a.tenant_id
      WHERE a.tenant_id = $1 AND ($2::text IS NULL OR a.object_id = $2)
        AND ($3::text IS NULL OR a.object_type = $3)
        AND ($4::text IS NULL OR a.actor_id = $4)
        AND ($5::text IS NULL OR a.actor_type = $5)
        AND ($6::timestamptz IS NULL OR a.at >= $6)
        AND ($7::timestamptz IS NULL OR a.at < $7)
        AND ($8::text IS NULL OR a.id < $8)
      ORDER BY a.id DESC LIMIT $9`,
    [
      ctx.tenant.id,
      filter.objectId ?? null,
      filter.objectType ?? null,
      filter.actorId ?? null,
      filter.actorType ?? null,
      from,
      until,
      filter.after ?? null,
      filter.limit,
    ],
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
