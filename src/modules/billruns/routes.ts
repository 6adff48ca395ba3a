import { z } from 'zod';
import type { App } from '../../http/app.js';
import {
  BusinessDate,
  cursorId,
  IdParams,
  ListQuery,
  NoBody,
  PdfResponse,
  page,
  ROUNDING,
} from '../../http/schemas.js';
import { loadInvoiceDocument, renderInvoicesPdf } from '../invoices/service.js';
import {
  billRunInvoiceIds,
  createBillRun,
  emailBillRun,
  getBillRun,
  listBillRuns,
  postBillRun,
} from './service.js';
import { upcomingInvoice } from './upcoming.js';

const tags = ['bill runs'];

const BillRunView = z.object({
  id: z.string(),
  target_date: z.string(),
  auto_post: z.boolean(),
  auto_email: z.boolean(),
  status: z.enum(['pending', 'running', 'completed', 'posting', 'posted', 'failed']),
  progress: z.object({ processed: z.number(), total: z.number() }),
  invoice_count: z.number(),
  total_amount: z
    .number()
    .nullable()
    .describe(
      'The sum of the run’s invoices in minor units; null only beyond 2^53 − 1 (9,007,199,254,740,991), where total_amount_exact still holds it',
    ),
  total_amount_exact: z
    .string()
    .describe('The same sum as an exact decimal string of minor units, whatever its size'),
  currency: z.literal('USD'),
  error: z.string().nullable(),
  refused: z
    .array(
      z.object({
        customer_id: z.string(),
        code: z.literal('amount_too_large'),
        details: z.object({
          field: z.enum(['total', 'balance']),
          max: z.number(),
          invoice_id: z.string().optional(),
        }),
      }),
    )
    .describe(
      'Customers not billed: `total` when their invoice (a line or the total) would exceed the largest amount (no draft; their usage and charges stay unbilled), `balance` when posting their draft (`invoice_id`) would take their open balance beyond the largest balance (the draft stays a draft)',
    ),
  created_at: z.string(),
  completed_at: z.string().nullable(),
  posted_at: z.string().nullable(),
});

/** Why the bill run will not bill the estimated invoice (issue 10 item 8); null when it will. */
export const UpcomingRefused = z
  .object({
    code: z.literal('amount_too_large'),
    details: z.object({ field: z.enum(['total', 'balance']), max: z.number() }),
  })
  .nullable()
  .describe(
    'Null when the bill run will bill this invoice. Else `total`: a line or the total exceeds the largest amount (10^13), so the run makes no invoice for the customer; or `balance`: posting it would take the open balance beyond the largest balance (10^15), so the run’s draft stays a draft',
  );

const UpcomingLine = z.object({
  kind: z.string(),
  description: z.string(),
  subscription_id: z.string().nullable(),
  price_id: z.string().nullable(),
  quantity: z.string().nullable(),
  unit_amount: z.number().nullable(),
  amount: z.number(),
  period_start: z.string().nullable(),
  period_end: z.string().nullable(),
});

export async function billRunRoutes(app: App): Promise<void> {
  app.post(
    '/bill-runs',
    {
      schema: {
        operationId: 'createBillRun',
        errors: ['bill_run_in_progress', 'bill_run_target_in_past'],
        description: `${ROUNDING.proration} ${ROUNDING.usage}`,
        tags,
        summary: 'Start a bill run for a target date; it runs in the background',
        body: z.strictObject({
          target_date: BusinessDate,
          auto_post: z.boolean().optional(),
          auto_email: z.boolean().optional(),
        }),
        response: { 202: BillRunView },
      },
    },
    async (req, reply) => reply.code(202).send(await createBillRun(req.ctx, req.body)),
  );
  app.get(
    '/bill-runs',
    {
      schema: {
        operationId: 'listBillRuns',
        tags,
        summary: 'Bill runs, newest first',
        querystring: ListQuery,
        response: {
          200: z.object({ data: z.array(BillRunView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) =>
      page(
        await listBillRuns(req.ctx, cursorId(req.query.cursor), req.query.limit + 1),
        req.query.limit,
      ),
  );
  app.get(
    '/bill-runs/:id',
    {
      schema: {
        operationId: 'getBillRun',
        errors: ['bill_run_not_found'],
        tags,
        summary: 'Status, progress and totals',
        params: IdParams,
        response: { 200: BillRunView },
      },
    },
    (req) => getBillRun(req.ctx, req.params.id),
  );
  app.post(
    '/bill-runs/:id/post',
    {
      schema: {
        operationId: 'postBillRun',
        errors: ['bill_run_not_found'],
        tags,
        summary: 'Post every draft of a completed run (numbers, due dates)',
        params: IdParams,
        body: NoBody,
        response: { 200: BillRunView.extend({ skipped_empty: z.number() }) },
      },
    },
    (req) => postBillRun(req.ctx, req.params.id),
  );
  app.post(
    '/bill-runs/:id/email',
    {
      schema: {
        operationId: 'emailBillRun',
        errors: ['bill_run_not_found'],
        tags,
        summary: 'Email every posted invoice of the run not emailed yet',
        params: IdParams,
        body: NoBody,
        response: {
          202: z.object({
            queued: z.boolean(),
            emailed: z.number().optional(),
            without_recipients: z.number().optional(),
          }),
        },
      },
    },
    async (req, reply) => reply.code(202).send(await emailBillRun(req.ctx, req.params.id)),
  );
  app.get(
    '/bill-runs/:id/pdf',
    {
      schema: {
        operationId: 'getBillRunPdf',
        errors: ['bill_run_not_found'],
        tags,
        summary: 'The run’s invoices in one PDF, up to 500 at a time (?offset=)',
        params: IdParams,
        querystring: z.strictObject({
          offset: z.coerce.number().int().min(0).default(0),
          limit: z.coerce.number().int().min(1).max(500).default(500),
        }),
        response: { 200: PdfResponse },
      },
    },
    async (req, reply) => {
      const ids = await billRunInvoiceIds(
        req.ctx,
        req.params.id,
        req.query.offset,
        req.query.limit,
      );
      const docs = [];
      for (const id of ids) docs.push(await loadInvoiceDocument(req.ctx.db, req.ctx, id));
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${req.params.id}.pdf"`)
        .send(await renderInvoicesPdf(docs));
    },
  );
  app.get(
    '/customers/:id/upcoming-invoice',
    {
      schema: {
        operationId: 'getUpcomingInvoice',
        errors: ['customer_not_found'],
        description: `${ROUNDING.proration} ${ROUNDING.usage}`,
        tags: ['invoices'],
        summary: 'Estimate of the next invoice, as of now on the tenant clock',
        params: IdParams,
        response: {
          200: z.object({
            estimate: z.literal(true),
            customer_id: z.string(),
            as_of: z.string(),
            billing_date: z.string(),
            currency: z.literal('USD'),
            lines: z.array(UpcomingLine),
            total: z.number(),
            account_credits: z
              .array(UpcomingLine)
              .describe(
                'Credits for prepaid days of canceled subscriptions that no charge on this invoice absorbs: the bill run issues them as a credit memo on the account, applied to open invoices oldest first',
              ),
            account_credit_total: z
              .number()
              .describe('What the account will be credited (positive), the sum of account_credits'),
            refused: UpcomingRefused,
          }),
        },
      },
    },
    (req) => upcomingInvoice(req.ctx, req.params.id),
  );
}
