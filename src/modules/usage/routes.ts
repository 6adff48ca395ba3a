import type { App } from '../../http/app.js';
import { cursorId, page, pageOf, ROUNDING } from '../../http/schemas.js';
import { UsageIngestBody, UsageIngestResult, UsageListQuery, UsageRecordView } from './model.js';
import { listUsage, recordUsage } from './service.js';

/**
 * 1,000 records of long ids and descriptions stay under 1 MiB in JSON or CSV; the app's default
 * 256 KiB would refuse a full batch with descriptions.
 */
export const USAGE_BODY_LIMIT = 1024 * 1024;

export async function usageRoutes(app: App): Promise<void> {
  // A scope of its own, so the CSV parser serves this route only.
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      'text/csv',
      { parseAs: 'string', bodyLimit: USAGE_BODY_LIMIT },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/usage-records',
      {
        bodyLimit: USAGE_BODY_LIMIT,
        schema: {
          operationId: 'recordUsage',
          description: ROUNDING.usage,
          tags: ['usage'],
          summary:
            'Record usage: one record, {records: [...]} up to 1,000, or text/csv with a header ' +
            'row (id,customer_id,unit_of_measure,quantity,usage_date[,description]). All or ' +
            'nothing: a bad record refuses the request (details.records lists each by index) and ' +
            'stores nothing. A record id already stored is accepted and counted once (duplicate). ' +
            '201 when something was stored, 200 when everything was a duplicate.',
          body: UsageIngestBody,
          consumes: ['application/json', 'text/csv'],
          response: { 200: UsageIngestResult, 201: UsageIngestResult },
        },
        // The body is checked record by record (model.ts readUsageBody), so that a refusal can name
        // every bad record of a batch; the schema above documents it.
        validatorCompiler: () => (value: unknown) => ({ value }),
      },
      async (req, reply) => {
        const csv =
          typeof req.body === 'string' && /^text\/csv\b/i.test(req.headers['content-type'] ?? '');
        const result = await recordUsage(req.ctx, req.body, csv);
        return reply.code(result.accepted > 0 ? 201 : 200).send(result);
      },
    );
  });

  app.get(
    '/usage-records',
    {
      schema: {
        operationId: 'listUsageRecords',
        tags: ['usage'],
        summary:
          'Usage records newest first, by customer, subscription, date range, invoiced or text; ' +
          'each with the invoice that billed it',
        querystring: UsageListQuery,
        response: { 200: pageOf(UsageRecordView) },
      },
    },
    async (req) => {
      const { limit, cursor, customer, subscription, from, to, invoiced, q } = req.query;
      const rows = await listUsage(req.ctx, {
        customer,
        subscription,
        from,
        to,
        invoiced,
        q,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
}
