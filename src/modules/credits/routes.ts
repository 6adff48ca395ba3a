import { z } from 'zod';
import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import {
  CreditApply,
  CreditMemoChange,
  CreditMemoCreate,
  CreditMemoListQuery,
  CreditMemoPage,
  CreditMemoView,
  CreditsQuery,
  CreditsView,
} from './model.js';
import {
  applyCreditMemo,
  createCreditMemo,
  getCreditMemo,
  listCreditMemos,
  voidCreditMemo,
} from './service.js';
import { customerCredits } from './view.js';

const tags = ['credits'];

export async function creditRoutes(app: App): Promise<void> {
  app.post(
    '/credit-memos',
    {
      schema: {
        operationId: 'createCreditMemo',
        errors: [
          'credit_invoice_other_customer',
          'customer_not_found',
          'invoice_not_found',
          'invoice_not_posted',
        ],
        tags,
        summary:
          'Issue a credit memo; with invoice_id it is applied to that invoice at once (scheduled payments it leaves overpaying are reduced or cancelled: adjusted_scheduled)',
        body: CreditMemoCreate,
        response: { 201: CreditMemoChange },
      },
    },
    async (req, reply) => reply.code(201).send(await createCreditMemo(req.ctx, req.body)),
  );
  app.get(
    '/credit-memos',
    {
      schema: {
        operationId: 'listCreditMemos',
        tags,
        summary: 'Credit memos newest first, optionally of one customer',
        querystring: CreditMemoListQuery,
        response: { 200: CreditMemoPage },
      },
    },
    (req) => listCreditMemos(req.ctx, req.query),
  );
  app.get(
    '/credit-memos/:id',
    {
      schema: {
        operationId: 'getCreditMemo',
        errors: ['credit_memo_not_found'],
        tags,
        summary: 'A credit memo with its amount, applied, remaining and applications',
        params: IdParams,
        response: { 200: CreditMemoView },
      },
    },
    (req) => getCreditMemo(req.ctx, req.params.id),
  );
  app.post(
    '/credit-memos/:id/apply',
    {
      schema: {
        operationId: 'applyCreditMemo',
        errors: [
          'credit_exceeds_invoice_balance',
          'credit_exceeds_remaining',
          'credit_invoice_other_customer',
          'credit_memo_not_found',
          'credit_memo_void',
          'credit_nothing_to_apply',
          'invoice_not_found',
          'invoice_not_posted',
        ],
        tags,
        summary:
          'Apply a credit memo to invoices: the allocations given, or the oldest open invoices first; scheduled payments that would now overpay are reduced or cancelled (adjusted_scheduled)',
        params: IdParams,
        body: CreditApply,
        response: { 200: CreditMemoChange },
      },
    },
    (req) => applyCreditMemo(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/credit-memos/:id/void',
    {
      schema: {
        operationId: 'voidCreditMemo',
        errors: ['credit_memo_applied', 'credit_memo_not_found', 'credit_memo_void'],
        tags,
        summary: 'Void a credit memo that has not been applied',
        params: IdParams,
        body: z.strictObject({}).optional(),
        response: { 200: CreditMemoView },
      },
    },
    (req) => voidCreditMemo(req.ctx, req.params.id),
  );
  app.get(
    '/customers/:id/credits',
    {
      schema: {
        operationId: 'listCustomerCredits',
        errors: ['customer_not_found'],
        tags,
        summary:
          'The customer’s credits, newest first, a page at a time: open memos and unapplied payments, with the total and count of all',
        params: IdParams,
        querystring: CreditsQuery,
        response: { 200: CreditsView },
      },
    },
    (req) => customerCredits(req.ctx, req.params.id, req.query.type, req.query),
  );
}
