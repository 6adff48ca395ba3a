/**
 * Getting invoices to customers (C6, C8, C9): the printable document and its PDF, emails to the
 * contacts whose profile receives invoices, the email history, and questions from contacts.
 */
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { formatMoney } from '../../core/money.js';
import type { Db, Queryable, Tx } from '../../db/db.js';
import { contactsWithPermission } from '../contacts/service.js';
import { type Ctx, requirePermission, systemCtx, tenantToday } from '../context.js';
import type { AttachmentRenderer } from '../email/service.js';
import { queueEmail, renderTemplate } from '../email/service.js';
import { portalUrl } from '../portal/service.js';
import { loadTenant } from '../tenants/service.js';
import { formatDate, type InvoiceDocument, type PostalAddress } from './pdf.js';
import { loadInvoice } from './queries.js';

export async function loadInvoiceDocument(
  q: Queryable,
  ctx: Pick<Ctx, 'tenant' | 'clock'>,
  id: string,
): Promise<InvoiceDocument> {
  const found = await loadInvoice(q, ctx.tenant.id, id, tenantToday(ctx));
  if (!found) throw new AppError('invoice_not_found', { id });
  const { view } = found;
  const customer = await q.one<{
    name: string;
    number: string;
    billing_email: string | null;
    billing_address: PostalAddress | null;
  }>(
    'SELECT name, number, billing_email, billing_address FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, view.customer_id],
  );
  const tenant = await q.one<{ email: string | null }>(
    `SELECT settings->>'email_from_address' AS email FROM tenants WHERE id = $1`,
    [ctx.tenant.id],
  );
  return {
    tenant: { name: ctx.tenant.name, email: tenant.email },
    customer,
    invoice: {
      ...view,
      lines: view.lines,
      adjustments: view.adjustments,
    },
  };
}

/** The `invoice_pdf` attachment of an email, rendered when it is sent (wired in wiring.ts). */
export const invoicePdfAttachment: AttachmentRenderer = async (db, tenantId, a, clock) => {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  const doc = await loadInvoiceDocument(db, { tenant, clock }, String(a.invoice_id));
  const { renderInvoicePdf } = await import('./pdf.js');
  return {
    filename: `${doc.invoice.number ?? 'draft'}.pdf`,
    contentType: 'application/pdf',
    content: await renderInvoicePdf(doc),
  };
};

/** Queues the invoice email to each contact that receives invoices; returns the email ids. */
export async function emailInvoiceIn(tx: Tx, ctx: Ctx, id: string): Promise<string[]> {
  const doc = await loadInvoiceDocument(tx, ctx, id);
  const inv = doc.invoice;
  if (inv.status === 'draft' || inv.status === 'void')
    throw new AppError('invoice_not_posted', { id });
  const customerId = (
    await tx.one<{ customer_id: string }>('SELECT customer_id FROM invoices WHERE id = $1', [id])
  ).customer_id;
  const recipients = await contactsWithPermission(
    tx,
    ctx.tenant.id,
    customerId,
    'receive_invoice_emails',
  );
  if (recipients.length === 0)
    throw new AppError('no_invoice_recipients', { customer_id: customerId });
  const ids: string[] = [];
  for (const contact of recipients) {
    const text = await renderTemplate(tx, ctx, 'invoice', {
      customer: { name: doc.customer.name, number: doc.customer.number },
      contact: { name: contact.name },
      invoice: {
        number: inv.number ?? '',
        date: formatDate(inv.invoice_date),
        due_date: inv.due_date ? formatDate(inv.due_date) : '',
        po_number: inv.po_number ?? '',
        total: formatMoney(inv.total),
        balance: formatMoney(inv.balance),
        url: portalUrl(`/invoices/${id}`),
      },
      portal_url: portalUrl(),
    });
    const email = await queueEmail(tx, ctx, {
      kind: 'invoice',
      to: contact.email,
      subject: text.subject,
      bodyText: text.text,
      bodyHtml: text.html,
      customerId,
      contactId: contact.id,
      invoiceId: id,
      attachments: [{ type: 'invoice_pdf', invoice_id: id }],
    });
    ids.push(email.id);
  }
  return ids;
}

export async function emailInvoice(ctx: Ctx, id: string): Promise<{ emails: string[] }> {
  requirePermission(ctx, 'billing:write');
  return { emails: await ctx.db.tx((tx) => emailInvoiceIn(tx, ctx, id)) };
}

/**
 * Emails every posted invoice of a bill run that has not been emailed yet, a chunk per
 * transaction; customers without invoice contacts are skipped and counted.
 */
export async function emailBillRunInvoices(
  db: Db,
  clock: Clock,
  tenantId: string,
  billRunId: string,
): Promise<{ emailed: number; without_recipients: number }> {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) throw new Error(`no tenant ${tenantId}`);
  const ctx = systemCtx(db, clock, tenant);
  let emailed = 0;
  let withoutRecipients = 0;
  let after = '';
  for (;;) {
    const chunk = await db.query<{ id: string }>(
      `SELECT i.id FROM invoices i
        WHERE i.bill_run_id = $1 AND i.status = 'posted' AND i.id > $2
          AND NOT EXISTS (SELECT 1 FROM emails e WHERE e.invoice_id = i.id AND e.kind = 'invoice')
        ORDER BY i.id LIMIT 200`,
      [billRunId, after],
    );
    if (chunk.length === 0) break;
    await db.tx(async (tx) => {
      for (const { id } of chunk) {
        try {
          await tx.query('SAVEPOINT invoice_email');
          await emailInvoiceIn(tx, ctx, id);
          await tx.query('RELEASE SAVEPOINT invoice_email');
          emailed += 1;
        } catch (err) {
          await tx.query('ROLLBACK TO SAVEPOINT invoice_email');
          if ((err as AppError).code !== 'no_invoice_recipients') throw err;
          withoutRecipients += 1;
        }
      }
    });
    after = chunk[chunk.length - 1]?.id ?? after;
  }
  return { emailed, without_recipients: withoutRecipients };
}
