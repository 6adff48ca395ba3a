/**
 * The books (0009_payments.sql): what is applied to an invoice, what is open on it, what pending
 * payments reserve, and what a payment or credit memo still holds unapplied. Invoices, payments,
 * credits and the modules that read balances ask here; none of them sums applications itself.
 *
 * The rows belong to their modules (payment_applications to payments, credit_applications to
 * credits); this module only reads them, so any process that imports it sees the same figures,
 * whatever else it has imported or wired.
 */
import type { Queryable } from '../../db/db.js';

/** Payment statuses whose applications count as paid (refunds are negative rows). */
export const COUNTING_PAYMENT_STATUSES = ['succeeded', 'refunded'] as const;
/** Payment statuses whose applications hold an invoice's balance: in flight, not yet paid. */
export const RESERVING_PAYMENT_STATUSES = ['pending'] as const;
/** Credit memo statuses whose applications count as credited (a void memo's do not). */
export const COUNTING_MEMO_STATUSES = ['open'] as const;

const list = (statuses: readonly string[]) => `(${statuses.map((s) => `'${s}'`).join(', ')})`;

/** `('succeeded', 'refunded')`: payments whose applications count. */
export const COUNTING_SQL = list(COUNTING_PAYMENT_STATUSES);
/** `('pending')`: payments whose applications reserve. */
export const RESERVING_SQL = list(RESERVING_PAYMENT_STATUSES);
/** Payments whose applications take from what may still be collected: counting or reserving. */
export const TAKING_SQL = list([...RESERVING_PAYMENT_STATUSES, ...COUNTING_PAYMENT_STATUSES]);
const MEMO_SQL = list(COUNTING_MEMO_STATUSES);

export interface Applied {
  /** Applications of counting payments, net of refunds. */
  paid: number;
  /** Applications of open credit memos. */
  credits: number;
  /** Held by payments still in flight (an ACH debit not yet settled): not paid, not payable. */
  reserved: number;
}

/** Paid, credited and reserved per invoice among `invoiceIds` (absent: nothing applied). */
export async function appliedTo(
  q: Queryable,
  tenantId: string,
  invoiceIds: string[],
): Promise<Map<string, Applied>> {
  if (invoiceIds.length === 0) return new Map();
  const rows = await q.query<{ invoice_id: string } & Applied>(
    `SELECT invoice_id, sum(paid)::bigint AS paid, sum(credits)::bigint AS credits,
            sum(reserved)::bigint AS reserved
       FROM (SELECT pa.invoice_id,
                    coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${COUNTING_SQL}), 0) AS paid,
                    0 AS credits,
                    coalesce(sum(pa.amount) FILTER (WHERE p.status IN ${RESERVING_SQL}), 0) AS reserved
               FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
              WHERE pa.tenant_id = $1 AND pa.invoice_id = ANY ($2::text[])
                AND p.status IN ${TAKING_SQL}
              GROUP BY pa.invoice_id
             UNION ALL
             SELECT ca.invoice_id, 0, sum(ca.amount), 0
               FROM credit_applications ca JOIN credit_memos m ON m.id = ca.credit_memo_id
              WHERE ca.tenant_id = $1 AND ca.invoice_id = ANY ($2::text[]) AND m.status IN ${MEMO_SQL}
              GROUP BY ca.invoice_id) AS a
      GROUP BY invoice_id`,
    [tenantId, invoiceIds],
  );
  return new Map(
    rows.map((r) => [r.invoice_id, { paid: r.paid, credits: r.credits, reserved: r.reserved }]),
  );
}
