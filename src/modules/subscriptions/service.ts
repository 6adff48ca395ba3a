/**
 * Subscriptions (B2): start one for a customer on a recurring or usage price, change its
 * quantity, cancel it now, on a date or at the end of the period. Reads need billing:read (a
 * subscription is billing data, which read-only sees none of), changes billing:write. Proration of partial periods is the bill run's (billing/periods.ts).
 */
import { addDays } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { MAX_AMOUNT, withinMaxAmount } from '../../core/money.js';
import type { Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type UsagePrice, usageAmount } from '../billing/model.js';
import { type EndingToFollow, endingToFollow } from '../billruns/service.js';
import type { BillingInterval, PricingModel } from '../catalog/model.js';
import { usePrice } from '../catalog/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { lockActiveCustomer } from '../customers/service.js';
import { assertBillingReady } from '../methods/service.js';
import {
  currentPeriod,
  effectiveStatus,
  planCancel,
  type SubscriptionCancel,
  type SubscriptionCancelPreview,
  type SubscriptionCreate,
  type SubscriptionPatch,
  type SubscriptionStatus,
  type SubscriptionView,
} from './model.js';

export { type BillableSubscriptionRow, listBillableSubscriptions } from './billable.js';

interface SubRow {
  id: string;
  customer_id: string;
  price_id: string;
  quantity: number;
  status: SubscriptionStatus;
  start_date: string;
  end_date: string | null;
  billing_anchor_day: number;
  cancel_at_period_end: boolean;
  canceled_at: Date | null;
  created_at: Date;
  updated_at: Date;
  kind: 'recurring' | 'usage';
  pricing_model: PricingModel;
  billing_interval: BillingInterval;
  unit_amount: number | null;
  unit_of_measure: string | null;
  product_id: string;
  product_name: string;
  nickname: string | null;
}

const SELECT = `
  SELECT s.id, s.customer_id, s.price_id, s.quantity, s.status, s.start_date, s.end_date,
         s.billing_anchor_day, s.cancel_at_period_end, s.canceled_at, s.created_at, s.updated_at,
         p.kind, p.pricing_model, p.billing_interval, p.unit_amount, p.unit_of_measure,
         p.product_id, pr.name AS product_name, p.nickname
    FROM subscriptions s
    JOIN prices p ON p.tenant_id = s.tenant_id AND p.id = s.price_id
    JOIN products pr ON pr.tenant_id = p.tenant_id AND pr.id = p.product_id`;

function view(row: SubRow, today: string): SubscriptionView {
  const ended = row.end_date !== null && row.end_date <= today;
  return {
    id: row.id,
    customer_id: row.customer_id,
    price_id: row.price_id,
    price: {
      kind: row.kind,
      pricing_model: row.pricing_model,
      billing_interval: row.billing_interval,
      unit_amount: row.unit_amount,
      unit_of_measure: row.unit_of_measure,
      product_id: row.product_id,
      product_name: row.product_name,
      nickname: row.nickname,
    },
    quantity: row.quantity,
    status: effectiveStatus(row, today),
    start_date: row.start_date,
    end_date: row.end_date,
    billing_anchor_day: row.billing_anchor_day,
    cancel_at_period_end: row.cancel_at_period_end,
    canceled_at: row.canceled_at?.toISOString() ?? null,
    current_period: ended ? null : currentPeriod(row, row.billing_interval, today),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

async function findRow(q: Queryable, ctx: Ctx, id: string, lock = ''): Promise<SubRow> {
  const row = await q.maybeOne<SubRow>(
    `${SELECT} WHERE s.tenant_id = $1 AND s.id = $2 ${lock ? `${lock} OF s` : ''}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('subscription_not_found', { id });
  return row;
}

function invalid(path: string, message: string): AppError {
  return new AppError('validation_failed', { issues: [{ in: 'body', path, message }] });
}

/**
 * Usage records are matched to the one usage subscription of the customer with their unit of
 * measure on their date, so two of them may not overlap. The advisory lock serialises two
 * concurrent starts for one customer (the customer's share lock would not).
 */
async function assertNoUsageOverlap(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  unitOfMeasure: string,
  startDate: string,
): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
    `usage-subscription:${ctx.tenant.id}:${customerId}`,
  ]);
  const other = await tx.maybeOne<{ id: string }>(
    `SELECT s.id FROM subscriptions s
       JOIN prices p ON p.tenant_id = s.tenant_id AND p.id = s.price_id
      WHERE s.tenant_id = $1 AND s.customer_id = $2 AND p.kind = 'usage'
        AND p.unit_of_measure = $3 AND (s.end_date IS NULL OR s.end_date > $4)
        AND (s.end_date IS NULL OR s.end_date > s.start_date)
      LIMIT 1`,
    [ctx.tenant.id, customerId, unitOfMeasure, startDate],
  );
  if (other) {
    throw new AppError('usage_subscription_overlap', {
      subscription_id: other.id,
      unit_of_measure: unitOfMeasure,
    });
  }
}

/**
 * A recurring price's charge for one period at `quantity` must stay within the largest amount
 * (10^13 minor units): refused here, before anything is written, rather than by a bill run.
 */
function assertPeriodChargeWithinMax(price: UsagePrice, quantity: number): void {
  const amount = usageAmount(price, BigInt(quantity) * 1_000_000n);
  if (!withinMaxAmount(amount)) {
    throw new AppError('amount_too_large', { field: 'quantity', max: MAX_AMOUNT });
  }
}

export async function createSubscription(
  ctx: Ctx,
  input: SubscriptionCreate,
): Promise<SubscriptionView> {
  requirePermission(ctx, 'billing:write');
  const today = tenantToday(ctx);
  return ctx.db.tx(async (tx) => {
    await lockActiveCustomer(tx, ctx, input.customer_id);
    const price = await usePrice(tx, ctx, input.price_id, ['recurring', 'usage']);
    if (price.kind === 'usage' && input.quantity !== undefined && input.quantity !== 1) {
      throw invalid('quantity', 'usage subscriptions are billed by their usage: quantity is 1');
    }
    if (price.kind === 'recurring') assertPeriodChargeWithinMax(price, input.quantity ?? 1);
    const startDate = input.start_date ?? today;
    const anchorDay = input.billing_anchor_day ?? Number(startDate.slice(8, 10));
    if (price.kind === 'usage' && price.unit_of_measure !== null) {
      await assertNoUsageOverlap(tx, ctx, input.customer_id, price.unit_of_measure, startDate);
    }
    await assertBillingReady(tx, ctx, input.customer_id);
    const id = newId('subscription');
    const now = tenantNow(ctx);
    await tx.query(
      `INSERT INTO subscriptions (id, tenant_id, customer_id, price_id, quantity, start_date,
         billing_anchor_day, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
      [
        id,
        ctx.tenant.id,
        input.customer_id,
        price.id,
        input.quantity ?? 1,
        startDate,
        anchorDay,
        now,
      ],
    );
    const after = view(await findRow(tx, ctx, id), today);
    await recordChange(tx, ctx, {
      action: 'subscription.created',
      objectType: 'subscription',
      objectId: id,
      after,
    });
    return after;
  });
}

export async function getSubscription(ctx: Ctx, id: string): Promise<SubscriptionView> {
  requirePermission(ctx, 'billing:read');
  return view(await findRow(ctx.db, ctx, id), tenantToday(ctx));
}

export interface SubscriptionFilter {
  customer?: string | undefined;
  price?: string | undefined;
  status?: SubscriptionStatus | undefined;
  before?: string | undefined;
  limit: number;
}

export async function listSubscriptions(
  ctx: Ctx,
  f: SubscriptionFilter,
): Promise<SubscriptionView[]> {
  requirePermission(ctx, 'billing:read');
  const today = tenantToday(ctx);
  const rows = await ctx.db.query<SubRow>(
    `${SELECT}
      WHERE s.tenant_id = $1 AND ($2::text IS NULL OR s.customer_id = $2)
        AND ($3::text IS NULL OR s.price_id = $3)
        AND ($4::text IS NULL OR ($4 = 'canceled') = (s.status = 'canceled' OR coalesce(s.end_date <= $5::date, false)))
        AND ($6::text IS NULL OR s.id < $6)
      ORDER BY s.id DESC LIMIT $7`,
    [
      ctx.tenant.id,
      f.customer ?? null,
      f.price ?? null,
      f.status ?? null,
      today,
      f.before ?? null,
      f.limit,
    ],
  );
  return rows.map((row) => view(row, today));
}

/**
 * A subscription that is still running (or not started yet); `lock` locks it for a change (a
 * preview reads it as it stands).
 */
async function findRunning(
  q: Queryable,
  ctx: Ctx,
  id: string,
  today: string,
  lock = 'FOR NO KEY UPDATE',
): Promise<SubRow> {
  const row = await findRow(q, ctx, id, lock);
  if (effectiveStatus(row, today) === 'canceled') {
    throw new AppError('subscription_canceled', { id, end_date: row.end_date });
  }
  return row;
}

const lockRunning = (tx: Tx, ctx: Ctx, id: string, today: string) =>
  findRunning(tx, ctx, id, today);

/** The new quantity applies to every period not billed yet (recurring prices bill in advance). */
export async function updateSubscription(
  ctx: Ctx,
  id: string,
  patch: SubscriptionPatch,
): Promise<SubscriptionView> {
  requirePermission(ctx, 'billing:write');
  const today = tenantToday(ctx);
  return ctx.db.tx(async (tx) => {
    const row = await lockRunning(tx, ctx, id, today);
    if (row.kind === 'usage' && patch.quantity !== 1) {
      throw invalid('quantity', 'usage subscriptions are billed by their usage: quantity is 1');
    }
    if (row.kind === 'recurring') {
      const price = await tx.one<UsagePrice>(
        'SELECT pricing_model, unit_amount, tiers FROM prices WHERE tenant_id = $1 AND id = $2',
        [ctx.tenant.id, row.price_id],
      );
      assertPeriodChargeWithinMax(price, patch.quantity);
    }
    await tx.query(
      'UPDATE subscriptions SET quantity = $3, updated_at = $4 WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, id, patch.quantity, tenantNow(ctx)],
    );
    const after = view(await findRow(tx, ctx, id), today);
    await recordChange(tx, ctx, {
      action: 'subscription.updated',
      objectType: 'subscription',
      objectId: id,
      before: view(row, today),
      after,
    });
    return after;
  });
}

/**
 * When cancelling ends the service: now (the start of today; a usage subscription keeps the
 * days whose usage is already recorded), on a date, or at the end of the current period.
 */
async function planEnd(
  q: Queryable,
  row: SubRow,
  at: SubscriptionCancel['at'],
  today: string,
): Promise<{ endDate: string; atPeriodEnd: boolean }> {
  const plan = planCancel(row, row.billing_interval, at, today);
  if (!plan.ok) throw invalid('at', plan.message);
  let endDate = plan.endDate;
  if (row.kind === 'usage') {
    const { last } = await q.one<{ last: string | null }>(
      'SELECT max(usage_date) AS last FROM usage_records WHERE subscription_id = $1',
      [row.id],
    );
    if (last !== null && last >= endDate) {
      if (at !== 'now') {
        throw invalid('at', `usage is recorded up to ${last}; end the service after that day`);
      }
      endDate = addDays(last, 1);
    }
  }
  return { endDate, atPeriodEnd: plan.atPeriodEnd };
}

/**
 * What cancelling would do, with nothing written: the end the cancel would set and what follows
 * it, by the very functions the cancel calls (planEnd, endingToFollow). The same refusals too.
 */
export async function previewCancelSubscription(
  ctx: Ctx,
  id: string,
  input: SubscriptionCancel,
): Promise<SubscriptionCancelPreview> {
  requirePermission(ctx, 'billing:write');
  const today = tenantToday(ctx);
  const row = await findRunning(ctx.db, ctx, id, today, '');
  const { endDate, atPeriodEnd } = await planEnd(ctx.db, row, input.at, today);
  return {
    subscription_id: id,
    at: input.at,
    end_date: endDate,
    cancel_at_period_end: atPeriodEnd,
    status: effectiveStatus(
      { status: atPeriodEnd ? 'active' : 'canceled', end_date: endDate },
      today,
    ),
    ...(await endingToFollow(ctx.db, ctx, row.customer_id, id, endDate)),
  };
}

/**
 * Cancels now (the service ends at the start of today; a usage subscription keeps the days
 * whose usage is already recorded), on a date, or at the end of the current period.
 */
export async function cancelSubscription(
  ctx: Ctx,
  id: string,
  input: SubscriptionCancel,
): Promise<SubscriptionView & EndingToFollow> {
  requirePermission(ctx, 'billing:write');
  const today = tenantToday(ctx);
  return ctx.db.tx(async (tx) => {
    const row = await lockRunning(tx, ctx, id, today);
    const { endDate, atPeriodEnd } = await planEnd(tx, row, input.at, today);
    await tx.query(
      `UPDATE subscriptions SET end_date = $3, cancel_at_period_end = $4, status = $5,
         canceled_at = $6, updated_at = $6
        WHERE tenant_id = $1 AND id = $2`,
      [
        ctx.tenant.id,
        id,
        endDate,
        atPeriodEnd,
        atPeriodEnd ? 'active' : 'canceled',
        tenantNow(ctx),
      ],
    );
    const after = {
      ...view(await findRow(tx, ctx, id), today),
      ...(await endingToFollow(tx, ctx, row.customer_id, id, endDate)),
    };
    await recordChange(tx, ctx, {
      action: 'subscription.canceled',
      objectType: 'subscription',
      objectId: id,
      before: view(row, today),
      after,
    });
    return after;
  });
}
