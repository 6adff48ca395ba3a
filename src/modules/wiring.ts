/**
 * What listens to what: the one place where modules are connected to each other's hooks. The
 * server, the worker, the CLI and the test harness call wireModules() before they do anything;
 * importing a file never registers anything.
 *
 * Order matters where several handlers share a hook: they run in the order listed here.
 */
import { onSandboxChargeUpdate, sandboxOnClock } from '../gateways/sandbox/clock.js';
import { onEvent, onEvents } from './audit/service.js';
import { autopayRulesUsing } from './autopay/service.js';
import { billRunsOnClock } from './billruns/schedule.js';
import { onClockAdvanced } from './clock/service.js';
import { registerAttachmentRenderer, registerLinkCheck } from './email/deliver.js';
import { onOpenBalanceReduced } from './invoices/applications.js';
import { invoicePdfAttachment } from './invoices/delivery.js';
import { statementPdfAttachment } from './invoices/statement.js';
import { registerMethodUsage } from './methods/usage.js';
import { paymentWorkOnClock, runAfterPostedBillRun } from './paymentruns/schedule.js';
import { paymentsOnChargeUpdate } from './payments/ach.js';
import { paymentsOnClock } from './payments/jobs.js';
import { adjustScheduled, scheduledPaymentsUsing } from './payments/scheduled.js';
import { invitationLinkCheck, resetLinkCheck } from './portal/signin.js';
import { exportLinkCheck } from './usage/exports.js';
import { fanOut, fanOutMany } from './webhooks/deliver.js';

function connect(): void {
  // Every event, in the transaction that writes it.
  onEvent(fanOut); // webhook deliveries (K3)
  onEvents(fanOutMany);
  onEvent(runAfterPostedBillRun); // bill_run.posted → the tenant's payment run (F3)

  // A sandbox clock advance, in the advancing transaction.
  onClockAdvanced(paymentsOnClock); // due scheduled payments → their job (E2)
  onClockAdvanced(billRunsOnClock); // the bill run schedule (C1)
  onClockAdvanced(paymentWorkOnClock); // due payment runs and retries (F2, F3)
  onClockAdvanced(sandboxOnClock); // the sandbox gateway settles and returns debits
  onSandboxChargeUpdate(paymentsOnChargeUpdate); // … and the payments follow (E7)

  // An invoice's open balance fell (credit, void): clip the customer's scheduled payments (E3).
  onOpenBalanceReduced(adjustScheduled);

  // Who refuses the deletion of a payment method they use (D4).
  registerMethodUsage('scheduled_payments', scheduledPaymentsUsing);
  registerMethodUsage('autopay_rules', autopayRulesUsing);

  // Attachments rendered when an email is sent.
  registerAttachmentRenderer('invoice_pdf', invoicePdfAttachment);
  registerAttachmentRenderer('statement_pdf', statementPdfAttachment);

  // Whether an emailed link still works, before the outbox resends its message.
  registerLinkCheck('portal_invitation', invitationLinkCheck);
  registerLinkCheck('portal_password_reset', resetLinkCheck);
  registerLinkCheck('usage_export', exportLinkCheck);
}

let wiring: 'none' | 'done' = 'none';

/** Connects the modules; the process's first call does it, later calls find it done. */
export function wireModules(): void {
  if (wiring === 'done') return;
  connect();
  wiring = 'done';
}
