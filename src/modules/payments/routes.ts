/** Payments over HTTP (E1–E11, C9): routes parse input and call the services. */
import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import { getPayment, listPayments } from './history.js';
import {
  ApplyInput,
  ExternalPaymentCreate,
  PaymentCreateBody,
  PaymentListQuery,
  PaymentPreviewBody,
  paymentOfBody,
  RefundCreate,
  Reschedule,
} from './model.js';
import { payOptions } from './options.js';
import { previewPayment } from './preview.js';
import { refundPayment } from './refunds.js';
import {
  InvoicePaymentSummarySchema,
  PaymentPage,
  PaymentPreviewSchema,
  PaymentResponseSchema,
  PaymentViewSchema,
  PayOptionsSchema,
  RefundResponseSchema,
} from './responses.js';
import { cancelPayment, reschedulePayment } from './scheduled.js';
import { applyPayment, createExternalPayment, createPayment } from './service.js';
import { invoiceSummary } from './summary.js';

const tags = ['payments'];

export async function paymentRoutes(app: App): Promise<void> {
  app.post(
    '/payments',
    {
      schema: {
        operationId: 'createPayment',
        errors: [
          'amount_exceeds_balance',
          'customer_not_found',
          'invoice_not_found',
          'invoice_payment_pending',
          'invoice_not_payable',
          'payment_method_not_found',
          'payment_method_unverified',
          'scheduled_date_in_past',
        ],
        tags,
        summary:
          'Pay open invoices now, or on a future business date (scheduled_for); allocated oldest first unless given',
        body: PaymentCreateBody,
        response: { 201: PaymentResponseSchema },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createPayment(req.ctx, paymentOfBody(req.body))),
  );
  app.post(
    '/payments/preview',
    {
      config: { idempotency: false },
      schema: {
        operationId: 'previewPayment',
        errors: [
          'amount_exceeds_balance',
          'customer_not_found',
          'invoice_not_found',
          'scheduled_date_in_past',
        ],
        tags,
        summary:
          'Review a payment before making it: per invoice what it pays and leaves, the total, and the scheduled or autopay payments it would lower or cancel (E3); charges nothing',
        body: PaymentPreviewBody,
        response: { 200: PaymentPreviewSchema },
      },
    },
    (req) => previewPayment(req.ctx, req.body),
  );
  app.post(
    '/payments/external',
    {
      schema: {
        operationId: 'recordExternalPayment',
        errors: ['amount_exceeds_balance', 'invoice_payment_pending'],
        tags,
        summary: 'Record a check (with its number), wire or cash payment received outside Billow',
        body: ExternalPaymentCreate,
        response: { 201: PaymentResponseSchema },
      },
    },
    async (req, reply) => reply.code(201).send(await createExternalPayment(req.ctx, req.body)),
  );
  app.get(
    '/payments',
    {
      schema: {
        operationId: 'listPayments',
        tags,
        summary: 'Payments, newest first (transaction history)',
        querystring: PaymentListQuery,
        response: { 200: PaymentPage },
      },
    },
    (req) => listPayments(req.ctx, req.query),
  );
  app.get(
    '/payments/:id',
    {
      schema: {
        operationId: 'getPayment',
        errors: ['payment_not_found'],
        tags,
        summary: 'A payment with its applications and refunds',
        params: IdParams,
        response: { 200: PaymentViewSchema },
      },
    },
    (req) => getPayment(req.ctx, req.params.id),
  );
  app.post(
    '/payments/:id/reschedule',
    {
      schema: {
        operationId: 'reschedulePayment',
        errors: ['payment_not_found', 'scheduled_date_in_past'],
        tags,
        summary: 'Move a scheduled payment to another future date',
        params: IdParams,
        body: Reschedule,
        response: { 200: PaymentViewSchema },
      },
    },
    (req) => reschedulePayment(req.ctx, req.params.id, req.body.scheduled_for),
  );
  app.post(
    '/payments/:id/cancel',
    {
      schema: {
        operationId: 'cancelPayment',
        errors: ['payment_not_cancellable', 'payment_not_found'],
        tags,
        summary: 'Cancel a scheduled payment',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: { 200: PaymentViewSchema },
      },
    },
    (req) => cancelPayment(req.ctx, req.params.id),
  );
  app.post(
    '/payments/:id/refunds',
    {
      schema: {
        operationId: 'refundPayment',
        errors: [
          'payment_not_collected',
          'payment_not_found',
          'payment_not_refundable',
          'payment_not_settled',
          'payment_returned_not_refundable',
          'refund_exceeds_payment',
          'refund_in_return_window',
        ],
        tags,
        summary:
          'Refund part or all of a succeeded payment (unapplied remainder first); by default the refunded amount is credited (outcome credit), or reopened (outcome reopen)',
        params: IdParams,
        body: RefundCreate,
        response: { 201: RefundResponseSchema },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await refundPayment(req.ctx, req.params.id, req.body)),
  );
  app.post(
    '/payments/:id/apply',
    {
      schema: {
        operationId: 'applyPayment',
        errors: ['payment_not_found', 'payment_nothing_unapplied'],
        tags,
        summary:
          'Apply a payment’s unapplied remainder to open invoices (oldest first unless given)',
        params: IdParams,
        body: ApplyInput.partial(),
        response: { 200: PaymentResponseSchema },
      },
    },
    (req) => applyPayment(req.ctx, req.params.id, req.body?.allocations),
  );
  app.get(
    '/invoices/:id/summary',
    {
      schema: {
        operationId: 'getInvoiceSummary',
        errors: ['invoice_not_found'],
        tags: ['invoices'],
        summary:
          'Invoice summary: balance, pending and scheduled payments, autopay rule, applications',
        params: IdParams,
        response: { 200: InvoicePaymentSummarySchema },
      },
    },
    (req) => invoiceSummary(req.ctx, req.params.id),
  );
  app.get(
    '/customers/:id/pay-options',
    {
      schema: {
        operationId: 'getCustomerPayOptions',
        errors: ['customer_not_found'],
        tags,
        summary:
          'What staff can pay for a customer: its open invoices (balance, pending, available, past due), oldest first, and its usable methods',
        params: IdParams,
        response: { 200: PayOptionsSchema },
      },
    },
    (req) => payOptions(req.ctx, req.params.id),
  );
}
