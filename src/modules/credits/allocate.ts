/**
 * Where a credit lands: locking the invoices (in id order, after the memo), checking each is a
 * posted invoice of the memo's customer, choosing the oldest open invoices first, and writing
 * the applications.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import { type Ctx, tenantNow } from '../context.js';
import { availableOn } from './ledger.js';
import type { CreditAllocation } from './model.js';

/**
 * Locks the invoices in id order and checks each is a posted invoice of the customer; returns
 * what may still be applied to each.
 */
export async function lockInvoices(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  ids: string[],
): Promise<Map<string, number>> {
  const sorted = [...new Set(ids)].sort();
  const rows = await tx.query<{ id: string; customer_id: string; status: string }>(
    `SELECT id, customer_id, status FROM invoices
      WHERE tenant_id = $1 AND id = ANY($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
    [ctx.tenant.id, sorted],
  );
  for (const id of sorted) {
    const row = rows.find((r) => r.id === id);
    if (!row) throw new AppError('invoice_not_found', { id });
    if (row.customer_id !== customerId) {
      throw new AppError('credit_invoice_other_customer', { invoice_id: id });
    }
    if (row.status !== 'posted') {
      throw new AppError('invoice_not_posted', { id, status: row.status });
    }
  }
  return availableOn(tx, ctx.tenant.id, sorted);
}

export async function insertApplications(
  tx: Tx,
  ctx: Ctx,
  memoId: string,
  allocations: CreditAllocation[],
): Promise<void> {
  const parts = allocations.filter((a) => a.amount > 0);
  if (parts.length === 0) return;
  await tx.query(
    `INSERT INTO credit_applications (id, tenant_id, credit_memo_id, invoice_id, amount, created_at)
     SELECT unnest($1::text[]), $2, $3, unnest($4::text[]), unnest($5::bigint[]), $6`,
    [
      parts.map(() => newId('creditApplication')),
      ctx.tenant.id,
      memoId,
      parts.map((a) => a.invoice_id),
      parts.map((a) => a.amount),
      tenantNow(ctx),
    ],
  );
}

/** The customer's posted invoices with something available, oldest first, up to `amount`. */
export async function oldestFirst(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  amount: number,
): Promise<CreditAllocation[]> {
  const candidates = await tx.query<{ id: string }>(
    `SELECT id FROM invoices WHERE tenant_id = $1 AND customer_id = $2 AND status = 'posted'
      ORDER BY id`,
    [ctx.tenant.id, customerId],
  );
  const before = await availableOn(
    tx,
    ctx.tenant.id,
    candidates.map((c) => c.id),
  );
  const open = [...before].filter(([, a]) => a > 0).map(([id]) => id);
  if (open.length === 0) return [];
  const available = await lockInvoices(tx, ctx, customerId, open);
  const order = await tx.query<{ id: string }>(
    `SELECT id FROM invoices WHERE id = ANY($1::text[])
      ORDER BY invoice_date, due_date NULLS LAST, number, id`,
    [open],
  );
  const out: CreditAllocation[] = [];
  let left = amount;
  for (const { id } of order) {
    if (left <= 0) break;
    const take = Math.min(left, Math.max(0, available.get(id) ?? 0));
    if (take > 0) out.push({ invoice_id: id, amount: take });
    left -= take;
  }
  return out;
}
