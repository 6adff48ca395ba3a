/**
 * Pending one-time charges: a one-time price charged to a customer, waiting for the first bill
 * run on or after its charge date, which takes it onto the customer's invoice (invoice_id set).
 * Until then it can be deleted. Billing data: billing:read and billing:write.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { MAX_AMOUNT, withinMaxAmount } from '../../core/money.js';
import type { Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { deletePendingCharge, insertPendingCharge } from '../billruns/service.js';
import { usePrice } from '../catalog/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { lockActiveCustomer, requireCustomer } from '../customers/service.js';
import type { ChargeCreate, ChargeView } from './model.js';

interface ChargeRow {
  id: string;
  customer_id: string;
  price_id: string;
  quantity: number;
  unit_amount: number;
  description: string | null;
  charge_date: string;
  invoice_id: string | null;
  created_at: Date;
}

const SELECT = `
  SELECT c.id, c.customer_id, c.price_id, c.quantity, p.unit_amount, c.description,
         c.charge_date, c.invoice_id, c.created_at
    FROM pending_charges c
    JOIN prices p ON p.tenant_id = c.tenant_id AND p.id = c.price_id`;

function view(row: ChargeRow): ChargeView {
  return {
    ...row,
    amount: row.unit_amount * row.quantity,
    currency: 'USD',
    pending: row.invoice_id === null,
    created_at: row.created_at.toISOString(),
  };
}

async function findRow(q: Queryable, ctx: Ctx, id: string, lock = ''): Promise<ChargeRow> {
  const row = await q.maybeOne<ChargeRow>(
    `${SELECT} WHERE c.tenant_id = $1 AND c.id = $2 ${lock ? `${lock} OF c` : ''}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('charge_not_found', { id });
  return row;
}

export async function createCharge(
  ctx: Ctx,
  customerId: string,
  input: ChargeCreate,
): Promise<ChargeView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    await lockActiveCustomer(tx, ctx, customerId);
    const price = await usePrice(tx, ctx, input.price_id, ['one_time']);
    if (!withinMaxAmount((price.unit_amount ?? 0) * (input.quantity ?? 1))) {
      throw new AppError('amount_too_large', { field: 'quantity', max: MAX_AMOUNT });
    }
    const id = newId('pendingCharge');
    await insertPendingCharge(tx, {
      id,
      tenant_id: ctx.tenant.id,
      customer_id: customerId,
      price_id: price.id,
      quantity: input.quantity ?? 1,
      description: input.description ?? null,
      charge_date: input.charge_date ?? tenantToday(ctx),
      created_at: tenantNow(ctx),
    });
    const after = view(await findRow(tx, ctx, id));
    await recordChange(tx, ctx, {
      action: 'charge.created',
      objectType: 'charge',
      objectId: id,
      after,
    });
    return after;
  });
}

export async function listCharges(
  ctx: Ctx,
  customerId: string,
  f: { pending?: boolean | undefined; before?: string | undefined; limit: number },
): Promise<ChargeView[]> {
  requirePermission(ctx, 'billing:read');
  await requireCustomer(ctx.db, ctx, customerId);
  const rows = await ctx.db.query<ChargeRow>(
    `${SELECT}
      WHERE c.tenant_id = $1 AND c.customer_id = $2
        AND ($3::boolean IS NULL OR (c.invoice_id IS NULL) = $3)
        AND ($4::text IS NULL OR c.id < $4)
      ORDER BY c.id DESC LIMIT $5`,
    [ctx.tenant.id, customerId, f.pending ?? null, f.before ?? null, f.limit],
  );
  return rows.map(view);
}

/** Deletes a charge no invoice has taken; the row lock orders it against a bill run's claim. */
export async function deleteCharge(ctx: Ctx, id: string): Promise<ChargeView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await findRow(tx, ctx, id, 'FOR NO KEY UPDATE');
    if (row.invoice_id !== null) {
      throw new AppError('charge_invoiced', { id, invoice_id: row.invoice_id });
    }
    await deletePendingCharge(tx, ctx.tenant.id, id);
    const before = view(row);
    await recordChange(tx, ctx, {
      action: 'charge.deleted',
      objectType: 'charge',
      objectId: id,
      before,
      event: before,
    });
    return before;
  });
}
