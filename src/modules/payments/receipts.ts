/**
 * Messages to the customer about a payment (E5, E4): a receipt when it succeeds, to the contacts
 * whose profile receives receipts; a notice when a bank debit comes back (returned), to the
 * contacts receiving invoices or, when none does, the customer's billing email. Written to
 * the email outbox in the caller's transaction, so they go out if and only if it commits.
 */
import { businessDate } from '../../core/dates.js';
import { formatMoney } from '../../core/money.js';
import type { Queryable, Tx } from '../../db/db.js';
import { contactsWithPermissionMany } from '../contacts/service.js';
import type { Ctx } from '../context.js';
import { queueEmails, templateRenderer } from '../email/service.js';
import { portalUrl } from '../portal/service.js';
import type { PaymentRow } from './model.js';

const METHOD_NAMES: Record<PaymentRow['method_type'], string> = {
  card: 'card',
  bank_account: 'bank account',
  check: 'check',
  wire: 'wire transfer',
  cash: 'cash',
};

/** How a payment was made, as the customer knows it ("visa ending 4242", "check 1042"). */
function describeMethod(
  row: PaymentRow,
  method: { last4: string; brand: string | null } | undefined,
): string {
  if (!row.payment_method_id) {
    return row.reference
      ? `${METHOD_NAMES[row.method_type]} ${row.reference}`
      : METHOD_NAMES[row.method_type];
  }
  return `${method?.brand ?? METHOD_NAMES[row.method_type]} ending ${method?.last4 ?? '????'}`;
}

export interface NoticeRecipient {
  /** null for the customer's billing email (no contact). */
  id: string | null;
  name: string;
  email: string;
}

/**
 * Who gets a notice about the customers' payments (a failure, a return): the active contacts
 * whose profile grants one of `permissions`, each once; a customer none of whose contacts does
 * falls back to its billing email, so the notice never reaches nobody when an address is known.
 */
export async function noticeRecipients(
  q: Queryable,
  tenantId: string,
  customerIds: string[],
  permissions: readonly string[],
): Promise<Map<string, NoticeRecipient[]>> {
  const out = new Map<string, NoticeRecipient[]>();
  for (const permission of permissions) {
    for (const [customerId, contacts] of await contactsWithPermissionMany(
      q,
      tenantId,
      customerIds,
      permission,
    )) {
      const list = out.get(customerId) ?? [];
      for (const c of contacts) if (!list.some((r) => r.id === c.id)) list.push(c);
      out.set(customerId, list);
    }
  }
  const without = [...new Set(customerIds)].filter((id) => !out.has(id));
  if (without.length > 0) {
    const rows = await q.query<{ id: string; name: string; billing_email: string }>(
      `SELECT id, name, billing_email FROM customers
        WHERE tenant_id = $1 AND id = ANY ($2::text[]) AND billing_email IS NOT NULL`,
      [tenantId, without],
    );
    for (const r of rows) out.set(r.id, [{ id: null, name: r.name, email: r.billing_email }]);
  }
  return out;
}

/** Queues a receipt to each contact who receives receipts; returns the email ids. */
export async function queueReceipt(tx: Tx, ctx: Ctx, row: PaymentRow): Promise<string[]> {
  return notify(tx, ctx, [row], 'receipt', () => ({}));
}

/** Receipts for many payments (a payment-run batch) with a few statements in all. */
export async function queueReceipts(tx: Tx, ctx: Ctx, rows: PaymentRow[]): Promise<string[]> {
  return notify(tx, ctx, rows, 'receipt', () => ({}));
}

/** Tells the billing contacts that a bank debit came back (the invoices are open again). */
export async function queueReturnNotice(tx: Tx, ctx: Ctx, row: PaymentRow): Promise<string[]> {
  return notify(tx, ctx, [row], 'payment_failed', (r) => ({
    failure_reason: `the bank returned the debit (${r.return_code ?? 'return'}: ${
      r.failure_message ?? 'returned'
    })`,
    next_retry_date: '',
  }));
}

/**
 * One message per payment and recipient: recipients, customers and methods are read for all the
 * payments at once, the template once, and the messages go to the outbox together.
 */
async function notify(
  tx: Tx,
  ctx: Ctx,
  rows: PaymentRow[],
  template: 'receipt' | 'payment_failed',
  extra: (row: PaymentRow) => Record<string, string>,
): Promise<string[]> {
  const recipients: Map<string, NoticeRecipient[]> =
    template === 'receipt'
      ? await contactsWithPermissionMany(
          tx,
          ctx.tenant.id,
          rows.map((r) => r.customer_id),
          'receive_receipts',
        )
      : await noticeRecipients(
          tx,
          ctx.tenant.id,
          rows.map((r) => r.customer_id),
          ['receive_invoice_emails'],
        );
  const to = rows.filter((r) => recipients.has(r.customer_id));
  if (to.length === 0) return [];
  const customers = new Map(
    (
      await tx.query<{ id: string; name: string; number: string }>(
        'SELECT id, name, number FROM customers WHERE tenant_id = $1 AND id = ANY ($2::text[])',
        [ctx.tenant.id, [...new Set(to.map((r) => r.customer_id))]],
      )
    ).map((c) => [c.id, c]),
  );
  const methodIds = to.flatMap((r) => (r.payment_method_id ? [r.payment_method_id] : []));
  const methods = new Map(
    methodIds.length === 0
      ? []
      : (
          await tx.query<{ id: string; last4: string; brand: string | null }>(
            'SELECT id, last4, brand FROM payment_methods WHERE tenant_id = $1 AND id = ANY ($2::text[])',
            [ctx.tenant.id, methodIds],
          )
        ).map((m) => [m.id, m]),
  );
  const render = await templateRenderer(tx, ctx, template);
  const messages = to.flatMap((row) => {
    const customer = customers.get(row.customer_id);
    const method = describeMethod(row, methods.get(row.payment_method_id ?? ''));
    return (recipients.get(row.customer_id) ?? []).map((contact) => {
      const text = render({
        customer: { name: customer?.name ?? '', number: customer?.number ?? '' },
        contact: { name: contact.name },
        payment: {
          id: row.id,
          date: businessDate(row.attempted_at ?? row.created_at, ctx.tenant.timeZone),
          amount: formatMoney(row.amount),
          method,
          ...extra(row),
        },
        portal_url: portalUrl(),
      });
      return {
        kind: template,
        to: contact.email,
        subject: text.subject,
        bodyText: text.text,
        bodyHtml: text.html,
        customerId: row.customer_id,
        contactId: contact.id ?? undefined,
      };
    });
  });
  return (await queueEmails(tx, ctx, messages)).map((e) => e.id);
}
