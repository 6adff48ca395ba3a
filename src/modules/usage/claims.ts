/**
 * Usage taken onto invoices and given back: a bill run claims unbilled usage for its drafts
 * (`invoice_id` set), a deleted draft line releases it. Both in the caller's transaction.
 */
import type { Tx } from '../../db/db.js';

export interface UsageClaim {
  subscription_id: string;
  /** Usage strictly before this date is taken. */
  cutoff: string;
  invoice_id: string;
}

/**
 * Takes each subscription's unbilled usage dated before its cutoff for its invoice with one
 * UPDATE … RETURNING, so what the caller prices is exactly what was taken even while usage
 * keeps arriving; returns the quantity taken per subscription and day (decimal text).
 */
export async function claimUnbilledUsage(
  tx: Tx,
  tenantId: string,
  claims: readonly UsageClaim[],
): Promise<{ subscription_id: string; usage_date: string; quantity: string }[]> {
  if (claims.length === 0) return [];
  return tx.query(
    `WITH c AS (SELECT * FROM unnest($2::text[], $3::date[], $4::text[]) AS c(sub, cutoff, inv)),
          taken AS (
            UPDATE usage_records u SET invoice_id = c.inv FROM c
             WHERE u.tenant_id = $1 AND u.subscription_id = c.sub AND u.invoice_id IS NULL
               AND u.usage_date < c.cutoff
            RETURNING u.subscription_id, u.usage_date, u.quantity)
     SELECT subscription_id, usage_date, sum(quantity)::text AS quantity
       FROM taken GROUP BY subscription_id, usage_date`,
    [
      tenantId,
      claims.map((c) => c.subscription_id),
      claims.map((c) => c.cutoff),
      claims.map((c) => c.invoice_id),
    ],
  );
}

/** A usage line of a draft: its subscription's usage of [period_start, period_end). */
export interface BilledUsagePeriod {
  subscription_id: string | null;
  period_start: string | null;
  period_end: string | null;
}

/** Gives back the usage `invoiceId` took for these lines, so a later bill run bills it again. */
export async function releaseUsage(
  tx: Tx,
  invoiceId: string,
  lines: readonly BilledUsagePeriod[],
): Promise<void> {
  if (lines.length === 0) return;
  await tx.query(
    `UPDATE usage_records u SET invoice_id = NULL
       FROM unnest($2::text[], $3::date[], $4::date[]) AS l(subscription_id, period_start, period_end)
      WHERE u.invoice_id = $1 AND u.subscription_id = l.subscription_id
        AND u.usage_date >= l.period_start AND u.usage_date < l.period_end`,
    [
      invoiceId,
      lines.map((l) => l.subscription_id),
      lines.map((l) => l.period_start),
      lines.map((l) => l.period_end),
    ],
  );
}

/**
 * Gives back all the usage a bill-run batch claimed for invoices it then did not write (a
 * customer whose invoice would exceed the largest amount), so a later bill run bills it again.
 */
export async function releaseUsageClaims(
  tx: Tx,
  tenantId: string,
  claims: readonly { customer_id: string; invoice_id: string }[],
): Promise<void> {
  if (claims.length === 0) return;
  // By customer first: the (tenant, customer) index finds the rows without a scan.
  await tx.query(
    `UPDATE usage_records SET invoice_id = NULL
      WHERE tenant_id = $1 AND customer_id = ANY($2::text[]) AND invoice_id = ANY($3::text[])`,
    [tenantId, claims.map((c) => c.customer_id), claims.map((c) => c.invoice_id)],
  );
}
