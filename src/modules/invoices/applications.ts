/**
 * What has been applied to invoices: payments and credits. They arrive with the payments issue,
 * which registers its source here; until then nothing is applied to any invoice.
 */
import type { Queryable, Tx } from '../../db/db.js';
import type { Ctx } from '../context.js';
import type { AdjustedScheduledView } from './model.js';

export interface Applied {
  paid: number;
  credits: number;
  /** Held by payments still in flight (an ACH debit not yet settled): not paid, not payable. */
  reserved?: number;
}

type Source = (
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
) => Promise<Map<string, Applied>>;
const sources: Source[] = [];

export function registerApplicationSource(source: Source): void {
  sources.push(source);
}

export async function appliedTo(
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
): Promise<Map<string, Applied>> {
  const total = new Map<string, Applied>();
  for (const source of sources) {
    for (const [id, a] of await source(q, tenantId, invoiceIds)) {
      const t = total.get(id) ?? { paid: 0, credits: 0, reserved: 0 };
      total.set(id, {
        paid: t.paid + a.paid,
        credits: t.credits + a.credits,
        reserved: (t.reserved ?? 0) + (a.reserved ?? 0),
      });
    }
  }
  return total;
}

type BalanceListener = (tx: Tx, ctx: Ctx, customerId: string) => Promise<AdjustedScheduledView[]>;
const balanceListeners: BalanceListener[] = [];

/** Lets the payments module clip scheduled payments when an invoice's open balance falls (E3). */
export function onOpenBalanceReduced(listener: BalanceListener): void {
  balanceListeners.push(listener);
}

/**
 * Call in the transaction that lowered a customer's open balance (a credit adjustment, a void),
 * after the change: returns the scheduled payments that were reduced or cancelled.
 */
export async function openBalanceReduced(
  tx: Tx,
  ctx: Ctx,
  customerId: string,
): Promise<AdjustedScheduledView[]> {
  const out: AdjustedScheduledView[] = [];
  for (const listener of balanceListeners) out.push(...(await listener(tx, ctx, customerId)));
  return out;
}
