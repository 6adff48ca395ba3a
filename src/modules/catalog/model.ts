/**
 * The catalog (B1): products and their prices. A price is recurring (a flat fee each month or
 * year per unit of subscription quantity), usage (per unit, tiered or volume, per month or year)
 * or one-time (a flat amount per unit charged). Shapes and the pure shape rules of a price.
 */
import { z } from 'zod';
import { ListQuery, MinorAmount } from '../../core/schemas.js';
import { type Tier, tierProblems } from '../billing/model.js';

export const PRICE_KINDS = ['recurring', 'usage', 'one_time'] as const;
export type PriceKind = (typeof PRICE_KINDS)[number];
export const PRICING_MODELS = ['flat', 'per_unit', 'tiered', 'volume'] as const;
export type PricingModel = (typeof PRICING_MODELS)[number];
export const INTERVALS = ['month', 'year'] as const;
export type BillingInterval = (typeof INTERVALS)[number];

/** A query-string boolean: only the words true and false. */
export const QueryBool = z.enum(['true', 'false']).transform((v) => v === 'true');

const ProductName = z.string().trim().min(1).max(200);
const Description = z.string().trim().max(2000);

export const ProductCreate = z.strictObject({
  name: ProductName,
  description: Description.nullable().optional(),
  active: z
    .boolean()
    .optional()
    .describe('Default true; an inactive product’s prices cannot be used'),
});
export type ProductCreate = z.output<typeof ProductCreate>;

export const ProductPatch = z.strictObject({
  name: ProductName.optional(),
  description: Description.nullable().optional(),
  active: z.boolean().optional(),
});
export type ProductPatch = z.output<typeof ProductPatch>;

export const ProductListQuery = ListQuery.extend({ active: QueryBool.optional() });

export const ProductView = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  active: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ProductView = z.infer<typeof ProductView>;

export const TierSchema = z.strictObject({
  up_to: z
    .number()
    .int('must be a whole number of units')
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .nullable()
    .describe('Inclusive upper bound in units; null for the last tier'),
  unit_amount: MinorAmount.describe('Per unit in the tier, in cents'),
  flat_amount: MinorAmount.optional().describe('Added once when usage reaches the tier'),
});
const Tiers = z.array(TierSchema).min(1).max(50);

const Nickname = z.string().trim().min(1).max(200);
const Currency = z.string().max(10).describe('USD, the only currency supported (may be omitted)');
const UnitOfMeasure = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .describe('What usage is counted in (api_call, gb_hour); usage records name it');

/** The fields that decide what a price charges: frozen once the price is used. */
export const PRICE_TERMS = [
  'pricing_model',
  'billing_interval',
  'unit_amount',
  'tiers',
  'unit_of_measure',
] as const;

export interface PriceShape {
  kind: PriceKind;
  pricing_model: PricingModel;
  billing_interval: BillingInterval | null;
  unit_amount: number | null;
  tiers: Tier[] | null;
  unit_of_measure: string | null;
}

/** What is wrong with a price's combination of kind, model and terms (the CHECKs of 0004). */
export function priceProblems(p: PriceShape): { path: string; message: string }[] {
  const out: { path: string; message: string }[] = [];
  const add = (path: string, message: string) => out.push({ path, message });
  const tiered = p.pricing_model === 'tiered' || p.pricing_model === 'volume';
  if (p.kind === 'usage') {
    if (p.pricing_model === 'flat')
      add('pricing_model', 'usage prices are per_unit, tiered or volume');
    if (p.unit_of_measure === null) add('unit_of_measure', 'usage prices need a unit of measure');
  } else {
    if (p.pricing_model !== 'flat') add('pricing_model', `${p.kind} prices are flat`);
    if (p.unit_of_measure !== null) add('unit_of_measure', 'only usage prices have one');
  }
  if (p.kind === 'one_time' && p.billing_interval !== null) {
    add('billing_interval', 'one-time prices have no billing interval');
  }
  if (p.kind !== 'one_time' && p.billing_interval === null) {
    add('billing_interval', 'required: month or year');
  }
  if (tiered) {
    if (p.unit_amount !== null) add('unit_amount', 'tiered and volume prices use tiers instead');
    if (p.tiers === null) add('tiers', 'required for tiered and volume prices');
    else for (const problem of tierProblems(p.tiers)) add('tiers', problem);
  } else {
    if (p.unit_amount === null) add('unit_amount', 'required');
    if (p.tiers !== null) add('tiers', `only tiered and volume prices have tiers`);
  }
  return out;
}

const PriceFields = {
  product_id: z.string().min(1).max(64),
  nickname: Nickname.nullable().optional(),
  currency: Currency.optional(),
  active: z.boolean().optional(),
};

export const PriceCreate = z
  .strictObject({
    ...PriceFields,
    kind: z.enum(PRICE_KINDS),
    pricing_model: z
      .enum(PRICING_MODELS)
      .optional()
      .describe(
        'recurring and one_time: flat (the default); usage: per_unit (default), tiered, volume',
      ),
    billing_interval: z.enum(INTERVALS).optional().describe('recurring and usage prices'),
    unit_amount: MinorAmount.optional().describe('flat and per_unit prices, in cents'),
    tiers: Tiers.optional().describe('tiered and volume prices, ascending, the last up_to null'),
    unit_of_measure: UnitOfMeasure.optional().describe('usage prices'),
  })
  .superRefine((input, z_) => {
    for (const p of priceProblems(priceShapeOf(input))) {
      z_.addIssue({ code: 'custom', path: [p.path], message: p.message });
    }
  });
export type PriceCreate = z.output<typeof PriceCreate>;

/** The shape a new price gets, with the defaults filled in. */
export function priceShapeOf(input: {
  kind: PriceKind;
  pricing_model?: PricingModel | undefined;
  billing_interval?: BillingInterval | undefined;
  unit_amount?: number | undefined;
  tiers?: Tier[] | undefined;
  unit_of_measure?: string | undefined;
}): PriceShape {
  return {
    kind: input.kind,
    pricing_model: input.pricing_model ?? (input.kind === 'usage' ? 'per_unit' : 'flat'),
    billing_interval: input.billing_interval ?? null,
    unit_amount: input.unit_amount ?? null,
    tiers: input.tiers ?? null,
    unit_of_measure: input.unit_of_measure ?? null,
  };
}

export const PricePatch = z.strictObject({
  nickname: Nickname.nullable().optional(),
  active: z.boolean().optional().describe('false archives the price: nothing new can use it'),
  pricing_model: z.enum(PRICING_MODELS).optional(),
  billing_interval: z.enum(INTERVALS).optional(),
  unit_amount: MinorAmount.optional(),
  tiers: Tiers.optional(),
  unit_of_measure: UnitOfMeasure.optional(),
});
export type PricePatch = z.output<typeof PricePatch>;

export const PriceListQuery = ListQuery.extend({
  product: z
    .string()
    .max(3_300)
    .regex(/^[^,]{1,64}(,[^,]{1,64}){0,49}$/, 'a product id, or up to 50 separated by commas')
    .transform((v) => v.split(','))
    .optional()
    .describe(
      'A product id, or up to 50 separated by commas: the prices of those products (the ' +
        'console asks for the prices of one page of products at once)',
    ),
  active: QueryBool.optional(),
  sellable: QueryBool.optional().describe(
    'true: the prices a new subscription or charge may use now (active, of an active product, ' +
      'as the forms offer them); false: the others',
  ),
  kind: z.enum(PRICE_KINDS).optional(),
});

export const PriceView = z.object({
  id: z.string(),
  product_id: z.string(),
  nickname: z.string().nullable(),
  kind: z.enum(PRICE_KINDS),
  currency: z.literal('USD'),
  pricing_model: z.enum(PRICING_MODELS),
  billing_interval: z.enum(INTERVALS).nullable(),
  unit_amount: z.number().int().nullable(),
  tiers: z
    .array(
      z.object({
        up_to: z.number().int().nullable(),
        unit_amount: z.number().int(),
        flat_amount: z.number().int().optional(),
      }),
    )
    .nullable(),
  unit_of_measure: z.string().nullable(),
  active: z.boolean(),
  used: z.boolean().describe('True once a subscription or charge used it: its terms are frozen'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type PriceView = z.infer<typeof PriceView>;

/** What a quantity of a price costs (GET /prices/{id}/preview): the API computes, the web shows. */
export const PricePreviewQuery = z.strictObject({
  quantity: z
    .string()
    .trim()
    .regex(/^\d{1,12}(\.\d{1,6})?$/, 'a number of units, up to six decimals')
    .describe('Units: a whole number, or for usage prices up to six decimals (12.5)'),
});

export const PricePreview = z.object({
  price_id: z.string(),
  quantity: z.string().describe('The quantity as read, without trailing zeros'),
  currency: z.literal('USD'),
  amount: MinorAmount.describe('What the quantity costs, in cents, rounded half up once'),
  lines: z
    .array(
      z.object({
        description: z.string(),
        quantity: z.string(),
        unit_amount: z.number().int(),
        flat_amount: z.number().int(),
        amount: z.number().int().describe('Before the final rounding (millionths are dropped)'),
      }),
    )
    .describe('How the amount is made: one line per tier reached (tiered), else one line'),
});
export type PricePreview = z.infer<typeof PricePreview>;
