/**
 * Bill runs (C2, C3, C5, L2): a durable run for a target date, cut into batches of customers that
 * workers process from the job queue, with progress and totals; posting a run numbers all its
 * drafts in one transaction.
 */
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { exactSum, MAX_BALANCE } from '../../core/money.js';
import type { Db, Tx } from '../../db/db.js';
import { defineQueue, queueFor } from '../../jobs/queue.js';
import { recordChange, recordMany } from '../audit/service.js';
import { type Ctx, requirePermission, systemCtx, tenantNow } from '../context.js';
import { draftsOverBalance, emailBillRunInvoices, postDraftsIn } from '../invoices/service.js';
import { loadTenant } from '../tenants/service.js';
import { processBatch, type RefusedCustomer } from './batch.js';

/** Customers per batch: one transaction each; small enough to retry cheaply. */
export {
  deletePendingCharge,
  insertPendingCharge,
  type NewPendingCharge,
  releasePendingCharges,
} from './pending.js';
export {
  type EndingToFollow,
  endingToFollow,
  type ToFollow,
  upcomingInvoice,
} from './upcoming.js';

export const BATCH_SIZE = 500;
export const BATCH_QUEUE = defineQueue('bill-run-batch', {
  retryLimit: 5,
  retryDelay: 5,
  retryBackoff: true,
  expireInSeconds: 900,
});
export const POST_QUEUE = defineQueue('bill-run-post', {
  retryLimit: 5,
  retryDelay: 5,
  retryBackoff: true,
  expireInSeconds: 3600,
});

export const EMAIL_RUN_QUEUE = defineQueue('bill-run-email', {
  retryLimit: 5,
  retryDelay: 30,
  retryBackoff: true,
  expireInSeconds: 3600,
});

export interface BatchJob {
  bill_run_id: string;
  batch_no: number;
}
export interface PostJob {
  bill_run_id: string;
}
export type EmailRunJob = PostJob;

export interface BillRunView {
  id: string;
  target_date: string;
  auto_post: boolean;
  auto_email: boolean;
  status: 'pending' | 'running' | 'completed' | 'posting' | 'posted' | 'failed';
  progress: { processed: number; total: number };
  invoice_count: number;
  /** The run's drafts summed; null only beyond Number.MAX_SAFE_INTEGER (see total_amount_exact). */
  total_amount: number | null;
  /** The same sum as an exact decimal string of minor units (bigint in SQL), whatever its size. */
  total_amount_exact: string;
  currency: 'USD';
  error: string | null;
  /** Customers not billed because their invoice would exceed the largest amount. */
  refused: RefusedCustomer[];
  created_at: string;
  completed_at: string | null;
  posted_at: string | null;
}

interface RunRow {
  id: string;
  tenant_id: string;
  target_date: string;
  auto_post: boolean;
  auto_email: boolean;
  status: BillRunView['status'];
  total_customers: number;
  processed_customers: number;
  invoice_count: number;
  total_amount: string;
  error: string | null;
  refused: RefusedCustomer[];
  created_at: Date;
  completed_at: Date | null;
  posted_at: Date | null;
}

// The customers the run's batches did not bill (issue 10 item 8), batch by batch.
const RUN_COLUMNS = `id, tenant_id, target_date, auto_post, auto_email, status, total_customers,
  processed_customers, invoice_count, total_amount::text AS total_amount, error, created_at,
  completed_at, posted_at,
  (SELECT coalesce(jsonb_agg(e ORDER BY b.batch_no, n), '[]'::jsonb)
     FROM bill_run_batches b, jsonb_array_elements(b.refused) WITH ORDINALITY AS r(e, n)
    WHERE b.bill_run_id = bill_runs.id) AS refused`;

function view(r: RunRow): BillRunView {
  return {
    id: r.id,
    target_date: r.target_date,
    auto_post: r.auto_post,
    auto_email: r.auto_email,
    status: r.status,
    progress: { processed: r.processed_customers, total: r.total_customers },
    invoice_count: r.invoice_count,
    // Summed as bigint in SQL; a JS number only while exact, so no read of a run ever fails.
    total_amount: exactSum(r.total_amount),
    total_amount_exact: r.total_amount,
    currency: 'USD',
    error: r.error,
    refused: r.refused,
    created_at: r.created_at.toISOString(),
    completed_at: r.completed_at?.toISOString() ?? null,
    posted_at: r.posted_at?.toISOString() ?? null,
  };
}

export interface NewBillRun {
  target_date: string;
  auto_post?: boolean | undefined;
  auto_email?: boolean | undefined;
}

async function sendPostJob(tx: Tx, db: Db, billRunId: string): Promise<void> {
  const queue = queueFor(db);
  if (queue?.has(POST_QUEUE))
    await queue.send<PostJob>(POST_QUEUE, { bill_run_id: billRunId }, {}, tx);
}

export async function createBillRun(ctx: Ctx, input: NewBillRun): Promise<BillRunView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx((tx) => createBillRunIn(tx, ctx, input));
}

/** Creates a run inside the caller's transaction (the scheduler uses the clock's). */
export async function createBillRunIn(tx: Tx, ctx: Ctx, input: NewBillRun): Promise<BillRunView> {
  const tenant = await tx.one<{ settings: { auto_post?: boolean; auto_email?: boolean } }>(
    'SELECT settings FROM tenants WHERE id = $1 FOR NO KEY UPDATE',
    [ctx.tenant.id],
  );
  const busy = await tx.maybeOne<{ id: string }>(
    `SELECT id FROM bill_runs WHERE tenant_id = $1 AND status IN ('pending', 'running') LIMIT 1`,
    [ctx.tenant.id],
  );
  if (busy) throw new AppError('bill_run_in_progress', { bill_run_id: busy.id });
  const last = await tx.maybeOne<{ target_date: string }>(
    `SELECT max(target_date)::text AS target_date FROM bill_runs
        WHERE tenant_id = $1 AND status <> 'failed' HAVING max(target_date) IS NOT NULL`,
    [ctx.tenant.id],
  );
  if (last && input.target_date < last.target_date) {
    throw new AppError('bill_run_target_in_past', { last_target_date: last.target_date });
  }
  const id = newId('billRun');
  const now = tenantNow(ctx);
  const autoPost = input.auto_post ?? tenant.settings.auto_post ?? false;
  const autoEmail = input.auto_email ?? tenant.settings.auto_email ?? false;
  await tx.query(
    `INSERT INTO bill_runs (id, tenant_id, target_date, auto_post, auto_email, status, created_by,
                              created_at, started_at)
       VALUES ($1, $2, $3, $4, $5, 'running', $6, $7, $7)`,
    [id, ctx.tenant.id, input.target_date, autoPost, autoEmail, ctx.actor.id, now],
  );
  // Every customer with a subscription started by the target date or a pending charge due by
  // it; a customer with nothing to bill simply gets no invoice.
  const batches = await tx.query<{ batch_no: number; n: number }>(
    `INSERT INTO bill_run_batches (bill_run_id, batch_no, customer_ids)
       SELECT $1, (rn - 1) / $4, array_agg(customer_id ORDER BY customer_id)
         FROM (SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS rn
                 FROM (SELECT customer_id FROM subscriptions WHERE tenant_id = $2 AND start_date <= $3
                       UNION
                       SELECT customer_id FROM pending_charges
                        WHERE tenant_id = $2 AND invoice_id IS NULL AND charge_date <= $3) AS due) AS numbered
        GROUP BY (rn - 1) / $4
       RETURNING batch_no, cardinality(customer_ids) AS n`,
    [id, ctx.tenant.id, input.target_date, BATCH_SIZE],
  );
  const total = batches.reduce((s, b) => s + b.n, 0);
  await tx.query('UPDATE bill_runs SET total_customers = $2 WHERE id = $1', [id, total]);
  if (batches.length === 0) {
    await tx.query(`UPDATE bill_runs SET status = 'completed', completed_at = $2 WHERE id = $1`, [
      id,
      now,
    ]);
    if (autoPost) await sendPostJob(tx, ctx.db, id);
  }
  const queue = queueFor(ctx.db);
  if (queue?.has(BATCH_QUEUE)) {
    for (const b of batches) {
      await queue.send<BatchJob>(BATCH_QUEUE, { bill_run_id: id, batch_no: b.batch_no }, {}, tx);
    }
  }
  const created = view(
    await tx.one<RunRow>(`SELECT ${RUN_COLUMNS} FROM bill_runs WHERE id = $1`, [id]),
  );
  await recordChange(tx, ctx, {
    action: 'bill_run.created',
    objectType: 'bill_run',
    objectId: id,
    after: created,
  });
  return created;
}

/** A batch job: makes the batch's drafts; the last batch queues auto-posting. */
export async function runBatchJob(db: Db, clock: Clock, job: BatchJob): Promise<void> {
  const result = await processBatch(db, clock, job.bill_run_id, job.batch_no);
  if (!result.completedRun) return;
  const run = await db.one<{ auto_post: boolean }>(
    'SELECT auto_post FROM bill_runs WHERE id = $1',
    [job.bill_run_id],
  );
  if (run.auto_post) await db.tx((tx) => sendPostJob(tx, db, job.bill_run_id));
}

/**
 * Processes every batch not yet done, here and now (tests, and `billow bill-run` without
 * workers), then auto-posts when the run asks for it.
 */
export async function runBillRunHere(db: Db, clock: Clock, billRunId: string): Promise<void> {
  const pending = await db.query<{ batch_no: number }>(
    'SELECT batch_no FROM bill_run_batches WHERE bill_run_id = $1 AND done_at IS NULL ORDER BY batch_no',
    [billRunId],
  );
  for (const b of pending) await processBatch(db, clock, billRunId, b.batch_no);
  const run = await db.one<{ auto_post: boolean; status: string; tenant_id: string }>(
    'SELECT auto_post, status, tenant_id FROM bill_runs WHERE id = $1',
    [billRunId],
  );
  if (run.auto_post && run.status === 'completed') {
    await postRunAsSystem(db, clock, run.tenant_id, billRunId);
  }
  const after = await db.one<{ auto_email: boolean; status: string }>(
    'SELECT auto_email, status FROM bill_runs WHERE id = $1',
    [billRunId],
  );
  if (after.auto_email && after.status === 'posted' && !queueFor(db)?.has(EMAIL_RUN_QUEUE)) {
    await emailBillRunInvoices(db, clock, run.tenant_id, billRunId);
  }
}

export async function runEmailJob(db: Db, clock: Clock, job: EmailRunJob): Promise<void> {
  const run = await db.maybeOne<{ tenant_id: string }>(
    'SELECT tenant_id FROM bill_runs WHERE id = $1',
    [job.bill_run_id],
  );
  if (run) await emailBillRunInvoices(db, clock, run.tenant_id, job.bill_run_id);
}

/** Emails a posted run's invoices: in the background when workers run, else here and now. */
export async function emailBillRun(
  ctx: Ctx,
  id: string,
): Promise<{ queued: boolean; emailed?: number; without_recipients?: number }> {
  requirePermission(ctx, 'billing:write');
  const run = await ctx.db.maybeOne<{ status: string }>(
    'SELECT status FROM bill_runs WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, id],
  );
  if (!run) throw new AppError('bill_run_not_found', { id });
  if (run.status !== 'posted')
    throw new AppError('invoice_not_posted', { bill_run_id: id, status: run.status });
  const queue = queueFor(ctx.db);
  if (queue?.has(EMAIL_RUN_QUEUE)) {
    await queue.send<EmailRunJob>(EMAIL_RUN_QUEUE, { bill_run_id: id });
    return { queued: true };
  }
  return { queued: false, ...(await emailBillRunInvoices(ctx.db, ctx.clock, ctx.tenant.id, id)) };
}

/** The ids of a run's invoices, a page at a time, for the batch PDF. */
export async function billRunInvoiceIds(
  ctx: Ctx,
  id: string,
  offset: number,
  limit: number,
): Promise<string[]> {
  requirePermission(ctx, 'billing:read');
  await getBillRun(ctx, id);
  const rows = await ctx.db.query<{ id: string }>(
    `SELECT id FROM invoices WHERE tenant_id = $1 AND bill_run_id = $2 ORDER BY number NULLS LAST, id
      OFFSET $3 LIMIT $4`,
    [ctx.tenant.id, id, offset, limit],
  );
  return rows.map((r) => r.id);
}

async function postRunAsSystem(db: Db, clock: Clock, tenantId: string, id: string): Promise<void> {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) throw new Error(`bill run ${id} has no tenant`);
  await postBillRun(systemCtx(db, clock, tenant), id);
}

export async function runPostJob(db: Db, clock: Clock, job: PostJob): Promise<void> {
  const run = await db.maybeOne<{ tenant_id: string; status: string }>(
    'SELECT tenant_id, status FROM bill_runs WHERE id = $1',
    [job.bill_run_id],
  );
  if (run?.status === 'completed') await postRunAsSystem(db, clock, run.tenant_id, job.bill_run_id);
}

/**
 * Lists the customers whose drafts posting refused in the run's `refused`, on the batch that
 * billed each of them (the run's view gathers the batches').
 */
async function refuseOnPosting(
  tx: Tx,
  billRunId: string,
  over: { customer_id: string; invoice_ids: string[] }[],
): Promise<void> {
  for (const o of over) {
    for (const invoiceId of o.invoice_ids) {
      const entry: RefusedCustomer = {
        customer_id: o.customer_id,
        code: 'amount_too_large',
        details: { field: 'balance', max: MAX_BALANCE, invoice_id: invoiceId },
      };
      await tx.query(
        `UPDATE bill_run_batches SET refused = refused || $3::jsonb
          WHERE bill_run_id = $1 AND batch_no = (
            SELECT min(batch_no) FROM bill_run_batches WHERE bill_run_id = $1 AND $2 = ANY (customer_ids))`,
        [billRunId, o.customer_id, JSON.stringify([entry])],
      );
    }
  }
}

/** Posts every non-empty draft of a completed run; empty drafts stay drafts (and are counted). */
/** Drafts numbered and audited per statement when a bill run is posted. */
const POST_CHUNK = 5_000;

export async function postBillRun(
  ctx: Ctx,
  id: string,
): Promise<BillRunView & { skipped_empty: number }> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const run = await tx.maybeOne<RunRow>(
      `SELECT ${RUN_COLUMNS} FROM bill_runs WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`,
      [ctx.tenant.id, id],
    );
    if (!run) throw new AppError('bill_run_not_found', { id });
    if (run.status === 'posted') return { ...view(run), skipped_empty: 0 };
    if (run.status !== 'completed')
      throw new AppError('bill_run_not_completed', { status: run.status });
    const drafts = await tx.query<{ id: string; has_lines: boolean }>(
      `SELECT i.id, EXISTS (SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id) AS has_lines
         FROM invoices i WHERE i.bill_run_id = $1 AND i.status = 'draft' ORDER BY i.id`,
      [id],
    );
    const nonEmpty = drafts.filter((d) => d.has_lines).map((d) => d.id);
    // A draft whose posting would take its customer's open balance beyond the largest balance
    // stays a draft (issue 10 item 8) and is listed in the run's `refused`; the others post.
    const over = await draftsOverBalance(tx, ctx.tenant.id, nonEmpty);
    const held = new Set(over.flatMap((o) => o.invoice_ids));
    const ids = nonEmpty.filter((d) => !held.has(d));
    await refuseOnPosting(tx, id, over);
    // In chunks, still in this one transaction (all posted or none): numbers stay gap-free and
    // in id order, while the arrays, the returned rows and the audit entries held in memory at
    // once stay bounded (a 100k-invoice run peaked over 512 MiB posting everything at once).
    for (let i = 0; i < ids.length; i += POST_CHUNK) {
      const chunk = ids.slice(i, i + POST_CHUNK);
      await postDraftsIn(tx, ctx, chunk);
      await recordMany(
        tx,
        ctx,
        chunk.map((invoiceId) => ({
          action: 'invoice.posted',
          objectType: 'invoice',
          objectId: invoiceId,
          after: { id: invoiceId, bill_run_id: id, status: 'posted' },
        })),
      );
    }
    const now = tenantNow(ctx);
    const posted = await tx.one<RunRow>(
      `UPDATE bill_runs SET status = 'posted', posted_at = $2 WHERE id = $1 RETURNING ${RUN_COLUMNS}`,
      [id, now],
    );
    const after = view(posted);
    await recordChange(tx, ctx, {
      action: 'bill_run.posted',
      objectType: 'bill_run',
      objectId: id,
      before: view(run),
      after,
    });
    if (run.auto_email) {
      const queue = queueFor(ctx.db);
      if (queue?.has(EMAIL_RUN_QUEUE)) {
        await queue.send<EmailRunJob>(EMAIL_RUN_QUEUE, { bill_run_id: id }, {}, tx);
      }
    }
    return { ...after, skipped_empty: drafts.length - nonEmpty.length };
  });
}

/**
 * A draft of the run changed total by `delta` (a line added or removed in the review): the run's
 * total follows, so the summary still sums its invoices.
 */
export async function draftChangedInRun(tx: Tx, billRunId: string, delta: number): Promise<void> {
  if (delta === 0) return;
  await tx.query('UPDATE bill_runs SET total_amount = total_amount + $2 WHERE id = $1', [
    billRunId,
    delta,
  ]);
}

/** A draft of the run was deleted: the run's totals no longer count it. */
export async function draftDeletedFromRun(tx: Tx, billRunId: string, total: number): Promise<void> {
  await tx.query(
    'UPDATE bill_runs SET invoice_count = invoice_count - 1, total_amount = total_amount - $2 WHERE id = $1',
    [billRunId, total],
  );
}

export async function getBillRun(ctx: Ctx, id: string): Promise<BillRunView> {
  requirePermission(ctx, 'billing:read');
  const row = await ctx.db.maybeOne<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM bill_runs WHERE tenant_id = $1 AND id = $2`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('bill_run_not_found', { id });
  return view(row);
}

export async function listBillRuns(
  ctx: Ctx,
  after: string | undefined,
  limit: number,
): Promise<BillRunView[]> {
  requirePermission(ctx, 'billing:read');
  const rows = await ctx.db.query<RunRow>(
    `SELECT ${RUN_COLUMNS} FROM bill_runs WHERE tenant_id = $1 AND ($2::text IS NULL OR id < $2)
      ORDER BY id DESC LIMIT $3`,
    [ctx.tenant.id, after ?? null, limit],
  );
  return rows.map(view);
}
