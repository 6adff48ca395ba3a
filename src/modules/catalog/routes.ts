import type { App } from '../../http/app.js';
import { cursorId, IdParams, page, pageOf } from '../../http/schemas.js';
import {
  PriceCreate,
  PriceListQuery,
  PricePatch,
  PricePreview,
  PricePreviewQuery,
  PriceView,
  ProductCreate,
  ProductListQuery,
  ProductPatch,
  ProductView,
} from './model.js';
import {
  createPrice,
  createProduct,
  getPrice,
  getProduct,
  listPrices,
  listProducts,
  previewPrice,
  updatePrice,
  updateProduct,
} from './service.js';

export async function catalogRoutes(app: App): Promise<void> {
  app.post(
    '/products',
    {
      schema: {
        operationId: 'createProduct',
        tags: ['catalog'],
        summary: 'Create a product',
        body: ProductCreate,
        response: { 201: ProductView },
      },
    },
    async (req, reply) => reply.code(201).send(await createProduct(req.ctx, req.body)),
  );
  app.get(
    '/products',
    {
      schema: {
        operationId: 'listProducts',
        tags: ['catalog'],
        summary: 'Products, newest first',
        querystring: ProductListQuery,
        response: { 200: pageOf(ProductView) },
      },
    },
    async (req) => {
      const { limit, cursor, active } = req.query;
      const rows = await listProducts(req.ctx, {
        active,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.get(
    '/products/:id',
    {
      schema: {
        operationId: 'getProduct',
        errors: ['product_not_found'],
        tags: ['catalog'],
        summary: 'A product',
        params: IdParams,
        response: { 200: ProductView },
      },
    },
    (req) => getProduct(req.ctx, req.params.id),
  );
  app.patch(
    '/products/:id',
    {
      schema: {
        operationId: 'updateProduct',
        errors: ['product_not_found'],
        tags: ['catalog'],
        summary: 'Rename, describe, archive (active false) or restore a product',
        params: IdParams,
        body: ProductPatch,
        response: { 200: ProductView },
      },
    },
    (req) => updateProduct(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/prices',
    {
      schema: {
        operationId: 'createPrice',
        errors: ['currency_not_supported', 'product_not_found'],
        tags: ['catalog'],
        summary:
          'Create a price: recurring (flat, month|year), usage (per_unit, tiered or volume, with ' +
          'a unit of measure) or one_time (flat). USD only.',
        body: PriceCreate,
        response: { 201: PriceView },
      },
    },
    async (req, reply) => reply.code(201).send(await createPrice(req.ctx, req.body)),
  );
  app.get(
    '/prices',
    {
      schema: {
        operationId: 'listPrices',
        tags: ['catalog'],
        summary: 'Prices, newest first, by product, kind, active or sellable',
        querystring: PriceListQuery,
        response: { 200: pageOf(PriceView) },
      },
    },
    async (req) => {
      const { limit, cursor, product, active, sellable, kind } = req.query;
      const rows = await listPrices(req.ctx, {
        product,
        active,
        sellable,
        kind,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.get(
    '/prices/:id',
    {
      schema: {
        operationId: 'getPrice',
        errors: ['price_not_found'],
        tags: ['catalog'],
        summary: 'A price',
        params: IdParams,
        response: { 200: PriceView },
      },
    },
    (req) => getPrice(req.ctx, req.params.id),
  );
  app.patch(
    '/prices/:id',
    {
      schema: {
        operationId: 'updatePrice',
        errors: ['price_in_use', 'price_not_found'],
        tags: ['catalog'],
        summary:
          'Change a price. Nickname and active always change; the terms (model, interval, ' +
          'amounts, tiers, unit of measure) only until a subscription or charge uses the price ' +
          '(then price_in_use: create a new price instead).',
        params: IdParams,
        body: PricePatch,
        response: { 200: PriceView },
      },
    },
    (req) => updatePrice(req.ctx, req.params.id, req.body),
  );
  app.get(
    '/prices/:id/preview',
    {
      schema: {
        operationId: 'previewPrice',
        errors: ['amount_too_large', 'price_not_found'],
        tags: ['catalog'],
        summary:
          'What a quantity of a price costs, by the bill run’s pricing rules (per unit, tiered, ' +
          'volume), with the tiers it reaches',
        params: IdParams,
        querystring: PricePreviewQuery,
        response: { 200: PricePreview },
      },
    },
    (req) => previewPrice(req.ctx, req.params.id, req.query.quantity),
  );
}
