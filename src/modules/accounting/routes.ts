/** Accounting sync over HTTP (E8, K2): what an accounting adapter reads and reports. */
import type { App } from '../../http/app.js';
import {
  PendingPage,
  PendingQuery,
  SYNC_RESULTS_BODY_LIMIT,
  SyncResultsBody,
  SyncResultsView,
} from './model.js';
import { listPending, recordSyncResults } from './service.js';

const tags = ['accounting'];

export async function accountingRoutes(app: App): Promise<void> {
  app.get(
    '/accounting/pending',
    {
      schema: {
        operationId: 'listPendingSyncRecords',
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
}
