/**
 * The portal's reads (I1, I2, C8, C9, E7, H3, C1): each scoped to the account the session opened
 * (the contact's customer) and allowed by the contact's profile (I4). They go through the owning
 * modules' services — balances, invoices, payments, credits, the upcoming estimate — so the
 * portal shows exactly the amounts the staff API shows, computed once, in one place.
 */
import { AppError } from '../../core/errors.js';
import { cursorId, page } from '../../core/schemas.js';
import {
  type BalanceStatement,
  balanceStatement,
  customerBalanceWith,
} from '../balances/service.js';
import { upcomingInvoice } from '../billruns/service.js';
import type { ContactPermission } from '../contacts/model.js';
import type { Ctx } from '../context.js';
import { customerCredits } from '../credits/service.js';
import { customerHierarchy, getCustomer } from '../customers/service.js';
import type { InvoiceStatus } from '../invoices/model.js';
import {
  getInvoice,
  lastPostedInvoiceIdSql,
  listInvoices,
  loadInvoiceDocument,
} from '../invoices/service.js';
import {
  invoiceSummary,
  lastPaymentOf,
  lastSucceededPaymentSql,
  listPaymentSummaries,
} from '../payments/service.js';
import type { PortalUsageFilters, UsageExportRequest } from '../usage/model.js';
import { customerHasUsage, listUsage, requestUsageExport } from '../usage/service.js';
import type { PortalAccount, PortalViewer } from './sessions.js';

export { portalUrl } from './links.js';

export interface PortalCaller {
  ctx: Ctx;
  account: PortalAccount;
}

/** Refuses what the contact's profile does not grant, naming the permission. */
export function requireContactPermission(caller: PortalCaller, permission: ContactPermission) {
  if (!caller.account.permissions.includes(permission)) {
    throw new AppError('portal_permission_denied', { permission });
  }
}

/**
 * The customers the account sees: its own, then its child accounts (however deep) — a parent's
 * contacts see the children's records too (A3), never the other way round.
 */
async function visibleCustomers(caller: PortalCaller) {
  const tree = await customerHierarchy(caller.ctx, caller.account.customerId);
  return tree.nodes.map((n) => ({
    id: n.id,
    name: n.name,
    number: n.number,
    parent_id: n.parent_id,
  }));
}

/** The customer a request is about: the account's own, or one of its children when asked. */
export async function targetCustomer(caller: PortalCaller, customerId: string | undefined) {
  const own = caller.account.customerId;
  if (customerId === undefined || customerId === own) return own;
  if (!(await visibleCustomers(caller)).some((c) => c.id === customerId)) {
    throw new AppError('portal_not_found', { id: customerId });
  }
  return customerId;
}

export async function portalMe(
  caller: PortalCaller,
  email: string,
  viewer: PortalViewer | null = null,
) {
  const { ctx, account } = caller;
  const customer = await getCustomer(ctx, account.customerId);
  const children = (await visibleCustomers(caller)).filter((c) => c.id !== customer.id);
  // A staff member viewing as the customer is no contact: it is named as itself.
  const contact = viewer
    ? { id: '', name: viewer.name, email: '' }
    : await ctx.db.one<{ id: string; name: string; email: string }>(
        'SELECT id, name, email FROM contacts WHERE tenant_id = $1 AND id = $2',
        [ctx.tenant.id, account.contactId],
      );
  return {
    view_as: viewer ? { staff_name: viewer.name } : null,
    login_email: email,
    contact,
    customer: { id: customer.id, name: customer.name, number: customer.number },
    children,
    tenant: {
      name: ctx.tenant.name,
      time_zone: ctx.tenant.timeZone,
      currency: ctx.tenant.currency,
      mode: ctx.tenant.mode,
    },
    permissions: account.permissions,
    has_usage: await customerHasUsage(ctx, account.customerId),
  };
}

/**
 * The dashboard's statement: the balance with the last invoice and the last payment. Made at the
 * first dashboard, not when this module loads (the modules it reads from import one another).
 */
let dashboardStatement: BalanceStatement<'last_invoice_id' | 'last_payment'> | undefined;
const dashboard = () =>
  (dashboardStatement ??= balanceStatement({
    last_invoice_id: lastPostedInvoiceIdSql('$1', '$2'),
    last_payment: lastSucceededPaymentSql('$1', '$2'),
  }));

/** The dashboard (I1): balances from the books; the last payment and credits when allowed. */
export async function portalDashboard(caller: PortalCaller) {
  requireContactPermission(caller, 'view_invoices');
  const { ctx, account } = caller;
  // One round trip: the balance, the last invoice and the last payment (docs/performance.md).
  const { balance, columns } = await customerBalanceWith(ctx, account.customerId, dashboard());
  const lastInvoiceId = (columns.last_invoice_id as string | null) ?? null;
  const lastPayment = account.permissions.includes('view_payments')
    ? lastPaymentOf(columns.last_payment)
    : null;
  return {
    currency: balance.currency,
    time_zone: ctx.tenant.timeZone,
    balance: balance.total_balance,
    past_due: balance.total_past_due,
    open_invoice_count: balance.open_invoice_count,
    children: {
      count: balance.children.count,
      balance: balance.children.total_balance,
      past_due: balance.children.total_past_due,
    },
    credits_available: account.permissions.includes('view_credits')
      ? balance.unapplied_credits
      : null,
    payable: balance.total_balance > 0 && account.permissions.includes('make_payments'),
    last_invoice_id: lastInvoiceId,
    last_payment: lastPayment,
  };
}

export async function portalInvoices(
  caller: PortalCaller,
  q: {
    status?: Exclude<InvoiceStatus, 'draft'> | undefined;
    customer_id?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
) {
  requireContactPermission(caller, 'view_invoices');
  return listInvoices(caller.ctx, {
    customer: await targetCustomer(caller, q.customer_id),
    postedOnly: true,
    status: q.status,
    cursor: q.cursor,
    limit: q.limit,
  });
}

/** An invoice of the account that has been posted; anything else is "not found" alike. */
async function ownInvoice(caller: PortalCaller, id: string) {
  requireContactPermission(caller, 'view_invoices');
  let invoice: Awaited<ReturnType<typeof getInvoice>>;
  try {
    invoice = await getInvoice(caller.ctx, id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'invoice_not_found') {
      throw new AppError('portal_not_found', { id });
    }
    throw err;
  }
  const visible =
    invoice.customer_id === caller.account.customerId ||
    (await visibleCustomers(caller)).some((c) => c.id === invoice.customer_id);
  if (!visible || invoice.status === 'draft') throw new AppError('portal_not_found', { id });
  return invoice;
}

/** An invoice with its lines and its payment summary (C9). */
export async function portalInvoice(caller: PortalCaller, id: string) {
  const invoice = await ownInvoice(caller, id);
  const summary = await invoiceSummary(caller.ctx, id);
  return {
    ...invoice,
    summary: {
      payment_pending: summary.payment_pending,
      payment_scheduled: summary.payment_scheduled,
      payments: summary.payments,
      credits: summary.credits,
      refunds: summary.refunds,
      autopay_rule: summary.autopay_rule,
    },
  };
}

export async function portalInvoiceDocument(caller: PortalCaller, id: string) {
  await ownInvoice(caller, id);
  return loadInvoiceDocument(caller.ctx.db, caller.ctx, id);
}

export async function portalPayments(
  caller: PortalCaller,
  q: { customer_id?: string | undefined; cursor?: string | undefined; limit: number },
) {
  requireContactPermission(caller, 'view_payments');
  return listPaymentSummaries(caller.ctx, {
    customer: await targetCustomer(caller, q.customer_id),
    cursor: q.cursor,
    limit: q.limit,
  });
}

export async function portalCredits(
  caller: PortalCaller,
  q: {
    type: 'memo' | 'unapplied' | 'all';
    customer_id?: string | undefined;
    cursor?: string | undefined;
    limit: number;
  },
) {
  requireContactPermission(caller, 'view_credits');
  return customerCredits(caller.ctx, await targetCustomer(caller, q.customer_id), q.type, q);
}

export async function portalUpcoming(
  caller: PortalCaller,
  q: { customer_id?: string | undefined },
) {
  requireContactPermission(caller, 'view_invoices');
  return upcomingInvoice(caller.ctx, await targetCustomer(caller, q.customer_id));
}

/** The account's usage records, newest first (H3); its own customer only. */
export async function portalUsage(
  caller: PortalCaller,
  q: PortalUsageFilters & { cursor?: string | undefined; limit: number },
) {
  requireContactPermission(caller, 'view_usage');
  const rows = await listUsage(caller.ctx, {
    customer: caller.account.customerId,
    from: q.from,
    to: q.to,
    invoiced: q.invoiced,
    q: q.q,
    before: cursorId(q.cursor),
    order: 'date',
    limit: q.limit + 1,
  });
  return page(
    rows.map((r) => ({
      id: r.id,
      client_id: r.client_id,
      unit_of_measure: r.unit_of_measure,
      quantity: r.quantity,
      usage_date: r.usage_date,
      description: r.description,
      invoiced: r.invoiced,
      invoice_id: r.invoice_id,
    })),
    q.limit,
  );
}

/** Asks for an .xlsx of the account's usage; the link comes by email (H3). */
export async function portalUsageExport(caller: PortalCaller, request: UsageExportRequest) {
  requireContactPermission(caller, 'view_usage');
  return requestUsageExport(
    caller.ctx,
    caller.account.customerId,
    caller.account.contactId,
    request,
  );
}
