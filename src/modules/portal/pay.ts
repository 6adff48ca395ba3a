/**
 * "Make a payment" in the portal (E1, E2, E3, E5): what the account can pay and with what, a
 * review of a payment before it is made, and the payment itself. The contact's profile must
 * allow make_payments (I4); every invoice and method is the account's own (or, for a child
 * account, a method its parent shares). The money moves through the payments module's
 * createPayment — the same reservation, gateway call, receipt email and E3 clipping as a staff
 * payment — and a card or bank account entered now is saved through the methods module; this
 * file writes no table itself.
 */
import { AppError, isAppError } from '../../core/errors.js';
import { DECLINE_CODES, DECLINE_DESCRIPTIONS, type DeclineCode } from '../../gateways/codes.js';
import { payableInvoicePage } from '../books/service.js';
import { contactsWithPermissionMany } from '../contacts/service.js';
import { type Ctx, tenantToday } from '../context.js';
import { type MethodView, methodLabel, methodSummary } from '../methods/model.js';
import {
  addPaymentMethod,
  deletePaymentMethod,
  listPaymentMethods,
  portalMethodSettings,
  type RequestMeta,
  usableMethodFor,
} from '../methods/service.js';
import {
  checkPayableAllocations,
  createPayment,
  payDate,
  payMethodsOf,
  previewLines,
} from '../payments/service.js';
import { MAX_PORTAL_ALLOCATIONS, type PortalPayInput } from './pay-schema.js';
import { type PortalCaller, requireContactPermission, targetCustomer } from './service.js';

/**
 * The context a portal payment runs in: the contact stays the actor (audit rows say who paid),
 * and the payments and methods services get the write permission their use case checks —
 * granted here only after the profile allowed make_payments and the customer was scoped.
 */
function payingCtx(ctx: Ctx): Ctx {
  return { ...ctx, permissions: new Set([...ctx.permissions, 'billing:write']) };
}

/** GET /portal/pay: the open invoices (with pending debits), the usable methods, the last used. */
export async function portalPayOptions(caller: PortalCaller, q: { customer_id?: string }) {
  requireContactPermission(caller, 'make_payments');
  const { ctx } = caller;
  const customerId = await targetCustomer(caller, q.customer_id);
  // As many as one payment may pay, oldest first; the counts and the total cover them all.
  const page = await payableInvoicePage(ctx.db, ctx.tenant.id, customerId, MAX_PORTAL_ALLOCATIONS);
  const { usable, preselect, last } = await payMethodsOf(ctx, customerId);
  return {
    customer_id: customerId,
    currency: ctx.tenant.currency,
    time_zone: ctx.tenant.timeZone,
    today: tenantToday(ctx),
    invoices: page.invoices,
    total_available: page.total_available,
    payable_count: page.payable_count,
    unlisted_count: page.unlisted_count,
    methods: usable.map(methodSummary),
    preselected_method_id: preselect,
    last_used_method_id: last,
    new_method: await portalMethodSettings(ctx),
  };
}

/** The payment module's checks, with the portal's "not found" for another account's invoice. */
const checkAllocations = (
  ctx: Ctx,
  customerId: string,
  allocations: PortalPayInput['allocations'],
) => checkPayableAllocations(ctx, customerId, allocations, 'portal_not_found');

const checkDate = (ctx: Ctx, payOn: string | undefined) => payDate(ctx, payOn, 'pay_on');

/** POST /portal/payments/preview: what a payment would charge, per invoice, and what it reduces. */
export async function portalPayPreview(caller: PortalCaller, input: PortalPayInput) {
  requireContactPermission(caller, 'make_payments');
  const { ctx } = caller;
  const customerId = await targetCustomer(caller, input.customer_id);
  const payable = await checkAllocations(ctx, customerId, input.allocations);
  const payOn = checkDate(ctx, input.pay_on);
  let method: ReturnType<typeof methodSummary> | null = null;
  if (input.payment_method_id !== undefined) {
    await usableMethodFor(ctx.db, ctx, customerId, input.payment_method_id);
    const list = await listPaymentMethods(ctx, customerId);
    const found = list.data.find((m) => m.id === input.payment_method_id);
    method = found ? methodSummary(found) : null;
  }
  const preview = await previewLines(ctx, customerId, input.allocations, payable, payOn);
  return {
    customer_id: customerId,
    currency: ctx.tenant.currency,
    lines: preview.lines,
    total: preview.total,
    pay_on: payOn,
    today: tenantToday(ctx),
    method,
    new_method: input.new_method ? { save: input.new_method.save } : null,
    reduces: preview.reduces,
  };
}

function declineCode(code: string | null): DeclineCode {
  return (DECLINE_CODES as readonly string[]).includes(code ?? '')
    ? (code as DeclineCode)
    : 'card_declined';
}

/**
 * POST /portal/payments: pays now (or schedules for pay_on) through the payments module. A new
 * card or account is saved first (the payment needs a method row); unless "save for later" was
 * ticked it is deleted again once the payment is done, and it is deleted after a decline either
 * way, so the same card can be entered again. A decline is `payment_declined` with the
 * gateway's reason as the message.
 */
export async function portalPay(caller: PortalCaller, input: PortalPayInput, meta: RequestMeta) {
  requireContactPermission(caller, 'make_payments');
  const customerId = await targetCustomer(caller, input.customer_id);
  const ctx = payingCtx(caller.ctx);
  const payable = await checkAllocations(ctx, customerId, input.allocations);
  const payOn = checkDate(ctx, input.pay_on);

  let methodId = input.payment_method_id as string;
  let added: MethodView | null = null;
  if (input.new_method) {
    added = await addPaymentMethod(
      ctx,
      customerId,
      {
        gateway_token: input.new_method.gateway_token,
        authorized: true,
        ...(input.new_method.save ? {} : { make_default: false }),
      },
      meta,
    );
    methodId = added.id;
  }
  const forget = async () => {
    if (!added) return;
    try {
      await deletePaymentMethod(ctx, added.id);
    } catch (err) {
      if (!isAppError(err)) throw err;
    }
  };

  let payment: Awaited<ReturnType<typeof createPayment>>;
  try {
    payment = await createPayment(ctx, {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: input.allocations.reduce((s, a) => s + a.amount, 0),
      allocations: input.allocations,
      ...(payOn !== null && { scheduled_for: payOn }),
    });
  } catch (err) {
    await forget();
    throw err;
  }
  if (payment.status === 'failed') {
    await forget();
    const code = declineCode(payment.decline_code);
    throw new AppError(
      'payment_declined',
      { decline_code: code, payment_id: payment.id },
      payment.failure_message ?? DECLINE_DESCRIPTIONS[code].message,
    );
  }
  const saved = added !== null && input.new_method?.save === true;
  if (added && !saved) await forget();

  const methods = await listPaymentMethods(ctx, customerId);
  const used = methods.data.find((m) => m.id === methodId) ?? added;
  const planned = payment.status === 'scheduled' ? (payment.planned_allocations ?? []) : [];
  const applied = payment.status === 'scheduled' ? planned : payment.applications;
  const receiptTo =
    payment.status === 'succeeded'
      ? (
          (
            await contactsWithPermissionMany(
              ctx.db,
              ctx.tenant.id,
              [customerId],
              'receive_receipts',
            )
          ).get(customerId) ?? []
        ).map((c) => c.email)
      : [];
  return {
    payment: {
      id: payment.id,
      status: payment.status as 'succeeded' | 'pending' | 'scheduled',
      amount: payment.amount,
      currency: payment.currency,
      scheduled_for: payment.scheduled_for,
      expected_settlement_date: payment.expected_settlement_date,
      created_at: payment.created_at,
      method_label: used ? methodLabel(used) : payment.method_type,
    },
    invoices: applied.map((a) => ({
      invoice_id: a.invoice_id,
      number: payable.get(a.invoice_id)?.number ?? null,
      amount: a.amount,
    })),
    reduced_scheduled: payment.adjusted_scheduled,
    receipt_emailed_to: receiptTo,
    saved_method_id: saved ? methodId : null,
  };
}
