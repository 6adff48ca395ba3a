/**
 * Micro-deposit verification of a bank account (D3). Three attempts, then the account is locked
 * (delete it and add it again for new deposits). Until verified it cannot be the default or pay.
 *
 * The attempt is counted in a first transaction (so concurrent tries cannot exceed the limit),
 * the gateway is asked outside any transaction, and the outcome is recorded in a second one. If
 * the gateway cannot be reached the attempt is given back.
 */
import { AppError } from '../../core/errors.js';
import type { Tx } from '../../db/db.js';
import { assertCurrencySupported } from '../../gateways/codes.js';
import type { VerifyResult } from '../../gateways/types.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { currentDefault, moveDefault } from './defaults.js';
import { callGateway, gatewayNamed } from './gateway.js';
import { MAX_VERIFICATION_ATTEMPTS, type MethodView, type VerifyBody } from './model.js';
import {
  findLiveMethod,
  findMethodRow,
  lockCustomerMethods,
  type MethodRow,
  methodView,
} from './store.js';

async function lockedRow(ctx: Ctx, tx: Tx, id: string): Promise<MethodRow> {
  const peek = await findLiveMethod(tx, ctx, id);
  await lockCustomerMethods(tx, ctx, peek.customer_id);
  return findLiveMethod(tx, ctx, id, 'FOR NO KEY UPDATE');
}

/** When the method was saved, for "the most recently saved becomes the default". */
const savedAt = (row: Pick<MethodRow, 'replaced_at' | 'created_at'>) =>
  (row.replaced_at ?? row.created_at).getTime();

export async function verifyPaymentMethod(
  ctx: Ctx,
  id: string,
  body: VerifyBody,
): Promise<MethodView> {
  requirePermission(ctx, 'billing:write');
  assertCurrencySupported(body.currency);
  const claimed = await ctx.db.tx(async (tx) => {
    const row = await lockedRow(ctx, tx, id);
    if (row.kind !== 'bank_account' || row.verified_at) {
      throw new AppError('verification_not_needed', { id, kind: row.kind });
    }
    if (row.verification_locked_at || row.verification_attempts >= MAX_VERIFICATION_ATTEMPTS) {
      throw new AppError('verification_locked', { id, attempts: row.verification_attempts });
    }
    await tx.query(
      `UPDATE payment_methods SET verification_attempts = verification_attempts + 1
        WHERE tenant_id = $1 AND id = $2`,
      [ctx.tenant.id, id],
    );
    return { ...row, verification_attempts: row.verification_attempts + 1 };
  });

  let result: VerifyResult;
  try {
    const gateway = await gatewayNamed(ctx, claimed.gateway);
    result = await callGateway(() =>
      gateway.verifyMicroDeposits({
        verificationId: claimed.gateway_verification_id ?? claimed.gateway_method_id,
        amounts: body.amounts,
      }),
    );
  } catch (err) {
    await ctx.db.query(
      `UPDATE payment_methods SET verification_attempts = verification_attempts - 1
        WHERE tenant_id = $1 AND id = $2 AND verification_attempts > 0 AND verified_at IS NULL`,
      [ctx.tenant.id, id],
    );
    throw err;
  }

  const outcome = await ctx.db.tx(async (tx) => {
    const row = await lockedRow(ctx, tx, id);
    const now = tenantNow(ctx);
    const today = tenantToday(ctx);
    if (result.verified) {
      await tx.query(
        `UPDATE payment_methods SET verified_at = $3, verification_locked_at = NULL, updated_at = $3
          WHERE tenant_id = $1 AND id = $2`,
        [ctx.tenant.id, id, now],
      );
      const from = await currentDefault(tx, ctx, row.customer_id);
      const fromRow = from ? await findMethodRow(tx, ctx, from) : undefined;
      // The most recently saved usable method is the default, unless the saver said otherwise.
      if (row.wants_default && (!fromRow || savedAt(fromRow) <= savedAt(row))) {
        await moveDefault(tx, ctx, row.customer_id, from, id);
      }
      const after = methodView(await findMethodRow(tx, ctx, id), today);
      await recordChange(tx, ctx, {
        action: 'payment_method.verified',
        objectType: 'payment_method',
        objectId: id,
        before: methodView(row, today),
        after,
      });
      return { view: after };
    }
    const attempts = row.verification_attempts;
    const locked = result.reason !== 'amounts_mismatch' || attempts >= MAX_VERIFICATION_ATTEMPTS;
    if (locked) {
      await tx.query(
        `UPDATE payment_methods SET verification_locked_at = $3, updated_at = $3
          WHERE tenant_id = $1 AND id = $2`,
        [ctx.tenant.id, id, now],
      );
    }
    const after = methodView(await findMethodRow(tx, ctx, id), today);
    await recordChange(tx, ctx, {
      action: locked ? 'payment_method.verification_locked' : 'payment_method.verification_failed',
      objectType: 'payment_method',
      objectId: id,
      before: methodView(row, today),
      after,
    });
    return {
      error: new AppError('verification_failed', {
        id,
        reason: result.reason === 'deposits_failed' ? 'micro_deposits_returned' : result.reason,
        attempts_left: locked ? 0 : Math.max(0, MAX_VERIFICATION_ATTEMPTS - attempts),
        locked,
        gateway_message: result.message,
      }),
    };
  });
  // The failed attempt is committed (counted, audited) before it is reported.
  if ('error' in outcome) throw outcome.error;
  return outcome.view;
}
