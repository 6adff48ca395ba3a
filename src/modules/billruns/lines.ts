/**
 * What a customer owes through a target date, as draft invoice lines (C2). Pure: the bill run and
 * the upcoming-invoice estimate load the facts and this decides the lines.
 *
 * - Recurring flat prices bill in advance: every period that starts on or before the target date
 *   and is not billed yet, prorated by day when the service covers only part of it.
 * - Usage bills in arrears, per period: the usage handed in (claimed by the bill run) grouped by
 *   period and priced on the period's whole usage, minus what earlier invoices already charged
 *   for it, so late usage for a billed period lands on this invoice at the right tier.
 * - A subscription that ended inside (or before) a period already billed on a posted invoice is
 *   credited for the unused days, once: as a proration line as far as the invoice's charges
 *   absorb it, and the rest as a credit memo on the customer's account (issue 10 item 3).
 * - Pending one-time charges bill as they are.
 */
import { withinMaxAmount } from '../../core/money.js';
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
  /**
   * The invoice's status. Only what a posted invoice billed is credited when the subscription
   * ends early: a draft may still be deleted, a void invoice was never owed. Absent: posted.
   */
  invoice_status?: 'draft' | 'posted' | 'void';
}

/** What credit memos already credited for a subscription period (credits module). */
export interface MemoCredit {
  subscription_id: string;
  period_start: string;
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

/**
 * The credits a subscription that ended before the end of a period billed on a posted invoice is
 * due for the days not served, once: the period's full charge split by the days served (none
 * when it ended on or before the period's first day) less what the line billed, less what
 * proration lines and credit memos (`memos`) already credited for that period. Negative lines.
 */
export function prorationCredits(
  sub: BillableSubscription,
  billed: readonly BilledLine[],
  memos: readonly MemoCredit[],
): DraftLine[] {
  const lines: DraftLine[] = [];
  if (sub.end_date === null) return lines;
  const end = sub.end_date;
  const creditedFor = (start: string) =>
    billed
      .filter(
        (b) => b.subscription_id === sub.id && b.kind === 'proration' && b.period_start === start,
      )
      .reduce((s, b) => s - b.amount, 0) +
    memos
      .filter((m) => m.subscription_id === sub.id && m.period_start === start)
      .reduce((s, m) => s + Number(m.amount), 0);
  for (const line of billed) {
    if (line.subscription_id !== sub.id || line.kind !== 'subscription') continue;
    if (line.period_end <= end) continue;
    if ((line.invoice_status ?? 'posted') !== 'posted') continue;
    const p = periodOf(sub, line.period_start);
    const lineFull = (line.unit_amount ?? 0) * Number(line.quantity ?? 1);
    const periodDays = daysBetween(p.start, p.end);
    const served = Math.max(0, daysBetween(line.period_start, end));
    const due = served === 0 ? 0 : prorate(lineFull, served, periodDays);
    const credit = line.amount - due - creditedFor(line.period_start);
    if (credit <= 0) continue;
    const from = end > line.period_start ? end : line.period_start;
    lines.push({
      kind: 'proration',
      description: `${sub.price.label}: credit for unused time (${from} to ${line.period_end})`,
      subscription_id: sub.id,
      price_id: sub.price.id,
      quantity: null,
      unit_amount: null,
      amount: -credit,
      period_start: line.period_start,
      period_end: line.period_end,
    });
  }
  return lines;
}

/**
 * What a subscription ending at its `end_date` still brings, by the bill run's own rules: the
 * charges for the periods it serves that no invoice billed yet (the last one prorated by day),
 * and the credits for days billed in advance on posted invoices that it no longer serves. The
 * cancel answer and its preview both say this (issue 13 item 2). Usage bills in arrears from
 * its records: neither applies to it.
 */
export function endingLines(
  sub: BillableSubscription,
  billed: readonly BilledLine[],
  memos: readonly MemoCredit[],
): { charges: DraftLine[]; credits: DraftLine[] } {
  if (sub.end_date === null || sub.price.kind !== 'recurring') return { charges: [], credits: [] };
  const own = billed.filter((b) => b.subscription_id === sub.id);
  return {
    charges: flatLines(sub, own, sub.end_date),
    credits: prorationCredits(sub, own, memos),
  };
}

function flatLines(
  sub: BillableSubscription,
  billed: readonly BilledLine[],
  target: string,
): DraftLine[] {
  const lines: DraftLine[] = [];
  const unit = sub.price.unit_amount ?? 0;
  const full = unit * sub.quantity;
  const billedStarts = new Set(
    billed.filter((b) => b.kind === 'subscription').map((b) => b.period_start),
  );
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
  /** What credit memos already credited per subscription period. */
  memoCredits?: MemoCredit[];
}

/** An invoice's lines, and the credits its charges do not absorb (for the customer's account). */
export interface ComputedInvoice {
  lines: DraftLine[];
  /** Proration credits (negative amounts) no charge on this invoice absorbs: credit memos. */
  accountCredits: DraftLine[];
}

/**
 * The lines for one customer at `target`. A proration credit goes on the invoice as far as its
 * charges absorb it (the invoice never goes negative); what no charge absorbs is returned apart,
 * to become a credit memo on the customer's account at once, so a customer with nothing else to
 * bill still gets it.
 */
export function computeInvoice(facts: CustomerFacts, target: string): ComputedInvoice {
  const lines: DraftLine[] = [];
  const credits: DraftLine[] = [];
  for (const sub of facts.subscriptions) {
    if (sub.price.kind === 'recurring') {
      const billed = facts.billed.filter((b) => b.subscription_id === sub.id);
      lines.push(...flatLines(sub, billed, target));
      credits.push(...prorationCredits(sub, billed, facts.memoCredits ?? []));
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
  let room = lines.reduce((s, l) => s + l.amount, 0);
  const accountCredits: DraftLine[] = [];
  for (const c of credits) {
    const absorbed = Math.min(Math.max(room, 0), -c.amount);
    if (absorbed > 0) lines.push({ ...c, amount: -absorbed });
    if (-c.amount > absorbed) accountCredits.push({ ...c, amount: c.amount + absorbed });
    room -= absorbed;
  }
  return { lines, accountCredits };
}

/** The invoice lines alone (see computeInvoice). */
export function computeLines(facts: CustomerFacts, target: string): DraftLine[] {
  return computeInvoice(facts, target).lines;
}

/**
 * True when every line and the invoice's total stay within the largest amount (issue 10 item 8):
 * summed exactly, so that a sum beyond the safe range is refused rather than rounded. The bill
 * run refuses a customer whose lines do not fit; the upcoming estimate says it will.
 */
export function fitsMaxAmount(lines: readonly Pick<DraftLine, 'amount'>[]): boolean {
  let total = 0n;
  for (const l of lines) {
    if (!Number.isSafeInteger(l.amount) || !withinMaxAmount(l.amount)) return false;
    total += BigInt(l.amount);
  }
  return withinMaxAmount(total);
}
