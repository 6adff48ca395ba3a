/**
 * The billing readiness gate (A7): a subscription may start only for a customer who can pay —
 * a usable payment method of its own or shared by an ancestor — or who is on invoice-only terms.
 *
 * This is the one place the rule lives. "Usable": not deleted, verified (cards on saving, bank
 * accounts by micro-deposits), and for a card not expired on the tenant's current date.
 */
import { AppError } from '../../core/errors.js';
import type { Queryable } from '../../db/db.js';
import type { Ctx } from '../context.js';
import { effectiveMethodId } from './store.js';

/** Whether the customer's billing is set up; throws customer_not_found for an unknown id. */
export async function billingReady(q: Queryable, ctx: Ctx, customerId: string): Promise<boolean> {
  const customer = await q.maybeOne<{ invoice_only: boolean }>(
    'SELECT invoice_only FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, customerId],
  );
  if (!customer) throw new AppError('customer_not_found', { id: customerId });
  if (customer.invoice_only) return true;
  return (await effectiveMethodId(q, ctx, customerId)) !== undefined;
}

/**
 * Throws billing_not_set_up unless the customer can be billed. Pass the caller's transaction as
 * `q` (on the embedded database, a second connection inside a transaction would wait forever).
 */
export async function assertBillingReady(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
): Promise<void> {
  if (await billingReady(q, ctx, customerId)) return;
  throw new AppError('billing_not_set_up', {
    customer_id: customerId,
    what_to_do: [
      `add a card or bank account: POST /api/v1/customers/${customerId}/payment-methods`,
      'verify a bank account with its two micro-deposits: POST /api/v1/payment-methods/{id}/verify',
      'or have a parent account share one of its methods (shared_with_children)',
      `or put the customer on invoice-only terms: PATCH /api/v1/customers/${customerId} {"invoice_only": true}`,
    ],
  });
}
