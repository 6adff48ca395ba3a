/**
 * The upcoming invoice (C1): what the customer's next invoice will hold if nothing changes — the
 * charges due on the next billing date and the usage recorded so far — computed by the same rules
 * as the bill run, without claiming anything. Cheap: a few indexed queries for one customer.
 * A canceled subscription's credit for days billed in advance and not served shows as a
 * proration line as far as the invoice's charges absorb it, and the rest as `account_credits`:
 * what the bill run issues as a credit memo on the account (issue 10 item 3).
 */
import { AppError } from '../../core/errors.js';
import { MAX_AMOUNT, MAX_BALANCE } from '../../core/money.js';
import type { Queryable } from '../../db/db.js';
import { periodContaining, toMicros } from '../billing/model.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { prorationMemoCredits } from '../credits/service.js';
import { openBalanceText, trimZeros } from '../invoices/service.js';
import { computeInvoice, type DraftLine, endingLines, fitsMaxAmount } from './lines.js';
import { loadBilledLines, loadBilledUsage, loadSubscriptions } from './sources.js';

export interface UpcomingInvoice {
  estimate: true;
  customer_id: string;
  as_of: string;
  billing_date: string;
  currency: 'USD';
  lines: Omit<DraftLine, 'pending_charge_id'>[];
  total: number;
  /** Credits no charge on this invoice absorbs: a credit memo on the account at that bill run. */
  account_credits: Omit<DraftLine, 'pending_charge_id'>[];
  /** Their sum, as a positive amount: what the customer's account will be credited. */
  account_credit_total: number;
  /**
   * Null when the bill run will bill this invoice; else why it will not (issue 10 item 8):
   * `total` when a line or the total exceeds the largest amount (the run makes no invoice),
   * `balance` when posting it would take the open balance beyond the largest balance (the run's
   * draft stays a draft).
   */
  refused: {
    code: 'amount_too_large';
    details: { field: 'total' | 'balance'; max: number };
  } | null;
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
  // Ended subscriptions stay: a recurring one may have a credit to follow, a usage one usage.
  const subs = await loadSubscriptions(db, ctx.tenant.id, [customerId], today);
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
  const recurring = subs.filter((s) => s.price.kind === 'recurring').map((s) => s.id);
  const billed = await loadBilledLines(db, recurring);
  const memoCredits = await prorationMemoCredits(db, ctx.tenant.id, recurring);
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
  const computed = computeInvoice(
    { subscriptions: subs, billed, usage, billedUsage, charges, memoCredits },
    target,
  );
  const shown = (l: DraftLine) => {
    const { pending_charge_id: _c, ...line } = l;
    return { ...line, quantity: line.quantity && trimZeros(line.quantity) };
  };
  const lines = computed.lines.map(shown);
  const accountCredits = computed.accountCredits.map(shown);
  // Summed exactly: beyond the largest amount the total is not billed, and says so in `refused`.
  const total = lines.reduce((s, l) => s + BigInt(l.amount), 0n);
  let refused: UpcomingInvoice['refused'] = null;
  if (!fitsMaxAmount(lines)) {
    refused = { code: 'amount_too_large', details: { field: 'total', max: MAX_AMOUNT } };
  } else if (total > 0n) {
    const open = BigInt(await openBalanceText(db, ctx.tenant.id, customerId));
    if (open + total > BigInt(MAX_BALANCE)) {
      refused = { code: 'amount_too_large', details: { field: 'balance', max: MAX_BALANCE } };
    }
  }
  return {
    estimate: true,
    customer_id: customerId,
    as_of: tenantNow(ctx).toISOString(),
    billing_date: target,
    currency: 'USD',
    lines,
    total: Number(total),
    account_credits: accountCredits,
    account_credit_total: -accountCredits.reduce((s, l) => s + l.amount, 0),
    refused,
  };
}

/** Lines that follow a subscription's end, summed: charges positive, credits positive too. */
export interface ToFollow {
  amount: number;
  lines: { description: string; period_start: string; period_end: string; amount: number }[];
}

/** What a subscription's end brings (issue 10 item 3, issue 13 item 2); null parts when none. */
export interface EndingToFollow {
  /** The credit for days billed in advance and not served (positive: what is credited). */
  credit_to_follow: ToFollow | null;
  /** The periods served and not billed yet, the last prorated by day. */
  charges_to_follow: ToFollow | null;
}

function summed(lines: DraftLine[], sign: 1 | -1): ToFollow | null {
  if (lines.length === 0) return null;
  const shown = lines.map((l) => ({
    description: l.description,
    period_start: l.period_start as string,
    period_end: l.period_end as string,
    amount: sign * l.amount,
  }));
  return { amount: shown.reduce((s, l) => s + l.amount, 0), lines: shown };
}

/**
 * What ending a subscription at `endDate` brings, by the bill run's own rule (`endingLines`):
 * the credit for days billed in advance (on posted invoices) it no longer serves — on the next
 * run's invoice as far as its charges absorb it, the rest as a credit memo on the account at
 * once — and the charges for the days it still serves that no invoice billed yet. The cancel
 * passes the end it writes, its preview the end it would write: one computation for both.
 */
export async function endingToFollow(
  q: Queryable,
  ctx: Ctx,
  customerId: string,
  subscriptionId: string,
  endDate: string,
): Promise<EndingToFollow> {
  const sub = (await loadSubscriptions(q, ctx.tenant.id, [customerId], '9999-12-31')).find(
    (s) => s.id === subscriptionId,
  );
  if (sub?.price.kind !== 'recurring') return { credit_to_follow: null, charges_to_follow: null };
  const billed = await loadBilledLines(q, [sub.id]);
  const memos = await prorationMemoCredits(q, ctx.tenant.id, [sub.id]);
  const { charges, credits } = endingLines({ ...sub, end_date: endDate }, billed, memos);
  return { credit_to_follow: summed(credits, -1), charges_to_follow: summed(charges, 1) };
}
