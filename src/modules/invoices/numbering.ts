/**
 * Invoice numbers: gap-free per tenant. The counter row is taken with an upsert that locks it
 * until the posting transaction ends, so concurrent postings queue behind each other and a
 * posting that rolls back gives its numbers back.
 */
import type { Tx } from '../../db/db.js';

/** Reserves `count` consecutive numbers; returns the first. */
export async function reserveNumbers(tx: Tx, tenantId: string, count: number): Promise<number> {
  const row = await tx.one<{ last_value: number }>(
    `INSERT INTO invoice_number_counters (tenant_id, last_value) VALUES ($1, $2)
     ON CONFLICT (tenant_id) DO UPDATE SET last_value = invoice_number_counters.last_value + $2
     RETURNING last_value`,
    [tenantId, count],
  );
  return row.last_value - count + 1;
}

export const NUMBER_PREFIX = 'INV-';

export function formatNumber(n: number): string {
  return `${NUMBER_PREFIX}${String(n).padStart(6, '0')}`;
}
