/**
 * How a payment is spread over invoices (E1, E3): given allocations are checked against what
 * each invoice still has open; otherwise the amount goes oldest first (the books' one order,
 * which credits use too). What is left over is an unapplied payment only when the payer asked
 * for a prepayment.
 */
import { AppError } from '../../core/errors.js';
import { fillOldestFirst, type InvoiceBalance } from '../books/service.js';
import type { Allocation } from './model.js';

export interface Allocated {
  allocations: Allocation[];
  /** The part applied to no invoice (an unapplied payment, H2). */
  remainder: number;
}

/** Fills the open invoices oldest first with `amount`. */
export function oldestFirst(open: InvoiceBalance[], amount: number): Allocated {
  return fillOldestFirst(open, amount);
}

/**
 * Checks payer-given allocations: each invoice is a posted one of this customer with at least
 * that much available, and together they fit in the amount.
 */
export function checkAllocations(
  given: Allocation[],
  balances: InvoiceBalance[],
  customerId: string,
  amount: number,
): Allocated {
  const byId = new Map(balances.map((b) => [b.id, b]));
  for (const a of given) {
    const inv = byId.get(a.invoice_id);
    if (!inv) throw new AppError('invoice_not_found', { id: a.invoice_id });
    if (inv.customer_id !== customerId || inv.status !== 'posted') {
      throw new AppError('invoice_not_payable', {
        invoice_id: a.invoice_id,
        status: inv.status,
        ...(inv.customer_id !== customerId && { reason: 'another customer’s invoice' }),
      });
    }
    if (a.amount > inv.available) {
      throw new AppError('amount_exceeds_balance', {
        invoice_id: a.invoice_id,
        requested: a.amount,
        available: inv.available,
      });
    }
  }
  const sum = given.reduce((s, a) => s + a.amount, 0);
  if (sum > amount) {
    throw new AppError('amount_exceeds_balance', { allocated: sum, amount });
  }
  return { allocations: given, remainder: amount - sum };
}

/** Allocates and enforces the prepayment rule for the remainder. */
export function allocate(input: {
  given: Allocation[] | undefined;
  balances: InvoiceBalance[];
  customerId: string;
  amount: number;
  prepayment: boolean;
}): Allocated {
  const result = input.given
    ? checkAllocations(input.given, input.balances, input.customerId, input.amount)
    : oldestFirst(
        input.balances.filter(
          (b) => b.customer_id === input.customerId && b.status === 'posted' && b.available > 0,
        ),
        input.amount,
      );
  if (result.remainder > 0 && !input.prepayment) {
    const open = input.balances
      .filter((b) => b.customer_id === input.customerId)
      .reduce((s, b) => s + b.available, 0);
    throw new AppError('amount_exceeds_balance', {
      amount: input.amount,
      available: input.given ? input.amount - result.remainder : open,
      hint: 'set prepayment: true to keep the rest as an unapplied payment',
    });
  }
  return result;
}

/**
 * A scheduled payment's plan clipped to what is available now, invoice by invoice, each
 * invoice's availability shared out in the order the plans are given (E3). Mutates `available`.
 */
export function clipPlan(
  plan: Allocation[],
  available: Map<string, number>,
): { plan: Allocation[]; cut: number } {
  let cut = 0;
  const out: Allocation[] = [];
  for (const a of plan) {
    const room = available.get(a.invoice_id) ?? 0;
    const keep = Math.min(a.amount, room);
    available.set(a.invoice_id, room - keep);
    cut += a.amount - keep;
    if (keep > 0) out.push({ invoice_id: a.invoice_id, amount: keep });
  }
  return { plan: out, cut };
}
