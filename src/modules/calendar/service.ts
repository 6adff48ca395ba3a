/**
 * The payments calendar (E9, G4): for a range of business dates, per day the count and total of
 * scheduled payments (on their scheduled_for date) and of projected autopay payments, with a
 * breakdown. An autopay payment is projected for each posted invoice with something left to pay
 * whose customer is on autopay and that a rule (or the simple flag with a usable default method)
 * would pay, on the invoice's due date — or today when it is past due or has no due date, since
 * the next payment run would collect it. Both follow what is open now: payments and credits
 * applied since reduced the scheduled payments (E3) and lower the projections. A projection also
 * leaves out what scheduled payments mean to pay on that invoice, whatever their date: they take
 * precedence over autopay, which collects only the rest. A payment run collects exactly these
 * projections (paymentruns/service.ts invoicesToCollect: due by its target date, less what
 * scheduled payments cover).
 */
import { daysBetween } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { autopayChoices, ON_AUTOPAY_SQL } from '../autopay/service.js';
import { availableOn as availableToPay } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import { scheduledCover } from '../payments/service.js';

export const MAX_CALENDAR_DAYS = 366;

export interface CalendarEntry {
  type: 'scheduled' | 'autopay';
  payment_id: string | null;
  invoice_id: string | null;
  customer_id: string;
  amount: number;
  rule: { id: string; name: string } | null;
  /** The customer's name and number, so a breakdown reads without a request per row. */
  customer_name: string;
  customer_number: string;
  /**
   * The invoices the payment is for: the projected one for autopay; a scheduled payment's planned
   * allocations (empty when it pays the oldest first).
   */
  invoices: { id: string; number: string | null }[];
}

export interface CalendarDay {
  date: string;
  count: number;
  total: number;
  scheduled: { count: number; total: number };
  autopay: { count: number; total: number };
  breakdown: CalendarEntry[];
}

export interface CalendarView {
  from: string;
  to: string;
  currency: 'USD';
  count: number;
  total: number;
  days: CalendarDay[];
}

export async function paymentsCalendar(
  ctx: Ctx,
  q: { from: string; to: string; customer?: string | undefined },
): Promise<CalendarView> {
  requirePermission(ctx, 'billing:read');
  const span = daysBetween(q.from, q.to);
  if (span < 0 || span >= MAX_CALENDAR_DAYS) {
    throw new AppError('calendar_range_invalid', { from: q.from, to: q.to, days: span + 1 });
  }
  const today = tenantToday(ctx);
  type Entry = Omit<CalendarEntry, 'customer_name' | 'customer_number' | 'invoices'> & {
    date: string;
    invoiceIds: string[];
  };
  const entries: Entry[] = [];
  const scheduled = await ctx.db.query<{
    id: string;
    customer_id: string;
    amount: number;
    scheduled_for: string;
    autopay_rule_id: string | null;
    planned_allocations: { invoice_id: string }[] | null;
  }>(
    `SELECT id, customer_id, amount, scheduled_for, autopay_rule_id, planned_allocations FROM payments
      WHERE tenant_id = $1 AND status = 'scheduled' AND scheduled_for BETWEEN $2 AND $3
        AND ($4::text IS NULL OR customer_id = $4)
      ORDER BY scheduled_for, id`,
    [ctx.tenant.id, q.from, q.to, q.customer ?? null],
  );
  for (const p of scheduled) {
    entries.push({
      date: p.scheduled_for,
      type: 'scheduled',
      payment_id: p.id,
      invoice_id: null,
      customer_id: p.customer_id,
      amount: p.amount,
      rule: null,
      invoiceIds: (p.planned_allocations ?? []).map((a) => a.invoice_id),
    });
  }
  // Projection: only when the range reaches today or later (nothing is projected in the past).
  if (q.to >= today) {
    const invoices = await ctx.db.query<{ id: string; due_date: string | null }>(
      `SELECT i.id, i.due_date FROM invoices i
         JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
        WHERE i.tenant_id = $1 AND i.status = 'posted' AND ($2::text IS NULL OR i.customer_id = $2)
          AND ${ON_AUTOPAY_SQL}
          AND (i.due_date IS NULL OR i.due_date <= $3) ORDER BY i.id`,
      [ctx.tenant.id, q.customer ?? null, q.to],
    );
    const dated = invoices
      .map((i) => ({ id: i.id, date: i.due_date && i.due_date > today ? i.due_date : today }))
      .filter((i) => i.date >= q.from && i.date <= q.to);
    const ids = dated.map((i) => i.id);
    const open = await availableToPay(ctx.db, ctx.tenant.id, ids);
    const payable = ids.filter((id) => (open.get(id) ?? 0) > 0);
    const choices = await autopayChoices(ctx.db, ctx, payable);
    const cover = await scheduledCover(ctx.db, ctx.tenant.id, payable);
    for (const i of dated) {
      const choice = choices.get(i.id);
      const amount = Math.max(0, (open.get(i.id) ?? 0) - (cover.get(i.id) ?? 0));
      if (!choice || amount <= 0) continue;
      entries.push({
        date: i.date,
        type: 'autopay',
        payment_id: null,
        invoice_id: i.id,
        customer_id: choice.customerId,
        amount,
        rule: choice.rule,
        invoiceIds: [i.id],
      });
    }
  }
  const names = await namesOf(
    ctx,
    [...new Set(entries.map((e) => e.customer_id))],
    [...new Set(entries.flatMap((e) => e.invoiceIds))],
  );
  const byDay = new Map<string, CalendarDay>();
  for (const { date, invoiceIds, ...rest } of entries) {
    const customer = names.customers.get(rest.customer_id);
    const e: CalendarEntry = {
      ...rest,
      customer_name: customer?.name ?? '',
      customer_number: customer?.number ?? '',
      invoices: invoiceIds.map((id) => ({ id, number: names.invoices.get(id) ?? null })),
    };
    const day = byDay.get(date) ?? {
      date,
      count: 0,
      total: 0,
      scheduled: { count: 0, total: 0 },
      autopay: { count: 0, total: 0 },
      breakdown: [],
    };
    day.count += 1;
    day.total += e.amount;
    day[e.type].count += 1;
    day[e.type].total += e.amount;
    day.breakdown.push(e);
    byDay.set(date, day);
  }
  const days = [...byDay.values()].sort((a, b) => a.date.localeCompare(b.date));
  return {
    from: q.from,
    to: q.to,
    currency: 'USD',
    count: days.reduce((s, d) => s + d.count, 0),
    total: days.reduce((s, d) => s + d.total, 0),
    days,
  };
}

/** The names and numbers a breakdown shows, in two queries for the whole range. */
async function namesOf(
  ctx: Ctx,
  customerIds: string[],
  invoiceIds: string[],
): Promise<{
  customers: Map<string, { name: string; number: string }>;
  invoices: Map<string, string | null>;
}> {
  const customers = customerIds.length
    ? await ctx.db.query<{ id: string; name: string; number: string }>(
        'SELECT id, name, number FROM customers WHERE tenant_id = $1 AND id = ANY($2::text[])',
        [ctx.tenant.id, customerIds],
      )
    : [];
  const invoices = invoiceIds.length
    ? await ctx.db.query<{ id: string; number: string | null }>(
        'SELECT id, number FROM invoices WHERE tenant_id = $1 AND id = ANY($2::text[])',
        [ctx.tenant.id, invoiceIds],
      )
    : [];
  return {
    customers: new Map(customers.map((c) => [c.id, { name: c.name, number: c.number }])),
    invoices: new Map(invoices.map((i) => [i.id, i.number])),
  };
}
