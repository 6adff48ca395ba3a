/** Customers (A3, A6): create, read, search, change, archive, and their hierarchy. */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { cursorId } from '../../core/schemas.js';
import { pgConstraint, type Queryable, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { owedSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { activeChildCount, checkParent, lockHierarchy, subtree } from './hierarchy.js';
import {
  type CustomerCreate,
  type CustomerPatch,
  type CustomerSort,
  type CustomerStatus,
  type CustomerView,
  containsPattern,
  decodeSortCursor,
  encodeSortCursor,
  formatCustomerNumber,
  type HierarchyView,
  missingLinks,
  type SortCursor,
} from './model.js';

interface CustomerRow {
  id: string;
  number: string;
  name: string;
  billing_email: string | null;
  billing_address: CustomerView['billing_address'];
  status: CustomerStatus;
  archived_at: Date | null;
  notes: string | null;
  parent_id: string | null;
  invoice_only: boolean;
  credit_limit: number | null;
  crm_id: string | null;
  accounting_id: string | null;
  gateway_customer_id: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, number, name, billing_email, billing_address, status, archived_at, notes,
  parent_id, invoice_only, credit_limit, crm_id, accounting_id, gateway_customer_id, created_at,
  updated_at`;

const NUMBER_CONSTRAINT = 'customers_tenant_id_number_key';
/** Automatic numbering skips numbers taken by hand; this bounds how far. */
const MAX_NUMBER_ATTEMPTS = 1000;

function view(ctx: Ctx, row: CustomerRow): CustomerView {
  const links = {
    crm: row.crm_id,
    accounting: row.accounting_id,
    gateway: row.gateway_customer_id,
  };
  return {
    id: row.id,
    number: row.number,
    name: row.name,
    billing_email: row.billing_email,
    billing_address: row.billing_address,
    status: row.status,
    archived_at: row.archived_at?.toISOString() ?? null,
    notes: row.notes,
    parent_id: row.parent_id,
    invoice_only: row.invoice_only,
    credit_limit: row.credit_limit,
    currency: ctx.tenant.currency,
    links,
    missing_links: missingLinks(links),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

async function findRow(db: Queryable, ctx: Ctx, id: string, lock = ''): Promise<CustomerRow> {
  const row = await db.maybeOne<CustomerRow>(
    `SELECT ${COLUMNS} FROM customers WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('customer_not_found', { id });
  return row;
}

/**
 * For other modules adding things to a customer (contacts, methods): the customer must exist in
 * this tenant and be active. Its row is share-locked so it cannot be archived meanwhile.
 */
export async function lockActiveCustomer(tx: Tx, ctx: Ctx, id: string): Promise<void> {
  const row = await findRow(tx, ctx, id, 'FOR SHARE');
  if (row.status !== 'active') throw new AppError('customer_archived', { id });
}

/** For other modules reading under a customer: throws customer_not_found unless it exists. */
export async function requireCustomer(db: Queryable, ctx: Ctx, id: string): Promise<void> {
  await findRow(db, ctx, id);
}

export async function createCustomer(ctx: Ctx, input: CustomerCreate): Promise<CustomerView> {
  requirePermission(ctx, 'customers:write');
  return ctx.db.tx(async (tx) => {
    if (input.parent_id) {
      await lockHierarchy(tx, ctx);
      await checkParent(tx, ctx, input.parent_id, undefined);
    }
    const now = tenantNow(ctx);
    const insert = (number: string) =>
      tx.maybeOne<CustomerRow>(
        `INSERT INTO customers (id, tenant_id, number, name, billing_email, billing_address, notes,
           parent_id, invoice_only, credit_limit, crm_id, accounting_id, gateway_customer_id,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         ON CONFLICT (tenant_id, number) DO NOTHING
         RETURNING ${COLUMNS}`,
        [
          newId('customer'),
          ctx.tenant.id,
          number,
          input.name,
          input.billing_email ?? null,
          JSON.stringify(input.billing_address ?? {}),
          input.notes ?? null,
          input.parent_id ?? null,
          input.invoice_only ?? false,
          input.credit_limit ?? null,
          input.links?.crm ?? null,
          input.links?.accounting ?? null,
          input.links?.gateway ?? null,
          now,
        ],
      );
    let row: CustomerRow | undefined;
    if (input.number !== undefined) {
      row = await insert(input.number);
      if (!row) throw new AppError('customer_number_taken', { number: input.number });
    } else {
      // The counter's row lock serialises automatic numbering per tenant; a number already
      // taken by hand is skipped (customer numbers may have gaps, unlike invoice numbers).
      for (let attempt = 0; !row && attempt < MAX_NUMBER_ATTEMPTS; attempt++) {
        const { n } = await tx.one<{ n: number }>(
          `INSERT INTO customer_number_counters (tenant_id, last_value) VALUES ($1, 1)
           ON CONFLICT (tenant_id)
             DO UPDATE SET last_value = customer_number_counters.last_value + 1
           RETURNING last_value AS n`,
          [ctx.tenant.id],
        );
        row = await insert(formatCustomerNumber(n));
      }
      if (!row) throw new AppError('customer_number_taken', { number: 'automatic' });
    }
    const after = view(ctx, row);
    await recordChange(tx, ctx, {
      action: 'customer.created',
      objectType: 'customer',
      objectId: row.id,
      after,
    });
    return after;
  });
}

/** Turns simple autopay on or off for a customer (the autopay module decides when). */
export async function setCustomerAutopay(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  enabled: boolean,
): Promise<void> {
  await tx.query(
    'UPDATE customers SET autopay = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, customerId, enabled, tenantNow(ctx)],
  );
}

/** Locks or unlocks simple autopay against contact changes (the autopay module decides when). */
export async function setCustomerAutopayLock(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  locked: boolean,
): Promise<void> {
  await tx.query(
    'UPDATE customers SET autopay_locked = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, customerId, locked, tenantNow(ctx)],
  );
}

/**
 * The gateway link (A6) follows the customer's object at the gateway, made when its first payment
 * method is saved (the methods module calls this). A link staff set by hand is kept.
 */
export async function linkGatewayCustomer(
  db: Queryable,
  ctx: Ctx,
  customerId: string,
  gatewayCustomerId: string,
): Promise<void> {
  await db.query(
    `UPDATE customers SET gateway_customer_id = $3, updated_at = $4
      WHERE tenant_id = $1 AND id = $2 AND gateway_customer_id IS NULL`,
    [ctx.tenant.id, customerId, gatewayCustomerId, tenantNow(ctx)],
  );
}

export async function getCustomer(ctx: Ctx, id: string): Promise<CustomerView> {
  requirePermission(ctx, 'customers:read');
  return view(ctx, await findRow(ctx.db, ctx, id));
}

export interface CustomerFilter {
  q?: string | undefined;
  parent?: string | undefined;
  status?: CustomerStatus | undefined;
  /** Newest first unless given. */
  sort?: CustomerSort | undefined;
  /** Only customers with (true) or without (false) a posted invoice still open. */
  hasOpenInvoices?: boolean | undefined;
  /** An id: for newest, only customers created before it; for oldest, after it (the cursor). */
  before?: string | undefined;
  /** For the name and number orders: the row after which the page starts. */
  after?: SortCursor | undefined;
  limit: number;
}

/** Each order: its key expression, direction, and how the id breaks ties. */
const ORDERS: Record<CustomerSort, { key: string | null; dir: 'ASC' | 'DESC' }> = {
  newest: { key: null, dir: 'DESC' },
  oldest: { key: null, dir: 'ASC' },
  name_asc: { key: 'lower(c.name)', dir: 'ASC' },
  name_desc: { key: 'lower(c.name)', dir: 'DESC' },
  number_asc: { key: 'c.number', dir: 'ASC' },
  number_desc: { key: 'c.number', dir: 'DESC' },
};

/**
 * The list and search statement, newest first unless sorted. `q` matches a substring of the
 * name, number or billing email, case-insensitively, through the trigram indexes. "Open
 * invoices" are posted invoices with something left to pay after payments and credits, as the
 * books compute it (a cross-module read of invoices, see docs/architecture.md). Name and number
 * orders page by keyset on (key, id) over the indexes of 0021. Exported for the benchmark.
 */
export function customerListQuery(tenantId: string, f: CustomerFilter) {
  const pattern = f.q === undefined ? null : containsPattern(f.q);
  const order = ORDERS[f.sort ?? 'newest'];
  const cmp = order.dir === 'ASC' ? '>' : '<';
  const params: unknown[] = [tenantId, pattern, f.parent ?? null, f.status ?? null, f.limit];
  const where: string[] = [];
  if (order.key === null) {
    params.push(f.before ?? null);
    where.push(`($6::text IS NULL OR c.id ${cmp} $6)`);
  } else if (f.after) {
    params.push(f.after.key, f.after.id);
    where.push(`(${order.key}, c.id) ${cmp} ($6, $7)`);
  }
  if (f.hasOpenInvoices !== undefined) {
    where.push(
      `${f.hasOpenInvoices ? '' : 'NOT '}EXISTS (
         SELECT 1 FROM invoices i
          WHERE i.tenant_id = c.tenant_id AND i.customer_id = c.id
            AND i.total > 0 AND ${owedSql('i')})`,
    );
  }
  const orderBy = order.key ? `${order.key} ${order.dir}, c.id ${order.dir}` : `c.id ${order.dir}`;
  return {
    text: `SELECT ${COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1c.$2')}, ${order.key ?? 'c.id'} AS sort_key
             FROM customers c
            WHERE c.tenant_id = $1
              AND ($2::text IS NULL OR lower(c.name) LIKE lower($2)
                   OR lower(c.number) LIKE lower($2) OR lower(c.billing_email) LIKE lower($2))
              AND ($3::text IS NULL OR c.parent_id = $3)
              AND ($4::text IS NULL OR c.status = $4)
              ${where.map((w) => `AND ${w}`).join('\n              ')}
            ORDER BY ${orderBy} LIMIT $5`,
    params,
  };
}

/** Fetches `limit` rows; callers ask for one more than a page to learn whether another follows. */
export async function listCustomers(ctx: Ctx, filter: CustomerFilter): Promise<CustomerView[]> {
  requirePermission(ctx, 'customers:read');
  const { text, params } = customerListQuery(ctx.tenant.id, filter);
  const rows = await ctx.db.query<CustomerRow>(text, params);
  return rows.map((row) => view(ctx, row));
}

export interface CustomerPageQuery {
  q?: string | undefined;
  parent?: string | undefined;
  status?: CustomerStatus | undefined;
  sort: CustomerSort;
  hasOpenInvoices?: boolean | undefined;
  cursor?: string | undefined;
  limit: number;
}

/**
 * One page of the customers list in the order asked for, and the cursor of the next page: the
 * last id for newest and oldest, the last (sort key, id) for the name and number orders.
 */
export async function customerPage(
  ctx: Ctx,
  query: CustomerPageQuery,
): Promise<{ data: CustomerView[]; next_cursor: string | null }> {
  requirePermission(ctx, 'customers:read');
  const keyed = query.sort !== 'newest' && query.sort !== 'oldest';
  let after: SortCursor | undefined;
  if (keyed && query.cursor !== undefined) {
    after = decodeSortCursor(query.cursor) ?? undefined;
    if (!after) throw new AppError('invalid_cursor');
  }
  const { text, params } = customerListQuery(ctx.tenant.id, {
    q: query.q,
    parent: query.parent,
    status: query.status,
    sort: query.sort,
    hasOpenInvoices: query.hasOpenInvoices,
    before: keyed ? undefined : cursorId(query.cursor),
    after,
    limit: query.limit + 1,
  });
  const rows = await ctx.db.query<CustomerRow & { sort_key: string }>(text, params);
  const data = rows.slice(0, query.limit);
  const last = data[data.length - 1];
  const more = rows.length > query.limit && last !== undefined;
  return {
    data: data.map((row) => view(ctx, row)),
    next_cursor: !more
      ? null
      : keyed
        ? encodeSortCursor({ key: last.sort_key, id: last.id })
        : last.id,
  };
}

export async function listChildren(
  ctx: Ctx,
  id: string,
  filter: Omit<CustomerFilter, 'q' | 'parent'>,
): Promise<CustomerView[]> {
  requirePermission(ctx, 'customers:read');
  await findRow(ctx.db, ctx, id);
  return listCustomers(ctx, { ...filter, parent: id });
}

export async function customerHierarchy(ctx: Ctx, id: string): Promise<HierarchyView> {
  requirePermission(ctx, 'customers:read');
  return subtree(ctx.db, ctx, id);
}

export async function updateCustomer(
  ctx: Ctx,
  id: string,
  patch: CustomerPatch,
): Promise<CustomerView> {
  requirePermission(ctx, 'customers:write');
  return ctx.db.tx(async (tx) => {
    // The hierarchy lock comes before the row lock, in the same order archiveCustomer takes them.
    const touchesHierarchy = patch.parent_id !== undefined || patch.status !== undefined;
    if (touchesHierarchy) await lockHierarchy(tx, ctx);
    const row = await findRow(tx, ctx, id, 'FOR NO KEY UPDATE');
    const status = patch.status ?? row.status;
    if (row.status === 'archived' && status === 'archived') {
      throw new AppError('customer_archived', { id });
    }
    const parentId = patch.parent_id === undefined ? row.parent_id : patch.parent_id;
    if (parentId !== null && (parentId !== row.parent_id || row.status === 'archived')) {
      await checkParent(tx, ctx, parentId, id);
    }
    if (status === 'archived' && row.status === 'active') {
      const children = await activeChildCount(tx, ctx, id);
      if (children > 0) throw new AppError('customer_has_children', { id, children });
    }
    const now = tenantNow(ctx);
    const links = patch.links ?? {};
    const pick = <T>(value: T | undefined, current: T) => (value === undefined ? current : value);
    let updated: CustomerRow;
    try {
      updated = await tx.one<CustomerRow>(
        `UPDATE customers SET number = $3, name = $4, billing_email = $5, billing_address = $6,
           notes = $7, parent_id = $8, invoice_only = $9, credit_limit = $10, crm_id = $11,
           accounting_id = $12, gateway_customer_id = $13, status = $14, archived_at = $15,
           updated_at = $16
         WHERE tenant_id = $1 AND id = $2 RETURNING ${COLUMNS}`,
        [
          ctx.tenant.id,
          id,
          patch.number ?? row.number,
          patch.name ?? row.name,
          pick(patch.billing_email, row.billing_email),
          JSON.stringify(patch.billing_address ?? row.billing_address),
          pick(patch.notes, row.notes),
          parentId,
          patch.invoice_only ?? row.invoice_only,
          pick(patch.credit_limit, row.credit_limit),
          pick(links.crm, row.crm_id),
          pick(links.accounting, row.accounting_id),
          pick(links.gateway, row.gateway_customer_id),
          status,
          status === 'archived' ? (row.archived_at ?? now) : null,
          now,
        ],
      );
    } catch (err) {
      if (pgConstraint(err) === NUMBER_CONSTRAINT) {
        throw new AppError('customer_number_taken', { number: patch.number });
      }
      throw err;
    }
    const before = view(ctx, row);
    const after = view(ctx, updated);
    const action =
      status === row.status
        ? 'customer.updated'
        : status === 'archived'
          ? 'customer.archived'
          : 'customer.restored';
    await recordChange(tx, ctx, { action, objectType: 'customer', objectId: id, before, after });
    return after;
  });
}

/** DELETE archives: the customer stays for its history, and is refused while it has children. */
export async function archiveCustomer(ctx: Ctx, id: string): Promise<CustomerView> {
  requirePermission(ctx, 'customers:write');
  const current = await findRow(ctx.db, ctx, id);
  if (current.status === 'archived') return view(ctx, current);
  return updateCustomer(ctx, id, { status: 'archived' });
}
