/**
 * Where a credit lands: locking the invoices (the books' lock order, after the memo), checking
 * each is a posted invoice of the memo's customer, choosing the open invoices oldest first (the
 * books' one order, as payments), and writing the applications.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Tx } from '../../db/db.js';
import {
  availableOn,
  fillOldestFirst,
  invoiceBalances,
  lockInvoices as lockInOrder,
  openInvoicesOf,
} from '../books/service.js';
import { type Ctx, tenantNow } from '../context.js';
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
  const rows = await lockInOrder(tx, ctx.tenant.id, sorted);
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
  const open = await openInvoicesOf(tx, ctx.tenant.id, customerId);
  if (open.length === 0) return [];
  const ids = open.map((b) => b.id);
  await lockInvoices(tx, ctx, customerId, ids);
  // Read again under the locks: a payment may have taken some meanwhile.
  const balances = await invoiceBalances(tx, ctx.tenant.id, ids);
  return fillOldestFirst(balances, amount).allocations;
}
