/** Payments over HTTP (E1–E11, C9): routes parse input and call the services. */
import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import { getPayment, listPayments } from './history.js';
import {
  ApplyInput,
  ExternalPaymentCreate,
  PaymentCreate,
  PaymentListQuery,
  RefundCreate,
  Reschedule,
} from './model.js';
import { refundPayment } from './refunds.js';
import { cancelPayment, reschedulePayment } from './scheduled.js';
import { applyPayment, createExternalPayment, createPayment } from './service.js';
import { invoiceSummary } from './summary.js';

const tags = ['payments'];

export async function paymentRoutes(app: App): Promise<void> {
  app.post(
    '/payments',
    {
      schema: {
        tags,
        summary:
          'Pay open invoices now, or on a future business date (scheduled_for); allocated oldest first unless given',
        body: PaymentCreate,
      },
    },
    async (req, reply) => reply.code(201).send(await createPayment(req.ctx, req.body)),
  );
  app.post(
    '/payments/external',
    {
      schema: {
        tags,
        summary: 'Record a check (with its number), wire or cash payment received outside Billow',
        body: ExternalPaymentCreate,
      },
    },
    async (req, reply) => reply.code(201).send(await createExternalPayment(req.ctx, req.body)),
  );
  app.get(
    '/payments',
    {
      schema: {
        tags,
        summary: 'Payments, newest first (transaction history)',
        querystring: PaymentListQuery,
      },
    },
    (req) => listPayments(req.ctx, req.query),
  );
  app.get(
    '/payments/:id',
    { schema: { tags, summary: 'A payment with its applications and refunds', params: IdParams } },
    (req) => getPayment(req.ctx, req.params.id),
  );
  app.post(
    '/payments/:id/reschedule',
    {
      schema: {
        tags,
        summary: 'Move a scheduled payment to another future date',
        params: IdParams,
        body: Reschedule,
      },
    },
    (req) => reschedulePayment(req.ctx, req.params.id, req.body.scheduled_for),
  );
  app.post(
    '/payments/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a scheduled payment',
        params: IdParams,
        body: z.strictObject({}).optional(),
      },
    },
    (req) => cancelPayment(req.ctx, req.params.id),
  );
  app.post(
    '/payments/:id/refunds',
    {
      schema: {
        tags,
        summary: 'Refund part or all of a succeeded payment (unapplied remainder first)',
        params: IdParams,
        body: RefundCreate,
      },
    },
    async (req, reply) =>
      reply.code(201).send(await refundPayment(req.ctx, req.params.id, req.body)),
  );
  app.post(
    '/payments/:id/apply',
    {
      schema: {
        tags,
        summary:
          'Apply a payment’s unapplied remainder to open invoices (oldest first unless given)',
        params: IdParams,
        body: ApplyInput.partial(),
      },
    },
    (req) => applyPayment(req.ctx, req.params.id, req.body?.allocations),
  );
  app.get(
    '/invoices/:id/summary',
    {
      schema: {
        tags: ['invoices'],
        summary:
          'Invoice summary: balance, pending and scheduled payments, autopay rule, applications',
        params: IdParams,
      },
    },
    (req) => invoiceSummary(req.ctx, req.params.id),
  );
}
