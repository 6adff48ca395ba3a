/**
 * Payment methods (D1–D8, A3): save, list (own and inherited), read, change the Billow-side
 * preferences, choose the default, replace (edit = re-entry) and delete. Verification by
 * micro-deposits is in verify.ts; the attach flow shared by save and replace in attach.ts.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { pgConstraint, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { lockActiveCustomer, requireCustomer } from '../customers/service.js';
import { attachAndRecord, checkSaveInput, gatewayColumns, type RequestMeta } from './attach.js';
import { assertNotDuplicate, currentDefault, moveDefault } from './defaults.js';
import type { MethodCreate, MethodList, MethodPatch, MethodView } from './model.js';
import { billingReady } from './readiness.js';
import {
  effectiveMethodId,
  findLiveMethod,
  findMethodRow,
  listForCustomer,
  lockCustomerMethods,
  type MethodRow,
  methodView,
} from './store.js';

export type { RequestMeta } from './attach.js';
export { gatewayNamed } from './gateway.js';
export { assertBillingReady } from './readiness.js';
export { openSecret, sealSecret } from './secrets.js';
export { portalMethodSettings } from './settings.js';
export {
  effectiveMethodId,
  effectiveMethodIds,
  findMethodRow,
  type MethodRow,
  usableMethodFor,
  usableMethodsFor,
} from './store.js';
export { verifyPaymentMethod } from './verify.js';

const FINGERPRINT_INDEX = 'payment_methods_fingerprint';

export async function addPaymentMethod(
  ctx: Ctx,
  customerId: string,
  input: MethodCreate,
  meta: RequestMeta = {},
): Promise<MethodView> {
  checkSaveInput(ctx, input);
  await requireCustomer(ctx.db, ctx, customerId);
  return attachAndRecord(ctx, customerId, input.gateway_token, meta, (attached) =>
    ctx.db.tx(async (tx) => {
      await lockActiveCustomer(tx, ctx, customerId);
      await lockCustomerMethods(tx, ctx, customerId);
      await assertNotDuplicate(tx, ctx, customerId, attached);
      const cols = gatewayColumns(attached);
      const before = await currentDefault(tx, ctx, customerId);
      // The newest usable method becomes the default unless the caller says otherwise; the
      // first usable one always does (one default whenever something can pay, D4).
      const wantsDefault = input.make_default !== false;
      const becomesDefault = cols.verified_at !== null && (wantsDefault || before === null);
      const id = newId('paymentMethod');
      const now = tenantNow(ctx);
      if (becomesDefault && before) {
        // Cleared first for the one-default index; moveDefault below records the change.
        await tx.query(
          'UPDATE payment_methods SET is_default = false WHERE tenant_id = $1 AND id = $2',
          [ctx.tenant.id, before],
        );
      }
      try {
        await tx.query(
          `INSERT INTO payment_methods (id, tenant_id, customer_id, kind, gateway,
             gateway_customer_id, gateway_method_id, gateway_verification_id, fingerprint, last4,
             brand, exp_month, exp_year, account_type, holder_type, routing_last4, bank_name,
             name, billing_address, friendly_name, shared_with_children, is_default,
             wants_default, verified_at, micro_deposits_sent_at, authorized_at,
             authorized_by_type, authorized_by_id, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19, $20, $21, false, $22, $23, $24, $25, $26, $27, $28, $28)`,
          [
            id,
            ctx.tenant.id,
            customerId,
            cols.kind,
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
            input.friendly_name ?? null,
            input.shared_with_children ?? false,
            wantsDefault,
            cols.verified_at,
            cols.micro_deposits_sent_at,
            cols.authorized_at,
            ctx.actor.type,
            ctx.actor.id,
            now,
          ],
        );
      } catch (err) {
        if (pgConstraint(err) === FINGERPRINT_INDEX) {
          throw new AppError('payment_method_duplicate', { reason: 'concurrent save' });
        }
        throw err;
      }
      if (becomesDefault) await moveDefault(tx, ctx, customerId, before, id);
      const after = methodView(await findMethodRow(tx, ctx, id), tenantToday(ctx));
      await recordChange(tx, ctx, {
        action: 'payment_method.created',
        objectType: 'payment_method',
        objectId: id,
        after,
      });
      return after;
    }),
  );
}

export async function listPaymentMethods(ctx: Ctx, customerId: string): Promise<MethodList> {
  requirePermission(ctx, 'billing:read');
  await requireCustomer(ctx.db, ctx, customerId);
  const today = tenantToday(ctx);
  const rows = await listForCustomer(ctx.db, ctx, customerId);
  return {
    data: rows.map(({ row, inherited }) => methodView(row, today, inherited)),
    next_cursor: null,
    default_method_id: (await effectiveMethodId(ctx.db, ctx, customerId)) ?? null,
    billing_ready: await billingReady(ctx.db, ctx, customerId),
  };
}

export async function getPaymentMethod(ctx: Ctx, id: string): Promise<MethodView> {
  requirePermission(ctx, 'billing:read');
  return methodView(await findMethodRow(ctx.db, ctx, id), tenantToday(ctx));
}

/** Runs `change` on a live method under the customer's lock, and audits it. */
export async function changeMethod(
  ctx: Ctx,
  id: string,
  action: string,
  change: (tx: Tx, row: MethodRow) => Promise<void>,
): Promise<MethodView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const peek = await findLiveMethod(tx, ctx, id);
    await lockCustomerMethods(tx, ctx, peek.customer_id);
    const row = await findLiveMethod(tx, ctx, id, 'FOR NO KEY UPDATE');
    await change(tx, row);
    const today = tenantToday(ctx);
    const before = methodView(row, today);
    const after = methodView(await findMethodRow(tx, ctx, id), today);
    await recordChange(tx, ctx, {
      action,
      objectType: 'payment_method',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

export function updatePaymentMethod(ctx: Ctx, id: string, patch: MethodPatch) {
  return changeMethod(ctx, id, 'payment_method.updated', async (tx, row) => {
    await tx.query(
      `UPDATE payment_methods SET friendly_name = $3, shared_with_children = $4, updated_at = $5
        WHERE tenant_id = $1 AND id = $2`,
      [
        ctx.tenant.id,
        id,
        patch.friendly_name === undefined ? row.friendly_name : patch.friendly_name,
        patch.shared_with_children ?? row.shared_with_children,
        tenantNow(ctx),
      ],
    );
  });
}

export function makeDefault(ctx: Ctx, id: string) {
  return changeMethod(ctx, id, 'payment_method.made_default', async (tx, row) => {
    const view = methodView(row, tenantToday(ctx));
    if (view.status === 'expired') throw new AppError('card_expired', { id });
    if (view.status !== 'usable') throw new AppError('payment_method_unverified', { id });
    const from = await currentDefault(tx, ctx, row.customer_id);
    await moveDefault(tx, ctx, row.customer_id, from, id);
  });
}

export { deletePaymentMethod, replacePaymentMethod } from './lifecycle.js';
