import { z } from 'zod';
import type { App } from '../../http/app.js';
import { cursorId, IdParams, page } from '../../http/schemas.js';
import {
  EmailListQuery,
  EmailSummary,
  EmailView,
  TemplateKeyParams,
  TemplatePreview,
  TemplatePreviewRequest,
  TemplateTestRequest,
  TemplateUpdate,
  TemplateView,
} from './model.js';
import { getEmail, listEmails, resendEmail, sendTestEmail } from './service.js';
import {
  getTemplate,
  listTemplates,
  previewTemplate,
  resetTemplate,
  updateTemplate,
} from './template-store.js';

const tags = ['email'];

export async function emailRoutes(app: App): Promise<void> {
  app.get(
    '/emails',
    {
      schema: {
        operationId: 'listEmails',
        errors: ['invalid_cursor'],
        tags,
        summary: 'The email history with delivery status, newest first',
        querystring: EmailListQuery,
        response: {
          200: z.object({ data: z.array(EmailSummary), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor, customer, contact, invoice, status, kind, to } = req.query;
      const rows = await listEmails(req.ctx, {
        customerId: customer,
        contactId: contact,
        invoiceId: invoice,
        status,
        kind,
        to,
        after: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.get(
    '/emails/:id',
    {
      schema: {
        operationId: 'getEmail',
        errors: ['email_not_found'],
        tags,
        summary: 'One email: recipients, subject, bodies, attachments and delivery status',
        params: IdParams,
        response: { 200: EmailView },
      },
    },
    (req) => getEmail(req.ctx, req.params.id),
  );
  app.post(
    '/emails/:id/resend',
    {
      schema: {
        operationId: 'resendEmail',
        errors: ['email_not_found'],
        tags,
        summary: 'Queue a copy of an email to the same recipients',
        params: IdParams,
        body: z.strictObject({}).nullish(),
        response: { 201: EmailView },
      },
    },
    async (req, reply) => reply.code(201).send(await resendEmail(req.ctx, req.params.id)),
  );

  app.get(
    '/email-templates',
    {
      schema: {
        operationId: 'listEmailTemplates',
        tags,
        summary: 'Every email template: the tenant’s text or the built-in default',
        response: { 200: z.object({ data: z.array(TemplateView) }) },
      },
    },
    async (req) => ({ data: await listTemplates(req.ctx) }),
  );
  app.get(
    '/email-templates/:key',
    {
      schema: {
        operationId: 'getEmailTemplate',
        errors: ['email_template_not_found'],
        tags,
        summary: 'One email template with the placeholders it may use',
        params: TemplateKeyParams,
        response: { 200: TemplateView },
      },
    },
    (req) => getTemplate(req.ctx, req.params.key),
  );
  app.put(
    '/email-templates/:key',
    {
      schema: {
        operationId: 'replaceEmailTemplate',
        errors: ['email_template_invalid', 'email_template_not_found'],
        tags,
        summary: 'Replace a template’s subject and text (owner, admin)',
        description:
          'Placeholders are written {{name}}; only the names listed in the template’s ' +
          '`variables` are accepted. The HTML body is the text with every value escaped.',
        params: TemplateKeyParams,
        body: TemplateUpdate,
        response: { 200: TemplateView },
      },
    },
    (req) => updateTemplate(req.ctx, req.params.key, req.body),
  );
  app.delete(
    '/email-templates/:key',
    {
      schema: {
        operationId: 'resetEmailTemplate',
        errors: ['email_template_not_found'],
        tags,
        summary: 'Reset a template to the built-in default (owner, admin)',
        params: TemplateKeyParams,
        response: { 200: TemplateView },
      },
    },
    (req) => resetTemplate(req.ctx, req.params.key),
  );
  app.post(
    '/email-templates/:key/preview',
    {
      schema: {
        operationId: 'previewEmailTemplate',
        errors: ['email_template_invalid', 'email_template_not_found'],
        tags,
        summary: 'Render a template on sample data: the saved text, or an unsaved edit',
        description:
          'Uses the renderer real emails use. With subject and body_text, renders that edit ' +
          '(checked as a save would be) without saving it.',
        params: TemplateKeyParams,
        body: TemplatePreviewRequest.nullish(),
        response: { 200: TemplatePreview },
      },
    },
    (req) =>
      previewTemplate(
        req.ctx,
        req.params.key,
        req.body?.subject !== undefined && req.body.body_text !== undefined
          ? { subject: req.body.subject, body_text: req.body.body_text }
          : null,
      ),
  );
  app.post(
    '/email-templates/:key/test',
    {
      schema: {
        operationId: 'sendTestEmailTemplate',
        errors: ['email_template_invalid', 'email_template_not_found'],
        tags,
        summary: 'Send a template on sample data to an address (owner, admin)',
        description:
          'Queued in the outbox like any email, with "[Test]" before the subject; with ' +
          'subject and body_text, sends that unsaved edit.',
        params: TemplateKeyParams,
        body: TemplateTestRequest,
        response: { 201: EmailView },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await sendTestEmail(req.ctx, req.params.key, req.body)),
  );
}
