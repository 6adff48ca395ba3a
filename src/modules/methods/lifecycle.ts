/**
 * Replacing (edit = full re-entry, D5) and deleting (D4) a payment method. Both leave a method
 * at the gateway that Billow no longer uses; it is detached after the commit, best effort
 * (a failure leaves gateway_detached_at empty, for a later sweep to retry).
 */
import { AppError } from '../../core/errors.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { lockActiveCustomer } from '../customers/service.js';
import {
  attachAndRecord,
  checkSaveInput,
  forget,
  gatewayColumns,
  type RequestMeta,
} from './attach.js';
import { assertNotDuplicate, moveDefault } from './defaults.js';
import { gatewayNamed } from './gateway.js';
import type { MethodReplace, MethodView } from './model.js';
import {
  findLiveMethod,
  findMethodRow,
  lockCustomerMethods,
  type MethodRow,
  methodView,
  newestUsableId,
} from './store.js';
import { methodUsages } from './usage.js';

async function detachLater(ctx: Ctx, row: MethodRow, markDetached: boolean): Promise<void> {
  const gateway = await gatewayNamed(ctx, row.gateway).catch(() => undefined);
  if (!gateway || !(await forget(gateway, row.gateway_method_id)) || !markDetached) return;
  await ctx.db.query(
    'UPDATE payment_methods SET gateway_detached_at = $3 WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, row.id, tenantNow(ctx)],
  );
}

/**
 * Replaces the card or bank data of a method with a new token of the same kind. The method keeps
 * its id, so autopay rules and scheduled payments keep pointing at it. A new bank account must
 * be verified again: until then it is not the default.
 */
export async function replacePaymentMethod(
  ctx: Ctx,
  id: string,
  input: MethodReplace,
  meta: RequestMeta = {},
): Promise<MethodView> {
  checkSaveInput(ctx, input);
  const current = await findLiveMethod(ctx.db, ctx, id);
  const { view, old } = await attachAndRecord(
    ctx,
    current.customer_id,
    input.gateway_token,
    meta,
    (attached) =>
      ctx.db.tx(async (tx) => {
        await lockActiveCustomer(tx, ctx, current.customer_id);
        await lockCustomerMethods(tx, ctx, current.customer_id);
        const row = await findLiveMethod(tx, ctx, id, 'FOR NO KEY UPDATE');
        if (attached.method.kind !== row.kind) {
          throw new AppError('payment_method_kind_mismatch', {
            method_kind: row.kind,
            token_kind: attached.method.kind,
          });
        }
        await assertNotDuplicate(tx, ctx, row.customer_id, attached, id);
        const cols = gatewayColumns(attached);
        const usable = cols.verified_at !== null;
        const now = tenantNow(ctx);
        await tx.query(
          `UPDATE payment_methods SET gateway = $3, gateway_customer_id = $4,
             gateway_method_id = $5, gateway_verification_id = $6, fingerprint = $7, last4 = $8,
             brand = $9, exp_month = $10, exp_year = $11, account_type = $12, holder_type = $13,
             routing_last4 = $14, bank_name = $15, name = $16, billing_address = $17,
             friendly_name = $18, shared_with_children = $19, verified_at = $20,
             micro_deposits_sent_at = $21, verification_attempts = 0,
             verification_locked_at = NULL, authorized_at = $22, authorized_by_type = $23,
             authorized_by_id = $24, wants_default = wants_default OR is_default,
             is_default = is_default AND $26, replaced_at = $25, gateway_detached_at = NULL,
             updated_at = $25
           WHERE tenant_id = $1 AND id = $2`,
          [
            ctx.tenant.id,
            id,
            cols.gateway,
            cols.gateway_customer_id,
            cols.gateway_method_id,
            cols.gateway_verification_id,
            cols.fingerprint,
            cols.last4,
            cols.brand,
            cols.exp_month,
            cols.exp_year,
            cols.account_type,
            cols.holder_type,
            cols.routing_last4,
            cols.bank_name,
            cols.name,
            cols.billing_address,
            input.friendly_name === undefined ? row.friendly_name : input.friendly_name,
            input.shared_with_children ?? row.shared_with_children,
            cols.verified_at,
            cols.micro_deposits_sent_at,
            cols.authorized_at,
            ctx.actor.type,
            ctx.actor.id,
            now,
            usable,
          ],
        );
        if (row.is_default && !usable) {
          const next = await newestUsableId(tx, ctx, row.customer_id);
          await moveDefault(tx, ctx, row.customer_id, id, next);
        }
        const today = tenantToday(ctx);
        const after = methodView(await findMethodRow(tx, ctx, id), today);
        await recordChange(tx, ctx, {
          action: 'payment_method.replaced',
          objectType: 'payment_method',
          objectId: id,
          before: methodView(row, today),
          after,
        });
        return { view: after, old: row };
      }),
  );
  await detachLater(ctx, old, false);
  return view;
}

/**
 * Deletes a method, refused while an autopay rule or a scheduled payment uses it (the error
 * names them). If it was the default, the newest usable method left becomes the default. The
 * row stays (deleted_at) for the history of payments made with it.
 */
export async function deletePaymentMethod(ctx: Ctx, id: string): Promise<MethodView> {
  requirePermission(ctx, 'billing:write');
  const { view, row } = await ctx.db.tx(async (tx) => {
    const peek = await findLiveMethod(tx, ctx, id);
    await lockCustomerMethods(tx, ctx, peek.customer_id);
    const row = await findLiveMethod(tx, ctx, id, 'FOR NO KEY UPDATE');
    const usedBy = await methodUsages(tx, ctx.tenant.id, id);
    if (Object.keys(usedBy).length > 0) {
      throw new AppError('payment_method_in_use', { id, used_by: usedBy });
    }
    await tx.query(
      `UPDATE payment_methods SET deleted_at = $3, is_default = false, updated_at = $3
        WHERE tenant_id = $1 AND id = $2`,
      [ctx.tenant.id, id, tenantNow(ctx)],
    );
    if (row.is_default) {
      const next = await newestUsableId(tx, ctx, row.customer_id);
      await moveDefault(tx, ctx, row.customer_id, id, next);
    }
    const today = tenantToday(ctx);
    const after = methodView(await findMethodRow(tx, ctx, id), today);
    await recordChange(tx, ctx, {
      action: 'payment_method.deleted',
      objectType: 'payment_method',
      objectId: id,
      before: methodView(row, today),
      after,
    });
    return { view: after, row };
  });
  await detachLater(ctx, row, true);
  return view;
}
