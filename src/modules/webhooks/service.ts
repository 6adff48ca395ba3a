/**
 * Webhook endpoints (K3): a tenant's admins register URLs that receive its events, signed with
 * a per-endpoint secret. Deliveries are fanned out and sent by deliver.ts.
 */
import { AppError } from '../../core/errors.js';
import { newId, newSecret } from '../../core/ids.js';
import { pgConstraint, type Queryable, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission } from '../context.js';
import { queueResend } from './deliver.js';
import {
  type DeliveryView,
  type EndpointCreate,
  type EndpointPatch,
  type EndpointView,
  type EndpointWithSecret,
  privateHostOf,
} from './model.js';

interface EndpointRow {
  id: string;
  url: string;
  description: string | null;
  event_types: string[];
  status: 'active' | 'disabled';
  secret: string;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, url, description, event_types, status, secret, created_at, updated_at';

/** The endpoint as the API and the audit log show it: never with its secret. */
function view(row: EndpointRow): EndpointView {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    event_types: row.event_types,
    status: row.status,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

const withSecret = (row: EndpointRow): EndpointWithSecret => ({ ...view(row), secret: row.secret });

const newSigningSecret = () => `whsec_${newSecret(32)}`;

/** The installation's rules for endpoint URLs (from BILLOW_WEBHOOKS_ALLOW_PRIVATE). */
export interface EndpointPolicy {
  /** Private, loopback and link-local targets are allowed (a self-hosted internal receiver). */
  allowPrivate: boolean;
}

/**
 * Refuses a URL whose host is a literal private address. A host name is not resolved here:
 * its address can change after saving, so delivery checks what it resolves to each time.
 */
function checkUrl(url: string, policy: EndpointPolicy): void {
  if (policy.allowPrivate) return;
  const host = privateHostOf(url);
  if (host) throw new AppError('webhook_url_private', { url, address: host });
}

async function loadEndpoint(
  db: Queryable,
  ctx: Ctx,
  id: string,
  forUpdate = false,
): Promise<EndpointRow> {
  const row = await db.maybeOne<EndpointRow>(
    `SELECT ${COLUMNS} FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2
      ${forUpdate ? 'FOR NO KEY UPDATE' : ''}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('webhook_endpoint_not_found', { id });
  return row;
}

export async function listEndpoints(
  ctx: Ctx,
  filter: { after?: string | undefined; limit: number },
): Promise<EndpointView[]> {
  requirePermission(ctx, 'tenant:manage');
  const rows = await ctx.db.query<EndpointRow>(
    `SELECT ${COLUMNS} FROM webhook_endpoints
      WHERE tenant_id = $1 AND ($2::text IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [ctx.tenant.id, filter.after ?? null, filter.limit],
  );
  return rows.map(view);
}

export async function getEndpoint(ctx: Ctx, id: string): Promise<EndpointView> {
  requirePermission(ctx, 'tenant:manage');
  return view(await loadEndpoint(ctx.db, ctx, id));
}

export async function createEndpoint(
  ctx: Ctx,
  input: EndpointCreate,
  policy: EndpointPolicy,
): Promise<EndpointWithSecret> {
  requirePermission(ctx, 'tenant:manage');
  checkUrl(input.url, policy);
  return ctx.db.tx(async (tx) => {
    const now = ctx.clock.now();
    const row = await tx.one<EndpointRow>(
      `INSERT INTO webhook_endpoints
         (id, tenant_id, url, description, event_types, secret, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ${COLUMNS}`,
      [
        newId('webhookEndpoint'),
        ctx.tenant.id,
        input.url,
        input.description || null,
        [...new Set(input.event_types)],
        newSigningSecret(),
        input.status,
        now,
      ],
    );
    await audit(tx, ctx, 'webhook_endpoint.created', row.id, undefined, view(row));
    return withSecret(row);
  });
}

export async function updateEndpoint(
  ctx: Ctx,
  id: string,
  patch: EndpointPatch,
  policy: EndpointPolicy,
): Promise<EndpointView> {
  requirePermission(ctx, 'tenant:manage');
  // Only a new URL is checked: an endpoint saved while private targets were allowed can still
  // be disabled or described (its deliveries are refused when they connect).
  if (patch.url !== undefined) checkUrl(patch.url, policy);
  return ctx.db.tx(async (tx) => {
    const row = await loadEndpoint(tx, ctx, id, true);
    const updated = await tx.one<EndpointRow>(
      `UPDATE webhook_endpoints
          SET url = $3, description = $4, event_types = $5, status = $6, updated_at = $7
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [
        ctx.tenant.id,
        id,
        patch.url ?? row.url,
        patch.description === undefined ? row.description : patch.description || null,
        patch.event_types ? [...new Set(patch.event_types)] : row.event_types,
        patch.status ?? row.status,
        ctx.clock.now(),
      ],
    );
    await audit(tx, ctx, 'webhook_endpoint.updated', id, view(row), view(updated));
    return view(updated);
  });
}

/** Deletes the endpoint and its delivery history; pending deliveries are dropped. */
export async function deleteEndpoint(ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx, 'tenant:manage');
  await ctx.db.tx(async (tx) => {
    const row = await loadEndpoint(tx, ctx, id, true);
    await tx.query('DELETE FROM webhook_endpoints WHERE tenant_id = $1 AND id = $2', [
      ctx.tenant.id,
      id,
    ]);
    await audit(tx, ctx, 'webhook_endpoint.deleted', id, view(row), undefined, view(row));
  });
}

/** A new signing secret, effective for every attempt from now on (pending ones included). */
export async function rotateSecret(ctx: Ctx, id: string): Promise<EndpointWithSecret> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    await loadEndpoint(tx, ctx, id, true);
    const row = await tx.one<EndpointRow>(
      `UPDATE webhook_endpoints SET secret = $3, updated_at = $4
        WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
      [ctx.tenant.id, id, newSigningSecret(), ctx.clock.now()],
    );
    // The audit row says that it changed, never what it is.
    await audit(tx, ctx, 'webhook_endpoint.secret_rotated', id, undefined, view(row));
    return withSecret(row);
  });
}

function audit(
  tx: Tx,
  ctx: Ctx,
  action: string,
  objectId: string,
  before: EndpointView | undefined,
  after: EndpointView | undefined,
  event?: EndpointView,
): Promise<void> {
  return recordChange(tx, ctx, {
    action,
    objectType: 'webhook_endpoint',
    objectId,
    before,
    after,
    ...(event && { event }),
  });
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  status: DeliveryView['status'];
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  delivered_at: Date | null;
  created_at: Date;
  resend_of: string | null;
}

const DELIVERY_COLUMNS = `d.id, d.endpoint_id, d.event_id, e.type AS event_type, d.status, d.attempts,
  d.last_status_code, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at, d.resend_of`;

function deliveryView(r: DeliveryRow): DeliveryView {
  return {
    ...r,
    next_attempt_at: r.next_attempt_at?.toISOString() ?? null,
    delivered_at: r.delivered_at?.toISOString() ?? null,
    created_at: r.created_at.toISOString(),
  };
}

export async function listDeliveries(
  ctx: Ctx,
  endpointId: string,
  filter: {
    status?: DeliveryView['status'] | undefined;
    after?: string | undefined;
    limit: number;
  },
): Promise<DeliveryView[]> {
  requirePermission(ctx, 'tenant:manage');
  await loadEndpoint(ctx.db, ctx, endpointId);
  const rows = await ctx.db.query<DeliveryRow>(
    `SELECT ${DELIVERY_COLUMNS}
       FROM webhook_deliveries d JOIN events e ON e.id = d.event_id
      WHERE d.tenant_id = $1 AND d.endpoint_id = $2
        AND ($3::text IS NULL OR d.status = $3) AND ($4::text IS NULL OR d.id < $4)
      ORDER BY d.id DESC LIMIT $5`,
    [ctx.tenant.id, endpointId, filter.status ?? null, filter.after ?? null, filter.limit],
  );
  return rows.map(deliveryView);
}

/**
 * Sends a delivery's event to its endpoint again, as a new delivery (the first keeps its
 * attempts): signed with the endpoint's current secret, attempted and retried like any other.
 * Refused while a delivery of that event to that endpoint is still pending, and to a disabled
 * endpoint (which would fail it at once).
 */
export async function resendDelivery(ctx: Ctx, id: string): Promise<DeliveryView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    // The endpoint's row lock orders this against its deletion, disabling and other re-sends.
    const of = await tx.maybeOne<{
      id: string;
      endpoint_id: string;
      event_id: string;
      endpoint_status: 'active' | 'disabled';
    }>(
      `SELECT d.id, d.endpoint_id, d.event_id, w.status AS endpoint_status
         FROM webhook_deliveries d JOIN webhook_endpoints w ON w.id = d.endpoint_id
        WHERE d.tenant_id = $1 AND d.id = $2 FOR NO KEY UPDATE OF w`,
      [ctx.tenant.id, id],
    );
    if (!of) throw new AppError('webhook_delivery_not_found', { id });
    if (of.endpoint_status !== 'active') {
      throw new AppError('webhook_endpoint_disabled', { id: of.endpoint_id });
    }
    const pending = await tx.maybeOne<{ id: string }>(
      `SELECT id FROM webhook_deliveries
        WHERE endpoint_id = $1 AND event_id = $2 AND status = 'pending'`,
      [of.endpoint_id, of.event_id],
    );
    if (pending) throw new AppError('webhook_delivery_pending', { id, pending: pending.id });
    let resentId: string;
    try {
      resentId = await queueResend(tx, ctx, of);
    } catch (err) {
      if (pgConstraint(err) === 'webhook_deliveries_one_pending') {
        throw new AppError('webhook_delivery_pending', { id });
      }
      throw err;
    }
    const after = deliveryView(
      await tx.one<DeliveryRow>(
        `SELECT ${DELIVERY_COLUMNS}
           FROM webhook_deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = $1`,
        [resentId],
      ),
    );
    // Audited, but no event: receivers learn of the re-send by receiving it.
    await recordChange(tx, ctx, {
      action: 'webhook_delivery.resent',
      objectType: 'webhook_delivery',
      objectId: resentId,
      after,
      event: null,
    });
    return after;
  });
}
