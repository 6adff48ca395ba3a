/**
 * The account statement (J4): a customer's open invoices, recent payments, credits and balance
 * as of today, as a PDF, and the email that carries it to the billing contacts (those whose
 * profile receives invoices), or to the customer's billing email when no contact does. Every
 * figure comes from its owner's service (balances, invoices, payments, credits): the statement
 * computes nothing of its own.
 */
import { businessDate } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { formatMoney } from '../../core/money.js';
import type { Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { customerBalance } from '../balances/service.js';
import { type Ctx, requirePermission, systemCtx, tenantToday } from '../context.js';
import { customerCredits } from '../credits/service.js';
import type { AttachmentRenderer } from '../email/service.js';
import { queueEmail, renderTemplate } from '../email/service.js';
import { listPayments, noticeRecipients } from '../payments/service.js';
import { portalUrl } from '../portal/service.js';
import { loadTenant } from '../tenants/service.js';
import { listInvoices } from './list.js';
import type { InvoiceSummary } from './model.js';
import type { PostalAddress } from './pdf.js';

/** How far back "recent payments" reach. */
export const RECENT_PAYMENT_DAYS = 90;
const SHOWN_PAYMENT_STATUSES = new Set(['succeeded', 'pending', 'refunded', 'returned', 'failed']);

export interface StatementDocument {
  date: string;
  tenant: { name: string; email: string | null };
  customer: {
    id: string;
    name: string;
    number: string;
    billing_email: string | null;
    billing_address: PostalAddress | null;
  };
  balance: {
    total_balance: number;
    total_past_due: number;
    open_invoice_count: number;
    unapplied_credits: number;
    net_balance: number;
  };
  invoices: {
    number: string | null;
    invoice_date: string;
    due_date: string | null;
    total: number;
    balance: number;
    past_due: boolean;
  }[];
  payments: { date: string; id: string; method: string; status: string; amount: number }[];
  credits: { date: string; id: string; type: 'memo' | 'unapplied'; remaining: number }[];
}

const OPEN_STATUSES = ['past_due', 'partially_paid', 'open'] as const;

/** Everything the statement shows, read through the owning services. */
export async function loadStatement(ctx: Ctx, customerId: string): Promise<StatementDocument> {
  requirePermission(ctx, 'billing:read');
  const balance = await customerBalance(ctx, customerId);
  const today = tenantToday(ctx);
  const customer = await ctx.db.one<StatementDocument['customer']>(
    `SELECT id, name, number, billing_email, billing_address FROM customers
      WHERE tenant_id = $1 AND id = $2`,
    [ctx.tenant.id, customerId],
  );
  const tenant = await ctx.db.one<{ email: string | null }>(
    `SELECT settings->>'email_from_address' AS email FROM tenants WHERE id = $1`,
    [ctx.tenant.id],
  );
  const open: InvoiceSummary[] = [];
  for (const status of OPEN_STATUSES) {
    let cursor: string | undefined;
    do {
      const page = await listInvoices(ctx, { customer: customerId, status, cursor, limit: 100 });
      open.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
  }
  open.sort(
    (a, b) =>
      (a.due_date ?? '9999').localeCompare(b.due_date ?? '9999') ||
      a.invoice_date.localeCompare(b.invoice_date) ||
      a.id.localeCompare(b.id),
  );
  const since = new Date(ctx.clock.now().getTime() - RECENT_PAYMENT_DAYS * 86_400_000);
  const payments: StatementDocument['payments'] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await listPayments(ctx, { customer: customerId, cursor, limit: 100 });
    const recent = page.data.filter((p) => new Date(p.created_at) >= since);
    for (const p of recent) {
      if (!SHOWN_PAYMENT_STATUSES.has(p.status)) continue;
      const at = p.settled_at ?? p.attempted_at ?? p.created_at;
      payments.push({
        date: businessDate(new Date(at), ctx.tenant.timeZone),
        id: p.id,
        method: p.reference ? `${p.method_type} ${p.reference}` : p.method_type,
        status: p.status,
        amount: p.amount,
      });
    }
    if (recent.length < page.data.length || !page.next_cursor) break;
    cursor = page.next_cursor;
  }
  const credits = await customerCredits(ctx, customerId, 'all');
  return {
    date: today,
    tenant: { name: ctx.tenant.name, email: tenant.email },
    customer,
    balance: {
      total_balance: balance.total_balance,
      total_past_due: balance.total_past_due,
      open_invoice_count: balance.open_invoice_count,
      unapplied_credits: balance.unapplied_credits,
      net_balance: balance.net_balance,
    },
    invoices: open.map((i) => ({
      number: i.number,
      invoice_date: i.invoice_date,
      due_date: i.due_date,
      total: i.total,
      balance: i.balance,
      past_due: i.status === 'past_due',
    })),
    payments,
    credits: credits.data.map((c) => ({
      date: c.date,
      id: c.id,
      type: c.type,
      remaining: c.remaining,
    })),
  };
}

/** The `statement_pdf` attachment, rendered when the email is sent (wired in wiring.ts). */
export const statementPdfAttachment: AttachmentRenderer = async (db, tenantId, a, clock) => {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  const doc = await loadStatement(systemCtx(db, clock, tenant), String(a.customer_id));
  const { renderStatementPdf } = await import('./statement-pdf.js');
  return {
    filename: `statement-${doc.customer.number}-${doc.date}.pdf`,
    contentType: 'application/pdf',
    content: await renderStatementPdf(doc),
  };
};

export interface StatementEmailResult {
  customer_id: string;
  emails: { id: string; to: string; contact_id: string | null }[];
}

/**
 * Emails the statement (as a PDF attachment, rendered when sent) to the customer's billing
 * contacts — or to one of its active contacts when `contactId` is given — falling back to the
 * billing email when no contact receives invoices. Audited as `customer.statement_sent`.
 */
export async function emailStatement(
  ctx: Ctx,
  customerId: string,
  options: { contactId?: string | undefined } = {},
): Promise<StatementEmailResult> {
  requirePermission(ctx, 'billing:write');
  const doc = await loadStatement(ctx, customerId);
  return ctx.db.tx(async (tx) => {
    const recipients = await statementRecipients(tx, ctx, customerId, options.contactId);
    const emails: StatementEmailResult['emails'] = [];
    for (const r of recipients) {
      const text = await renderTemplate(tx, ctx, 'statement', {
        customer: { name: doc.customer.name, number: doc.customer.number },
        contact: { name: r.name },
        statement: {
          date: doc.date,
          balance: formatMoney(doc.balance.total_balance),
          past_due: formatMoney(doc.balance.total_past_due),
          open_invoices: String(doc.balance.open_invoice_count),
        },
        portal_url: portalUrl(),
      });
      const email = await queueEmail(tx, ctx, {
        kind: 'statement',
        to: r.email,
        subject: text.subject,
        bodyText: text.text,
        bodyHtml: text.html,
        customerId,
        contactId: r.id,
        attachments: [{ type: 'statement_pdf', customer_id: customerId }],
      });
      emails.push({ id: email.id, to: email.to, contact_id: r.id });
    }
    const result = { customer_id: customerId, emails };
    await recordChange(tx, ctx, {
      action: 'customer.statement_sent',
      objectType: 'customer',
      objectId: customerId,
      after: { ...result, date: doc.date },
    });
    return result;
  });
}

async function statementRecipients(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
  contactId: string | undefined,
): Promise<{ id: string | null; name: string; email: string }[]> {
  if (contactId !== undefined) {
    const c = await tx.maybeOne<{ id: string; name: string; email: string; status: string }>(
      'SELECT id, name, email, status FROM contacts WHERE tenant_id = $1 AND id = $2 AND customer_id = $3',
      [ctx.tenant.id, contactId, customerId],
    );
    if (!c) throw new AppError('contact_not_found', { id: contactId });
    if (c.status !== 'active') throw new AppError('contact_revoked', { id: contactId });
    return [{ id: c.id, name: c.name, email: c.email }];
  }
  const found =
    (await noticeRecipients(tx, ctx.tenant.id, [customerId], ['receive_invoice_emails'])).get(
      customerId,
    ) ?? [];
  if (found.length === 0)
    throw new AppError('no_statement_recipients', { customer_id: customerId });
  return found.map((r) => ({ id: r.id ?? null, name: r.name, email: r.email }));
}
