/**
 * A payment's review before it is made (E3, E1): the checks of what the payer asked against the
 * books (each invoice the customer's and posted, each amount at most what is payable on it, the
 * date today or later) and the scheduled or autopay payments it would lower. The console's
 * POST /payments/preview and the portal's POST /portal/payments/preview both use these; nothing
 * is written. The payment itself checks again under the invoices' locks.
 */
import { AppError } from '../../core/errors.js';
import { invoiceBalances, type PayableInvoice, payableInvoicesOf } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import type { Allocation } from './model.js';
import { type ScheduledReduction, scheduledReducedBy } from './scheduled.js';

/**
 * The payable invoices of the allocations, by id. An id that is not a posted invoice of the
 * customer is `notFound` (the portal answers it like any other account's id); an amount above
 * what is payable (open balance less pending debits) is amount_exceeds_balance on its field.
 */
export async function checkPayableAllocations(
  ctx: Ctx,
  customerId: string,
  allocations: readonly Allocation[],
  notFound: 'portal_not_found' | 'invoice_not_found',
): Promise<Map<string, PayableInvoice>> {
  const ids = allocations.map((a) => a.invoice_id);
  const payable = new Map(
    (await payableInvoicesOf(ctx.db, ctx.tenant.id, customerId, ids)).map((i) => [i.id, i]),
  );
  const missing = ids.filter((id) => !payable.has(id));
  if (missing.length > 0) {
    const known = new Map(
      (await invoiceBalances(ctx.db, ctx.tenant.id, missing)).map((b) => [b.id, b]),
    );
    for (const id of missing) {
      const b = known.get(id);
      if (!b || b.customer_id !== customerId || b.status !== 'posted') {
        throw new AppError(notFound, { id });
      }
    }
  }
  allocations.forEach((a, i) => {
    const inv = payable.get(a.invoice_id);
    const available = inv?.available ?? 0;
    if (a.amount > available) {
      throw new AppError(
        'amount_exceeds_balance',
        {
          field: `allocations.${i}.amount`,
          invoice_id: a.invoice_id,
          available,
          pending: inv?.pending ?? 0,
        },
        inv && inv.pending > 0
          ? `More than can be paid on invoice ${inv.number ?? a.invoice_id}: part of it is already being paid by a bank debit that has not settled.`
          : `More than is open on invoice ${inv?.number ?? a.invoice_id}.`,
      );
    }
  });
  return payable;
}

/** A payment date: null for today ("now"); a past date is scheduled_date_in_past on `field`. */
export function payDate(ctx: Ctx, date: string | undefined, field: string): string | null {
  if (date === undefined) return null;
  const today = tenantToday(ctx);
  if (date < today) {
    throw new AppError('scheduled_date_in_past', { field, scheduled_for: date, today });
  }
  return date === today ? null : date;
}

/** What a payment of `allocations` would do: per invoice, the total, and what it lowers (E3). */
export async function previewLines(
  ctx: Ctx,
  customerId: string,
  allocations: readonly Allocation[],
  payable: Map<string, PayableInvoice>,
  payOn: string | null,
) {
  const lines = allocations.map((a) => {
    const inv = payable.get(a.invoice_id) as PayableInvoice;
    return {
      invoice_id: a.invoice_id,
      number: inv.number,
      due_date: inv.due_date,
      balance: inv.balance,
      pending: inv.pending,
      amount: a.amount,
      remaining: inv.balance - inv.pending - a.amount,
    };
  });
  // A payment on a later date clips nothing now: the scheduled payments are settled when it runs.
  const reduces: ScheduledReduction[] =
    payOn === null ? await scheduledReducedBy(ctx.db, ctx, customerId, [...allocations]) : [];
  return {
    lines,
    total: allocations.reduce((s, a) => s + a.amount, 0),
    reduces,
  };
}

/** POST /payments/preview: the staff review of a payment for a customer, charging nothing. */
export async function previewPayment(
  ctx: Ctx,
  input: { customer_id: string; allocations: Allocation[]; scheduled_for?: string | undefined },
) {
  requirePermission(ctx, 'billing:read');
  const customer = await ctx.db.maybeOne(
    'SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, input.customer_id],
  );
  if (!customer) throw new AppError('customer_not_found', { id: input.customer_id });
  const payable = await checkPayableAllocations(
    ctx,
    input.customer_id,
    input.allocations,
    'invoice_not_found',
  );
  const payOn = payDate(ctx, input.scheduled_for, 'scheduled_for');
  return {
    customer_id: input.customer_id,
    currency: ctx.tenant.currency,
    scheduled_for: payOn,
    today: tenantToday(ctx),
    ...(await previewLines(ctx, input.customer_id, input.allocations, payable, payOn)),
  };
}
