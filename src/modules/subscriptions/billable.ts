/**
 * What the bill run and the upcoming invoice read of subscriptions: each with the terms of its
 * price, for a batch of customers in one set-based query.
 */
import type { Queryable } from '../../db/db.js';
import type { Tier } from '../billing/model.js';
import type { BillingInterval, PriceKind, PricingModel } from '../catalog/model.js';
import type { SubscriptionStatus } from './model.js';

/** A subscription with the terms of its price, as the bill run and the upcoming invoice need. */
export interface BillableSubscriptionRow {
  id: string;
  customer_id: string;
  quantity: number;
  status: SubscriptionStatus;
  start_date: string;
  end_date: string | null;
  billing_anchor_day: number;
  cancel_at_period_end: boolean;
  price: {
    id: string;
    kind: Extract<PriceKind, 'recurring' | 'usage'>;
    pricing_model: PricingModel;
    unit_amount: number | null;
    tiers: Tier[] | null;
    billing_interval: BillingInterval;
    unit_of_measure: string | null;
    product_name: string;
    nickname: string | null;
    /** The nickname, or else the product's name: what an invoice line says. */
    label: string;
  };
}

/**
 * For the bill run: the customers' subscriptions that are running, or ended but may still have
 * something to bill — ended on or after `endedSince` (default: any end date), or holding usage
 * not invoiced yet. One set-based query for the whole batch of customers.
 */
export async function listBillableSubscriptions(
  q: Queryable,
  tenantId: string,
  customerIds: string[],
  opts: { endedSince?: string } = {},
): Promise<BillableSubscriptionRow[]> {
  if (customerIds.length === 0) return [];
  const rows = await q.query<
    Omit<BillableSubscriptionRow, 'price'> &
      Omit<BillableSubscriptionRow['price'], 'id'> & {
        price_id: string;
      }
  >(
    `SELECT s.id, s.customer_id, s.quantity, s.status, s.start_date, s.end_date,
            s.billing_anchor_day, s.cancel_at_period_end, p.id AS price_id, p.kind,
            p.pricing_model, p.unit_amount, p.tiers, p.billing_interval, p.unit_of_measure,
            pr.name AS product_name, p.nickname, coalesce(p.nickname, pr.name) AS label
       FROM subscriptions s
       JOIN prices p ON p.tenant_id = s.tenant_id AND p.id = s.price_id
       JOIN products pr ON pr.tenant_id = p.tenant_id AND pr.id = p.product_id
      WHERE s.tenant_id = $1 AND s.customer_id = ANY($2::text[])
        AND (s.end_date IS NULL OR $3::date IS NULL OR s.end_date >= $3
             OR EXISTS (SELECT 1 FROM usage_records u
                         WHERE u.subscription_id = s.id AND u.invoice_id IS NULL))
      ORDER BY s.customer_id, s.id`,
    [tenantId, customerIds, opts.endedSince ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    customer_id: r.customer_id,
    quantity: r.quantity,
    status: r.status,
    start_date: r.start_date,
    end_date: r.end_date,
    billing_anchor_day: r.billing_anchor_day,
    cancel_at_period_end: r.cancel_at_period_end,
    price: {
      id: r.price_id,
      kind: r.kind,
      pricing_model: r.pricing_model,
      unit_amount: r.unit_amount,
      tiers: r.tiers,
      billing_interval: r.billing_interval,
      unit_of_measure: r.unit_of_measure,
      product_name: r.product_name,
      nickname: r.nickname,
      label: r.label,
    },
  }));
}
