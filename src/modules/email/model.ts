/** The email outbox and templates (C6, J4, L4): request and response shapes, all pure. */
import { z } from 'zod';
import { ListQuery } from '../../core/schemas.js';
import { TEMPLATE_KEYS } from './templates.js';

export const EMAIL_KINDS = [
  'invoice',
  'receipt',
  'payment_failed',
  'statement',
  'question',
  'welcome',
  'password_reset',
  'portal_confirmation',
  'other',
] as const;
export type EmailKind = (typeof EMAIL_KINDS)[number];

export const EMAIL_STATUSES = ['queued', 'sent', 'failed'] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/**
 * What to attach, rendered when the message is sent (so a resend carries the invoice as it is
 * then): `type` names a renderer registered with registerAttachmentRenderer, the other fields
 * are its parameters, e.g. `{ type: 'invoice_pdf', invoice_id: 'inv_…' }`.
 */
export const AttachmentDescriptor = z
  .object({ type: z.string().min(1).max(64) })
  .catchall(z.unknown())
  .describe('An attachment rendered at send time, e.g. {type: "invoice_pdf", invoice_id}');
export type AttachmentDescriptor = z.infer<typeof AttachmentDescriptor>;

const EmailAddress = z.email().max(320);

/** A message handed to queueEmail by another module's use case. */
export const OutgoingEmail = z.strictObject({
  kind: z.enum(EMAIL_KINDS),
  to: EmailAddress,
  cc: z.array(EmailAddress).max(20).default([]),
  subject: z.string().trim().min(1).max(998),
  bodyText: z.string().max(200_000),
  bodyHtml: z.string().max(500_000).nullable().default(null),
  customerId: z.string().max(64).nullable().default(null),
  contactId: z.string().max(64).nullable().default(null),
  invoiceId: z.string().max(64).nullable().default(null),
  attachments: z.array(AttachmentDescriptor).max(20).default([]),
});
export type OutgoingEmail = z.input<typeof OutgoingEmail>;

export const EmailListQuery = ListQuery.extend({
  customer: z.string().max(64).optional().describe('Only emails about this customer'),
  contact: z.string().max(64).optional().describe('Only emails to this contact'),
  invoice: z.string().max(64).optional().describe('Only emails about this invoice'),
  status: z.enum(EMAIL_STATUSES).optional(),
  kind: z.enum(EMAIL_KINDS).optional(),
  to: z
    .string()
    .trim()
    .min(1)
    .max(320)
    .optional()
    .describe('Only emails whose recipient address contains this text (case-insensitive)'),
});

export const EmailSummary = z.object({
  id: z.string(),
  kind: z.enum(EMAIL_KINDS),
  customer_id: z.string().nullable(),
  contact_id: z.string().nullable(),
  invoice_id: z.string().nullable(),
  to: z.string(),
  cc: z.array(z.string()),
  subject: z.string(),
  attachments: z.array(AttachmentDescriptor),
  status: z.enum(EMAIL_STATUSES),
  attempts: z.number().describe('SMTP attempts made so far'),
  last_error: z.string().nullable().describe('Why the last attempt failed'),
  sent_at: z.string().nullable(),
  message_id: z.string().nullable(),
  resent_from: z.string().nullable().describe('The email this one is a copy of'),
  created_at: z.string(),
});
export type EmailSummary = z.infer<typeof EmailSummary>;

export const EmailView = EmailSummary.extend({
  body_text: z.string(),
  body_html: z.string().nullable(),
});
export type EmailView = z.infer<typeof EmailView>;

export const TemplateKeyParams = z.strictObject({ key: z.string().min(1).max(64) });

export const TemplateUpdate = z.strictObject({
  subject: z.string().trim().min(1).max(998),
  body_text: z.string().min(1).max(20_000),
});
export type TemplateUpdate = z.infer<typeof TemplateUpdate>;

export const TemplateView = z.object({
  key: z.enum(TEMPLATE_KEYS),
  subject: z.string(),
  body_text: z.string(),
  customized: z.boolean().describe('False while the built-in default is in use'),
  variables: z
    .array(z.string())
    .describe(
      'Placeholders this template may use, as {{name}}; {{#name}}…{{/name}} keeps its text only ' +
        'when name has a value, {{^name}}…{{/name}} only when it has none',
    ),
  updated_at: z.string().nullable(),
});
export type TemplateView = z.infer<typeof TemplateView>;

/** An unsaved edit to preview or test-send; both fields or neither (the saved text). */
const Draft = {
  subject: z.string().trim().min(1).max(998).optional(),
  body_text: z.string().min(1).max(20_000).optional(),
};
const bothOrNeither = (d: { subject?: string | undefined; body_text?: string | undefined }) =>
  (d.subject === undefined) === (d.body_text === undefined);
const BOTH = { message: 'Give both subject and body_text, or neither', path: ['body_text'] };

export const TemplatePreviewRequest = z.strictObject(Draft).refine(bothOrNeither, BOTH);

export const TemplatePreview = z.object({
  subject: z.string(),
  text: z.string().describe('The plain-text body'),
  html: z.string().describe('The HTML body, every value escaped'),
});

export const TemplateTestRequest = z
  .strictObject({ to: z.email().max(320).describe('Where to send the test'), ...Draft })
  .refine(bothOrNeither, BOTH);
