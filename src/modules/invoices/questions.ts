/**
 * "Ask a question" about an invoice (C9): the question is recorded against the invoice and
 * emailed to the tenant's billing staff (owners, admins and billing users), or to the tenant's
 * sender address when no staff user can receive it.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { queueEmail, renderTemplate } from '../email/service.js';
import { portalUrl } from '../portal/service.js';
import { billingStaffEmails } from '../staff/service.js';

export interface QuestionView {
  id: string;
  invoice_id: string;
  contact_id: string | null;
  message: string;
  created_at: string;
  notified: string[];
}

export async function askQuestion(
  ctx: Ctx,
  invoiceId: string,
  input: { message: string; contact_id?: string | undefined },
): Promise<QuestionView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const invoice = await tx.maybeOne<{
      number: string | null;
      customer_id: string;
      name: string;
      cnum: string;
    }>(
      `SELECT i.number, i.customer_id, c.name, c.number AS cnum
         FROM invoices i JOIN customers c ON c.id = i.customer_id
        WHERE i.tenant_id = $1 AND i.id = $2`,
      [ctx.tenant.id, invoiceId],
    );
    if (!invoice) throw new AppError('invoice_not_found', { id: invoiceId });
    let from = 'the customer';
    if (input.contact_id) {
      const contact = await tx.maybeOne<{ name: string; email: string }>(
        'SELECT name, email FROM contacts WHERE tenant_id = $1 AND id = $2 AND customer_id = $3',
        [ctx.tenant.id, input.contact_id, invoice.customer_id],
      );
      if (!contact) throw new AppError('contact_not_found', { id: input.contact_id });
      from = `${contact.name} <${contact.email}>`;
    }
    const id = newId('invoiceQuestion');
    const now = tenantNow(ctx);
    await tx.query(
      `INSERT INTO invoice_questions (id, tenant_id, invoice_id, contact_id, message, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [id, ctx.tenant.id, invoiceId, input.contact_id ?? null, input.message, now],
    );
    const to = await billingStaffEmails(tx, ctx.tenant.id);
    for (const address of to) {
      const text = await renderTemplate(tx, ctx, 'question', {
        customer: { name: invoice.name, number: invoice.cnum },
        contact: { name: from },
        invoice: { number: invoice.number ?? 'draft' },
        question: { text: input.message, from },
        console_url: '',
        portal_url: portalUrl(),
      });
      await queueEmail(tx, ctx, {
        kind: 'question',
        to: address,
        subject: text.subject,
        bodyText: text.text,
        bodyHtml: text.html,
        customerId: invoice.customer_id,
        contactId: input.contact_id,
        invoiceId,
      });
    }
    const view: QuestionView = {
      id,
      invoice_id: invoiceId,
      contact_id: input.contact_id ?? null,
      message: input.message,
      created_at: now.toISOString(),
      notified: to,
    };
    await recordChange(tx, ctx, {
      action: 'invoice.question_asked',
      objectType: 'invoice',
      objectId: invoiceId,
      after: { ...view, notified: undefined },
    });
    return view;
  });
}

export async function listQuestions(
  ctx: Ctx,
  invoiceId: string,
): Promise<Omit<QuestionView, 'notified'>[]> {
  requirePermission(ctx, 'billing:read');
  // An unknown invoice, or another tenant's, answers 404 like every other read by id.
  const invoice = await ctx.db.maybeOne('SELECT 1 FROM invoices WHERE tenant_id = $1 AND id = $2', [
    ctx.tenant.id,
    invoiceId,
  ]);
  if (!invoice) throw new AppError('invoice_not_found', { id: invoiceId });
  const rows = await ctx.db.query<{
    id: string;
    invoice_id: string;
    contact_id: string | null;
    message: string;
    created_at: Date;
  }>(
    `SELECT id, invoice_id, contact_id, message, created_at FROM invoice_questions
      WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY id`,
    [ctx.tenant.id, invoiceId],
  );
  return rows.map((r) => ({ ...r, created_at: r.created_at.toISOString() }));
}
