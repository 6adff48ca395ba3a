/**
 * Pending charges (`pending_charges`): one-time prices charged to a customer, waiting for the
 * first bill run on or after their charge date. This module owns the rows; the subscriptions
 * module's charge endpoints and the invoices module's draft edits change them only through
 * these functions, in their own transactions.
 */
import type { Tx } from '../../db/db.js';

export interface NewPendingCharge {
  id: string;
  tenant_id: string;
  customer_id: string;
  price_id: string;
  quantity: number;
  description: string | null;
  charge_date: string;
  created_at: Date;
}

export async function insertPendingCharge(tx: Tx, c: NewPendingCharge): Promise<void> {
  await tx.query(
    `INSERT INTO pending_charges (id, tenant_id, customer_id, price_id, quantity, description,
       charge_date, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      c.id,
      c.tenant_id,
      c.customer_id,
      c.price_id,
      c.quantity,
      c.description,
      c.charge_date,
      c.created_at,
    ],
  );
}

/** Deletes a pending charge; the caller has checked (under its row lock) that none billed it. */
export async function deletePendingCharge(tx: Tx, tenantId: string, id: string): Promise<void> {
  await tx.query('DELETE FROM pending_charges WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
}

/** Links each billed charge to the draft line that bills it (a bill-run batch). */
export async function linkPendingChargeLines(
  tx: Tx,
  links: readonly { charge: string; line: string }[],
): Promise<void> {
  if (links.length === 0) return;
  await tx.query(
    `UPDATE pending_charges pc SET invoice_line_id = m.line
       FROM unnest($1::text[], $2::text[]) AS m(charge, line) WHERE pc.id = m.charge`,
    [links.map((c) => c.charge), links.map((c) => c.line)],
  );
}

/** Gives back the charges these draft lines billed, so a later bill run takes them again. */
export async function releasePendingCharges(tx: Tx, lineIds: readonly string[]): Promise<void> {
  await tx.query(
    'UPDATE pending_charges SET invoice_id = NULL, invoice_line_id = NULL WHERE invoice_line_id = ANY($1)',
    [lineIds],
  );
}

/** Gives back the charges a batch claimed for invoices it then did not write. */
export async function releaseClaimedCharges(
  tx: Tx,
  tenantId: string,
  claims: readonly { customer_id: string; invoice_id: string }[],
): Promise<void> {
  if (claims.length === 0) return;
  // By customer first: the (tenant, customer) index finds the rows without a scan.
  await tx.query(
    `UPDATE pending_charges SET invoice_id = NULL
      WHERE tenant_id = $1 AND customer_id = ANY($2::text[]) AND invoice_id = ANY($3::text[])`,
    [tenantId, claims.map((c) => c.customer_id), claims.map((c) => c.invoice_id)],
  );
}
