/**
 * The parent/child hierarchy of customers (A3). Every change to who is whose parent, and every
 * archive or restore (which depend on parents and children), takes one advisory lock per tenant
 * first, so two concurrent re-parentings cannot together build a cycle that neither sees alone.
 */
import { AppError } from '../../core/errors.js';
import type { Queryable, Tx } from '../../db/db.js';
import type { Ctx } from '../context.js';
import type { CustomerStatus, HierarchyView } from './model.js';

/** Deeper than any real account structure; bounds the recursive walks. */
const MAX_DEPTH = 100;
/** The most subtree nodes one hierarchy response lists. */
const MAX_NODES = 1000;

/** Serialises hierarchy changes of one tenant until the transaction ends. */
export async function lockHierarchy(tx: Tx, ctx: Ctx): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('hier:' || $1::text))`, [ctx.tenant.id]);
}

/**
 * Checks that `parentId` can be the parent of `childId` (undefined for a customer not yet
 * created): it exists in this tenant, is active, and is neither the child nor one of its
 * descendants. Call under lockHierarchy.
 */
export async function checkParent(
  tx: Tx,
  ctx: Ctx,
  parentId: string,
  childId: string | undefined,
): Promise<void> {
  const parent = await tx.maybeOne<{ status: CustomerStatus }>(
    'SELECT status FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, parentId],
  );
  if (!parent) throw new AppError('customer_not_found', { field: 'parent_id', id: parentId });
  if (parent.status !== 'active') {
    throw new AppError('customer_archived', { field: 'parent_id', id: parentId });
  }
  if (childId === undefined) return;
  // Walk up from the proposed parent: meeting the child means the child would be its own
  // ancestor.
  const { cycle } = await tx.one<{ cycle: boolean }>(
    `WITH RECURSIVE up (id, parent_id, depth) AS (
       SELECT id, parent_id, 0 FROM customers WHERE tenant_id = $1 AND id = $2
       UNION ALL
       SELECT c.id, c.parent_id, up.depth + 1
         FROM customers c JOIN up ON c.tenant_id = $1 AND c.id = up.parent_id
        WHERE up.depth < $4
     )
     SELECT EXISTS (SELECT 1 FROM up WHERE id = $3) AS cycle`,
    [ctx.tenant.id, parentId, childId, MAX_DEPTH],
  );
  if (cycle) throw new AppError('customer_hierarchy_cycle', { parent_id: parentId, id: childId });
}

export async function activeChildCount(tx: Tx, ctx: Ctx, id: string): Promise<number> {
  const row = await tx.one<{ n: number }>(
    `SELECT count(*) AS n FROM customers
      WHERE tenant_id = $1 AND parent_id = $2 AND status = 'active'`,
    [ctx.tenant.id, id],
  );
  return row.n;
}

interface NodeRow {
  id: string;
  parent_id: string | null;
  number: string;
  name: string;
  status: CustomerStatus;
  depth: number;
  total: number;
}

/**
 * The customer's subtree, depth first. Balances rolled up from the children (A3) are added by
 * the billing work (invoices and payments), which owns those figures; none are invented here.
 */
export async function subtree(db: Queryable, ctx: Ctx, id: string): Promise<HierarchyView> {
  const nodes = await db.query<NodeRow>(
    `WITH RECURSIVE down (id, parent_id, number, name, status, depth, path) AS (
       SELECT id, parent_id, number, name, status, 0, ARRAY[id]
         FROM customers WHERE tenant_id = $1 AND id = $2
       UNION ALL
       SELECT c.id, c.parent_id, c.number, c.name, c.status, down.depth + 1, down.path || c.id
         FROM customers c JOIN down ON c.tenant_id = $1 AND c.parent_id = down.id
        WHERE down.depth < $3
     )
     SELECT id, parent_id, number, name, status, depth, count(*) OVER () AS total
       FROM down ORDER BY path LIMIT $4`,
    [ctx.tenant.id, id, MAX_DEPTH, MAX_NODES],
  );
  if (nodes.length === 0) throw new AppError('customer_not_found', { id });
  const ancestors = await db.query<Omit<NodeRow, 'total'>>(
    `WITH RECURSIVE up (id, parent_id, number, name, status, depth) AS (
       SELECT p.id, p.parent_id, p.number, p.name, p.status, 1
         FROM customers c JOIN customers p ON p.tenant_id = c.tenant_id AND p.id = c.parent_id
        WHERE c.tenant_id = $1 AND c.id = $2
       UNION ALL
       SELECT p.id, p.parent_id, p.number, p.name, p.status, up.depth + 1
         FROM customers p JOIN up ON p.tenant_id = $1 AND p.id = up.parent_id
        WHERE up.depth < $3
     )
     SELECT id, parent_id, number, name, status FROM up ORDER BY depth DESC`,
    [ctx.tenant.id, id, MAX_DEPTH],
  );
  const total = nodes[0]?.total ?? 1;
  return {
    customer_id: id,
    ancestors: ancestors.map(({ id, parent_id, number, name, status }) => ({
      id,
      parent_id,
      number,
      name,
      status,
    })),
    nodes: nodes.map(({ total: _total, ...node }) => node),
    descendant_count: total - 1,
    truncated: total > nodes.length,
  };
}
