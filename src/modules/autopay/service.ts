/**
 * Autopay (G1–G4): the simple "autopay future invoices" flag, and per customer an ordered list
 * of rules (method + criteria rows) that staff replace, patch, lock and reorder. An invalid rule
 * is refused at save with what is wrong per rule and row. A locked rule is frozen: it can be
 * moved in the order, but changed or removed only after it is unlocked.
 */
import type { z } from 'zod';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { setCustomerAutopay, setCustomerAutopayLock } from '../customers/service.js';
import { effectiveMethodId, usableMethodFor } from '../methods/service.js';
import { type CriterionInput, criteriaProblems, type RuleInput, type RulePatch } from './model.js';
import { autopayChoices, liveRules, RULE_COLUMNS, type RuleRow } from './store.js';

export { autopayChoices, ON_AUTOPAY_SQL } from './store.js';

export interface RuleView {
  id: string;
  customer_id: string;
  position: number;
  name: string;
  payment_method_id: string;
  criteria: { field: string; operator: string; values: (string | number)[] }[];
  enabled: boolean;
  locked: boolean;
  created_at: string;
  updated_at: string;
}

export interface AutopayView {
  customer_id: string;
  /** The simple flag (G1): invoices no rule matches are paid with the default method. */
  enabled: boolean;
  /** Staff locked the simple flag: contacts cannot change it in the portal. */
  locked: boolean;
  /** The method the simple flag would use now (own default or inherited), if any. */
  default_payment_method_id: string | null;
  rules: RuleView[];
}

function ruleView(r: RuleRow): RuleView {
  return {
    id: r.id,
    customer_id: r.customer_id,
    position: r.position,
    name: r.name,
    payment_method_id: r.payment_method_id,
    criteria: r.criteria,
    enabled: r.enabled,
    locked: r.locked,
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
  };
}

async function lockCustomer(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
): Promise<{ autopay: boolean; autopay_locked: boolean }> {
  const row = await tx.maybeOne<{ autopay: boolean; autopay_locked: boolean }>(
    `SELECT autopay, autopay_locked FROM customers
      WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`,
    [ctx.tenant.id, customerId],
  );
  if (!row) throw new AppError('customer_not_found', { id: customerId });
  return row;
}

async function autopayView(q: Queryable, ctx: Ctx, customerId: string): Promise<AutopayView> {
  const c = await q.maybeOne<{ autopay: boolean; autopay_locked: boolean }>(
    'SELECT autopay, autopay_locked FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, customerId],
  );
  if (!c) throw new AppError('customer_not_found', { id: customerId });
  const rules = await liveRules(q, ctx.tenant.id, [customerId]);
  return {
    customer_id: customerId,
    enabled: c.autopay,
    locked: c.autopay_locked,
    default_payment_method_id: (await effectiveMethodId(q, ctx, customerId)) ?? null,
    rules: rules.map(ruleView),
  };
}

export async function getAutopay(ctx: Ctx, customerId: string): Promise<AutopayView> {
  requirePermission(ctx, 'billing:read');
  return autopayView(ctx.db, ctx, customerId);
}

/**
 * G1: turn simple autopay on (needs a usable method, own or inherited) or off. A contact (the
 * portal) cannot change it while staff have locked it.
 */
export async function setSimpleAutopay(
  ctx: Ctx,
  customerId: string,
  enabled: boolean,
): Promise<AutopayView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const before = await lockCustomer(tx, ctx, customerId);
    if (ctx.actor.type === 'contact' && before.autopay_locked) {
      throw new AppError('autopay_locked', { customer_id: customerId });
    }
    if (enabled && !(await effectiveMethodId(tx, ctx, customerId))) {
      throw new AppError('autopay_needs_method', { customer_id: customerId });
    }
    if (before.autopay !== enabled) {
      await setCustomerAutopay(tx, ctx, customerId, enabled);
      await recordChange(tx, ctx, {
        action: enabled ? 'customer.autopay_enabled' : 'customer.autopay_disabled',
        objectType: 'customer',
        objectId: customerId,
        before: { autopay: before.autopay },
        after: { autopay: enabled },
      });
    }
    return autopayView(tx, ctx, customerId);
  });
}

/** Staff lock or unlock simple autopay, so contacts cannot change it in the portal (G1). */
export async function setAutopayLock(
  ctx: Ctx,
  customerId: string,
  locked: boolean,
): Promise<AutopayView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const before = await lockCustomer(tx, ctx, customerId);
    if (before.autopay_locked !== locked) {
      await setCustomerAutopayLock(tx, ctx, customerId, locked);
      await recordChange(tx, ctx, {
        action: locked ? 'customer.autopay_locked' : 'customer.autopay_unlocked',
        objectType: 'customer',
        objectId: customerId,
        before: { autopay_locked: before.autopay_locked },
        after: { autopay_locked: locked },
      });
    }
    return autopayView(tx, ctx, customerId);
  });
}

type Problem = { index: number; id?: string | undefined; problems: unknown[] };

/** Checks rows and method of each rule; throws autopay_rule_invalid with details per rule. */
async function validateRules(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  rules: {
    id?: string | undefined;
    payment_method_id: string;
    criteria: z.infer<typeof CriterionInput>[];
  }[],
): Promise<void> {
  const faults: Problem[] = [];
  for (const [index, r] of rules.entries()) {
    const problems: unknown[] = criteriaProblems(r.criteria);
    try {
      await usableMethodFor(tx, ctx, customerId, r.payment_method_id, 'FOR SHARE');
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      problems.push({
        row: null,
        field: 'payment_method_id',
        code: err.code,
        message: err.message,
      });
    }
    if (problems.length > 0) faults.push({ index, id: r.id, problems });
  }
  if (faults.length > 0) throw new AppError('autopay_rule_invalid', { rules: faults });
}

const sameRule = (a: RuleRow, b: RuleInput) =>
  a.name === b.name &&
  a.payment_method_id === b.payment_method_id &&
  a.enabled === b.enabled &&
  b.locked &&
  JSON.stringify(a.criteria) === JSON.stringify(b.criteria);

/** Replaces the customer's ordered list atomically; positions become 1..n in the given order. */
export async function replaceRules(
  ctx: Ctx,
  customerId: string,
  input: RuleInput[],
): Promise<AutopayView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    await lockCustomer(tx, ctx, customerId);
    const existing = new Map(
      (await liveRules(tx, ctx.tenant.id, [customerId])).map((r) => [r.id, r]),
    );
    const seen = new Set<string>();
    for (const r of input) {
      if (r.id === undefined) continue;
      if (!existing.has(r.id) || seen.has(r.id)) {
        throw new AppError('autopay_rules_mismatch', { id: r.id, expected: [...existing.keys()] });
      }
      seen.add(r.id);
    }
    for (const old of existing.values()) {
      if (!old.locked) continue;
      const kept = input.find((r) => r.id === old.id);
      if (!kept || !sameRule(old, kept)) throw new AppError('autopay_rule_locked', { id: old.id });
    }
    await validateRules(tx, ctx, customerId, input);
    const now = tenantNow(ctx);
    await tx.query(
      `UPDATE autopay_rules SET position = position + 1000000
        WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL`,
      [ctx.tenant.id, customerId],
    );
    for (const old of existing.values()) {
      if (seen.has(old.id)) continue;
      await tx.query('UPDATE autopay_rules SET deleted_at = $2, updated_at = $2 WHERE id = $1', [
        old.id,
        now,
      ]);
    }
    for (const [i, r] of input.entries()) {
      const values = [r.name, r.payment_method_id, JSON.stringify(r.criteria), r.enabled, r.locked];
      if (r.id) {
        await tx.query(
          `UPDATE autopay_rules SET position = $2, name = $3, payment_method_id = $4, criteria = $5,
                  enabled = $6, locked = $7, updated_at = $8 WHERE id = $1`,
          [r.id, i + 1, ...values, now],
        );
      } else {
        await tx.query(
          `INSERT INTO autopay_rules (id, tenant_id, customer_id, position, name, payment_method_id,
                                      criteria, enabled, locked, created_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
          [newId('autopayRule'), ctx.tenant.id, customerId, i + 1, ...values, now],
        );
      }
    }
    const after = await autopayView(tx, ctx, customerId);
    await recordChange(tx, ctx, {
      action: 'autopay_rules.replaced',
      objectType: 'customer',
      objectId: customerId,
      before: [...existing.values()].map(ruleView),
      after: after.rules,
    });
    return after;
  });
}

export async function updateRule(ctx: Ctx, id: string, patch: RulePatch): Promise<RuleView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const rule = await tx.maybeOne<RuleRow>(
      `SELECT ${RULE_COLUMNS} FROM autopay_rules
        WHERE tenant_id = $1 AND id = $2 AND deleted_at IS NULL FOR NO KEY UPDATE`,
      [ctx.tenant.id, id],
    );
    if (!rule) throw new AppError('autopay_rule_not_found', { id });
    const changesContent = (['name', 'payment_method_id', 'criteria', 'enabled'] as const).some(
      (k) => patch[k] !== undefined,
    );
    // A locked rule changes only by being unlocked (in the same request, if at all).
    if (rule.locked && changesContent && patch.locked !== false) {
      throw new AppError('autopay_rule_locked', { id });
    }
    const next = {
      name: patch.name ?? rule.name,
      payment_method_id: patch.payment_method_id ?? rule.payment_method_id,
      criteria: patch.criteria ?? rule.criteria,
      enabled: patch.enabled ?? rule.enabled,
      locked: patch.locked ?? rule.locked,
    };
    await validateRules(tx, ctx, rule.customer_id, [{ id, ...next }]);
    const updated = await tx.one<RuleRow>(
      `UPDATE autopay_rules SET name = $2, payment_method_id = $3, criteria = $4, enabled = $5,
              locked = $6, updated_at = $7 WHERE id = $1 RETURNING ${RULE_COLUMNS}`,
      [
        id,
        next.name,
        next.payment_method_id,
        JSON.stringify(next.criteria),
        next.enabled,
        next.locked,
        tenantNow(ctx),
      ],
    );
    const after = ruleView(updated);
    await recordChange(tx, ctx, {
      action: 'autopay_rule.updated',
      objectType: 'autopay_rule',
      objectId: id,
      before: ruleView(rule),
      after,
    });
    return after;
  });
}

/** Sets the order: `ids` must be exactly the customer's live rules. */
export async function reorderRules(
  ctx: Ctx,
  customerId: string,
  ids: string[],
): Promise<AutopayView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    await lockCustomer(tx, ctx, customerId);
    const rules = await liveRules(tx, ctx.tenant.id, [customerId]);
    const expected = rules.map((r) => r.id);
    const same =
      ids.length === expected.length &&
      new Set(ids).size === ids.length &&
      ids.every((i) => expected.includes(i));
    if (!same) throw new AppError('autopay_rules_mismatch', { expected });
    await tx.query(
      `UPDATE autopay_rules SET position = position + 1000000
        WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NULL`,
      [ctx.tenant.id, customerId],
    );
    const now = tenantNow(ctx);
    for (const [i, ruleId] of ids.entries()) {
      await tx.query('UPDATE autopay_rules SET position = $2, updated_at = $3 WHERE id = $1', [
        ruleId,
        i + 1,
        now,
      ]);
    }
    await recordChange(tx, ctx, {
      action: 'autopay_rules.reordered',
      objectType: 'customer',
      objectId: customerId,
      before: { order: expected },
      after: { order: ids },
    });
    return autopayView(tx, ctx, customerId);
  });
}

/** The rule autopay would use for an invoice now (C9, G4), or null. */
export async function matchingRuleFor(
  q: Queryable,
  ctx: Ctx,
  invoiceId: string,
): Promise<{ id: string; name: string } | null> {
  const choice = (await autopayChoices(q, ctx, [invoiceId])).get(invoiceId);
  return choice?.rule ?? null;
}

/** D4: the live autopay rules that use the method; it cannot be deleted until they change. */
export async function autopayRulesUsing(
  q: Queryable,
  tenantId: string,
  methodId: string,
): Promise<string[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT id FROM autopay_rules
      WHERE tenant_id = $1 AND payment_method_id = $2 AND deleted_at IS NULL ORDER BY id`,
    [tenantId, methodId],
  );
  return rows.map((r) => r.id);
}
