/**
 * Prices (B1): recurring, usage and one-time. A price's terms (model, interval, amounts, tiers,
 * unit of measure) freeze once a subscription or charge uses it; nickname and active always
 * change.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { MAX_AMOUNT } from '../../core/money.js';
import type { Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { fromMicros, type Tier, toMicros, usageAmount } from '../billing/model.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import {
  type BillingInterval,
  PRICE_TERMS,
  type PriceCreate,
  type PriceKind,
  type PricePatch,
  type PricePreview,
  type PriceShape,
  type PriceView,
  type PricingModel,
  priceProblems,
  priceShapeOf,
} from './model.js';
import { findProduct } from './service.js';

export interface PriceRow extends PriceShape {
  id: string;
  product_id: string;
  nickname: string | null;
  currency: 'USD';
  active: boolean;
  used_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const PRICE_FIELDS = [
  'id',
  'product_id',
  'nickname',
  'kind',
  'currency',
  'pricing_model',
  'billing_interval',
  'unit_amount',
  'tiers',
  'unit_of_measure',
  'active',
  'used_at',
  'created_at',
  'updated_at',
];
const PRICE_COLUMNS = PRICE_FIELDS.join(', ');

export function priceView(row: PriceRow): PriceView {
  const { used_at, ...rest } = row;
  return {
    ...rest,
    used: used_at !== null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

async function findPrice(q: Queryable, ctx: Ctx, id: string, lock = ''): Promise<PriceRow> {
  const row = await q.maybeOne<PriceRow>(
    `SELECT ${PRICE_COLUMNS} FROM prices WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('price_not_found', { id });
  return row;
}

export interface UsablePrice extends PriceRow {
  product_name: string;
}

const P_COLUMNS = `${PRICE_FIELDS.map((c) => `p.${c}`).join(', ')}, pr.name AS product_name,
  pr.active AS product_active`;

/**
 * For subscriptions and charges: the price, which must be active, of an active product and of
 * one of the `kinds`. The first use marks it used in the caller's transaction, so its terms
 * freeze from then on; that UPDATE's row lock orders it after a concurrent PATCH of the terms,
 * and it returns the terms as they are after that PATCH. A price already used is only read, so
 * a popular price is not a lock hot spot.
 */
export async function usePrice(
  tx: Tx,
  ctx: Ctx,
  id: string,
  kinds: readonly PriceKind[],
): Promise<UsablePrice> {
  type Found = UsablePrice & { product_active: boolean };
  const params = [ctx.tenant.id, id];
  let row = await tx.maybeOne<Found>(
    `SELECT ${P_COLUMNS} FROM prices p
       JOIN products pr ON pr.tenant_id = p.tenant_id AND pr.id = p.product_id
      WHERE p.tenant_id = $1 AND p.id = $2`,
    params,
  );
  if (row && row.used_at === null) {
    row = await tx.maybeOne<Found>(
      `UPDATE prices p SET used_at = coalesce(p.used_at, $3)
         FROM products pr
        WHERE p.tenant_id = $1 AND p.id = $2 AND pr.tenant_id = p.tenant_id AND pr.id = p.product_id
       RETURNING ${P_COLUMNS}`,
      [...params, tenantNow(ctx)],
    );
  }
  if (!row) throw new AppError('price_not_found', { id });
  if (!kinds.includes(row.kind)) {
    throw new AppError('price_kind_mismatch', { id, kind: row.kind, expected: kinds });
  }
  if (!row.active) throw new AppError('price_inactive', { id });
  if (!row.product_active) {
    throw new AppError('price_inactive', { id, product_id: row.product_id, product_active: false });
  }
  const { product_active: _, ...price } = row;
  return price;
}

/**
 * Marks a price used from now on (its terms freeze), in the caller's transaction; a price
 * already used keeps its first date. For callers that read and check the price themselves.
 */
export async function markPriceUsed(tx: Tx, id: string, at: Date): Promise<void> {
  await tx.query('UPDATE prices SET used_at = coalesce(used_at, $2) WHERE id = $1', [id, at]);
}

function checkCurrency(currency: string | undefined): void {
  if (currency !== undefined && currency.toUpperCase() !== 'USD') {
    throw new AppError('currency_not_supported', { currency });
  }
}

export async function createPrice(ctx: Ctx, input: PriceCreate): Promise<PriceView> {
  requirePermission(ctx, 'billing:write');
  checkCurrency(input.currency);
  const shape = priceShapeOf(input);
  return ctx.db.tx(async (tx) => {
    await findProduct(tx, ctx, input.product_id, 'FOR SHARE');
    const row = await tx.one<PriceRow>(
      `INSERT INTO prices (id, tenant_id, product_id, nickname, kind, currency, billing_interval,
         pricing_model, unit_amount, tiers, unit_of_measure, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'USD', $6, $7, $8, $9, $10, $11, $12, $12)
       RETURNING ${PRICE_COLUMNS}`,
      [
        newId('price'),
        ctx.tenant.id,
        input.product_id,
        input.nickname ?? null,
        shape.kind,
        shape.billing_interval,
        shape.pricing_model,
        shape.unit_amount,
        shape.tiers === null ? null : JSON.stringify(shape.tiers),
        shape.unit_of_measure,
        input.active ?? true,
        tenantNow(ctx),
      ],
    );
    const after = priceView(row);
    await recordChange(tx, ctx, {
      action: 'price.created',
      objectType: 'price',
      objectId: row.id,
      after,
    });
    return after;
  });
}

export async function getPrice(ctx: Ctx, id: string): Promise<PriceView> {
  requirePermission(ctx, 'customers:read');
  return priceView(await findPrice(ctx.db, ctx, id));
}

export interface PriceFilter {
  /** Any of these products. */
  product?: string[] | undefined;
  active?: boolean | undefined;
  /** Usable by a new subscription or charge (active, of an active product), or not. */
  sellable?: boolean | undefined;
  kind?: PriceKind | undefined;
  before?: string | undefined;
  limit: number;
}

export async function listPrices(ctx: Ctx, f: PriceFilter): Promise<PriceView[]> {
  requirePermission(ctx, 'customers:read');
  const rows = await ctx.db.query<PriceRow>(
    `SELECT ${PRICE_COLUMNS} FROM prices
      WHERE tenant_id = $1 AND ($2::text[] IS NULL OR product_id = ANY($2::text[]))
        AND ($3::boolean IS NULL OR active = $3) AND ($4::text IS NULL OR kind = $4)
        AND ($5::text IS NULL OR id < $5)
        AND ($7::boolean IS NULL OR $7 = (active AND EXISTS (
              SELECT 1 FROM products pr
               WHERE pr.tenant_id = prices.tenant_id AND pr.id = prices.product_id AND pr.active)))
      ORDER BY id DESC LIMIT $6`,
    [
      ctx.tenant.id,
      f.product ?? null,
      f.active ?? null,
      f.kind ?? null,
      f.before ?? null,
      f.limit,
      f.sellable ?? null,
    ],
  );
  return rows.map(priceView);
}

/** The terms a patch asks to change (given and different from the current ones). */
function changedTerms(row: PriceRow, patch: PricePatch): string[] {
  return PRICE_TERMS.filter(
    (k) => patch[k] !== undefined && JSON.stringify(patch[k]) !== JSON.stringify(row[k]),
  );
}

/** The price's shape after a patch: switching model drops the terms the new model has no use for. */
function patchedShape(row: PriceRow, patch: PricePatch): PriceShape {
  const model: PricingModel = patch.pricing_model ?? row.pricing_model;
  const tiered = model === 'tiered' || model === 'volume';
  const interval: BillingInterval | null = patch.billing_interval ?? row.billing_interval;
  const tiers: Tier[] | null = patch.tiers ?? (tiered ? row.tiers : null);
  return {
    kind: row.kind,
    pricing_model: model,
    billing_interval: interval,
    unit_amount: patch.unit_amount ?? (tiered ? null : row.unit_amount),
    tiers,
    unit_of_measure: patch.unit_of_measure ?? row.unit_of_measure,
  };
}

/** Nickname and active always change; the terms only while no subscription or charge used it. */
export async function updatePrice(ctx: Ctx, id: string, patch: PricePatch): Promise<PriceView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await findPrice(tx, ctx, id, 'FOR NO KEY UPDATE');
    const changed = changedTerms(row, patch);
    if (changed.length > 0 && row.used_at !== null) {
      throw new AppError('price_in_use', { id, fields: changed });
    }
    const shape = patchedShape(row, patch);
    const problems = priceProblems(shape);
    if (problems.length > 0) {
      throw new AppError('validation_failed', {
        issues: problems.map((p) => ({ in: 'body', ...p })),
      });
    }
    const updated = await tx.one<PriceRow>(
      `UPDATE prices SET nickname = $3, active = $4, pricing_model = $5, billing_interval = $6,
         unit_amount = $7, tiers = $8, unit_of_measure = $9, updated_at = $10
        WHERE tenant_id = $1 AND id = $2 RETURNING ${PRICE_COLUMNS}`,
      [
        ctx.tenant.id,
        id,
        patch.nickname === undefined ? row.nickname : patch.nickname,
        patch.active ?? row.active,
        shape.pricing_model,
        shape.billing_interval,
        shape.unit_amount,
        shape.tiers === null ? null : JSON.stringify(shape.tiers),
        shape.unit_of_measure,
        tenantNow(ctx),
      ],
    );
    const after = priceView(updated);
    await recordChange(tx, ctx, {
      action: 'price.updated',
      objectType: 'price',
      objectId: id,
      before: priceView(row),
      after,
    });
    return after;
  });
}

const MICROS = 1_000_000n;

function roundHalfUp(amountMicros: bigint): number {
  return Number((amountMicros + MICROS / 2n) / MICROS);
}

/** The lines that make a tiered or volume amount: the tiers the quantity reaches. */
function tierLines(price: PriceRow, micros: bigint): PricePreview['lines'] {
  const tiers = price.tiers ?? [];
  const lines: PricePreview['lines'] = [];
  const line = (t: Tier, units: bigint, from: bigint, to: bigint | null) => {
    const flat = t.flat_amount ?? 0;
    const first = fromMicros(from + MICROS);
    lines.push({
      description: to === null ? `Units ${first} and above` : `Units ${first}–${fromMicros(to)}`,
      quantity: fromMicros(units),
      unit_amount: t.unit_amount,
      flat_amount: flat,
      amount: roundHalfUp(units * BigInt(t.unit_amount) + BigInt(flat) * MICROS),
    });
  };
  if (price.pricing_model === 'volume') {
    const i = tiers.findIndex((t) => t.up_to === null || micros <= BigInt(t.up_to) * MICROS);
    const t = tiers[i === -1 ? tiers.length - 1 : i];
    if (t && micros > 0n) {
      const prev = i > 0 ? BigInt(tiers[i - 1]?.up_to ?? 0) * MICROS : 0n;
      line(t, micros, prev, t.up_to === null ? null : BigInt(t.up_to) * MICROS);
    }
    return lines;
  }
  let lower = 0n;
  for (const t of tiers) {
    if (micros <= lower) break;
    const upper = t.up_to === null ? null : BigInt(t.up_to) * MICROS;
    const top = upper === null || micros < upper ? micros : upper;
    line(t, top - lower, lower, upper);
    if (upper === null) break;
    lower = upper;
  }
  return lines;
}

/**
 * What `quantity` units of a price cost, by the bill run's own pricing rules (billing/pricing.ts):
 * flat and per-unit prices charge quantity × unit amount; tiered prices each unit at its tier's
 * amount; volume prices every unit at the amount of the tier the quantity reaches. Recurring and
 * one-time prices take whole quantities (as subscriptions and charges do).
 */
export async function previewPrice(ctx: Ctx, id: string, quantity: string): Promise<PricePreview> {
  requirePermission(ctx, 'customers:read');
  const price = await findPrice(ctx.db, ctx, id);
  const micros = toMicros(quantity);
  const whole = micros !== null && micros % MICROS === 0n;
  if (micros === null || (price.kind !== 'usage' && !whole)) {
    throw new AppError('validation_failed', {
      issues: [
        {
          in: 'querystring',
          path: 'quantity',
          message:
            price.kind === 'usage'
              ? 'a number of units, up to six decimals'
              : `a whole number of units (${price.kind} prices)`,
        },
      ],
    });
  }
  const amount = usageAmount(price, micros);
  if (!Number.isSafeInteger(amount) || amount > MAX_AMOUNT) {
    throw new AppError('amount_too_large', { field: 'quantity', max: MAX_AMOUNT });
  }
  const tiered = price.pricing_model === 'tiered' || price.pricing_model === 'volume';
  const unit = price.unit_amount ?? 0;
  const lines: PricePreview['lines'] = tiered
    ? tierLines(price, micros)
    : [
        {
          description: price.unit_of_measure ?? 'Units',
          quantity: fromMicros(micros),
          unit_amount: unit,
          flat_amount: 0,
          amount,
        },
      ];
  return { price_id: price.id, quantity: fromMicros(micros), currency: 'USD', amount, lines };
}
