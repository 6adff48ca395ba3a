/**
 * The facts a bill-run batch needs, loaded set-based for all its customers at once, and the
 * claims it makes: unbilled usage and pending charges are taken for the batch's invoices with
 * UPDATE … RETURNING, so what is priced is exactly what was taken, even while usage keeps
 * arriving.
 */
import { newId } from '../../core/ids.js';
import type { Queryable, Tx } from '../../db/db.js';
import { toMicros } from '../billing/model.js';
import { claimUnbilledUsage } from '../usage/service.js';
import type { BillableSubscription, BilledLine, DuePendingCharge, UsageDay } from './lines.js';
import { usageCutoff } from './lines.js';

interface SubRow {
  id: string;
  customer_id: string;
  quantity: number;
  start_date: string;
  end_date: string | null;
  billing_anchor_day: number;
  price_id: string;
  kind: 'recurring' | 'usage';
  pricing_model: BillableSubscription['price']['pricing_model'];
  unit_amount: number | null;
  tiers: BillableSubscription['price']['tiers'];
  billing_interval: 'month' | 'year';
  unit_of_measure: string | null;
  label: string;
}

export async function loadSubscriptions(
  q: Queryable,
  tenantId: string,
  customerIds: string[],
  target: string,
): Promise<BillableSubscription[]> {
  const rows = await q.query<SubRow>(
    `SELECT s.id, s.customer_id, s.quantity, s.start_date, s.end_date, s.billing_anchor_day,
            p.id AS price_id, p.kind, p.pricing_model, p.unit_amount, p.tiers, p.billing_interval,
            p.unit_of_measure, coalesce(p.nickname, pr.name) AS label
       FROM subscriptions s
       JOIN prices p ON p.id = s.price_id
       JOIN products pr ON pr.id = p.product_id
      WHERE s.tenant_id = $1 AND s.customer_id = ANY($2) AND s.start_date <= $3
      ORDER BY s.customer_id, s.id`,
    [tenantId, customerIds, target],
  );
  return rows.map((r) => ({
    id: r.id,
    customer_id: r.customer_id,
    quantity: r.quantity,
    start_date: r.start_date,
    end_date: r.end_date,
    billing_anchor_day: r.billing_anchor_day,
    price: {
      id: r.price_id,
      kind: r.kind,
      pricing_model: r.pricing_model,
      unit_amount: r.unit_amount,
      tiers: r.tiers,
      billing_interval: r.billing_interval,
      unit_of_measure: r.unit_of_measure,
      label: r.label,
    },
  }));
}

/** Subscription and proration lines already on invoices, for the given subscriptions, with the invoice's status. */
export async function loadBilledLines(
  q: Queryable,
  subscriptionIds: string[],
): Promise<BilledLine[]> {
  if (subscriptionIds.length === 0) return [];
  return q.query<BilledLine>(
    `SELECT l.subscription_id, l.kind, l.period_start, l.period_end, l.quantity::text AS quantity,
            l.unit_amount, l.amount, i.status AS invoice_status
       FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
      WHERE (l.kind = 'subscription' AND l.subscription_id = ANY($1))
         OR (l.kind = 'proration' AND l.subscription_id = ANY($1))`,
    [subscriptionIds],
  );
}

const micros = (q: string) => toMicros(q) ?? 0n;

/** Takes each usage subscription's unbilled usage of closed periods for its customer's invoice. */
export async function claimUsage(
  tx: Tx,
  tenantId: string,
  subs: BillableSubscription[],
  invoiceOf: Map<string, string>,
  target: string,
): Promise<UsageDay[]> {
  const usage = subs.filter((s) => s.price.kind === 'usage');
  const rows = await claimUnbilledUsage(
    tx,
    tenantId,
    usage.map((s) => ({
      subscription_id: s.id,
      cutoff: usageCutoff(s, target),
      invoice_id: invoiceOf.get(s.customer_id) as string,
    })),
  );
  return rows.map((r) => ({ ...r, micros: micros(r.quantity) }));
}

/**
 * Usage billed earlier in the periods this batch bills again (late usage), for prices whose
 * amount is not linear in the quantity (tiered, volume).
 */
export async function loadBilledUsage(
  q: Queryable,
  subs: BillableSubscription[],
  claimed: UsageDay[],
  newInvoiceIds: string[],
): Promise<UsageDay[]> {
  const nonLinear = new Set(
    subs
      .filter((s) => s.price.pricing_model === 'tiered' || s.price.pricing_model === 'volume')
      .map((s) => s.id),
  );
  const relevant = claimed.filter((u) => nonLinear.has(u.subscription_id));
  if (relevant.length === 0) return [];
  const earliest = relevant.reduce((m, u) => (u.usage_date < m ? u.usage_date : m), '9999-12-31');
  // From a month before the earliest claimed day covers the start of its (monthly) period;
  // charges.ts keeps only the days of the periods it bills.
  const rows = await q.query<{ subscription_id: string; usage_date: string; quantity: string }>(
    `SELECT subscription_id, usage_date, sum(quantity)::text AS quantity
       FROM usage_records
      WHERE subscription_id = ANY($1) AND invoice_id IS NOT NULL AND invoice_id <> ALL($2)
        AND usage_date >= ($3::date - interval '1 year')::date
      GROUP BY subscription_id, usage_date`,
    [[...new Set(relevant.map((u) => u.subscription_id))], newInvoiceIds, earliest],
  );
  return rows.map((r) => ({ ...r, micros: micros(r.quantity) }));
}

export interface ClaimedPendingCharge extends DuePendingCharge {
  customer_id: string;
}

/** Takes the customers' pending one-time charges dated on or before the target date. */
export async function claimPendingCharges(
  tx: Tx,
  tenantId: string,
  invoiceOf: Map<string, string>,
  target: string,
): Promise<ClaimedPendingCharge[]> {
  const customers = [...invoiceOf.keys()];
  return tx.query<ClaimedPendingCharge>(
    `UPDATE pending_charges pc SET invoice_id = c.inv
       FROM unnest($2::text[], $3::text[]) AS c(cus, inv), prices p, products pr
      WHERE pc.tenant_id = $1 AND pc.customer_id = c.cus AND pc.invoice_id IS NULL
        AND pc.charge_date <= $4 AND p.id = pc.price_id AND pr.id = p.product_id
     RETURNING pc.id, pc.customer_id, pc.price_id, pc.quantity, p.unit_amount,
               coalesce(pc.description, p.nickname, pr.name) AS description`,
    [tenantId, customers, customers.map((c) => invoiceOf.get(c)), target],
  );
}

/** A fresh invoice id for every customer of the batch (used only where lines result). */
export function invoiceIds(customerIds: string[]): Map<string, string> {
  return new Map(customerIds.map((c) => [c, newId('invoice')]));
}
