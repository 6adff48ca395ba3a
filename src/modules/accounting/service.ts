/**
 * Accounting sync (E8, K2), the adapter's side: an accounting adapter (an external process with
 * an API key) reads the invoices, payments and credit memos still to send, sends them, and
 * reports each result back. This module owns the sync_* columns of those three tables
 * (0013_accounting_sync.sql); the records themselves are read through their modules' views. A
 * record that changes after it was sent goes back to 'pending' with a new revision through the
 * triggers of that migration, whichever module changed it.
 */
import { AppError } from '../../core/errors.js';
import { cursorId, page } from '../../core/schemas.js';
import type { Queryable } from '../../db/db.js';
import { type Change, recordMany } from '../audit/service.js';
import { JOURNAL_ACCOUNTS, type JournalLine, journalLines } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { getCreditMemo } from '../credits/service.js';
import { getCustomer } from '../customers/service.js';
import { loadInvoice } from '../invoices/service.js';
import type { PaymentRow } from '../payments/model.js';
import { findPaymentRow, paymentViews } from '../payments/service.js';
import {
  type CustomerRef,
  csvField,
  decimalAmount,
  JOURNAL_COLUMNS,
  type JournalQuery,
  type PendingQuery,
  type PendingRecord,
  type SyncOutcome,
  type SyncResult,
  type SyncResultsBody,
  type SyncResultsView,
  type SyncState,
  type SyncType,
  type SyncView,
} from './model.js';

/**
 * Where each type lives and which of its records an accounting system takes: posted and void
 * invoices (a void invoice was posted and has its number), never drafts; payments that moved
 * money — succeeded, refunded, or returned after they had settled (a bank debit returned before
 * it settled never counted) — and never scheduled, pending, failed or cancelled ones; every
 * credit memo, open or void. The predicates are those of the partial indexes *_sync_queue.
 */
const TYPES: Record<SyncType, { table: string; syncable: string }> = {
  invoice: { table: 'invoices', syncable: `status <> 'draft'` },
  payment: {
    table: 'payments',
    syncable: `(status IN ('succeeded', 'refunded') OR (status = 'returned' AND settled_at IS NOT NULL))`,
  },
  credit_memo: { table: 'credit_memos', syncable: 'true' },
};

/** The order results lock their rows in: invoices before payments, as collecting a payment does. */
const LOCK_ORDER: SyncType[] = ['invoice', 'credit_memo', 'payment'];

interface SyncRow {
  id: string;
  customer_id: string;
  status: string;
  syncable: boolean;
  sync_state: SyncState;
  sync_revision: number;
  synced_at: Date | null;
  sync_error: string | null;
  sync_external_id: string | null;
}

const SYNC_COLUMNS = `id, customer_id, status, sync_state, sync_revision, synced_at, sync_error,
  sync_external_id`;

function syncView(r: SyncRow): SyncView {
  return {
    state: r.sync_state,
    revision: r.sync_revision,
    synced_at: r.synced_at?.toISOString() ?? null,
    error: r.sync_error,
    external_id: r.sync_external_id,
  };
}

async function customerRefs(ctx: Ctx, ids: string[]): Promise<Map<string, CustomerRef>> {
  const refs = new Map<string, CustomerRef>();
  for (const id of new Set(ids)) {
    const c = await getCustomer(ctx, id);
    refs.set(id, { id: c.id, number: c.number, name: c.name, accounting_id: c.links.accounting });
  }
  return refs;
}

/**
 * The records of one type still to send (never sent, changed since, or failed), oldest first:
 * an accounting system takes them in the order they happened. Sync rows are read before the
 * records, so a record that changes in between carries a newer content than its revision says;
 * its result then comes back stale and it is sent again, never lost.
 */
export async function listPending(
  ctx: Ctx,
  q: PendingQuery,
): Promise<{ data: PendingRecord[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  const { table, syncable } = TYPES[q.type];
  const rows = await ctx.db.query<SyncRow>(
    `SELECT ${SYNC_COLUMNS} FROM ${table}
      WHERE tenant_id = $1 AND sync_state <> 'synced' AND ${syncable}
        AND ($2::text IS NULL OR sync_state = $2) AND ($3::text IS NULL OR id > $3)
      ORDER BY id LIMIT $4`,
    [ctx.tenant.id, q.state ?? null, cursorId(q.cursor) ?? null, q.limit + 1],
  );
  const { data: sync, next_cursor } = page(rows, q.limit);
  const customers = await customerRefs(
    ctx,
    sync.map((r) => r.customer_id),
  );
  const base = (r: SyncRow) => ({
    id: r.id,
    sync: syncView(r),
    customer: customers.get(r.customer_id) as CustomerRef,
  });
  const data: PendingRecord[] = [];
  if (q.type === 'invoice') {
    const today = tenantToday(ctx);
    for (const r of sync) {
      const found = await loadInvoice(ctx.db, ctx.tenant.id, r.id, today);
      if (found) data.push({ type: 'invoice', ...base(r), invoice: found.view });
    }
  } else if (q.type === 'payment') {
    const views = await paymentViews(ctx.db, await paymentRows(ctx.db, ctx, sync));
    for (const [i, r] of sync.entries()) {
      data.push({ type: 'payment', ...base(r), payment: views[i] as (typeof views)[number] });
    }
  } else {
    for (const r of sync) {
      data.push({ type: 'credit_memo', ...base(r), credit_memo: await getCreditMemo(ctx, r.id) });
    }
  }
  return { data, next_cursor };
}

async function paymentRows(q: Queryable, ctx: Ctx, rows: SyncRow[]): Promise<PaymentRow[]> {
  const out: PaymentRow[] = [];
  for (const r of rows) out.push(await findPaymentRow(q, ctx.tenant.id, r.id));
  return out;
}

const key = (r: { type: SyncType; id: string }) => `${r.type}:${r.id}`;

function outcomeOf(r: SyncResult, row: SyncRow): SyncOutcome['outcome'] {
  if (r.revision !== undefined && r.revision !== row.sync_revision) return 'stale';
  const sameExternal = r.external_id === undefined || r.external_id === row.sync_external_id;
  if (r.state === 'synced' && row.sync_state === 'synced' && sameExternal) return 'unchanged';
  if (r.state === 'failed' && row.sync_state === 'failed' && sameExternal) {
    if (row.sync_error === r.error) return 'unchanged';
  }
  return 'updated';
}

/**
 * Records the adapter's results in one transaction: all of them or, when one names a record
 * that is unknown (or another tenant's) or not synced to accounting, none. A repeat changes
 * nothing (outcome unchanged); a result for an older revision than the record's is ignored
 * (outcome stale), so a change made while the adapter was sending is sent again.
 */
export async function recordSyncResults(ctx: Ctx, body: SyncResultsBody): Promise<SyncResultsView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const rows = new Map<string, SyncRow>();
    for (const type of LOCK_ORDER) {
      const ids = body.results.filter((r) => r.type === type).map((r) => r.id);
      if (ids.length === 0) continue;
      const { table, syncable } = TYPES[type];
      const found = await tx.query<SyncRow>(
        `SELECT ${SYNC_COLUMNS}, ${syncable} AS syncable FROM ${table}
          WHERE tenant_id = $1 AND id = ANY ($2::text[]) ORDER BY id FOR NO KEY UPDATE`,
        [ctx.tenant.id, ids],
      );
      for (const r of found) rows.set(key({ type, id: r.id }), r);
    }
    const missing = body.results.filter((r) => !rows.has(key(r)));
    if (missing.length > 0) {
      throw new AppError('accounting_record_not_found', {
        records: missing.map((r) => ({ type: r.type, id: r.id })),
      });
    }
    const refused = body.results.filter((r) => !rows.get(key(r))?.syncable);
    if (refused.length > 0) {
      throw new AppError('accounting_record_not_syncable', {
        records: refused.map((r) => ({ type: r.type, id: r.id, status: rows.get(key(r))?.status })),
      });
    }

    const now = tenantNow(ctx);
    const outcomes = new Map<string, SyncOutcome>();
    const changes: Change[] = [];
    for (const type of LOCK_ORDER) {
      const updates = body.results.filter(
        (r) => r.type === type && outcomeOf(r, rows.get(key(r)) as SyncRow) === 'updated',
      );
      if (updates.length === 0) continue;
      const after = await tx.query<SyncRow>(
        `UPDATE ${TYPES[type].table} t
            SET sync_state = u.state,
                synced_at = CASE WHEN u.state = 'synced' THEN $2::timestamptz ELSE t.synced_at END,
                sync_error = CASE WHEN u.state = 'synced' THEN NULL ELSE u.error END,
                sync_external_id = coalesce(u.external_id, t.sync_external_id)
           FROM unnest($3::text[], $4::text[], $5::text[], $6::text[])
             AS u(id, state, external_id, error)
          WHERE t.tenant_id = $1 AND t.id = u.id
          RETURNING t.id, t.customer_id, t.status, t.sync_state, t.sync_revision, t.synced_at,
                    t.sync_error, t.sync_external_id`,
        [
          ctx.tenant.id,
          now,
          updates.map((r) => r.id),
          updates.map((r) => r.state),
          updates.map((r) => r.external_id ?? null),
          updates.map((r) => r.error ?? null),
        ],
      );
      for (const row of after) {
        const outcome: SyncOutcome = { type, id: row.id, outcome: 'updated', sync: syncView(row) };
        outcomes.set(key(outcome), outcome);
        changes.push({
          action: `${type}.${row.sync_state === 'synced' ? 'synced' : 'sync_failed'}`,
          objectType: type,
          objectId: row.id,
          before: { sync: syncView(rows.get(key(outcome)) as SyncRow) },
          after: { type, id: row.id, sync: outcome.sync },
        });
      }
    }
    await recordMany(tx, ctx, changes);
    return {
      data: body.results.map((r) => {
        const row = rows.get(key(r)) as SyncRow;
        return (
          outcomes.get(key(r)) ?? {
            type: r.type,
            id: r.id,
            outcome: outcomeOf(r, row),
            sync: syncView(row),
          }
        );
      }),
    };
  });
}

function journalRow(l: JournalLine): string {
  const account = JOURNAL_ACCOUNTS[l.account];
  return [
    l.entry_id,
    l.date,
    l.type,
    account.code,
    account.name,
    l.amount > 0 ? decimalAmount(l.amount) : '',
    l.amount < 0 ? decimalAmount(-l.amount) : '',
    'USD',
    l.customer_number,
    l.customer_name,
    l.document,
  ]
    .map(csvField)
    .join(',');
}

/**
 * The journal export (K2): every posting of the tenant dated `from` to `to`, as CSV text in
 * chunks (a header, then one chunk per page of lines), so that a long range streams instead of
 * being held in memory. The permission is checked before the first chunk; the books module
 * derives the postings (books/journal.ts), this only writes them out.
 */
export function journalCsv(ctx: Ctx, q: JournalQuery): AsyncIterable<string> {
  requirePermission(ctx, 'billing:read');
  const { db, tenant } = ctx;
  return (async function* () {
    yield `${JOURNAL_COLUMNS.join(',')}\r\n`;
    for await (const page of journalLines(db, tenant.id, tenant.timeZone, q)) {
      yield page.map((l) => `${journalRow(l)}\r\n`).join('');
    }
  })();
}
