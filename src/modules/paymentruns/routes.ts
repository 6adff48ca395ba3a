import { z } from 'zod';
import type { App } from '../../http/app.js';
import { BusinessDate, cursorId, IdParams, ListQuery, NoBody, page } from '../../http/schemas.js';
import { listFailedPayments, retryFailedOfRun, retryPayments } from './retry.js';
import { createPaymentRun, getPaymentRun, listPaymentRuns, listRunItems } from './service.js';

const tags = ['payment runs'];

const RunView = z.object({
  id: z.string(),
  status: z.enum(['scheduled', 'running', 'completed', 'failed']),
  after_bill_run_id: z.string().nullable(),
  schedule: z
    .enum(['daily', 'after_bill_run'])
    .nullable()
    .describe(
      'The tenant setting that started the run (payment_run_daily, payment_run_after_bill_run); null for a run started ad hoc',
    ),
  run_on: z.string().nullable(),
  target_date: z
    .string()
    .nullable()
    .describe(
      'Invoices due on or before this date are collected; null until the run starts when none was given (then the business date it starts on)',
    ),
  progress: z.object({ processed: z.number(), total: z.number() }),
  counts: z.object({
    succeeded: z.number(),
    failed: z.number(),
    pending: z.number(),
    skipped: z.number(),
  }),
  collected: z
    .number()
    .nullable()
    .describe(
      'What the run collected, in minor units; null only beyond 2^53 − 1, where collected_exact still holds it',
    ),
  collected_exact: z
    .string()
    .describe('The same sum as an exact decimal string of minor units, whatever its size'),
  currency: z.literal('USD'),
  created_at: z.string(),
  started_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});

const ItemStatus = z.enum(['queued', 'succeeded', 'pending', 'failed', 'skipped']);
const ItemView = z.object({
  invoice_id: z.string(),
  invoice_number: z.string().nullable(),
  customer_id: z.string(),
  customer_name: z.string(),
  status: ItemStatus,
  payment_id: z.string().nullable(),
  autopay_rule_id: z.string().nullable(),
  amount: z.number().nullable(),
  decline_code: z.string().nullable(),
  detail: z.string().nullable(),
  processed_at: z.string().nullable(),
});

const RetryResults = z.object({
  data: z.array(
    z.object({
      payment_id: z.string(),
      retry: z
        .object({
          id: z.string(),
          status: z.string(),
          amount: z.number(),
          decline_code: z.string().nullable(),
          failure_message: z.string().nullable(),
          next_retry_date: z.string().nullable(),
        })
        .nullable(),
      skipped: z.string().nullable(),
    }),
  ),
});

const FailedPayment = z.object({
  id: z.string(),
  customer_id: z.string(),
  customer_name: z.string(),
  invoice_number: z.string().nullable().describe('The number of the autopay invoice it paid'),
  amount: z.number(),
  currency: z.literal('USD'),
  source: z.string(),
  payment_method_id: z.string().nullable(),
  decline_code: z.string().nullable(),
  failure_message: z.string().nullable(),
  hard_decline: z.boolean(),
  autopay_invoice_id: z.string().nullable(),
  payment_run_id: z.string().nullable(),
  retry_of: z.string().nullable(),
  retry_count: z.number(),
  next_retry_date: z.string().nullable(),
  failed_at: z.string().nullable(),
});

export async function paymentRunRoutes(app: App): Promise<void> {
  app.post(
    '/payment-runs',
    {
      schema: {
        operationId: 'createPaymentRun',
        tags,
        summary: 'Start a payment run now, or schedule it for a date and/or after a bill run',
        errors: ['bill_run_not_found', 'payment_run_target_date_ahead'],
        body: z.strictObject({
          run_on: BusinessDate.optional(),
          after_bill_run_id: z.string().max(64).optional(),
          target_date: BusinessDate.optional().describe(
            'Collect the autopay invoices due on or before this date (default: the business date the run starts on); not after run_on, or today for a run that starts now',
          ),
        }),
        response: { 202: RunView },
      },
    },
    async (req, reply) => reply.code(202).send(await createPaymentRun(req.ctx, req.body)),
  );
  app.get(
    '/payment-runs',
    {
      schema: {
        operationId: 'listPaymentRuns',
        tags,
        summary: 'Payment runs, newest first',
        querystring: ListQuery,
        response: { 200: z.object({ data: z.array(RunView), next_cursor: z.string().nullable() }) },
      },
    },
    async (req) =>
      page(
        await listPaymentRuns(req.ctx, cursorId(req.query.cursor), req.query.limit + 1),
        req.query.limit,
      ),
  );
  app.get(
    '/payment-runs/:id',
    {
      schema: {
        operationId: 'getPaymentRun',
        errors: ['payment_run_not_found'],
        tags,
        summary: 'Status, progress, counts and amount collected',
        params: IdParams,
        response: { 200: RunView },
      },
    },
    (req) => getPaymentRun(req.ctx, req.params.id),
  );
  app.get(
    '/payment-runs/:id/items',
    {
      schema: {
        operationId: 'listPaymentRunItems',
        errors: ['payment_run_not_found'],
        tags,
        summary: 'Per-invoice results (?status=failed for follow-up)',
        params: IdParams,
        querystring: ListQuery.extend({ status: ItemStatus.optional() }),
        response: {
          200: z.object({ data: z.array(ItemView), next_cursor: z.string().nullable() }),
        },
      },
    },
    (req) => listRunItems(req.ctx, req.params.id, req.query),
  );
  app.post(
    '/payment-runs/:id/retry-failed',
    {
      schema: {
        operationId: 'retryPaymentRunFailures',
        errors: ['payment_run_not_found'],
        tags,
        summary: 'Retry every failed payment of a completed run now',
        params: IdParams,
        body: NoBody,
        response: { 200: RetryResults },
      },
    },
    async (req) => ({ data: await retryFailedOfRun(req.ctx, req.params.id) }),
  );
  app.get(
    '/payments/failed',
    {
      schema: {
        operationId: 'listFailedPayments',
        tags,
        summary: 'Failed payments not yet retried, newest first, with the next automatic retry',
        querystring: ListQuery.extend({ customer: z.string().max(64).optional() }),
        response: {
          200: z.object({ data: z.array(FailedPayment), next_cursor: z.string().nullable() }),
        },
      },
    },
    (req) =>
      listFailedPayments(req.ctx, {
        customer: req.query.customer,
        cursor: cursorId(req.query.cursor),
        limit: req.query.limit,
      }),
  );
  app.post(
    '/payments/retry',
    {
      schema: {
        operationId: 'retryPayments',
        errors: ['payment_has_live_retry', 'payment_not_retryable'],
        tags,
        summary: 'Retry one or many failed payments now',
        body: z.strictObject({
          payment_ids: z.array(z.string().min(1).max(64)).min(1).max(100),
        }),
        response: { 200: RetryResults },
      },
    },
    async (req) => ({ data: await retryPayments(req.ctx, req.body.payment_ids) }),
  );
}
