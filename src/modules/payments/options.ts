/**
 * What staff can pay for a customer (the console's "Pay selected", J3, E1): its open invoices
 * from the books (balance, what a pending bank debit holds, what is left to pay, past due) and
 * its usable methods (own and shared by a parent), the one used last first. The browser shows
 * these figures; it computes none.
 */
import { payableInvoicePage } from '../books/service.js';
import { type Ctx, requirePermission, tenantToday } from '../context.js';
import { methodSummary } from '../methods/model.js';
import { listPaymentMethods } from '../methods/service.js';
import { lastUsedMethodId } from './history.js';
import { MAX_ALLOCATIONS } from './model.js';

/**
 * The methods a payer may choose from (usable ones, own and shared by a parent) and the one to
 * preselect: the one used last, else the default, else the first. Staff and portal alike.
 * listPaymentMethods checks that the customer is one of this tenant's.
 */
export async function payMethodsOf(ctx: Ctx, customerId: string) {
  const methods = await listPaymentMethods(ctx, customerId);
  const usable = methods.data.filter((m) => m.usable);
  const last = await lastUsedMethodId(ctx, customerId);
  const preselect =
    usable.find((m) => m.id === last)?.id ??
    usable.find((m) => m.id === methods.default_method_id)?.id ??
    usable[0]?.id ??
    null;
  return { usable, preselect, last };
}

export async function payOptions(ctx: Ctx, customerId: string) {
  requirePermission(ctx, 'billing:read');
  const { usable, preselect } = await payMethodsOf(ctx, customerId);
  const today = tenantToday(ctx);
  // As many as one payment may pay (MAX_ALLOCATIONS), oldest first.
  const page = await payableInvoicePage(ctx.db, ctx.tenant.id, customerId, MAX_ALLOCATIONS);
  return {
    customer_id: customerId,
    currency: ctx.tenant.currency,
    today,
    invoices: page.invoices.map((i) => ({
      ...i,
      past_due: i.due_date !== null && i.due_date < today,
    })),
    total_available: page.total_available,
    payable_count: page.payable_count,
    unlisted_count: page.unlisted_count,
    methods: usable.map(methodSummary),
    preselected_method_id: preselect,
  };
}
