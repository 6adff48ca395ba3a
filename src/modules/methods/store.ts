/**
 * Reading payment methods: the row, its view, and the queries that follow the customer hierarchy
 * (a child may use what an ancestor shares, A3). Used by the services here, the readiness gate,
 * and the payments work through usableMethodFor().
 */
import { AppError } from '../../core/errors.js';
import type { Queryable, Tx } from '../../db/db.js';
import type { BillingAddress, GatewayName } from '../../gateways/types.js';
import { type Ctx, tenantToday } from '../context.js';
import {
  MAX_VERIFICATION_ATTEMPTS,
  type MethodView,
  monthIndex,
  statusOf,
  usableSql,
} from './model.js';

export interface MethodRow {
  id: string;
  customer_id: string;
  kind: 'card' | 'bank_account';
  gateway: GatewayName;
  gateway_customer_id: string;
  gateway_method_id: string;
  gateway_verification_id: string | null;
  fingerprint: string;
  last4: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover' | null;
  exp_month: number | null;
  exp_year: number | null;
  account_type: 'checking' | 'savings' | null;
  holder_type: 'personal' | 'business' | null;
  routing_last4: string | null;
  bank_name: string | null;
  name: string | null;
  billing_address: BillingAddress;
  friendly_name: string | null;
  shared_with_children: boolean;
  is_default: boolean;
  wants_default: boolean;
  verified_at: Date | null;
  micro_deposits_sent_at: Date | null;
  verification_attempts: number;
  verification_locked_at: Date | null;
  authorized_at: Date;
  replaced_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

export function methodView(row: MethodRow, today: string, inherited = false): MethodView {
  const status = statusOf(row, today);
  return {
    id: row.id,
    customer_id: row.customer_id,
    kind: row.kind,
    gateway: row.gateway,
    gateway_method_id: row.gateway_method_id,
    status,
    usable: status === 'usable',
    card:
      row.kind === 'card'
        ? {
            brand: row.brand!,
            last4: row.last4,
            exp_month: row.exp_month!,
            exp_year: row.exp_year!,
          }
        : null,
    bank_account:
      row.kind === 'bank_account'
        ? {
            last4: row.last4,
            routing_last4: row.routing_last4,
            bank_name: row.bank_name,
            account_type: row.account_type!,
            holder_type: row.holder_type!,
          }
        : null,
    fingerprint: row.fingerprint,
    name: row.name,
    billing_address: row.billing_address,
    friendly_name: row.friendly_name,
    shared_with_children: row.shared_with_children,
    // A child never has an ancestor's method as its own default.
    is_default: inherited ? false : row.is_default,
    inherited,
    verification:
      row.kind === 'bank_account'
        ? {
            verified_at: iso(row.verified_at),
            micro_deposits_sent_at: iso(row.micro_deposits_sent_at),
            attempts: row.verification_attempts,
            attempts_left: Math.max(0, MAX_VERIFICATION_ATTEMPTS - row.verification_attempts),
            locked_at: iso(row.verification_locked_at),
          }
        : null,
    currency: 'USD',
    authorized_at: row.authorized_at.toISOString(),
    replaced_at: iso(row.replaced_at),
    deleted_at: iso(row.deleted_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/** A method of this tenant by id (deleted ones too, for history), optionally locked. */
export async function findMethodRow(
  q: Queryable,
  ctx: Ctx,
  id: string,
  lock = '',
): Promise<MethodRow> {
  const row = await q.maybeOne<MethodRow>(
    `SELECT * FROM payment_methods WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('payment_method_not_found', { id });
  return row;
}

/** A method that can still be changed: exists and is not deleted. */
export async function findLiveMethod(
  q: Queryable,
  ctx: Ctx,
  id: string,
  lock = '',
): Promise<MethodRow> {
  const row = await findMethodRow(q, ctx, id, lock);
  if (row.deleted_at) throw new AppError('payment_method_not_found', { id, deleted: true });
  return row;
}

/** Serialises changes to one customer's methods (defaults, duplicates) until commit. */
export async function lockCustomerMethods(tx: Tx, ctx: Ctx, customerId: string): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('pm:' || $1::text))`, [
    `${ctx.tenant.id}:${customerId}`,
  ]);
}

/** The customer and its ancestors, nearest first, as a recursive CTE named `up(id, depth)`. */
const UP = `WITH RECURSIVE up (id, parent_id, depth) AS (
    SELECT id, parent_id, 0 FROM customers WHERE tenant_id = $1 AND id = $2
    UNION ALL
    SELECT c.id, c.parent_id, up.depth + 1
      FROM customers c JOIN up ON c.tenant_id = $1 AND c.id = up.parent_id
     WHERE up.depth < 100)`;

/** Own methods (not deleted) newest first, then those ancestors share, nearest first. */
export async function listForCustomer(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
): Promise<{ row: MethodRow; inherited: boolean }[]> {
  const rows = await q.query<MethodRow & { depth: number }>(
    `${UP}
     SELECT m.*, up.depth FROM payment_methods m
       JOIN up ON m.tenant_id = $1 AND m.customer_id = up.id
      WHERE m.deleted_at IS NULL AND (up.depth = 0 OR m.shared_with_children)
      ORDER BY up.depth, m.is_default DESC, m.id DESC`,
    [ctx.tenant.id, customerId],
  );
  return rows.map(({ depth, ...row }) => ({ row, inherited: depth > 0 }));
}

/**
 * The method a charge for the customer uses when none is named: its own default (or newest
 * usable), else the nearest ancestor's shared one (its default first). Undefined when none.
 */
export async function effectiveMethodId(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
): Promise<string | undefined> {
  const row = await q.maybeOne<{ id: string }>(
    `${UP}
     SELECT m.id FROM payment_methods m JOIN up ON m.tenant_id = $1 AND m.customer_id = up.id
      WHERE ${usableSql('$3')} AND (up.depth = 0 OR m.shared_with_children)
      ORDER BY up.depth, m.is_default DESC, m.id DESC LIMIT 1`,
    [ctx.tenant.id, customerId, monthIndex(tenantToday(ctx))],
  );
  return row?.id;
}

/** The customers' ancestors (and themselves at depth 0), as a CTE named `ups(root, id, depth)`. */
const UPS = `WITH RECURSIVE ups (root, id, parent_id, depth) AS (
    SELECT id, id, parent_id, 0 FROM customers WHERE tenant_id = $1 AND id = ANY ($2::text[])
    UNION ALL
    SELECT ups.root, c.id, c.parent_id, ups.depth + 1
      FROM customers c JOIN ups ON c.tenant_id = $1 AND c.id = ups.parent_id
     WHERE ups.depth < 100)`;

/** effectiveMethodId for many customers in one query (payment runs, projections). */
export async function effectiveMethodIds(
  q: Queryable,
  ctx: Ctx,
  customerIds: string[],
): Promise<Map<string, string>> {
  if (customerIds.length === 0) return new Map();
  const rows = await q.query<{ root: string; id: string }>(
    `${UPS}
     SELECT DISTINCT ON (ups.root) ups.root, m.id
       FROM payment_methods m JOIN ups ON m.tenant_id = $1 AND m.customer_id = ups.id
      WHERE ${usableSql('$3')} AND (ups.depth = 0 OR m.shared_with_children)
      ORDER BY ups.root, ups.depth, m.is_default DESC, m.id DESC`,
    [ctx.tenant.id, [...new Set(customerIds)], monthIndex(tenantToday(ctx))],
  );
  return new Map(rows.map((r) => [r.root, r.id]));
}

/**
 * usableMethodFor for many (customer, method) pairs in two queries: each pair gets its method
 * row or the error usableMethodFor would have thrown. `lock` as there.
 */
export async function usableMethodsFor(
  q: Queryable,
  ctx: Ctx,
  pairs: { customerId: string; methodId: string }[],
  lock = '',
): Promise<(MethodRow | AppError)[]> {
  if (pairs.length === 0) return [];
  const ids = [...new Set(pairs.map((p) => p.methodId))].sort();
  const rows = await q.query<MethodRow>(
    `SELECT * FROM payment_methods WHERE tenant_id = $1 AND id = ANY ($2::text[]) ORDER BY id ${lock}`,
    [ctx.tenant.id, ids],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const foreign = pairs.filter((p) => {
    const m = byId.get(p.methodId);
    return m && m.customer_id !== p.customerId;
  });
  const ancestors = new Set<string>();
  if (foreign.length > 0) {
    const up = await q.query<{ root: string; id: string }>(
      `${UPS} SELECT root, id FROM ups WHERE depth > 0`,
      [ctx.tenant.id, [...new Set(foreign.map((p) => p.customerId))]],
    );
    for (const r of up) ancestors.add(`${r.root}:${r.id}`);
  }
  const today = tenantToday(ctx);
  return pairs.map(({ customerId, methodId }) => {
    const row = byId.get(methodId);
    if (!row) return new AppError('payment_method_not_found', { id: methodId });
    if (row.deleted_at)
      return new AppError('payment_method_not_found', { id: methodId, deleted: true });
    if (
      row.customer_id !== customerId &&
      !(row.shared_with_children && ancestors.has(`${customerId}:${row.customer_id}`))
    ) {
      return new AppError('payment_method_not_found', { id: methodId, customer_id: customerId });
    }
    const status = statusOf(row, today);
    if (status === 'expired') return new AppError('card_expired', { id: methodId });
    if (status !== 'usable') return new AppError('payment_method_unverified', { id: methodId });
    return row;
  });
}

/**
 * For payments and autopay: the method, checked usable by this customer right now — its own, or
 * shared by an ancestor at this moment (unsharing takes effect for the next charge). Throws
 * payment_method_not_found, payment_method_unverified or card_expired. Pass a transaction and
 * lock = 'FOR SHARE' to keep the method from being deleted until the charge is recorded.
 */
export async function usableMethodFor(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
  methodId: string,
  lock = '',
): Promise<MethodRow> {
  const row = await findLiveMethod(q, ctx, methodId, lock);
  if (row.customer_id !== customerId) {
    const shared = await q.maybeOne(`${UP} SELECT 1 FROM up WHERE id = $3 AND depth > 0`, [
      ctx.tenant.id,
      customerId,
      row.customer_id,
    ]);
    if (!shared || !row.shared_with_children) {
      throw new AppError('payment_method_not_found', { id: methodId, customer_id: customerId });
    }
  }
  const status = statusOf(row, tenantToday(ctx));
  if (status === 'expired') throw new AppError('card_expired', { id: methodId });
  if (status !== 'usable') throw new AppError('payment_method_unverified', { id: methodId });
  return row;
}

/** The customer's newest usable method (by when it was saved or last replaced), if any. */
export async function newestUsableId(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
): Promise<string | null> {
  const row = await q.maybeOne<{ id: string }>(
    `SELECT m.id FROM payment_methods m
      WHERE m.tenant_id = $1 AND m.customer_id = $2 AND ${usableSql('$3')}
      ORDER BY coalesce(m.replaced_at, m.created_at) DESC, m.id DESC LIMIT 1`,
    [ctx.tenant.id, customerId, monthIndex(tenantToday(ctx))],
  );
  return row?.id ?? null;
}
