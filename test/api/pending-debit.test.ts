/**
 * Issue 10, item 6: while a bank debit is pending on an invoice, the invoice shows the amount it
 * holds (`pending_amount`), and a new payment that does not fit because of it is refused with a
 * code naming the pending debit (its amount and expected settlement date), not a bare "nothing
 * open".
 */
import { describe, expect, it } from 'vitest';
import { advance, useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod, verifiedBank } from '../helpers/payment-methods.js';
import { pay } from '../helpers/payments.js';

const h = useHarness();
const t = useTenant(h);

describe('a pending bank debit', () => {
  it('shows on the invoice and names itself when a new payment is refused', async () => {
    const cus = await newCustomer(t);
    const bank = await verifiedBank(t, cus.id);
    const card = await saveMethod(t, cus.id, cardBody());
    const inv = await postedInvoice(t, cus.id, 5_000);
    const debit = await pay(t, cus.id, bank.id, 5_000);
    expect(debit.status).toBe('pending');
    const settles = (await t.api.get(`/api/v1/payments/${debit.id}`)).body
      .expected_settlement_date as string;
    expect(settles).toMatch(/^\d{4}-\d{2}-\d{2}$/);

    const held = await t.api.get(`/api/v1/invoices/${inv}`);
    expect(held.body).toMatchObject({ balance: 5_000, pending_amount: 5_000 });
    const listed = await t.api.get(`/api/v1/invoices?customer=${cus.id}`);
    expect(listed.body.data[0]).toMatchObject({ id: inv, pending_amount: 5_000 });

    const pending = [
      { payment_id: debit.id, invoice_id: inv, amount: 5_000, expected_settlement_date: settles },
    ];
    for (const body of [
      { customer_id: cus.id, payment_method_id: card.id, amount: 5_000 },
      {
        customer_id: cus.id,
        payment_method_id: card.id,
        amount: 2_000,
        allocations: [{ invoice_id: inv, amount: 2_000 }],
      },
    ]) {
      const res = await t.api.post('/api/v1/payments', body);
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error.code).toBe('invoice_payment_pending');
      expect(res.body.error.details).toEqual({ pending_amount: 5_000, pending });
    }
    const cheque = await t.api.post('/api/v1/payments/external', {
      customer_id: cus.id,
      method: 'check',
      reference: '1042',
      amount: 5_000,
    });
    expect(cheque.status, JSON.stringify(cheque.body)).toBe(422);
    expect(cheque.body.error.code).toBe('invoice_payment_pending');
    const payments = await t.api.get(`/api/v1/payments?customer=${cus.id}`);
    expect(payments.body.data.map((p: { id: string }) => p.id)).toEqual([debit.id]);

    await advance(t, 5);
    const settled = await t.api.get(`/api/v1/invoices/${inv}`);
    expect(settled.body).toMatchObject({ balance: 0, pending_amount: 0, status: 'paid' });
  });

  it('an invoice without a payment in flight shows pending_amount 0', async () => {
    const cus = await newCustomer(t);
    const inv = await postedInvoice(t, cus.id, 1_000);
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.pending_amount).toBe(0);
  });
});
