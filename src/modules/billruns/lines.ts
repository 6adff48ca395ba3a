/**
 * What a customer owes through a target date, as draft invoice lines (C2). Pure: the bill run and
 * the upcoming-invoice estimate load the facts and this decides the lines.
 *
 * - Recurring flat prices bill in advance: every period that starts on or before the target date
 *   and is not billed yet, prorated by day when the service covers only part of it.
 * - Usage bills in arrears, per period: the usage handed in (claimed by the bill run) grouped by
 *   period and priced on the period's whole usage, minus what earlier invoices already charged
 *   for it, so late usage for a billed period lands on this invoice at the right tier.
 * - A subscription that ended inside a period it had already paid in full is credited for the
 *   unused days (a proration line), once.
 * - Pending one-time charges bill as they are.
 */
import {
  fromMicros,
  type Interval,
  periodContaining,
  prorate,
  servedPeriods,
  type Tier,
  usageAmount,
} from '../billing/model.js';

export interface BillablePrice {
  id: string;
  kind: 'recurring' | 'usage';
  pricing_model: 'flat' | 'per_unit' | 'tiered' | 'volume';
  unit_amount: number | null;
  tiers: Tier[] | null;
  billing_interval: Interval;
  unit_of_measure: string | null;
  label: string;
}

export interface BillableSubscription {
  id: string;
  customer_id: string;
  quantity: number;
  start_date: string;
  end_date: string | null;
  billing_anchor_day: number;
  price: BillablePrice;
}

/** A subscription or proration line already on an invoice (draft or posted, not deleted). */
export interface BilledLine {
  subscription_id: string;
  kind: 'subscription' | 'proration';
  period_start: string;
  period_end: string;
  quantity: string | null;
  unit_amount: number | null;
  amount: number;
}

/** Usage quantities per subscription and day, in millionths. */
export interface UsageDay {
  subscription_id: string;
  usage_date: string;
  micros: bigint;
}

export interface DuePendingCharge {
  id: string;
  price_id: string;
  quantity: number;
  unit_amount: number;
  description: string;
}

export interface DraftLine {
  kind: 'subscription' | 'usage' | 'one_time' | 'proration';
  description: string;
  subscription_id: string | null;
  price_id: string | null;
  quantity: string | null;
  unit_amount: number | null;
  amount: number;
  period_start: string | null;
  period_end: string | null;
  /** For one-time lines: the pending charge it bills. */
  pending_charge_id?: string;
}

/** Usage strictly before this date is in closed periods and may be billed at `target`. */
export function usageCutoff(sub: BillableSubscription, target: string): string {
  if (sub.end_date !== null && sub.end_date <= target) return sub.end_date;
  const anchorMonth = Number(sub.start_date.slice(5, 7));
  const current = periodContaining(
    target,
    sub.price.billing_interval,
    sub.billing_anchor_day,
    anchorMonth,
  );
  return current.start < sub.start_date ? sub.start_date : current.start;
}

function periodOf(sub: BillableSubscription, date: string) {
  const anchorMonth = Number(sub.start_date.slice(5, 7));
  return periodContaining(date, sub.price.billing_interval, sub.billing_anchor_day, anchorMonth);
}

function flatLines(sub: BillableSubscription, billed: BilledLine[], target: string): DraftLine[] {
  const lines: DraftLine[] = [];
  const unit = sub.price.unit_amount ?? 0;
  const full = unit * sub.quantity;
  const billedStarts = new Set(
    billed.filter((b) => b.kind === 'subscription').map((b) => b.period_start),
  );
  const credited = new Set(billed.filter((b) => b.kind === 'proration').map((b) => b.period_start));
  for (const p of servedPeriods({
    startDate: sub.start_date,
    endDate: sub.end_date,
    interval: sub.price.billing_interval,
    anchorDay: sub.billing_anchor_day,
    through: target,
  })) {
    if (billedStarts.has(p.servedStart)) continue;
    lines.push({
      kind: 'subscription',
      description: `${sub.price.label} (${p.servedStart} to ${p.servedEnd})`,
      subscription_id: sub.id,
      price_id: sub.price.id,
      quantity: String(sub.quantity),
      unit_amount: unit,
      amount: prorate(full, p.servedDays, p.periodDays),
      period_start: p.servedStart,
      period_end: p.servedEnd,
    });
  }
  // Ended inside a period already billed for longer: credit the days not served, once.
  if (sub.end_date !== null) {
    for (const line of billed) {
      if (line.kind !== 'subscription' || line.period_end <= sub.end_date) continue;
      if (credited.has(line.period_start) || line.period_start >= sub.end_date) continue;
      const p = periodOf(sub, line.period_start);
      const lineFull = (line.unit_amount ?? 0) * Number(line.quantity ?? 1);
      const periodDays = daysBetween(p.start, p.end);
      const due = prorate(lineFull, daysBetween(line.period_start, sub.end_date), periodDays);
      if (due >= line.amount) continue;
      lines.push({
        kind: 'proration',
        description: `${sub.price.label}: credit for unused time (${sub.end_date} to ${line.period_end})`,
        subscription_id: sub.id,
        price_id: sub.price.id,
        quantity: null,
        unit_amount: null,
        amount: due - line.amount,
        period_start: line.period_start,
        period_end: line.period_end,
      });
    }
  }
  return lines;
}

function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / 86_400_000);
}

function usageLines(
  sub: BillableSubscription,
  fresh: UsageDay[],
  earlier: UsageDay[],
): DraftLine[] {
  const byPeriod = new Map<
    string,
    { end: string; fresh: bigint; earlier: bigint; taken: boolean }
  >();
  const add = (day: UsageDay, key: 'fresh' | 'earlier') => {
    const p = periodOf(sub, day.usage_date);
    const entry = byPeriod.get(p.start) ?? { end: p.end, fresh: 0n, earlier: 0n, taken: false };
    entry[key] += day.micros;
    if (key === 'fresh') entry.taken = true;
    byPeriod.set(p.start, entry);
  };
  for (const d of fresh) add(d, 'fresh');
  for (const d of earlier) add(d, 'earlier');
  const lines: DraftLine[] = [];
  for (const [start, e] of [...byPeriod].sort(([a], [b]) => a.localeCompare(b))) {
    // Periods this invoice takes no usage for were billed before; nothing new to say.
    if (!e.taken) continue;
    const amount = usageAmount(sub.price, e.earlier + e.fresh) - usageAmount(sub.price, e.earlier);
    const qty = fromMicros(e.fresh);
    lines.push({
      kind: 'usage',
      description: `${sub.price.label}: ${qty} ${sub.price.unit_of_measure ?? 'units'} (${start} to ${e.end})${e.earlier > 0n ? ', late usage' : ''}`,
      subscription_id: sub.id,
      price_id: sub.price.id,
      quantity: qty,
      unit_amount: sub.price.pricing_model === 'per_unit' ? sub.price.unit_amount : null,
      amount,
      period_start: start,
      period_end: e.end,
    });
  }
  return lines;
}

export interface CustomerFacts {
  subscriptions: BillableSubscription[];
  billed: BilledLine[];
  /** Usage this invoice takes (claimed), and usage of the same periods billed before. */
  usage: UsageDay[];
  billedUsage: UsageDay[];
  charges: DuePendingCharge[];
}

/**
 * The lines for one customer at `target`. A proration credit is held back while it would make
 * the invoice negative; it stays due and lands on a later invoice.
 */
export function computeLines(facts: CustomerFacts, target: string): DraftLine[] {
  const lines: DraftLine[] = [];
  for (const sub of facts.subscriptions) {
    if (sub.price.kind === 'recurring') {
      lines.push(
        ...flatLines(
          sub,
          facts.billed.filter((b) => b.subscription_id === sub.id),
          target,
        ),
      );
    } else {
      lines.push(
        ...usageLines(
          sub,
          facts.usage.filter((u) => u.subscription_id === sub.id),
          facts.billedUsage.filter((u) => u.subscription_id === sub.id),
        ),
      );
    }
  }
  for (const c of facts.charges) {
    lines.push({
      kind: 'one_time',
      description: c.description,
      subscription_id: null,
      price_id: c.price_id,
      quantity: String(c.quantity),
      unit_amount: c.unit_amount,
      amount: c.unit_amount * c.quantity,
      period_start: null,
      period_end: null,
      pending_charge_id: c.id,
    });
  }
  const charges = lines.filter((l) => l.kind !== 'proration').reduce((s, l) => s + l.amount, 0);
  const credits = lines.filter((l) => l.kind === 'proration');
  let room = charges;
  const kept = credits.filter((c) => {
    if (room + c.amount < 0) return false;
    room += c.amount;
    return true;
  });
  return [...lines.filter((l) => l.kind !== 'proration'), ...kept];
}
