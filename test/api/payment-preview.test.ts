/**
 * The staff review of a payment before it is made (E3, POST /payments/preview): per invoice what
 * it pays and leaves, the total, and the scheduled payments it would lower or cancel — the same
 * figures the payment then reports in adjusted_scheduled. Nothing is charged or changed; the
 * checks are the portal's (shared code): another customer's invoice, too much, a past date.
 */
import { describe, expect, it } from 'vitest';
import { useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod } from '../helpers/payment-methods.js';
import { balanceOf, pay, paymentOf, schedulePayment } from '../helpers/payments.js';

const h = useHarness();
const t = useTenant(h);

const PREVIEW = '/api/v1/payments/preview';

async function account() {
  const customer = await newCustomer(t);
  const method = await saveMethod(t, customer.id, cardBody());
  const first = await postedInvoice(t, customer.id, 12_000, { date: '2026-11-01' });
  const second = await postedInvoice(t, customer.id, 4_000, { date: '2026-11-10' });
  const today = (await t.api.get(`/api/v1/customers/${customer.id}/pay-options`)).body
    .today as string;
  return { customerId: customer.id, methodId: method.id, first, second, today };
}

describe('POST /payments/preview', () => {
  it('names the scheduled payment a payment now lowers or cancels, and changes nothing', async () => {
    const a = await account();
    const later = await schedulePayment(t, a.customerId, a.methodId, 16_000, '2026-12-20', [
      { invoice_id: a.first, amount: 12_000 },
      { invoice_id: a.second, amount: 4_000 },
    ]);
    const res = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: a.first, amount: 8_000 }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      customer_id: a.customerId,
      currency: 'USD',
      scheduled_for: null,
      total: 8_000,
      lines: [{ invoice_id: a.first, balance: 12_000, amount: 8_000, remaining: 4_000 }],
      reduces: [
        {
          id: later,
          scheduled_for: '2026-12-20',
          source: 'scheduled',
          old_amount: 16_000,
          new_amount: 8_000,
        },
      ],
    });
    // Nothing moved.
    expect(await balanceOf(t, a.first)).toBe(12_000);
    expect((await paymentOf(t, later)).amount).toBe(16_000);

    // Paying both in full would cancel it; the payment then reports what the preview said.
    const all = [
      { invoice_id: a.first, amount: 12_000 },
      { invoice_id: a.second, amount: 4_000 },
    ];
    const full = await t.api.post(PREVIEW, { customer_id: a.customerId, allocations: all });
    expect(full.body.reduces).toEqual([
      expect.objectContaining({ id: later, old_amount: 16_000, new_amount: null }),
    ]);
    const paid = await pay(t, a.customerId, a.methodId, 16_000, { allocations: all });
    expect(paid.adjusted_scheduled).toEqual([{ id: later, old_amount: 16_000, new_amount: null }]);
  });

  it('reduces nothing for a payment on a later date; refuses a past date, too much, another customer’s invoice', async () => {
    const a = await account();
    await schedulePayment(t, a.customerId, a.methodId, 4_000, '2026-12-20', [
      { invoice_id: a.second, amount: 4_000 },
    ]);
    const future = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: a.second, amount: 4_000 }],
      scheduled_for: '2026-12-15',
    });
    expect(future.status, JSON.stringify(future.body)).toBe(200);
    expect(future.body).toMatchObject({ scheduled_for: '2026-12-15', reduces: [] });
    const today = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: a.second, amount: 1_000 }],
      scheduled_for: a.today,
    });
    expect(today.body.scheduled_for).toBeNull();
    expect(today.body.reduces).toHaveLength(1);

    const past = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: a.second, amount: 1_000 }],
      scheduled_for: '2020-01-01',
    });
    expect([past.status, past.body.error.code]).toEqual([422, 'scheduled_date_in_past']);
    const tooMuch = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: a.second, amount: 4_001 }],
    });
    expect([tooMuch.status, tooMuch.body.error.code]).toEqual([422, 'amount_exceeds_balance']);
    expect(tooMuch.body.error.details).toMatchObject({ field: 'allocations.0.amount' });
    const other = await account();
    const theirs = await t.api.post(PREVIEW, {
      customer_id: a.customerId,
      allocations: [{ invoice_id: other.first, amount: 1_000 }],
    });
    expect([theirs.status, theirs.body.error.code]).toEqual([404, 'invoice_not_found']);
    const nobody = await t.api.post(PREVIEW, {
      customer_id: 'cus_00000000000000000000000000',
      allocations: [{ invoice_id: a.first, amount: 1_000 }],
    });
    expect([nobody.status, nobody.body.error.code]).toEqual([404, 'customer_not_found']);
  });
});
