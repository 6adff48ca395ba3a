/**
 * One batch of a bill run: its customers' draft invoices, made in one transaction. A batch that
 * throws halfway leaves nothing (the transaction rolls back and the job is retried); a batch run
 * twice finds itself done; the unique keys on (subscription, period) lines and (bill run,
 * customer) invoices make a second invoice for the same customer and period impossible anyway.
 */
import type { Clock } from '../../core/clock.js';
import { MAX_AMOUNT } from '../../core/money.js';
import type { Db, Tx } from '../../db/db.js';
import { type Change, recordMany } from '../audit/service.js';
import { type Ctx, systemCtx, tenantNow } from '../context.js';
import {
  issueProrationCredits,
  type ProrationCredit,
  prorationMemoCredits,
} from '../credits/service.js';
import { insertDraftInvoices } from '../invoices/service.js';
import { loadTenant } from '../tenants/service.js';
import { releaseUsageClaims } from '../usage/service.js';
import { computeInvoice, type DraftLine, fitsMaxAmount } from './lines.js';
import { linkPendingChargeLines, releaseClaimedCharges } from './pending.js';
import {
  claimPendingCharges,
  claimUsage,
  invoiceIds,
  loadBilledLines,
  loadBilledUsage,
  loadSubscriptions,
} from './sources.js';

/** Map.groupBy, which Node 20 lacks. */
function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

interface BatchRow {
  tenant_id: string;
  target_date: string;
  customer_ids: string[];
  done_at: Date | null;
}

/**
 * A customer the run did not bill, and why (shown on the run as `refused`): its invoice would
 * exceed the largest amount (`total`, no draft made), or posting its draft would take its open
 * balance beyond the largest balance (`balance`, the draft `invoice_id` stays a draft).
 */
export type RefusedCustomer =
  | { customer_id: string; code: 'amount_too_large'; details: { field: 'total'; max: number } }
  | {
      customer_id: string;
      code: 'amount_too_large';
      details: { field: 'balance'; max: number; invoice_id: string };
    };

export interface BatchResult {
  invoices: number;
  total: number;
  /** True when this batch was the last one and completed the run. */
  completedRun: boolean;
}

/**
 * Writes the batch's drafts through the invoices module (set-based) and links each billed
 * pending charge to its line.
 */
async function insertInvoices(
  tx: Tx,
  ctx: Ctx,
  billRunId: string,
  target: string,
  invoices: { id: string; customer_id: string; lines: DraftLine[] }[],
): Promise<void> {
  const lineIds = await insertDraftInvoices(tx, ctx, billRunId, target, invoices);
  const lines = invoices.flatMap((i) => i.lines);
  const charged = lines.flatMap((l, n) =>
    l.pending_charge_id ? [{ charge: l.pending_charge_id, line: lineIds[n] as string }] : [],
  );
  await linkPendingChargeLines(tx, charged);
}

/** Makes the draft invoices of one batch; returns what it made. */
export async function processBatch(
  db: Db,
  clock: Clock,
  billRunId: string,
  batchNo: number,
): Promise<BatchResult> {
  return db.tx(async (tx) => {
    const batch = await tx.maybeOne<BatchRow>(
      `SELECT r.tenant_id, r.target_date, b.customer_ids, b.done_at
         FROM bill_run_batches b JOIN bill_runs r ON r.id = b.bill_run_id
        WHERE b.bill_run_id = $1 AND b.batch_no = $2 FOR NO KEY UPDATE OF b`,
      [billRunId, batchNo],
    );
    if (!batch || batch.done_at) return { invoices: 0, total: 0, completedRun: false };
    const tenant = await loadTenant(tx, batch.tenant_id);
    if (!tenant) throw new Error(`bill run ${billRunId} has no tenant`);
    const ctx = systemCtx(db, clock, tenant);
    const target = batch.target_date;
    const subs = await loadSubscriptions(tx, tenant.id, batch.customer_ids, target);
    const recurring = subs.filter((s) => s.price.kind === 'recurring').map((s) => s.id);
    const billed = await loadBilledLines(tx, recurring);
    const memoCredits = await prorationMemoCredits(tx, tenant.id, recurring);
    const invoiceOf = invoiceIds(batch.customer_ids);
    const usage = await claimUsage(tx, tenant.id, subs, invoiceOf, target);
    const billedUsage = await loadBilledUsage(tx, subs, usage, [...invoiceOf.values()]);
    const charges = await claimPendingCharges(tx, tenant.id, invoiceOf, target);

    const invoices: { id: string; customer_id: string; lines: DraftLine[] }[] = [];
    const refused: RefusedCustomer[] = [];
    const subsOf = groupBy(subs, (s) => s.customer_id);
    const subCustomer = new Map(subs.map((s) => [s.id, s.customer_id]));
    const usageOf = groupBy(usage, (u) => subCustomer.get(u.subscription_id) as string);
    const billedUsageOf = groupBy(billedUsage, (u) => subCustomer.get(u.subscription_id) as string);
    const chargesOf = groupBy(charges, (c) => c.customer_id);
    const billedOf = groupBy(billed, (b) => subCustomer.get(b.subscription_id) as string);
    const memoCreditsOf = groupBy(memoCredits, (m) => subCustomer.get(m.subscription_id) as string);
    const accountCredits: ProrationCredit[] = [];
    for (const customerId of batch.customer_ids) {
      const { lines, accountCredits: credits } = computeInvoice(
        {
          subscriptions: subsOf.get(customerId) ?? [],
          billed: billedOf.get(customerId) ?? [],
          usage: usageOf.get(customerId) ?? [],
          billedUsage: billedUsageOf.get(customerId) ?? [],
          charges: chargesOf.get(customerId) ?? [],
          memoCredits: memoCreditsOf.get(customerId) ?? [],
        },
        target,
      );
      if (lines.length > 0 && !fitsMaxAmount(lines)) {
        // Nothing is written for this customer, its account credits included: a later run,
        // once what does not fit is corrected, bills and credits it whole.
        refused.push({
          customer_id: customerId,
          code: 'amount_too_large',
          details: { field: 'total', max: MAX_AMOUNT },
        });
        continue;
      }
      if (lines.length > 0)
        invoices.push({ id: invoiceOf.get(customerId) as string, customer_id: customerId, lines });
      for (const c of credits) {
        accountCredits.push({
          customerId,
          subscriptionId: c.subscription_id as string,
          periodStart: c.period_start as string,
          periodEnd: c.period_end as string,
          amount: -c.amount,
          reason: c.description,
        });
      }
    }
    if (refused.length > 0) {
      // Nothing is written for them: what the batch claimed for their invoices goes back, for
      // a later run once the charge or usage that does not fit is corrected.
      const claims = refused.map((r) => ({
        customer_id: r.customer_id,
        invoice_id: invoiceOf.get(r.customer_id) as string,
      }));
      await releaseUsageClaims(tx, tenant.id, claims);
      await releaseClaimedCharges(tx, tenant.id, claims);
    }
    if (invoices.length > 0) await insertInvoices(tx, ctx, billRunId, target, invoices);
    // Credits no charge on the customer's invoice absorbs go on the account at once (issue 10
    // item 3), in this transaction: a batch run again finds itself done and issues none twice.
    await issueProrationCredits(tx, ctx, billRunId, accountCredits);
    // Summed exactly and handed to SQL as a decimal: the run's total is a bigint sum there.
    const total = invoices.reduce(
      (s, i) => s + i.lines.reduce((t, l) => t + BigInt(l.amount), 0n),
      0n,
    );
    const changes: Change[] = invoices.map((i) => ({
      action: 'invoice.created',
      objectType: 'invoice',
      objectId: i.id,
      after: { id: i.id, customer_id: i.customer_id, bill_run_id: billRunId, status: 'draft' },
    }));
    await recordMany(tx, ctx, changes);

    const now = tenantNow(ctx);
    await tx.query(
      `UPDATE bill_run_batches SET done_at = $3, invoice_count = $4, total_amount = $5,
              refused = $6::jsonb
        WHERE bill_run_id = $1 AND batch_no = $2`,
      [billRunId, batchNo, now, invoices.length, total.toString(), JSON.stringify(refused)],
    );
    // The run's row lock serialises the batches' endings; the count after it is a new statement,
    // so it sees every batch that committed while this one waited, and exactly one batch sees
    // none left.
    await tx.query('SELECT id FROM bill_runs WHERE id = $1 FOR NO KEY UPDATE', [billRunId]);
    await tx.query(
      `UPDATE bill_runs SET processed_customers = processed_customers + $2,
              invoice_count = invoice_count + $3, total_amount = total_amount + $4
        WHERE id = $1`,
      [billRunId, batch.customer_ids.length, invoices.length, total.toString()],
    );
    const run = await tx.one<{ remaining: number }>(
      'SELECT count(*) AS remaining FROM bill_run_batches WHERE bill_run_id = $1 AND done_at IS NULL',
      [billRunId],
    );
    let completedRun = false;
    if (run.remaining === 0) {
      await tx.query(
        `UPDATE bill_runs SET status = 'completed', completed_at = $2 WHERE id = $1 AND status = 'running'`,
        [billRunId, now],
      );
      completedRun = true;
    }
    return { invoices: invoices.length, total: Number(total), completedRun };
  });
}
