/**
 * The catalog (B1): products and prices. Catalog reads need only customers:read (it is not
 * billing-sensitive); changes need billing:write. Prices live in prices.ts; this file is the
 * module's public face.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import type { ProductCreate, ProductPatch, ProductView } from './model.js';

export {
  createPrice,
  getPrice,
  listPrices,
  markPriceUsed,
  type PriceFilter,
  type PriceRow,
  previewPrice,
  priceView,
  type UsablePrice,
  updatePrice,
  usePrice,
} from './prices.js';

interface ProductRow {
  id: string;
  name: string;
  description: string | null;
  active: boolean;
  created_at: Date;
  updated_at: Date;
}

const PRODUCT_COLUMNS = 'id, name, description, active, created_at, updated_at';

function productView(row: ProductRow): ProductView {
  return {
    ...row,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export async function findProduct(
  q: Queryable,
  ctx: Ctx,
  id: string,
  lock = '',
): Promise<ProductRow> {
  const row = await q.maybeOne<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM products WHERE tenant_id = $1 AND id = $2 ${lock}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('product_not_found', { id });
  return row;
}

export async function createProduct(ctx: Ctx, input: ProductCreate): Promise<ProductView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await tx.one<ProductRow>(
      `INSERT INTO products (id, tenant_id, name, description, active, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${PRODUCT_COLUMNS}`,
      [
        newId('product'),
        ctx.tenant.id,
        input.name,
        input.description || null,
        input.active ?? true,
        tenantNow(ctx),
      ],
    );
    const after = productView(row);
    await recordChange(tx, ctx, {
      action: 'product.created',
      objectType: 'product',
      objectId: row.id,
      after,
    });
    return after;
  });
}

export async function getProduct(ctx: Ctx, id: string): Promise<ProductView> {
  requirePermission(ctx, 'customers:read');
  return productView(await findProduct(ctx.db, ctx, id));
}

export async function listProducts(
  ctx: Ctx,
  f: { active?: boolean | undefined; before?: string | undefined; limit: number },
): Promise<ProductView[]> {
  requirePermission(ctx, 'customers:read');
  const rows = await ctx.db.query<ProductRow>(
    `SELECT ${PRODUCT_COLUMNS} FROM products
      WHERE tenant_id = $1 AND ($2::boolean IS NULL OR active = $2)
        AND ($3::text IS NULL OR id < $3)
      ORDER BY id DESC LIMIT $4`,
    [ctx.tenant.id, f.active ?? null, f.before ?? null, f.limit],
  );
  return rows.map(productView);
}

export async function updateProduct(
  ctx: Ctx,
  id: string,
  patch: ProductPatch,
): Promise<ProductView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const row = await findProduct(tx, ctx, id, 'FOR NO KEY UPDATE');
    const updated = await tx.one<ProductRow>(
      `UPDATE products SET name = $3, description = $4, active = $5, updated_at = $6
        WHERE tenant_id = $1 AND id = $2 RETURNING ${PRODUCT_COLUMNS}`,
      [
        ctx.tenant.id,
        id,
        patch.name ?? row.name,
        patch.description === undefined ? row.description : patch.description || null,
        patch.active ?? row.active,
        tenantNow(ctx),
      ],
    );
    const after = productView(updated);
    await recordChange(tx, ctx, {
      action: 'product.updated',
      objectType: 'product',
      objectId: id,
      before: productView(row),
      after,
    });
    return after;
  });
}
