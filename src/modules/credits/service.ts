/**
 * Credit memos (H1): issued by staff with an amount and a reason, optionally against an invoice
 * (applied there at once), applied to open invoices later, voided only while unused. Applying
 * locks the memo, then the invoices in id order, and never goes beyond the memo's remainder nor
 * an invoice's available amount (balance less payments in flight). A credit that lowers what is
 * open clips the customer's scheduled payments in the same transaction (E3), like a payment does.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { cursorId } from '../../core/schemas.js';
import type { Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { availableOn, lockInvoices as lockInOrder, memoRemainingSql } from '../books/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { adjustScheduled } from '../payments/service.js';
import { insertApplications, lockInvoices, oldestFirst } from './allocate.js';
import type {
  CreditAllocation,
  CreditApply,
  CreditMemoChange,
  CreditMemoCreate,
  CreditMemoView,
} from './model.js';

export { customerCredits, unappliedSumSql } from './view.js';

interface MemoRow {
  id: string;
  customer_id: string;
  invoice_id: string | null;
  status: 'open' | 'void';
  amount: number;
  remaining: number;
  reason: string;
  refund_id: string | null;
  sync_state: CreditMemoView['sync_state'];
  synced_at: Date | null;
  sync_error: string | null;
  created_by: string | null;
  created_at: Date;
  subscription_id: string | null;
  period_start: string | null;
  period_end: string | null;
  bill_run_id: string | null;
}

const MEMO_SELECT = `SELECT m.id, m.customer_id, m.invoice_id, m.status, m.amount, m.reason,
  m.refund_id, m.subscription_id, m.period_start, m.period_end, m.bill_run_id, m.sync_state, m.synced_at, m.sync_error, m.created_by, m.created_at, (${memoRemainingSql('m')})::bigint AS remaining
  FROM credit_memos m`;

async function views(q: Queryable, rows: MemoRow[]): Promise<CreditMemoView[]> {
  const apps = await q.query<{
    id: string;
    credit_memo_id: string;
    invoice_id: string;
    amount: number;
    created_at: Date;
  }>(
    // In the order they were made, and within one application oldest invoice first (the
    // allocation order): ids made in one millisecond do not sort in the order they were made.
    `SELECT ca.id, ca.credit_memo_id, ca.invoice_id, ca.amount, ca.created_at
       FROM credit_applications ca JOIN invoices i ON i.id = ca.invoice_id
      WHERE ca.credit_memo_id = ANY($1::text[])
      ORDER BY ca.created_at, i.invoice_date, i.due_date NULLS LAST, i.number, ca.id`,
    [rows.map((r) => r.id)],
  );
  return rows.map((r) => {
    const mine = apps.filter((a) => a.credit_memo_id === r.id);
    const applied = mine.reduce((s, a) => s + a.amount, 0);
    return {
      id: r.id,
      customer_id: r.customer_id,
      invoice_id: r.invoice_id,
      status: r.status,
      currency: 'USD',
      amount: r.amount,
      applied,
      remaining: r.status === 'open' ? r.amount - applied : 0,
      reason: r.reason,
      refund_id: r.refund_id,
      sync_state: r.sync_state,
      synced_at: r.synced_at?.toISOString() ?? null,
      sync_error: r.sync_error,
      applications: mine.map((a) => ({
        id: a.id,
        invoice_id: a.invoice_id,
        amount: a.amount,
        created_at: a.created_at.toISOString(),
      })),
      proration:
        r.subscription_id && r.period_start && r.period_end
          ? {
              subscription_id: r.subscription_id,
              period_start: r.period_start,
              period_end: r.period_end,
              bill_run_id: r.bill_run_id,
            }
          : null,
      created_by: r.created_by,
      created_at: r.created_at.toISOString(),
    };
  });
}

async function loadMemo(q: Queryable, ctx: Ctx, id: string, lock = false): Promise<MemoRow> {
  if (lock) {
    await q.query(
      'SELECT id FROM credit_memos WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE',
      [ctx.tenant.id, id],
    );
  }
  const row = await q.maybeOne<MemoRow>(`${MEMO_SELECT} WHERE m.tenant_id = $1 AND m.id = $2`, [
    ctx.tenant.id,
    id,
  ]);
  if (!row) throw new AppError('credit_memo_not_found', { id });
  return row;
}

async function memoView(q: Queryable, ctx: Ctx, id: string): Promise<CreditMemoView> {
  const [view] = await views(q, [await loadMemo(q, ctx, id)]);
  return view as CreditMemoView;
}

export async function createCreditMemo(
  ctx: Ctx,
  input: CreditMemoCreate,
): Promise<CreditMemoChange> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const customer = await tx.maybeOne<{ status: string }>(
      'SELECT status FROM customers WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, input.customer_id],
    );
    if (!customer) throw new AppError('customer_not_found', { id: input.customer_id });
    if (customer.status !== 'active') {
      throw new AppError('customer_archived', { id: input.customer_id });
    }
    const available = input.invoice_id
      ? await lockInvoices(tx, ctx, input.customer_id, [input.invoice_id])
      : new Map<string, number>();
    const id = newId('creditMemo');
    await tx.query(
      `INSERT INTO credit_memos (id, tenant_id, customer_id, invoice_id, amount, reason, created_by,
                                 created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        id,
        ctx.tenant.id,
        input.customer_id,
        input.invoice_id ?? null,
        input.amount,
        input.reason,
        ctx.actor.id,
        tenantNow(ctx),
      ],
    );
    if (input.invoice_id) {
      const open = Math.max(0, available.get(input.invoice_id) ?? 0);
      const amount = Math.min(open, input.amount);
      await insertApplications(tx, ctx, id, [{ invoice_id: input.invoice_id, amount }]);
    }
    const adjusted = input.invoice_id ? await adjustScheduled(tx, ctx, input.customer_id) : [];
    const after = { ...(await memoView(tx, ctx, id)), adjusted_scheduled: adjusted };
    await recordChange(tx, ctx, {
      action: 'credit_memo.created',
      objectType: 'credit_memo',
      objectId: id,
      after,
    });
    return after;
  });
}

/**
 * The credit memo of a refund whose outcome is 'credit' (E10), inside the refund's transaction:
 * the memo is linked to the refund (one at most: a unique index) and applied at once where the
 * refund took the money back, so those invoices stay settled. Each part is applied up to what
 * the invoice has available (always all of it, unless the payment was returned meanwhile and its
 * applications stopped counting); what cannot be applied stays on the memo as the customer's
 * credit. The caller holds the invoices' locks already (the books' order; taken again here).
 */
export async function issueRefundCredit(
  tx: Tx,
  ctx: Ctx,
  input: {
    customerId: string;
    refundId: string;
    reason: string;
    allocations: CreditAllocation[];
  },
): Promise<CreditMemoChange> {
  const parts = input.allocations.filter((a) => a.amount > 0);
  const amount = parts.reduce((s, a) => s + a.amount, 0);
  const ids = parts.map((a) => a.invoice_id);
  await lockInOrder(tx, ctx.tenant.id, ids);
  const available = await availableOn(tx, ctx.tenant.id, ids);
  const id = newId('creditMemo');
  await tx.query(
    `INSERT INTO credit_memos (id, tenant_id, customer_id, invoice_id, amount, reason, refund_id,
                               created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      ctx.tenant.id,
      input.customerId,
      parts.length === 1 ? (parts[0] as CreditAllocation).invoice_id : null,
      amount,
      input.reason.slice(0, 500),
      input.refundId,
      ctx.actor.id,
      tenantNow(ctx),
    ],
  );
  await insertApplications(
    tx,
    ctx,
    id,
    parts.map((a) => ({
      invoice_id: a.invoice_id,
      amount: Math.min(a.amount, Math.max(0, available.get(a.invoice_id) ?? 0)),
    })),
  );
  const after = { ...(await memoView(tx, ctx, id)), adjusted_scheduled: [] };
  await recordChange(tx, ctx, {
    action: 'credit_memo.created',
    objectType: 'credit_memo',
    objectId: id,
    after,
  });
  return after;
}

export async function applyCreditMemo(
  ctx: Ctx,
  id: string,
  input: CreditApply,
): Promise<CreditMemoChange> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const memo = await loadMemo(tx, ctx, id, true);
    if (memo.status === 'void') throw new AppError('credit_memo_void', { id });
    if (memo.remaining <= 0) throw new AppError('credit_nothing_to_apply', { id, remaining: 0 });
    const [before] = await views(tx, [memo]);
    let allocations: CreditAllocation[];
    if (input.allocations) {
      const sum = input.allocations.reduce((s, a) => s + a.amount, 0);
      if (sum > memo.remaining) {
        throw new AppError('credit_exceeds_remaining', {
          requested: sum,
          remaining: memo.remaining,
        });
      }
      const available = await lockInvoices(
        tx,
        ctx,
        memo.customer_id,
        input.allocations.map((a) => a.invoice_id),
      );
      for (const a of input.allocations) {
        const open = available.get(a.invoice_id) ?? 0;
        if (a.amount > open) {
          throw new AppError('credit_exceeds_invoice_balance', {
            invoice_id: a.invoice_id,
            requested: a.amount,
            available: Math.max(0, open),
          });
        }
      }
      allocations = input.allocations;
    } else {
      allocations = await oldestFirst(tx, ctx, memo.customer_id, memo.remaining);
      if (allocations.length === 0) {
        throw new AppError('credit_nothing_to_apply', { id, remaining: memo.remaining });
      }
    }
    await insertApplications(tx, ctx, id, allocations);
    const adjusted = await adjustScheduled(tx, ctx, memo.customer_id);
    const after = { ...(await memoView(tx, ctx, id)), adjusted_scheduled: adjusted };
    await recordChange(tx, ctx, {
      action: 'credit_memo.applied',
      objectType: 'credit_memo',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

export async function voidCreditMemo(ctx: Ctx, id: string): Promise<CreditMemoView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const memo = await loadMemo(tx, ctx, id, true);
    if (memo.status === 'void') throw new AppError('credit_memo_void', { id });
    const before = await memoView(tx, ctx, id);
    if (before.applications.length > 0) {
      throw new AppError('credit_memo_applied', { id, applied: before.applied });
    }
    // voided_at dates the journal's reversing entry (books/journal.ts).
    await tx.query(`UPDATE credit_memos SET status = 'void', voided_at = $2 WHERE id = $1`, [
      id,
      tenantNow(ctx),
    ]);
    const after = await memoView(tx, ctx, id);
    await recordChange(tx, ctx, {
      action: 'credit_memo.voided',
      objectType: 'credit_memo',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

export async function getCreditMemo(ctx: Ctx, id: string): Promise<CreditMemoView> {
  requirePermission(ctx, 'billing:read');
  return memoView(ctx.db, ctx, id);
}

export async function listCreditMemos(
  ctx: Ctx,
  f: { customer?: string | undefined; cursor?: string | undefined; limit: number },
): Promise<{ data: CreditMemoView[]; next_cursor: string | null }> {
  requirePermission(ctx, 'billing:read');
  const rows = await ctx.db.query<MemoRow>(
    `${MEMO_SELECT} WHERE m.tenant_id = $1 AND ($2::text IS NULL OR m.customer_id = $2)
        AND ($3::text IS NULL OR m.id < $3) ORDER BY m.id DESC LIMIT $4`,
    [ctx.tenant.id, f.customer ?? null, cursorId(f.cursor) ?? null, f.limit + 1],
  );
  const data = await views(ctx.db, rows.slice(0, f.limit));
  return { data, next_cursor: rows.length > f.limit ? (data[data.length - 1]?.id ?? null) : null };
}

/**
 * A proration credit a bill run could not put on an invoice: no charge on the customer's invoice
 * of that run absorbs it (issue 10 item 3). It names the subscription period it credits.
 */
export interface ProrationCredit {
  customerId: string;
  subscriptionId: string;
  periodStart: string;
  periodEnd: string;
  /** In minor units, above zero. */
  amount: number;
  reason: string;
}

/**
 * Issues each credit as a credit memo on the customer's account, in the caller's transaction (a
 * bill-run batch), and applies it at once to the customer's open posted invoices, oldest first;
 * what is left stays on the account (the credits view, the balance's unapplied credits). The
 * scheduled payments of the customer are clipped as for any credit (E3).
 */
export async function issueProrationCredits(
  tx: Tx,
  ctx: Ctx,
  billRunId: string | null,
  credits: readonly ProrationCredit[],
): Promise<CreditMemoChange[]> {
  const out: CreditMemoChange[] = [];
  const byCustomer = new Map<string, ProrationCredit[]>();
  for (const c of credits) {
    if (c.amount <= 0) continue;
    byCustomer.set(c.customerId, [...(byCustomer.get(c.customerId) ?? []), c]);
  }
  for (const [customerId, mine] of [...byCustomer].sort(([a], [b]) => a.localeCompare(b))) {
    const ids: string[] = [];
    for (const c of mine) {
      const id = newId('creditMemo');
      await tx.query(
        `INSERT INTO credit_memos (id, tenant_id, customer_id, amount, reason, subscription_id,
                                   period_start, period_end, bill_run_id, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          id,
          ctx.tenant.id,
          customerId,
          c.amount,
          c.reason.slice(0, 500),
          c.subscriptionId,
          c.periodStart,
          c.periodEnd,
          billRunId,
          ctx.actor.id,
          tenantNow(ctx),
        ],
      );
      const allocations = await oldestFirst(tx, ctx, customerId, c.amount);
      await insertApplications(tx, ctx, id, allocations);
      ids.push(id);
    }
    const adjusted = await adjustScheduled(tx, ctx, customerId);
    for (const id of ids) {
      const after = { ...(await memoView(tx, ctx, id)), adjusted_scheduled: adjusted };
      await recordChange(tx, ctx, {
        action: 'credit_memo.created',
        objectType: 'credit_memo',
        objectId: id,
        after,
      });
      out.push(after);
    }
  }
  return out;
}

/** What credit memos already credit per subscription period (any status: a void is final). */
export async function prorationMemoCredits(
  q: Queryable,
  tenantId: string,
  subscriptionIds: readonly string[],
): Promise<{ subscription_id: string; period_start: string; amount: number }[]> {
  if (subscriptionIds.length === 0) return [];
  return q.query(
    `SELECT subscription_id, period_start, sum(amount)::bigint AS amount FROM credit_memos
      WHERE tenant_id = $1 AND subscription_id = ANY ($2::text[])
      GROUP BY subscription_id, period_start`,
    [tenantId, [...subscriptionIds]],
  );
}
