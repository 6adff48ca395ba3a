/**
 * Invoices (C3, C4, C7): drafts that can be edited or deleted, posting (number, due date,
 * frozen), and after posting only adjustments or void.
 */

import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { MAX_AMOUNT, MAX_BALANCE, withinMaxAmount } from '../../core/money.js';
import type { Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import {
  draftChangedInRun,
  draftDeletedFromRun,
  releasePendingCharges,
} from '../billruns/service.js';
import { appliedTo } from '../books/service.js';
import { markPriceUsed } from '../catalog/service.js';
import { type Ctx, requirePermission, tenantNow, tenantToday } from '../context.js';
import { releaseUsage } from '../usage/service.js';
import { openBalanceReduced } from './applications.js';
import { draftsOverBalance, openBalanceText } from './balance-cap.js';
import type {
  AdjustmentInput,
  InvoiceChange,
  InvoiceCreate,
  InvoicePatch,
  InvoiceView,
  LineInput,
} from './model.js';
import { formatNumber, reserveNumbers } from './numbering.js';
import { loadInvoice, refreshTotal } from './queries.js';

export { draftsOverBalance, type OverBalance, openBalanceText } from './balance-cap.js';
export { insertDraftInvoices, type NewDraftInvoice, type NewDraftLine } from './bulk.js';
export { emailBillRunInvoices, loadInvoiceDocument } from './delivery.js';

export { lastPostedInvoiceIdSql, listInvoices } from './list.js';
export { renderInvoicePdf, renderInvoicesPdf } from './pdf.js';
export { loadInvoice, trimZeros } from './queries.js';

type CreateInput = ReturnType<typeof InvoiceCreate.parse>;
type PatchInput = ReturnType<typeof InvoicePatch.parse>;
type AdjustInput = ReturnType<typeof AdjustmentInput.parse>;

async function mustLoad(tx: Tx, ctx: Ctx, id: string, lock = true) {
  const found = await loadInvoice(tx, ctx.tenant.id, id, tenantToday(ctx), lock);
  if (!found) throw new AppError('invoice_not_found', { id });
  return found;
}

async function mustBeDraft(tx: Tx, ctx: Ctx, id: string) {
  const found = await mustLoad(tx, ctx, id);
  if (found.row.status !== 'draft')
    throw new AppError('invoice_not_draft', { id, status: found.view.status });
  return found;
}

async function insertLine(
  tx: Tx,
  ctx: Ctx,
  invoiceId: string,
  input: LineInput,
  field = 'quantity',
): Promise<void> {
  const now = tenantNow(ctx);
  if ('amount' in input) {
    await tx.query(
      `INSERT INTO invoice_lines (id, tenant_id, invoice_id, kind, description, amount, created_at)
       VALUES ($1, $2, $3, 'manual', $4, $5, $6)`,
      [newId('invoiceLine'), ctx.tenant.id, invoiceId, input.description, input.amount, now],
    );
    return;
  }
  const price = await tx.maybeOne<{
    id: string;
    kind: string;
    active: boolean;
    unit_amount: number;
    label: string;
  }>(
    `SELECT p.id, p.kind, p.active, p.unit_amount, coalesce(p.nickname, pr.name) AS label
       FROM prices p JOIN products pr ON pr.id = p.product_id
      WHERE p.tenant_id = $1 AND p.id = $2`,
    [ctx.tenant.id, input.price_id],
  );
  if (!price) throw new AppError('price_not_found', { id: input.price_id });
  if (price.kind !== 'one_time')
    throw new AppError('price_kind_mismatch', { expected: 'one_time' });
  if (!price.active) throw new AppError('price_inactive', { id: price.id });
  const amount = price.unit_amount * input.quantity;
  if (!withinMaxAmount(amount)) throw new AppError('amount_too_large', { field, max: MAX_AMOUNT });
  await markPriceUsed(tx, price.id, now);
  await tx.query(
    `INSERT INTO invoice_lines
       (id, tenant_id, invoice_id, kind, description, price_id, quantity, unit_amount, amount, created_at)
     VALUES ($1, $2, $3, 'one_time', $4, $5, $6, $7, $8, $9)`,
    [
      newId('invoiceLine'),
      ctx.tenant.id,
      invoiceId,
      input.description ?? price.label,
      price.id,
      input.quantity,
      price.unit_amount,
      amount,
      now,
    ],
  );
}

async function assertNotNegative(tx: Tx, invoiceId: string): Promise<void> {
  const total = await refreshTotal(tx, invoiceId);
  if (total < 0) {
    throw new AppError('validation_failed', { total }, 'An invoice total cannot be negative.');
  }
}

/** An ad hoc draft with one-time or manual lines. */
export async function createInvoice(ctx: Ctx, input: CreateInput): Promise<InvoiceView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const customer = await tx.maybeOne<{ status: string }>(
      'SELECT status FROM customers WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, input.customer_id],
    );
    if (!customer) throw new AppError('customer_not_found', { id: input.customer_id });
    if (customer.status !== 'active')
      throw new AppError('customer_archived', { id: input.customer_id });
    const id = newId('invoice');
    const now = tenantNow(ctx);
    await tx.query(
      `INSERT INTO invoices (id, tenant_id, customer_id, status, invoice_date, po_number, memo,
                             created_at, updated_at)
       VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7)`,
      [
        id,
        ctx.tenant.id,
        input.customer_id,
        input.invoice_date ?? tenantToday(ctx),
        input.po_number ?? null,
        input.memo ?? null,
        now,
      ],
    );
    for (const [i, line] of input.lines.entries()) {
      await insertLine(tx, ctx, id, line, `lines.${i}.quantity`);
    }
    await assertNotNegative(tx, id);
    const { view } = await mustLoad(tx, ctx, id, false);
    await recordChange(tx, ctx, {
      action: 'invoice.created',
      objectType: 'invoice',
      objectId: id,
      after: view,
    });
    return view;
  });
}

export async function getInvoice(ctx: Ctx, id: string): Promise<InvoiceView> {
  requirePermission(ctx, 'billing:read');
  const found = await loadInvoice(ctx.db, ctx.tenant.id, id, tenantToday(ctx));
  if (!found) throw new AppError('invoice_not_found', { id });
  return found.view;
}

async function changeDraft(
  ctx: Ctx,
  id: string,
  action: string,
  change: (tx: Tx, before: InvoiceView) => Promise<void>,
): Promise<InvoiceView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const { view: before } = await mustBeDraft(tx, ctx, id);
    await change(tx, before);
    await assertNotNegative(tx, id);
    await tx.query('UPDATE invoices SET updated_at = $2 WHERE id = $1', [id, tenantNow(ctx)]);
    const { view: after } = await mustLoad(tx, ctx, id, false);
    if (before.bill_run_id) {
      await draftChangedInRun(tx, before.bill_run_id, after.total - before.total);
    }
    await recordChange(tx, ctx, { action, objectType: 'invoice', objectId: id, before, after });
    return after;
  });
}

export function updateDraft(ctx: Ctx, id: string, patch: PatchInput): Promise<InvoiceView> {
  return changeDraft(ctx, id, 'invoice.updated', async (tx, before) => {
    await tx.query(
      'UPDATE invoices SET invoice_date = $2, po_number = $3, memo = $4 WHERE id = $1',
      [
        id,
        patch.invoice_date ?? before.invoice_date,
        patch.po_number === undefined ? before.po_number : patch.po_number,
        patch.memo === undefined ? before.memo : patch.memo,
      ],
    );
  });
}

export function addLine(ctx: Ctx, id: string, line: LineInput): Promise<InvoiceView> {
  return changeDraft(ctx, id, 'invoice.line_added', (tx) => insertLine(tx, ctx, id, line));
}

/**
 * Releases what draft lines billed, so a later bill run bills it again: a usage line's records
 * (its subscription's usage of its period on this invoice) and a one-time line's charge. A
 * subscription line needs nothing: deleting it frees its period.
 */
async function releaseLines(tx: Tx, invoiceId: string, lines: InvoiceView['lines']): Promise<void> {
  await releaseUsage(
    tx,
    invoiceId,
    lines.filter((l) => l.kind === 'usage'),
  );
  await releasePendingCharges(
    tx,
    lines.map((l) => l.id),
  );
}

export function removeLine(ctx: Ctx, id: string, lineId: string): Promise<InvoiceView> {
  return changeDraft(ctx, id, 'invoice.line_removed', async (tx, before) => {
    const line = before.lines.find((l) => l.id === lineId);
    if (!line) throw new AppError('invoice_line_not_found', { id: lineId });
    await releaseLines(tx, id, [line]);
    await tx.query('DELETE FROM invoice_lines WHERE id = $1', [lineId]);
  });
}

export async function deleteDraft(ctx: Ctx, id: string): Promise<void> {
  requirePermission(ctx, 'billing:write');
  await ctx.db.tx(async (tx) => {
    const { view } = await mustBeDraft(tx, ctx, id);
    await releaseLines(tx, id, view.lines);
    await tx.query('DELETE FROM invoice_lines WHERE invoice_id = $1', [id]);
    await tx.query('DELETE FROM invoices WHERE id = $1', [id]);
    if (view.bill_run_id) await draftDeletedFromRun(tx, view.bill_run_id, view.total);
    await recordChange(tx, ctx, {
      action: 'invoice.deleted',
      objectType: 'invoice',
      objectId: id,
      before: view,
    });
  });
}

/**
 * Posts drafts inside `tx`: numbers in id order, due dates from the payment terms (or `dueDays`
 * after the invoice date).
 */
export async function postDraftsIn(
  tx: Tx,
  ctx: Ctx,
  ids: string[],
  dueDays?: number,
): Promise<number> {
  if (ids.length === 0) return 0;
  const terms =
    dueDays === undefined
      ? await tx.one<{ days: number }>(
          `SELECT coalesce((settings->>'payment_terms_days')::int, 30) AS days FROM tenants WHERE id = $1`,
          [ctx.tenant.id],
        )
      : { days: dueDays };
  const first = await reserveNumbers(tx, ctx.tenant.id, ids.length);
  const sorted = [...ids].sort();
  const now = tenantNow(ctx);
  const posted = await tx.query<{ id: string; invoice_date: string }>(
    `UPDATE invoices i SET status = 'posted', number = n.number, posted_at = $3, updated_at = $3,
            due_date = i.invoice_date + $4::int
       FROM unnest($2::text[], $5::text[]) AS n(id, number)
      WHERE i.id = n.id AND i.tenant_id = $1 AND i.status = 'draft'
      RETURNING i.id, i.invoice_date`,
    [ctx.tenant.id, sorted, now, terms.days, sorted.map((_, i) => formatNumber(first + i))],
  );
  if (posted.length !== ids.length) throw new Error('posting raced with another change; retry');
  return posted.length;
}

/**
 * Bills back what was refunded on a bank debit the bank returned afterwards (E10, a return after
 * a refund): inside the caller's transaction, a posted invoice of one manual line, due at once,
 * linked to the payment (`returned_payment_id`), so the customer's balance shows what they got
 * without having paid and autopay or staff collect it like any open balance.
 */
export async function billReturnedRefundIn(
  tx: Tx,
  ctx: Ctx,
  input: { customerId: string; paymentId: string; amount: number; description: string },
): Promise<InvoiceView> {
  const id = newId('invoice');
  const now = tenantNow(ctx);
  await tx.query(
    `INSERT INTO invoices (id, tenant_id, customer_id, status, invoice_date, memo,
                           returned_payment_id, created_at, updated_at)
     VALUES ($1, $2, $3, 'draft', $4, $5, $6, $7, $7)`,
    [
      id,
      ctx.tenant.id,
      input.customerId,
      tenantToday(ctx),
      `Bank return of payment ${input.paymentId} after a refund`,
      input.paymentId,
      now,
    ],
  );
  await insertLine(tx, ctx, id, {
    description: input.description.slice(0, 500),
    amount: input.amount,
  });
  await refreshTotal(tx, id);
  await postDraftsIn(tx, ctx, [id], 0);
  const { view } = await mustLoad(tx, ctx, id, false);
  await recordChange(tx, ctx, {
    action: 'invoice.posted',
    objectType: 'invoice',
    objectId: id,
    after: view,
  });
  return view;
}

export async function postInvoice(ctx: Ctx, id: string): Promise<InvoiceView> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const { view: before } = await mustBeDraft(tx, ctx, id);
    if (before.lines.length === 0) throw new AppError('invoice_empty', { id });
    const [over] = await draftsOverBalance(tx, ctx.tenant.id, [id]);
    if (over) {
      throw new AppError('amount_too_large', {
        field: 'balance',
        customer_id: over.customer_id,
        max: MAX_BALANCE,
      });
    }
    await postDraftsIn(tx, ctx, [id]);
    const { view: after } = await mustLoad(tx, ctx, id, false);
    await recordChange(tx, ctx, {
      action: 'invoice.posted',
      objectType: 'invoice',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

export async function adjustInvoice(
  ctx: Ctx,
  id: string,
  input: AdjustInput,
): Promise<InvoiceChange> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const { row, view: before } = await mustLoad(tx, ctx, id);
    if (row.status !== 'posted')
      throw new AppError('invoice_not_posted', { id, status: before.status });
    if (input.line_id) {
      const line = before.lines.find((l) => l.id === input.line_id);
      if (!line) throw new AppError('invoice_line_not_found', { id: input.line_id });
      const onLine = before.adjustments
        .filter((a) => a.line_id === line.id)
        .reduce((s, a) => s + (a.kind === 'charge' ? a.amount : -a.amount), 0);
      if (input.kind === 'credit' && input.amount > line.amount + onLine) {
        throw new AppError('adjustment_exceeds_balance', { line_remaining: line.amount + onLine });
      }
    }
    if (input.kind === 'credit') {
      // Money a pending payment holds is not open to credit: crediting it could leave the
      // invoice paid beyond its total once the payment settles.
      const held = (await appliedTo(tx, ctx.tenant.id, [id])).get(id)?.reserved ?? 0;
      if (input.amount > before.balance - held) {
        throw new AppError('adjustment_exceeds_balance', {
          balance: before.balance,
          reserved: held,
        });
      }
    }
    await tx.query(
      `INSERT INTO invoice_adjustments (id, tenant_id, invoice_id, line_id, kind, amount, reason, created_by,
                                        created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        newId('invoiceAdjustment'),
        ctx.tenant.id,
        id,
        input.line_id ?? null,
        input.kind,
        input.amount,
        input.reason,
        ctx.actor.id,
        tenantNow(ctx),
      ],
    );
    await refreshTotal(tx, id);
    if (input.kind === 'charge') {
      // A charge raises the customer's open balance: not beyond the largest balance (the
      // transaction rolls back, nothing is written).
      const open = BigInt(await openBalanceText(tx, ctx.tenant.id, row.customer_id));
      if (open > BigInt(MAX_BALANCE)) {
        throw new AppError('amount_too_large', {
          field: 'balance',
          customer_id: row.customer_id,
          max: MAX_BALANCE,
        });
      }
    }
    await tx.query('UPDATE invoices SET updated_at = $2 WHERE id = $1', [id, tenantNow(ctx)]);
    const adjusted =
      input.kind === 'credit' ? await openBalanceReduced(tx, ctx, row.customer_id) : [];
    const { view: after } = await mustLoad(tx, ctx, id, false);
    await recordChange(tx, ctx, {
      action: 'invoice.adjusted',
      objectType: 'invoice',
      objectId: id,
      before,
      after: { ...after, adjusted_scheduled: adjusted },
    });
    return { ...after, adjusted_scheduled: adjusted };
  });
}

export async function voidInvoice(ctx: Ctx, id: string, reason: string): Promise<InvoiceChange> {
  requirePermission(ctx, 'billing:write');
  return ctx.db.tx(async (tx) => {
    const { row, view: before } = await mustLoad(tx, ctx, id);
    if (row.status !== 'posted')
      throw new AppError('invoice_not_posted', { id, status: before.status });
    const applied = (await appliedTo(tx, ctx.tenant.id, [id])).get(id);
    if (applied && applied.paid + applied.credits + (applied.reserved ?? 0) > 0)
      throw new AppError('invoice_has_applications', { id });
    const now = tenantNow(ctx);
    await tx.query(
      `UPDATE invoices SET status = 'void', voided_at = $2, void_reason = $3, updated_at = $2 WHERE id = $1`,
      [id, now, reason],
    );
    const adjusted = await openBalanceReduced(tx, ctx, row.customer_id);
    const { view: after } = await mustLoad(tx, ctx, id, false);
    await recordChange(tx, ctx, {
      action: 'invoice.voided',
      objectType: 'invoice',
      objectId: id,
      before,
      after: { ...after, adjusted_scheduled: adjusted },
    });
    return { ...after, adjusted_scheduled: adjusted };
  });
}
