/**
 * The billing readiness gate (A7): a subscription may start only for a customer who can pay —
 * a usable payment method of its own or shared by its parent — or who is on invoice-only terms.
 *
 * This is the one place the rule lives. Until payment methods exist (their issue fills this in),
 * every customer counts as ready.
 */
import type { Queryable } from '../../db/db.js';
import type { Ctx } from '../context.js';

export async function assertBillingReady(
  _q: Queryable,
  _ctx: Ctx,
  _customerId: string,
): Promise<void> {
  // Payment methods are not built yet: nothing to check.
}
