/**
 * The upcoming invoice (C1): what the customer's next invoice will hold if nothing changes — the
 * charges due on the next billing date and the usage recorded so far — computed by the same rules
 * as the bill run, without claiming anything. Cheap: a few indexed queries for one customer.
 */
import { AppError } from '../../core/errors.js';
import { periodContaining, toMicros } from '../billing/model.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { trimZeros } from '../invoices/service.js';
import { computeLines, type DraftLine } from './lines.js';
import { loadBilledLines, loadBilledUsage, loadSubscriptions } from './sources.js';

export interface UpcomingInvoice {
  estimate: true;
  customer_id: string;
  as_of: string;
  billing_date: string;
  currency: 'USD';
  lines: Omit<DraftLine, 'pending_charge_id'>[];
  total: number;
}

export async function upcomingInvoice(ctx: Ctx, customerId: string): Promise<UpcomingInvoice> {
  requirePermission(ctx, 'billing:read');
  const db = ctx.db;
  const found = await db.maybeOne('SELECT id FROM customers WHERE tenant_id = $1 AND id = $2', [
    ctx.tenant.id,
    customerId,
  ]);
  if (!found) throw new AppError('customer_not_found', { id: customerId });
  const today = tenantToday(ctx);
  const subs = (await loadSubscriptions(db, ctx.tenant.id, [customerId], today)).filter(
    (s) => s.end_date === null || s.end_date > today || s.price.kind === 'usage',
  );
  // The next billing date: the earliest end of a current period among the subscriptions.
  const billingDate = subs
    .filter((s) => s.end_date === null || s.end_date > today)
    .map((s) => {
      const anchorMonth = Number(s.start_date.slice(5, 7));
      return periodContaining(today, s.price.billing_interval, s.billing_anchor_day, anchorMonth)
        .end;
    })
    .reduce((min, d) => (d < min ? d : min), '9999-12-31');
  const target = billingDate === '9999-12-31' ? today : billingDate;
  const billed = await loadBilledLines(
    db,
    subs.filter((s) => s.price.kind === 'recurring').map((s) => s.id),
  );
  const usage = (
    await db.query<{ subscription_id: string; usage_date: string; quantity: string }>(
      `SELECT subscription_id, usage_date, sum(quantity)::text AS quantity FROM usage_records
        WHERE tenant_id = $1 AND customer_id = $2 AND invoice_id IS NULL AND usage_date <= $3
        GROUP BY subscription_id, usage_date`,
      [ctx.tenant.id, customerId, today],
    )
  ).map((u) => ({ ...u, micros: toMicros(u.quantity) ?? 0n }));
  const billedUsage = await loadBilledUsage(db, subs, usage, []);
  const charges = await db.query<{
    id: string;
    price_id: string;
    quantity: number;
    unit_amount: number;
    description: string;
  }>(
    `SELECT pc.id, pc.price_id, pc.quantity, p.unit_amount,
            coalesce(pc.description, p.nickname, pr.name) AS description
       FROM pending_charges pc JOIN prices p ON p.id = pc.price_id JOIN products pr ON pr.id = p.product_id
      WHERE pc.tenant_id = $1 AND pc.customer_id = $2 AND pc.invoice_id IS NULL AND pc.charge_date <= $3`,
    [ctx.tenant.id, customerId, target],
  );
  const lines = computeLines(
    { subscriptions: subs, billed, usage, billedUsage, charges },
    target,
  ).map(({ pending_charge_id: _c, ...line }) => ({
    ...line,
    quantity: line.quantity && trimZeros(line.quantity),
  }));
  return {
    estimate: true,
    customer_id: customerId,
    as_of: tenantNow(ctx).toISOString(),
    billing_date: target,
    currency: 'USD',
    lines,
    total: lines.reduce((s, l) => s + l.amount, 0),
  };
}
