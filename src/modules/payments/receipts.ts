/**
 * Messages to the customer about a payment (E5, E4): a receipt when it succeeds, to the contacts
 * whose profile receives receipts; a notice when a bank debit comes back (returned). Written to
 * the email outbox in the caller's transaction, so they go out if and only if it commits.
 */
import { businessDate } from '../../core/dates.js';
import { formatMoney } from '../../core/money.js';
import type { Tx } from '../../db/db.js';
import { contactsWithPermission, contactsWithPermissionMany } from '../contacts/service.js';
import type { Ctx } from '../context.js';
import { queueEmail, renderTemplate } from '../email/service.js';
import type { PaymentRow } from './model.js';

const METHOD_NAMES: Record<PaymentRow['method_type'], string> = {
  card: 'card',
  bank_account: 'bank account',
  check: 'check',
  wire: 'wire transfer',
  cash: 'cash',
};

async function customerOf(tx: Tx, row: PaymentRow) {
  return tx.one<{ name: string; number: string }>(
    'SELECT name, number FROM customers WHERE tenant_id = $1 AND id = $2',
    [row.tenant_id, row.customer_id],
  );
}

async function describeMethod(tx: Tx, row: PaymentRow): Promise<string> {
  if (!row.payment_method_id) {
    return row.reference
      ? `${METHOD_NAMES[row.method_type]} ${row.reference}`
      : METHOD_NAMES[row.method_type];
  }
  const m = await tx.maybeOne<{ last4: string; brand: string | null }>(
    'SELECT last4, brand FROM payment_methods WHERE id = $1',
    [row.payment_method_id],
  );
  return `${m?.brand ?? METHOD_NAMES[row.method_type]} ending ${m?.last4 ?? '????'}`;
}

/** Queues a receipt to each contact who receives receipts; returns the email ids. */
export async function queueReceipt(tx: Tx, ctx: Ctx, row: PaymentRow): Promise<string[]> {
  return notify(tx, ctx, row, 'receipt', {});
}

/** Receipts for many payments (a payment-run batch): one query finds who receives them. */
export async function queueReceipts(tx: Tx, ctx: Ctx, rows: PaymentRow[]): Promise<void> {
  const recipients = await contactsWithPermissionMany(
    tx,
    ctx.tenant.id,
    rows.map((r) => r.customer_id),
    'receive_receipts',
  );
  for (const row of rows) {
    const to = recipients.get(row.customer_id);
    if (to) await notify(tx, ctx, row, 'receipt', {}, to);
  }
}

/** Tells the billing contacts that a bank debit came back (the invoices are open again). */
export async function queueReturnNotice(tx: Tx, ctx: Ctx, row: PaymentRow): Promise<string[]> {
  return notify(tx, ctx, row, 'payment_failed', {
    failure_reason: `the bank returned the debit (${row.return_code ?? 'return'}: ${
      row.failure_message ?? 'returned'
    })`,
    next_retry_date: '',
  });
}

async function notify(
  tx: Tx,
  ctx: Ctx,
  row: PaymentRow,
  template: 'receipt' | 'payment_failed',
  extra: Record<string, string>,
  known?: { id: string; name: string; email: string }[],
): Promise<string[]> {
  const permission = template === 'receipt' ? 'receive_receipts' : 'receive_invoice_emails';
  const recipients =
    known ?? (await contactsWithPermission(tx, ctx.tenant.id, row.customer_id, permission));
  if (recipients.length === 0) return [];
  const customer = await customerOf(tx, row);
  const method = await describeMethod(tx, row);
  const ids: string[] = [];
  for (const contact of recipients) {
    const text = await renderTemplate(tx, ctx, template, {
      customer: { name: customer.name, number: customer.number },
      contact: { name: contact.name },
      payment: {
        id: row.id,
        date: businessDate(row.attempted_at ?? row.created_at, ctx.tenant.timeZone),
        amount: formatMoney(row.amount),
        method,
        ...extra,
      },
      portal_url: '',
    });
    const email = await queueEmail(tx, ctx, {
      kind: template,
      to: contact.email,
      subject: text.subject,
      bodyText: text.text,
      bodyHtml: text.html,
      customerId: row.customer_id,
      contactId: contact.id,
    });
    ids.push(email.id);
  }
  return ids;
}
