/**
 * Usage records (B3): ingestion, idempotent on the client's id, and the list. Usage is billing
 * data (billing:read, billing:write). A batch is checked whole before anything is stored: one
 * look-up finds the ids stored before (duplicates, accepted as they are), one query resolves the
 * subscriptions of all the other records, and one multi-row INSERT … ON CONFLICT DO NOTHING
 * stores them, so a replayed id is accepted and counted once.
 *
 * Audit and events are per batch, not per record: one 'usage.recorded' audit row and event
 * carrying the counts. A row per record would double the writes of the hottest path and flood
 * webhook endpoints; the records themselves (with created_at) are the detailed history.
 */
import { AppError, ERRORS, type ErrorCode } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { fromMicros, toMicros } from '../billing/model.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { containsPattern } from '../customers/model.js';
import {
  type RecordProblem,
  readUsageBody,
  type UsageIngestResult,
  type UsageInput,
  type UsageRecordView,
} from './model.js';

export {
  type BilledUsagePeriod,
  claimUnbilledUsage,
  releaseUsage,
  releaseUsageClaims,
  type UsageClaim,
} from './claims.js';
export {
  requestUsageExport,
  usageExportFile,
  usageExportLink,
  XLSX_TYPE,
} from './exports.js';

interface SubscriptionSpan {
  customer_id: string;
  subscription_id: string | null;
  unit_of_measure: string | null;
  start_date: string | null;
  end_date: string | null;
}

/** The usage subscriptions of the batch's customers; a customer without any gives one null row. */
async function usageSpans(q: Queryable, tenantId: string, customerIds: string[]) {
  const rows = await q.query<SubscriptionSpan>(
    `SELECT c.id AS customer_id, s.id AS subscription_id, s.unit_of_measure, s.start_date,
            s.end_date
       FROM customers c
       LEFT JOIN (SELECT s.id, s.tenant_id, s.customer_id, s.start_date, s.end_date,
                         p.unit_of_measure
                    FROM subscriptions s
                    JOIN prices p ON p.tenant_id = s.tenant_id AND p.id = s.price_id
                   WHERE p.kind = 'usage') s
         ON s.tenant_id = c.tenant_id AND s.customer_id = c.id
      WHERE c.tenant_id = $1 AND c.id = ANY($2::text[])`,
    [tenantId, customerIds],
  );
  const byCustomer = new Map<string, SubscriptionSpan[]>();
  for (const row of rows) {
    const list = byCustomer.get(row.customer_id) ?? [];
    if (row.subscription_id !== null) list.push(row);
    byCustomer.set(row.customer_id, list);
  }
  return byCustomer;
}

/** The subscription that bills each record, or the problem with the record. */
function match(
  records: UsageInput[],
  spans: Map<string, SubscriptionSpan[]>,
): { subscriptionIds: string[]; problems: RecordProblem[] } {
  const subscriptionIds: string[] = [];
  const problems: RecordProblem[] = [];
  const problem = (r: UsageInput, code: ErrorCode, field: string) =>
    problems.push({ index: r.index, code, field, message: ERRORS[code].message });
  for (const r of records) {
    const subs = spans.get(r.customer_id);
    if (subs === undefined) {
      problem(r, 'customer_not_found', 'customer_id');
      continue;
    }
    const measured = subs.filter((s) => s.unit_of_measure === r.unit_of_measure);
    if (measured.length === 0) {
      problem(r, 'usage_not_subscribed', 'unit_of_measure');
      continue;
    }
    const serving = measured.find(
      (s) =>
        (s.start_date as string) <= r.usage_date &&
        (s.end_date === null || r.usage_date < s.end_date),
    );
    if (!serving) problem(r, 'usage_date_outside_subscription', 'usage_date');
    else subscriptionIds[r.index] = serving.subscription_id as string;
  }
  return { subscriptionIds, problems };
}

/** The usage records of these client ids, by client id. */
async function storedIds(q: Queryable, tenantId: string, clientIds: string[]) {
  if (clientIds.length === 0) return new Map<string, string>();
  const rows = await q.query<{ id: string; client_id: string }>(
    'SELECT id, client_id FROM usage_records WHERE tenant_id = $1 AND client_id = ANY($2::text[])',
    [tenantId, clientIds],
  );
  return new Map(rows.map((r) => [r.client_id, r.id]));
}

/** Refuses the request with the first bad record's code, listing every bad record. */
function refuse(problems: RecordProblem[], batch: boolean): AppError {
  const first = problems[0] as RecordProblem;
  const code = first.code as ErrorCode;
  return new AppError(
    code,
    batch ? { records: problems } : { field: first.field, records: problems },
  );
}

export interface UsageRow {
  id: string;
  customer_id: string;
  subscription_id: string;
  client_id: string;
  description: string | null;
  usage_date: string;
  /** Decimal text. */
  quantity: string;
  unit_of_measure: string;
}

/**
 * The one multi-row INSERT of a batch; returns the rows it stored (a client id already stored is
 * skipped). Rows go in client-id order (an INSERT … SELECT from unnest takes them in array
 * order): two concurrent batches that share new ids then wait on each other in one order
 * instead of deadlocking. Exported for the benchmark's raw-SQL baseline.
 */
export async function insertUsageRows(
  q: Queryable,
  tenantId: string,
  unsorted: UsageRow[],
  createdAt: Date,
): Promise<{ id: string; client_id: string }[]> {
  const rows = [...unsorted].sort((a, b) => (a.client_id < b.client_id ? -1 : 1));
  return q.query(
    `INSERT INTO usage_records (id, tenant_id, customer_id, subscription_id, client_id,
       description, usage_date, quantity, unit_of_measure, created_at)
     SELECT r.id, $1, r.customer_id, r.subscription_id, r.client_id, r.description, r.usage_date,
            r.quantity, r.unit_of_measure, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::date[],
                   $9::numeric[], $10::text[])
         AS r(id, customer_id, subscription_id, client_id, description, usage_date, quantity,
              unit_of_measure)
     ON CONFLICT (tenant_id, client_id) DO NOTHING
     RETURNING id, client_id`,
    [
      tenantId,
      createdAt,
      rows.map((r) => r.id),
      rows.map((r) => r.customer_id),
      rows.map((r) => r.subscription_id),
      rows.map((r) => r.client_id),
      rows.map((r) => r.description),
      rows.map((r) => r.usage_date),
      rows.map((r) => r.quantity),
      rows.map((r) => r.unit_of_measure),
    ],
  );
}

/**
 * Records usage from a request body (a record, {records}, or CSV text when `csv`), all or
 * nothing: any bad record refuses the whole request and nothing is stored.
 */
export async function recordUsage(
  ctx: Ctx,
  body: unknown,
  csv: boolean,
): Promise<UsageIngestResult> {
  requirePermission(ctx, 'billing:write');
  const { records, batch } = readUsageBody(body, csv);
  return ctx.db.tx(async (tx) => {
    // Ids stored before are duplicates whatever they say now, so a client's retry of a batch is
    // accepted even if, say, the subscription has ended since; only new records are matched.
    const idOf = await storedIds(tx, ctx.tenant.id, [...new Set(records.map((r) => r.client_id))]);
    const fresh = records.filter((r) => !idOf.has(r.client_id));
    const customerIds = [...new Set(fresh.map((r) => r.customer_id))];
    const spans = await usageSpans(tx, ctx.tenant.id, customerIds);
    const { subscriptionIds, problems } = match(fresh, spans);
    if (problems.length > 0) throw refuse(problems, batch);

    // The first record with an id is the one stored; a repeat in the same request is a duplicate.
    const firstOf = new Map<string, UsageInput>();
    for (const r of fresh) if (!firstOf.has(r.client_id)) firstOf.set(r.client_id, r);
    const rows: UsageRow[] = [...firstOf.values()].map((r) => ({
      id: newId('usageRecord'),
      customer_id: r.customer_id,
      subscription_id: subscriptionIds[r.index] as string,
      client_id: r.client_id,
      description: r.description,
      usage_date: r.usage_date,
      quantity: fromMicros(r.micros),
      unit_of_measure: r.unit_of_measure,
    }));
    const stored =
      rows.length > 0 ? await insertUsageRows(tx, ctx.tenant.id, rows, tenantNow(ctx)) : [];
    const isNew = new Set(stored.map((s) => s.client_id));
    for (const s of stored) idOf.set(s.client_id, s.id);
    // A concurrent request stored these ids between the look-up and the INSERT.
    const raced = rows.filter((r) => !isNew.has(r.client_id)).map((r) => r.client_id);
    for (const [clientId, id] of await storedIds(tx, ctx.tenant.id, raced)) idOf.set(clientId, id);
    const seen = new Set<string>();
    const result: UsageIngestResult = {
      accepted: stored.length,
      duplicates: records.length - stored.length,
      records: records.map((r) => {
        const duplicate = !isNew.has(r.client_id) || seen.has(r.client_id);
        seen.add(r.client_id);
        return { id: idOf.get(r.client_id) as string, client_id: r.client_id, duplicate };
      }),
    };
    if (stored.length > 0) {
      const dates = fresh.map((r) => r.usage_date).sort();
      const summary = {
        accepted: result.accepted,
        duplicates: result.duplicates,
        customers: customerIds.length,
        usage_dates: { from: dates[0], to: dates[dates.length - 1] },
        first_record_id: stored[0]?.id,
      };
      await recordChange(tx, ctx, {
        action: 'usage.recorded',
        objectType: 'usage_batch',
        objectId: stored[0]?.id as string,
        after: summary,
      });
    }
    return result;
  });
}

interface ListedRow extends UsageRow {
  invoice_id: string | null;
  created_at: Date;
}

export interface UsageFilter {
  customer?: string | undefined;
  subscription?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  invoiced?: boolean | undefined;
  q?: string | undefined;
  before?: string | undefined;
  /**
   * 'date': newest usage date first, then newest id (the portal, the export); the cursor is the
   * last id of the page before. Default: newest id first.
   */
  order?: 'id' | 'date' | undefined;
  limit: number;
}

/** Usage records newest first, with the invoice that billed each (if one has). */
export async function listUsage(ctx: Ctx, f: UsageFilter): Promise<UsageRecordView[]> {
  requirePermission(ctx, 'billing:read');
  const byDate = f.order === 'date';
  const rows = await ctx.db.query<ListedRow>(
    `SELECT id, customer_id, subscription_id, client_id, description, usage_date,
            quantity::text AS quantity, unit_of_measure, invoice_id, created_at
       FROM usage_records
      WHERE tenant_id = $1 AND ($2::text IS NULL OR customer_id = $2)
        AND ($3::text IS NULL OR subscription_id = $3)
        AND ($4::date IS NULL OR usage_date >= $4) AND ($5::date IS NULL OR usage_date <= $5)
        AND ($6::boolean IS NULL OR (invoice_id IS NOT NULL) = $6)
        AND ($7::text IS NULL OR description ILIKE $7 OR client_id ILIKE $7)
        AND ${
          byDate
            ? `($8::text IS NULL OR (usage_date, id) < (SELECT c.usage_date, c.id FROM usage_records c
                                                       WHERE c.tenant_id = $1 AND c.id = $8))`
            : '($8::text IS NULL OR id < $8)'
        }
      ORDER BY ${byDate ? 'usage_date DESC, id DESC' : 'id DESC'} LIMIT $9`,
    [
      ctx.tenant.id,
      f.customer ?? null,
      f.subscription ?? null,
      f.from ?? null,
      f.to ?? null,
      f.invoiced ?? null,
      f.q === undefined ? null : containsPattern(f.q),
      f.before ?? null,
      f.limit,
    ],
  );
  return rows.map((r) => ({
    id: r.id,
    client_id: r.client_id,
    customer_id: r.customer_id,
    subscription_id: r.subscription_id,
    unit_of_measure: r.unit_of_measure,
    quantity: fromMicros(toMicros(r.quantity) ?? 0n),
    usage_date: r.usage_date,
    description: r.description,
    invoiced: r.invoice_id !== null,
    invoice_id: r.invoice_id,
    created_at: r.created_at.toISOString(),
  }));
}

/**
 * Whether the customer has usage to show: a usage record, or a subscription on a usage price
 * (usage that has not come in yet). The portal shows its Usage tab only then.
 */
export async function customerHasUsage(ctx: Ctx, customerId: string): Promise<boolean> {
  const row = await ctx.db.one<{ has: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM usage_records WHERE tenant_id = $1 AND customer_id = $2)
         OR EXISTS (SELECT 1 FROM subscriptions s
                      JOIN prices p ON p.tenant_id = s.tenant_id AND p.id = s.price_id
                     WHERE s.tenant_id = $1 AND s.customer_id = $2 AND p.kind = 'usage')
         AS has`,
    [ctx.tenant.id, customerId],
  );
  return row.has;
}
