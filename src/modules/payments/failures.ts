/**
 * What follows a failed charge (F2), in the transaction that records the failure (record.ts), so
 * that a crash can never keep the failure and lose its follow-up: for an autopay charge (payment
 * runs, and their retries, which keep autopay_invoice_id) the next automatic retry date on the
 * tenant's retry_schedule_days (default 3, 5 and 7 days after the first failure of the chain, on
 * the tenant clock), and for every failure an email to the billing contacts saying why.
 *
 * Only autopay charges are retried automatically. A manual payment is not: staff or the payer
 * chose that charge, and the email invites them to act. Nor is a scheduled payment: the payer
 * authorised one charge on the date they picked, and charging the same method on other dates
 * nobody chose is a new charge they did not ask for (for bank debits, a new authorisation).
 * Staff can still retry either from the failed-payments list (paymentruns/retry.ts), and an
 * invoice under autopay is charged by the next payment run.
 *
 * Hard declines are never retried automatically: expired_card, incorrect_cvc, invalid_account
 * and card_declined (the issuer refused; retrying the same card annoys the issuer and rarely
 * works). insufficient_funds and processing_error are soft and retried. This is the `retryable`
 * flag of gateways/codes.ts, so payments, retries and emails share one vocabulary.
 */
import { addDays, businessDate } from '../../core/dates.js';
import { formatMoney } from '../../core/money.js';
import type { Queryable, Tx } from '../../db/db.js';
import { DECLINE_DESCRIPTIONS, type DeclineCode } from '../../gateways/codes.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, tenantToday } from '../context.js';
import { queueEmail, renderTemplate } from '../email/service.js';
import { portalUrl } from '../portal/service.js';
import { DEFAULT_SETTINGS } from '../tenants/model.js';
import type { PaymentView } from './model.js';
import { noticeRecipients } from './receipts.js';

export function isHardDecline(code: string | null): boolean {
  const d = DECLINE_DESCRIPTIONS[code as DeclineCode];
  return d ? !d.retryable : false;
}

/**
 * The next automatic retry: the first schedule day, counted from the chain's first failure,
 * that is later than today and not yet used (`used` automatic retries so far); null when none.
 */
export function nextRetryDate(
  schedule: readonly number[],
  firstFailure: string,
  today: string,
  used: number,
): string | null {
  for (const days of schedule.slice(used)) {
    const date = addDays(firstFailure, days);
    if (date > today) return date;
  }
  return null;
}

async function retrySchedule(q: Queryable, tenantId: string): Promise<number[]> {
  const row = await q.one<{ days: number[] | null }>(
    `SELECT settings->'retry_schedule_days' AS days FROM tenants WHERE id = $1`,
    [tenantId],
  );
  return row.days ?? DEFAULT_SETTINGS.retry_schedule_days;
}

/** The business date the chain of retries ending at `paymentId` first failed. */
async function firstFailureDate(q: Queryable, ctx: Ctx, paymentId: string): Promise<string> {
  const root = await q.one<{ failed_at: Date | null; created_at: Date }>(
    `WITH RECURSIVE chain (id, retry_of, failed_at, created_at, depth) AS (
       SELECT id, retry_of, failed_at, created_at, 0 FROM payments WHERE id = $1
       UNION ALL
       SELECT p.id, p.retry_of, p.failed_at, p.created_at, chain.depth + 1
         FROM payments p JOIN chain ON p.id = chain.retry_of WHERE chain.depth < 50)
     SELECT failed_at, created_at FROM chain ORDER BY depth DESC LIMIT 1`,
    [paymentId],
  );
  return businessDate(root.failed_at ?? root.created_at, ctx.tenant.timeZone);
}

/**
 * The follow-up of a charge that just failed, in the transaction that recorded the failure: for
 * an autopay charge the retry count carried along the chain (one more when `automaticRetry`: this
 * charge was an automatic retry) and the next automatic retry date (none for a hard decline); for
 * every failure the email to the billing contacts (profiles receiving invoices or receipts)
 * saying why it failed and naming that date. Returns the payment with its retry count and date.
 */
export async function followUpFailure(
  tx: Tx,
  ctx: Ctx,
  payment: PaymentView,
  automaticRetry = false,
): Promise<PaymentView> {
  const retry = payment.autopay_invoice_id
    ? await scheduleRetry(tx, ctx, payment, automaticRetry)
    : { retry_count: payment.retry_count, next_retry_date: null };
  await emailFailure(tx, ctx, payment, retry.next_retry_date);
  return { ...payment, ...retry };
}

/** The next automatic retry of a failed autopay charge (null when none), recorded on it. */
async function scheduleRetry(
  tx: Tx,
  ctx: Ctx,
  payment: PaymentView,
  automatic: boolean,
): Promise<{ retry_count: number; next_retry_date: string | null }> {
  const prior = payment.retry_of
    ? await tx.one<{ retry_count: number }>('SELECT retry_count FROM payments WHERE id = $1', [
        payment.retry_of,
      ])
    : { retry_count: 0 };
  const used = prior.retry_count + (automatic ? 1 : 0);
  const today = tenantToday(ctx);
  const next = isHardDecline(payment.decline_code)
    ? null
    : nextRetryDate(
        await retrySchedule(tx, ctx.tenant.id),
        await firstFailureDate(tx, ctx, payment.id),
        today,
        used,
      );
  await tx.query(
    `UPDATE payments SET retry_count = $2, next_retry_date = $3 WHERE id = $1 AND status = 'failed'`,
    [payment.id, used, next],
  );
  // The newest failure of an invoice's autopay charge carries its retries; older ones stop.
  await tx.query(
    `UPDATE payments SET next_retry_date = NULL
      WHERE tenant_id = $1 AND autopay_invoice_id = $2 AND id <> $3 AND status = 'failed'
        AND next_retry_date IS NOT NULL`,
    [ctx.tenant.id, payment.autopay_invoice_id, payment.id],
  );
  await recordChange(tx, ctx, {
    action: 'payment.retry_scheduled',
    objectType: 'payment',
    objectId: payment.id,
    after: { id: payment.id, retry_count: used, next_retry_date: next },
    event: next === null ? null : undefined,
  });
  return { retry_count: used, next_retry_date: next };
}

/** Why a charge failed, in the payer's words, without a final full stop (templates add one). */
function failureReason(payment: PaymentView): string {
  const described = DECLINE_DESCRIPTIONS[payment.decline_code as DeclineCode]?.message;
  const reason = payment.failure_message ?? described ?? payment.decline_code ?? 'declined';
  return reason.trim().replace(/\.+$/, '');
}

async function emailFailure(
  tx: Tx,
  ctx: Ctx,
  payment: PaymentView,
  next: string | null,
): Promise<void> {
  const recipients =
    (
      await noticeRecipients(
        tx,
        ctx.tenant.id,
        [payment.customer_id],
        ['receive_invoice_emails', 'receive_receipts'],
      )
    ).get(payment.customer_id) ?? [];
  if (recipients.length === 0) return;
  const customer = await tx.one<{ name: string; number: string }>(
    'SELECT name, number FROM customers WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, payment.customer_id],
  );
  const method = await tx.maybeOne<{ last4: string; brand: string | null; kind: string }>(
    'SELECT last4, brand, kind FROM payment_methods WHERE id = $1',
    [payment.payment_method_id],
  );
  for (const contact of recipients) {
    const text = await renderTemplate(tx, ctx, 'payment_failed', {
      customer: { name: customer.name, number: customer.number },
      contact: { name: contact.name },
      payment: {
        id: payment.id,
        date: tenantToday(ctx),
        amount: formatMoney(payment.amount),
        method: method ? `${method.brand ?? 'bank account'} ending ${method.last4}` : '',
        failure_reason: failureReason(payment),
        // Empty when there is none: the default template's retry sentence is a section on it.
        next_retry_date: next ?? '',
      },
      portal_url: portalUrl(),
    });
    await queueEmail(tx, ctx, {
      kind: 'payment_failed',
      to: contact.email,
      subject: text.subject,
      bodyText: text.text,
      bodyHtml: text.html,
      customerId: payment.customer_id,
      contactId: contact.id ?? undefined,
    });
  }
}

/** Stops the automatic retries of failed payments (claimed by a retry request). */
export async function stopAutomaticRetries(q: Queryable, paymentIds: string[]): Promise<void> {
  await q.query('UPDATE payments SET next_retry_date = NULL WHERE id = ANY ($1::text[])', [
    paymentIds,
  ]);
}

/** Claims a due automatic retry: true for the one caller that took it. */
export async function claimAutomaticRetry(q: Queryable, paymentId: string): Promise<boolean> {
  const claimed = await q.maybeOne(
    `UPDATE payments SET next_retry_date = NULL
      WHERE id = $1 AND next_retry_date IS NOT NULL RETURNING id`,
    [paymentId],
  );
  return claimed !== undefined;
}
