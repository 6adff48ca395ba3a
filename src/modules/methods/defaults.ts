/**
 * One default per customer (D4) and one copy of each card or account per customer: the rules
 * shared by saving, replacing, verifying and deleting. Call under lockCustomerMethods.
 */
import { AppError } from '../../core/errors.js';
import type { Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, tenantNow } from '../context.js';
import type { Attached } from './attach.js';

/** Refuses a second copy of the same card or account for the customer, naming the first. */
export async function assertNotDuplicate(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  a: Attached,
  except?: string,
): Promise<void> {
  const existing = await tx.maybeOne<{ id: string }>(
    `SELECT id FROM payment_methods
      WHERE tenant_id = $1 AND customer_id = $2 AND gateway = $3 AND fingerprint = $4
        AND deleted_at IS NULL AND id <> coalesce($5, '')`,
    [ctx.tenant.id, customerId, a.gateway.name, a.method.fingerprint, except ?? null],
  );
  if (existing) throw new AppError('payment_method_duplicate', { existing_id: existing.id });
}

export async function currentDefault(tx: Tx, ctx: Ctx, customerId: string) {
  const row = await tx.maybeOne<{ id: string }>(
    `SELECT id FROM payment_methods WHERE tenant_id = $1 AND customer_id = $2 AND is_default`,
    [ctx.tenant.id, customerId],
  );
  return row?.id ?? null;
}

/** Moves the customer's default to `to` (or nowhere), with an audit entry on the customer. */
export async function moveDefault(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  from: string | null,
  to: string | null,
): Promise<void> {
  if (from === to) return;
  const now = tenantNow(ctx);
  if (from) {
    await tx.query(
      'UPDATE payment_methods SET is_default = false, updated_at = $3 WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, from, now],
    );
  }
  if (to) {
    await tx.query(
      `UPDATE payment_methods SET is_default = true, wants_default = true, updated_at = $3
        WHERE tenant_id = $1 AND id = $2`,
      [ctx.tenant.id, to, now],
    );
  }
  await recordChange(tx, ctx, {
    action: 'customer.default_payment_method_changed',
    objectType: 'customer',
    objectId: customerId,
    before: { default_payment_method_id: from },
    after: { default_payment_method_id: to },
  });
}
