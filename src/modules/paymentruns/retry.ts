/**
 * Retrying failed payments (F2): one or many now (staff), a run's failed items, or automatically
 * when the tenant clock reaches a payment's next_retry_date. A retry is a new payment (source
 * 'retry', retry_of the failed one) for what is still open of the invoices the failed one meant
 * to pay, with the same method; an autopay charge's retry keeps its autopay_invoice_id, so the
 * one-live-autopay-charge index still holds.
 *
 * A failed payment is charged again at most once. The request checks and claims the payments
 * under their row locks (refusing one with a retry already), and the unique index
 * payments_one_retry_per_payment (0012) settles what a check cannot: two requests that both
 * passed it race to reserve, the second insert waits for the first to commit and fails, and
 * that request answers payment_has_live_retry without calling the gateway.
 */
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { type Db, pgConstraint, type Queryable } from '../../db/db.js';
import { availableOn as availableToPay } from '../books/service.js';
import { type Ctx, requirePermission, systemCtx, tenantToday } from '../context.js';
import {
  claimAutomaticRetry,
  collectPayment,
  isHardDecline,
  type PaymentView,
  stopAutomaticRetries,
} from '../payments/service.js';
import { loadTenant } from '../tenants/service.js';
import { refreshRun } from './batch.js';

interface FailedRow {
  id: string;
  customer_id: string;
  amount: number;
  status: string;
  method_type: string;
  payment_method_id: string | null;
  decline_code: string | null;
  failure_message: string | null;
  autopay_invoice_id: string | null;
  autopay_rule_id: string | null;
  payment_run_id: string | null;
  retry_of: string | null;
  retry_count: number;
  next_retry_date: string | null;
  failed_at: Date | null;
  source: string;
  retried: boolean;
}

const FAILED_COLUMNS = `p.id, p.customer_id, p.amount, p.status, p.method_type, p.payment_method_id,
    p.decline_code, p.failure_message, p.autopay_invoice_id, p.autopay_rule_id, p.payment_run_id,
    p.retry_of, p.retry_count, p.next_retry_date, p.failed_at, p.source,
    EXISTS (SELECT 1 FROM payments r WHERE r.retry_of = p.id AND r.status <> 'cancelled') AS retried`;
const FAILED_SELECT = `SELECT ${FAILED_COLUMNS} FROM payments p`;
/** The same with the names a list shows: the customer's, and the autopay invoice's number. */
const FAILED_LIST_SELECT = `SELECT ${FAILED_COLUMNS}, c.name AS customer_name, i.number AS invoice_number
  FROM payments p JOIN customers c ON c.id = p.customer_id
  LEFT JOIN invoices i ON i.id = p.autopay_invoice_id`;

export interface RetryResult {
  payment_id: string;
  retry: PaymentView | null;
  /** Why nothing was charged: nothing_due (the invoices were paid meanwhile) or an error code. */
  skipped: string | null;
}

const RETRY_INDEX = 'payments_one_retry_per_payment';
const AUTOPAY_INDEX = 'payments_one_live_autopay_per_invoice';

/** Statuses of a retry that stop another: it may still collect, or it did. */
const LIVE = new Set(['pending', 'succeeded']);

interface RetryOfRow {
  retry_of: string;
  id: string;
  status: string;
}

/** The retries (not cancelled) of the given failed payments: at most one each (0012). */
async function retriesOf(q: Queryable, tenantId: string, ids: string[]): Promise<RetryOfRow[]> {
  return q.query<RetryOfRow>(
    `SELECT retry_of, id, status FROM payments
      WHERE tenant_id = $1 AND retry_of = ANY ($2::text[]) AND status <> 'cancelled'
      ORDER BY retry_of, id`,
    [tenantId, ids],
  );
}

/**
 * Why a retry's reservation lost a race on a unique index: another retry of the same payment
 * (live, or already failed), or another live autopay charge of the invoice (nothing due).
 */
async function raceLost(ctx: Ctx, failed: FailedRow): Promise<AppError | 'nothing_due'> {
  const [other] = await retriesOf(ctx.db, ctx.tenant.id, [failed.id]);
  if (!other) return 'nothing_due';
  const refusal = { id: failed.id, retry_id: other.id, retry_status: other.status };
  return LIVE.has(other.status)
    ? new AppError('payment_has_live_retry', { payments: [{ ...refusal, reason: 'live_retry' }] })
    : new AppError('payment_not_retryable', {
        payments: [{ ...refusal, reason: 'already_retried' }],
      });
}

/**
 * Charges the retry of one failed payment; the caller has claimed it. `refusal`: the error the
 * retry was refused with after losing a race to another retry of the same payment.
 */
async function retryOne(
  ctx: Ctx,
  failed: FailedRow,
  automatic: boolean,
): Promise<RetryResult & { refusal?: AppError }> {
  const db = ctx.db;
  let planned = await db.query<{ invoice_id: string; amount: number }>(
    `SELECT invoice_id, sum(amount)::bigint AS amount FROM payment_applications
      WHERE payment_id = $1 AND kind = 'payment' GROUP BY invoice_id ORDER BY invoice_id`,
    [failed.id],
  );
  if (planned.length === 0 && failed.autopay_invoice_id) {
    planned = [{ invoice_id: failed.autopay_invoice_id, amount: failed.amount }];
  }
  const open = await availableToPay(
    db,
    ctx.tenant.id,
    planned.map((a) => a.invoice_id),
  );
  const allocations = planned
    .map((a) => ({
      invoice_id: a.invoice_id,
      amount: Math.min(a.amount, open.get(a.invoice_id) ?? 0),
    }))
    .filter((a) => a.amount > 0);
  if (allocations.length === 0 || !failed.payment_method_id) {
    return { payment_id: failed.id, retry: null, skipped: 'nothing_due' };
  }
  let retry: PaymentView;
  try {
    retry = await collectPayment(ctx, {
      customerId: failed.customer_id,
      paymentMethodId: failed.payment_method_id,
      amount: allocations.reduce((s, a) => s + a.amount, 0),
      allocations,
      source: 'retry',
      retryOf: failed.id,
      ...(failed.autopay_invoice_id && { autopayInvoiceId: failed.autopay_invoice_id }),
      ...(failed.autopay_rule_id && { autopayRuleId: failed.autopay_rule_id }),
      ...(failed.payment_run_id && { paymentRunId: failed.payment_run_id }),
      automaticRetry: automatic,
    });
  } catch (err) {
    const constraint = pgConstraint(err);
    if (constraint === RETRY_INDEX || constraint === AUTOPAY_INDEX) {
      const lost = await raceLost(ctx, failed);
      if (lost === 'nothing_due') return { payment_id: failed.id, retry: null, skipped: lost };
      return { payment_id: failed.id, retry: null, skipped: lost.code, refusal: lost };
    }
    if (!(err instanceof AppError)) throw err;
    return { payment_id: failed.id, retry: null, skipped: err.code };
  }
  if (failed.payment_run_id && failed.autopay_invoice_id) {
    // The run's item now shows the retry's result.
    await db.query(
      `UPDATE payment_run_items SET payment_id = $3,
              status = CASE $4 WHEN 'succeeded' THEN 'succeeded' WHEN 'failed' THEN 'failed' ELSE 'pending' END
        WHERE payment_run_id = $1 AND invoice_id = $2 AND payment_id = $5`,
      [failed.payment_run_id, failed.autopay_invoice_id, retry.id, retry.status, failed.id],
    );
    await refreshRun(ctx, failed.payment_run_id);
  }
  return { payment_id: failed.id, retry, skipped: null };
}

/** Why each of `ids` cannot be retried now (empty when all can), read under the caller's locks. */
function refusals(ids: string[], byId: Map<string, FailedRow>, retries: RetryOfRow[]) {
  const retryOf = new Map(retries.map((r) => [r.retry_of, r]));
  return ids.flatMap((id) => {
    const r = byId.get(id);
    const retry = retryOf.get(id);
    const reason = !r
      ? 'not_found'
      : r.status !== 'failed'
        ? `status_${r.status}`
        : !r.payment_method_id
          ? 'not_a_gateway_charge'
          : retry
            ? LIVE.has(retry.status)
              ? 'live_retry'
              : 'already_retried'
            : null;
    if (!reason) return [];
    return [{ id, reason, ...(retry && { retry_id: retry.id, retry_status: retry.status }) }];
  });
}

/**
 * Retries the given failed payments now. Refuses the whole request, charging nothing, if any
 * cannot be retried: payment_has_live_retry when each refused one has a retry pending or
 * succeeded (a double click, two staff at once), payment_not_retryable otherwise. A race lost
 * after the check (to a concurrent request) is that payment's `skipped` reason, and refuses the
 * request the same way when it charged nothing at all.
 */
export async function retryPayments(ctx: Ctx, ids: string[]): Promise<RetryResult[]> {
  requirePermission(ctx, 'billing:write');
  const unique = [...new Set(ids)].sort();
  const byId = await ctx.db.tx(async (tx) => {
    const rows = await tx.query<FailedRow>(
      `${FAILED_SELECT} WHERE p.tenant_id = $1 AND p.id = ANY ($2::text[])
        ORDER BY p.id FOR NO KEY UPDATE OF p`,
      [ctx.tenant.id, unique],
    );
    const found = new Map(rows.map((r) => [r.id, r]));
    const refused = refusals(unique, found, await retriesOf(tx, ctx.tenant.id, unique));
    if (refused.length > 0) {
      const code = refused.every((r) => r.reason === 'live_retry')
        ? 'payment_has_live_retry'
        : 'payment_not_retryable';
      throw new AppError(code, { payments: refused });
    }
    // Claimed: no automatic retry of them any more.
    await stopAutomaticRetries(tx, unique);
    return found;
  });
  const results: RetryResult[] = [];
  let refusal: AppError | undefined;
  for (const id of ids.filter((x, i) => ids.indexOf(x) === i)) {
    const { refusal: lost, ...result } = await retryOne(ctx, byId.get(id) as FailedRow, false);
    refusal ??= lost;
    results.push(result);
  }
  // Nothing charged because another request got there first: refuse, as the check would have.
  if (refusal && results.every((r) => r.retry === null)) throw refusal;
  return results;
}

/** Retries every failed item of a completed run that has not been retried yet. */
export async function retryFailedOfRun(ctx: Ctx, runId: string): Promise<RetryResult[]> {
  requirePermission(ctx, 'billing:write');
  const run = await ctx.db.maybeOne<{ status: string }>(
    'SELECT status FROM payment_runs WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, runId],
  );
  if (!run) throw new AppError('payment_run_not_found', { id: runId });
  if (run.status !== 'completed') throw new AppError('payment_run_not_finished', { id: runId });
  const failed = await ctx.db.query<{ id: string }>(
    `SELECT p.id FROM payment_run_items it JOIN payments p ON p.id = it.payment_id
      WHERE it.payment_run_id = $1 AND it.status = 'failed' AND p.status = 'failed'
        AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.retry_of = p.id AND r.status <> 'cancelled')
      ORDER BY p.id`,
    [runId],
  );
  if (failed.length === 0) return [];
  return retryPayments(
    ctx,
    failed.map((f) => f.id),
  );
}

/** Failed payments not yet retried, for follow-up (F2); newest first. */
export async function listFailedPayments(
  ctx: Ctx,
  f: { customer?: string | undefined; cursor?: string | undefined; limit: number },
) {
  requirePermission(ctx, 'billing:read');
  const rows = await ctx.db.query<
    FailedRow & { customer_name: string; invoice_number: string | null }
  >(
    `${FAILED_LIST_SELECT} WHERE p.tenant_id = $1 AND p.status = 'failed'
        AND ($2::text IS NULL OR p.customer_id = $2) AND ($3::text IS NULL OR p.id < $3)
        AND NOT EXISTS (SELECT 1 FROM payments r WHERE r.retry_of = p.id AND r.status <> 'cancelled')
      ORDER BY p.id DESC LIMIT $4`,
    [ctx.tenant.id, f.customer ?? null, f.cursor ?? null, f.limit + 1],
  );
  const data = rows.slice(0, f.limit).map(({ retried: _r, failed_at, ...r }) => ({
    ...r,
    currency: 'USD' as const,
    hard_decline: isHardDecline(r.decline_code),
    failed_at: failed_at?.toISOString() ?? null,
  }));
  return { data, next_cursor: rows.length > f.limit ? (data[data.length - 1]?.id ?? null) : null };
}

/** Automatic retries whose date has come, for one tenant (claimed one by one). */
export async function runDueRetries(ctx: Ctx): Promise<RetryResult[]> {
  const due = await ctx.db.query<FailedRow>(
    `${FAILED_SELECT} WHERE p.tenant_id = $1 AND p.status = 'failed'
        AND p.next_retry_date IS NOT NULL AND p.next_retry_date <= $2 ORDER BY p.id`,
    [ctx.tenant.id, tenantToday(ctx)],
  );
  const results: RetryResult[] = [];
  for (const row of due) {
    const claimed = await claimAutomaticRetry(ctx.db, row.id);
    if (!claimed || row.retried || isHardDecline(row.decline_code)) continue;
    const { refusal: _lost, ...result } = await retryOne(ctx, row, true);
    results.push(result);
  }
  return results;
}

/** Due payment work of one tenant, here and now: scheduled runs are started by the caller. */
export async function runDueRetriesFor(db: Db, clock: Clock, tenantId: string) {
  const tenant = await loadTenant(db, tenantId);
  if (!tenant) return [];
  return runDueRetries(systemCtx(db, clock, tenant));
}
