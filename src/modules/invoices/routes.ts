import { z } from 'zod';
import type { App } from '../../http/app.js';
import {
  cursorId,
  IdParams,
  ListQuery,
  NoBody,
  NoContent,
  PdfResponse,
  page,
} from '../../http/schemas.js';
import { requirePermission } from '../context.js';
import { EmailSummary } from '../email/model.js';
import { latestInvoiceEmails, listEmails } from '../email/service.js';
import { emailInvoice, loadInvoiceDocument } from './delivery.js';
import { customerNames, listInvoices } from './list.js';
import {
  AdjustmentInput,
  INVOICE_STATUSES,
  InvoiceChange,
  InvoiceCreate,
  InvoicePatch,
  InvoiceSummary,
  InvoiceView,
  LineInput,
  VoidInput,
} from './model.js';
import { renderInvoicePdf } from './pdf.js';
import { askQuestion, listQuestions } from './questions.js';
import {
  addLine,
  adjustInvoice,
  createInvoice,
  deleteDraft,
  getInvoice,
  postInvoice,
  removeLine,
  updateDraft,
  voidInvoice,
} from './service.js';
import { emailStatement, loadStatement } from './statement.js';
import { renderStatementPdf } from './statement-pdf.js';

const tags = ['invoices'];
const LineParams = z.strictObject({ id: z.string().max(64), lineId: z.string().max(64) });

const QuestionBody = z.strictObject({
  message: z.string().trim().min(1).max(5000),
  contact_id: z.string().max(64).optional(),
});

const Question = z.object({
  id: z.string(),
  invoice_id: z.string(),
  contact_id: z.string().nullable(),
  message: z.string(),
  created_at: z.string(),
  notified: z.array(z.string()).describe('Staff emails the question was sent to'),
});

export async function invoiceRoutes(app: App): Promise<void> {
  app.get(
    '/invoices/:id/pdf',
    {
      schema: {
        operationId: 'getInvoicePdf',
        errors: ['invoice_not_found'],
        tags,
        summary: 'The invoice as a PDF',
        params: IdParams,
        response: { 200: PdfResponse },
      },
    },
    async (req, reply) => {
      requirePermission(req.ctx, 'billing:read');
      const doc = await loadInvoiceDocument(req.ctx.db, req.ctx, req.params.id);
      const pdf = await renderInvoicePdf(doc);
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="${doc.invoice.number ?? `draft-${doc.invoice.id}`}.pdf"`,
        )
        .send(pdf);
    },
  );
  app.get(
    '/customers/:id/statement.pdf',
    {
      schema: {
        operationId: 'getCustomerStatementPdf',
        errors: ['amount_too_large', 'customer_not_found'],
        tags: ['customers'],
        summary:
          'The account statement as a PDF: balance, open invoices, payments of the last 90 days, credits',
        params: IdParams,
        response: { 200: PdfResponse },
      },
    },
    async (req, reply) => {
      const doc = await loadStatement(req.ctx, req.params.id);
      const pdf = await renderStatementPdf(doc);
      return reply
        .header('content-type', 'application/pdf')
        .header(
          'content-disposition',
          `inline; filename="statement-${doc.customer.number}-${doc.date}.pdf"`,
        )
        .send(pdf);
    },
  );
  app.post(
    '/customers/:id/statement/email',
    {
      schema: {
        operationId: 'emailCustomerStatement',
        errors: [
          'amount_too_large',
          'contact_not_found',
          'contact_revoked',
          'customer_not_found',
          'no_statement_recipients',
        ],
        tags: ['customers'],
        summary:
          'Email the account statement (PDF attached) to the billing contacts, the billing email ' +
          'when none, or one contact',
        params: IdParams,
        body: z
          .strictObject({
            contact_id: z
              .string()
              .min(1)
              .max(64)
              .optional()
              .describe('Send to this active contact only'),
          })
          .nullish(),
        response: {
          202: z.object({
            customer_id: z.string(),
            emails: z.array(
              z.object({ id: z.string(), to: z.string(), contact_id: z.string().nullable() }),
            ),
          }),
        },
      },
    },
    async (req, reply) =>
      reply
        .code(202)
        .send(await emailStatement(req.ctx, req.params.id, { contactId: req.body?.contact_id })),
  );
  app.post(
    '/invoices/:id/email',
    {
      schema: {
        operationId: 'emailInvoice',
        errors: ['invoice_not_found', 'invoice_not_posted', 'no_invoice_recipients'],
        tags,
        summary:
          'Email a posted invoice (with its PDF) to the contacts whose profile receives invoices',
        params: IdParams,
        body: NoBody,
        response: { 202: z.object({ emails: z.array(z.string()) }) },
      },
    },
    async (req, reply) => reply.code(202).send(await emailInvoice(req.ctx, req.params.id)),
  );
  app.get(
    '/invoices/:id/emails',
    {
      schema: {
        operationId: 'listInvoiceEmails',
        errors: ['invoice_not_found'],
        tags,
        summary: 'The email history of an invoice, newest first',
        params: IdParams,
        querystring: ListQuery,
        response: {
          200: z.object({ data: z.array(EmailSummary), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      await getInvoice(req.ctx, req.params.id);
      const rows = await listEmails(req.ctx, {
        invoiceId: req.params.id,
        after: cursorId(req.query.cursor),
        limit: req.query.limit + 1,
      });
      return page(rows, req.query.limit);
    },
  );
  app.post(
    '/invoices/:id/questions',
    {
      schema: {
        operationId: 'askInvoiceQuestion',
        errors: ['invoice_not_found'],
        tags,
        summary: 'Record a contact’s question about an invoice and email it to billing staff',
        params: IdParams,
        body: QuestionBody,
        response: { 201: Question },
      },
    },
    async (req, reply) => reply.code(201).send(await askQuestion(req.ctx, req.params.id, req.body)),
  );
  app.get(
    '/invoices/:id/questions',
    {
      schema: {
        operationId: 'listInvoiceQuestions',
        errors: ['invoice_not_found'],
        tags,
        summary: 'Questions asked about an invoice',
        params: IdParams,
        response: { 200: z.object({ data: z.array(Question.omit({ notified: true })) }) },
      },
    },
    async (req) => ({ data: await listQuestions(req.ctx, req.params.id) }),
  );

  app.post(
    '/invoices',
    {
      schema: {
        operationId: 'createInvoice',
        errors: ['amount_too_large', 'customer_not_found'],
        tags,
        summary: 'Create an ad hoc draft invoice',
        body: InvoiceCreate,
        response: { 201: InvoiceView },
      },
    },
    async (req, reply) => reply.code(201).send(await createInvoice(req.ctx, req.body)),
  );
  app.get(
    '/invoices',
    {
      schema: {
        operationId: 'listInvoices',
        tags,
        summary: 'Invoices, newest first',
        querystring: ListQuery.extend({
          customer: z.string().max(64).optional(),
          bill_run: z.string().max(64).optional(),
          status: z.enum(INVOICE_STATUSES).optional(),
          q: z
            .string()
            .trim()
            .min(1)
            .max(200)
            .optional()
            .describe('Part of the invoice number or the customer’s name, or the customer number'),
        }),
        response: {
          200: z.object({
            data: z.array(
              InvoiceSummary.extend({
                customer_name: z.string(),
                last_email: z
                  .object({
                    status: z.enum(['queued', 'sent', 'failed']),
                    to: z.string(),
                    last_error: z.string().nullable(),
                    sent_at: z.string().nullable(),
                    created_at: z.string(),
                  })
                  .nullable()
                  .describe('The invoice’s newest email (queued, sent or failed); null when none'),
              }),
            ),
            next_cursor: z.string().nullable(),
          }),
        },
      },
    },
    async (req) => {
      const listed = await listInvoices(req.ctx, req.query);
      const names = await customerNames(req.ctx, listed.data);
      const emails = await latestInvoiceEmails(
        req.ctx,
        listed.data.map((i) => i.id),
      );
      return {
        ...listed,
        data: listed.data.map((i) => {
          const e = emails.get(i.id);
          return {
            ...i,
            customer_name: names.get(i.customer_id) ?? '',
            last_email: e
              ? {
                  status: e.status,
                  to: e.to,
                  last_error: e.last_error,
                  sent_at: e.sent_at,
                  created_at: e.created_at,
                }
              : null,
          };
        }),
      };
    },
  );
  app.get(
    '/invoices/:id',
    {
      schema: {
        operationId: 'getInvoice',
        errors: ['invoice_not_found'],
        tags,
        summary: 'An invoice with its lines and adjustments',
        params: IdParams,
        response: { 200: InvoiceView },
      },
    },
    (req) => getInvoice(req.ctx, req.params.id),
  );
  app.patch(
    '/invoices/:id',
    {
      schema: {
        operationId: 'updateInvoice',
        errors: ['invoice_not_found'],
        tags,
        summary: 'Change a draft’s date, PO number or memo',
        params: IdParams,
        body: InvoicePatch,
        response: { 200: InvoiceView },
      },
    },
    (req) => updateDraft(req.ctx, req.params.id, req.body),
  );
  app.delete(
    '/invoices/:id',
    {
      schema: {
        operationId: 'deleteInvoice',
        errors: ['invoice_not_draft', 'invoice_not_found'],
        tags,
        summary: 'Delete a draft; what it billed is billed again later',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      await deleteDraft(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );
  app.post(
    '/invoices/:id/lines',
    {
      schema: {
        operationId: 'addInvoiceLine',
        errors: [
          'amount_too_large',
          'invoice_not_draft',
          'invoice_not_found',
          'price_kind_mismatch',
        ],
        tags,
        summary: 'Add a line to a draft',
        params: IdParams,
        body: LineInput,
        response: { 200: InvoiceView },
      },
    },
    (req) => addLine(req.ctx, req.params.id, req.body),
  );
  app.delete(
    '/invoices/:id/lines/:lineId',
    {
      schema: {
        operationId: 'removeInvoiceLine',
        errors: ['invoice_line_not_found', 'invoice_not_found'],
        tags,
        summary: 'Remove a line from a draft',
        params: LineParams,
        response: { 200: InvoiceView },
      },
    },
    (req) => removeLine(req.ctx, req.params.id, req.params.lineId),
  );
  app.post(
    '/invoices/:id/post',
    {
      schema: {
        operationId: 'postInvoice',
        errors: ['amount_too_large', 'invoice_empty', 'invoice_not_draft', 'invoice_not_found'],
        tags,
        summary: 'Post a draft: next number, due date from the terms, frozen',
        params: IdParams,
        body: NoBody,
        response: { 200: InvoiceView },
      },
    },
    (req) => postInvoice(req.ctx, req.params.id),
  );
  app.post(
    '/invoices/:id/adjustments',
    {
      schema: {
        operationId: 'adjustInvoice',
        errors: [
          'amount_too_large',
          'adjustment_exceeds_balance',
          'invoice_line_not_found',
          'invoice_not_found',
          'invoice_not_posted',
        ],
        tags,
        summary: 'Credit or charge a posted invoice (or one of its lines), with a reason',
        params: IdParams,
        body: AdjustmentInput,
        response: { 200: InvoiceChange },
      },
    },
    (req) => adjustInvoice(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/invoices/:id/void',
    {
      schema: {
        operationId: 'voidInvoice',
        errors: ['invoice_has_applications', 'invoice_not_found', 'invoice_not_posted'],
        tags,
        summary: 'Void a posted invoice with nothing applied',
        params: IdParams,
        body: VoidInput,
        response: { 200: InvoiceChange },
      },
    },
    (req) => voidInvoice(req.ctx, req.params.id, req.body.reason),
  );
}
