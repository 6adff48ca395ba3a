/**
 * The books as SQL (0009_payments.sql): what is paid, credited and reserved on an invoice, and
 * what a customer holds as unapplied credit. One definition, used by credits, balances and the
 * `credits` application source, so the figures a user sees and the ones `billow verify`
 * re-derives come from the same rows.
 */
import type { Queryable } from '../../db/db.js';
import { availableToPay } from '../payments/service.js';

/** Payment statuses whose applications count towards an invoice (refunds are negative rows). */
export const COUNTING = `('succeeded', 'refunded')`;

/** Paid on invoice `alias`: applications of counting payments, net of refunds. */
export function paidSql(alias: string): string {
  return `coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                      JOIN payments p ON p.id = pa.payment_id
                     WHERE pa.invoice_id = ${alias}.id AND p.status IN ${COUNTING}), 0)`;
}

/** Reserved on invoice `alias` by payments in flight (pending). */
export function reservedSql(alias: string): string {
  return `coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                      JOIN payments p ON p.id = pa.payment_id
                     WHERE pa.invoice_id = ${alias}.id AND p.status = 'pending'), 0)`;
}

/** Credited on invoice `alias`: applications of open credit memos. */
export function creditedSql(alias: string): string {
  return `coalesce((SELECT sum(ca.amount) FROM credit_applications ca
                      JOIN credit_memos m ON m.id = ca.credit_memo_id
                     WHERE ca.invoice_id = ${alias}.id AND m.status = 'open'), 0)`;
}

/** What remains on memo `alias`: its amount less its applications (0 for a void memo). */
export function memoRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status = 'open' THEN ${alias}.amount - coalesce((
            SELECT sum(ca.amount) FROM credit_applications ca WHERE ca.credit_memo_id = ${alias}.id), 0)
          ELSE 0 END`;
}

/** Unapplied remainder of payment `alias`: amount − refunded − net applications, if it counts. */
export function paymentRemainingSql(alias: string): string {
  return `CASE WHEN ${alias}.status IN ${COUNTING} THEN ${alias}.amount - ${alias}.amount_refunded
            - coalesce((SELECT sum(pa.amount) FROM payment_applications pa
                         WHERE pa.payment_id = ${alias}.id), 0)
          ELSE 0 END`;
}

/**
 * What may still be applied to each invoice: total − paid − credits − reserved by pending
 * payments, 0 for drafts and void invoices. The payments module's definition, shared so a credit
 * and a payment racing on one invoice (both under its row lock) see the same figure.
 */
export async function availableOn(
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
): Promise<Map<string, number>> {
  if (invoiceIds.length === 0) return new Map();
  return availableToPay(q, tenantId, invoiceIds);
}
