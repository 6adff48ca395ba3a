/**
 * The portal's "Make a payment" request (E1, E2, E5): one zod schema that the API validates the
 * body with and the portal's Pay page validates its form with, so a bad field gets the same
 * message next to the field and in the 400. Imports zod only: the web app bundles this file.
 */
import { z } from 'zod';

const Id = z.string().min(1).max(64);

/** A real calendar date written YYYY-MM-DD (whether it is in the future is the server's rule). */
export const PayDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'Enter a date as YYYY-MM-DD' })
  .refine(
    (s) => {
      const [y, m, d] = s.split('-').map(Number) as [number, number, number];
      const t = new Date(Date.UTC(y, m - 1, d));
      return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d;
    },
    { message: 'Enter a real date' },
  );

export const PayAllocation = z.strictObject({
  invoice_id: Id,
  amount: z
    .number({ message: 'Enter an amount' })
    .int({ message: 'Enter an amount in whole cents' })
    .positive({ message: 'Enter an amount above zero' })
    .max(Number.MAX_SAFE_INTEGER),
});

export const NewPayMethod = z.strictObject({
  gateway_token: z
    .string()
    .trim()
    .min(1, { message: 'Enter the card or bank account first' })
    .max(255)
    .describe('A token from the gateway’s tokenization endpoint (POST /sandbox/tokens)'),
  authorized: z
    .literal(true, { message: 'Tick the box to authorise the charge' })
    .describe('The payer’s authorisation tick (D7)'),
  save: z.boolean().describe('Save for later: keep the method for the next payments'),
});

/** The most invoices one portal payment pays; what the pay page lists at most. */
export const MAX_PORTAL_ALLOCATIONS = 100;

export const PortalPayInput = z
  .strictObject({
    customer_id: Id.optional().describe('A child account of the open account; default the own'),
    allocations: z
      .array(PayAllocation)
      .min(1, { message: 'Choose at least one invoice' })
      .max(MAX_PORTAL_ALLOCATIONS)
      .refine((a) => new Set(a.map((x) => x.invoice_id)).size === a.length, {
        message: 'each invoice at most once',
      })
      .describe('The invoices to pay and how much of each (the full open balance by default)'),
    payment_method_id: Id.optional().describe('A saved method of the account (or shared with it)'),
    new_method: NewPayMethod.optional().describe('A card or bank account entered now'),
    pay_on: PayDate.optional().describe(
      'A later business date: the payment is scheduled and charged then; omitted: now',
    ),
  })
  .refine((p) => (p.payment_method_id === undefined) !== (p.new_method === undefined), {
    message: 'Choose how to pay',
    path: ['payment_method_id'],
  })
  .refine((p) => p.pay_on === undefined || p.new_method === undefined || p.new_method.save, {
    message: 'A payment on a later date needs the card or account saved',
    path: ['new_method', 'save'],
  });
export type PortalPayInput = z.infer<typeof PortalPayInput>;
