/** Accounting sync over HTTP (E8, K2): what an accounting adapter reads and reports. */
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { App } from '../../http/app.js';
import {
  JOURNAL_COLUMNS,
  JournalQuery,
  PendingPage,
  PendingQuery,
  SYNC_RESULTS_BODY_LIMIT,
  SyncResultsBody,
  SyncResultsView,
} from './model.js';
import { journalCsv, listPending, recordSyncResults } from './service.js';

const tags = ['accounting'];

export async function accountingRoutes(app: App): Promise<void> {
  app.get(
    '/accounting/pending',
    {
      schema: {
        operationId: 'listPendingSyncRecords',
        errors: ['invalid_cursor'],
        tags,
        summary:
          'Records of one type waiting to be sent to the accounting system (never sent, changed ' +
          'since, or failed), oldest first, each with its sync state, revision, customer and ' +
          'the record as its own endpoint shows it. Invoices: posted or void, never drafts. ' +
          'Payments: succeeded, refunded, or returned after settling. Credit memos: all.',
        querystring: PendingQuery,
        response: { 200: PendingPage },
      },
    },
    (req) => listPending(req.ctx, req.query),
  );
  app.post(
    '/accounting/sync-results',
    {
      bodyLimit: SYNC_RESULTS_BODY_LIMIT,
      schema: {
        operationId: 'recordSyncResults',
        errors: ['accounting_record_not_found', 'accounting_record_not_syncable'],
        tags,
        summary:
          'Report what the accounting system did with up to 1,000 records (synced with its ' +
          'external_id, or failed with an error), in one transaction: a result naming an ' +
          'unknown record, or one not synced to accounting, refuses the request and changes ' +
          'nothing. Repeats change nothing (outcome unchanged); a result for an older revision ' +
          'than the record’s is ignored (outcome stale) and the record stays pending.',
        body: SyncResultsBody,
        response: { 200: SyncResultsView },
      },
    },
    (req) => recordSyncResults(req.ctx, req.body),
  );
  app.get(
    '/accounting/journal',
    {
      schema: {
        operationId: 'exportJournal',
        errors: [],
        tags,
        summary:
          'The journal of a date range as CSV (text/csv), one row per posting line: invoices, ' +
          'adjustments, voids, payments and what they paid, refunds, bank returns, credit memos ' +
          'and what they credited. Each entry (entry_id) balances to zero: its debits equal its ' +
          'credits. Dates are business dates in the tenant time zone, both ends of the range ' +
          `included. Columns: ${JOURNAL_COLUMNS.join(', ')}. Amounts are decimals in USD. ` +
          'A voided credit memo stays on the day it was issued and its void is a reversing ' +
          'entry (credit_memo_void) on the day it was voided. Needs billing:read.',
        querystring: JournalQuery,
        produces: ['text/csv'],
        response: {
          200: z.any().meta({
            type: 'string',
            description: 'The journal as CSV with a header row',
            contentMediaType: 'text/csv',
          }),
        },
      },
    },
    (req, reply) => {
      const body = journalCsv(req.ctx, req.query);
      const name = `journal-${req.query.from}-${req.query.to}.csv`;
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(Readable.from(body));
    },
  );
}
