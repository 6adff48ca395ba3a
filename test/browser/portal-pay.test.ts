/**
 * "Make a payment" in Chromium (E1, E2, E3, E5): from the dashboard, two open invoices, one paid
 * in part; a declined card shows the gateway's reason and keeps the form; a new card saved for
 * later pays; the review shows the API's total; the success page shows the receipt and where it
 * was emailed; the receipt arrives through the SMTP test server; the dashboard's balance drops;
 * of 102 open invoices, the 100 oldest are listed (what one payment pays) and the page says so.
 * axe on every step at both widths, and screenshots of the pay, review and success pages.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, useBrowser } from './browser.js';
import { customer, mailTo, postedInvoice, signedInContact } from './portal-helpers.js';

const b = useBrowser();

/** A saved Visa of the customer (through the staff API); its id. */
async function saveCard(customerId: string): Promise<string> {
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: { number: '4242424242424242', expiry: '12/30', cvc: '737', name: 'Robin Quinn' },
  })) as { id: string };
  const method = (await apiCall('POST', `/api/v1/customers/${customerId}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  })) as { id: string };
  return method.id;
}

/** Fills the shared new-card form (NewMethodForm) and hands its token to the Pay page. */
async function enterCard(page: Page, number: string, save: boolean) {
  const form = page.getByRole('form', { name: 'New card' });
  await form.getByLabel('Card number').fill(number);
  await form.getByLabel('Expiry (MM/YY)').fill('12/30');
  await form.getByLabel('CVV').fill('737');
  await form.getByLabel('Name on card').fill('Robin Quinn');
  await form.getByLabel('ZIP or postal code').fill('12345');
  const saveBox = form.getByLabel('Save for later');
  if ((await saveBox.isChecked()) !== save) await saveBox.click();
  await form.getByLabel(/I authorise charges to this card/).check();
  await form.getByRole('button', { name: 'Use this for the payment' }).click();
}

describe('make a payment', () => {
  it('pays two invoices, one in part, with a new card saved for later, after a decline', async () => {
    const cus = await customer();
    const older = await postedInvoice(cus.id, 12_000, '2026-10-01');
    const newer = await postedInvoice(cus.id, 4_500);
    const page = await b.newPage();
    const { email } = await signedInContact(page, { customerId: cus.id });

    // The dashboard offers the payment; the balance is the API's.
    const main = page.getByRole('main');
    await main.getByText('$165.00').first().waitFor();
    await main.getByRole('link', { name: 'Make a payment' }).click();
    await page.getByRole('heading', { name: 'Make a payment' }).waitFor();

    // Both invoices chosen, each for its full open balance; the second lowered to $20.
    const older_ = page.getByRole('checkbox', { name: /^Pay invoice / }).first();
    await expect.poll(() => older_.isChecked()).toBe(true);
    expect(await page.getByRole('checkbox', { name: 'Select all invoices' }).isChecked()).toBe(
      true,
    );
    const amounts = page.getByRole('textbox', { name: /^Amount to pay on invoice/ });
    expect(await amounts.count()).toBe(2);
    expect(await amounts.nth(0).inputValue()).toBe('120.00');
    expect(await amounts.nth(1).inputValue()).toBe('45.00');

    // A bad amount is named next to its field, by the API's own schema, before anything is sent.
    await amounts.nth(1).fill('abc');
    await page.getByRole('button', { name: 'Review payment' }).click();
    await page.getByText('Enter an amount').waitFor();
    await amounts.nth(1).fill('20.00');

    // No saved method yet: a new card is the choice. A declined card first.
    expect(await page.getByRole('radio', { name: 'A new card or bank account' }).isChecked()).toBe(
      true,
    );
    await checkPage(page, 'portal-pay');
    await enterCard(page, '4000000000000002', true);
    await page.getByText('Visa ending 0002').waitFor();
    await page.getByRole('button', { name: 'Review payment' }).click();
    await page.getByRole('heading', { name: 'Review your payment' }).waitFor();
    await page.getByRole('button', { name: 'Pay $140.00' }).click();

    // The decline: the gateway's reason in plain words, the form as it was.
    const alert = page.getByRole('alert').filter({ hasText: 'Your payment was declined' });
    await alert.waitFor();
    await alert.getByText('Your card was declined.').waitFor();
    expect(await amounts.nth(1).inputValue()).toBe('20.00');
    expect(await amounts.nth(0).inputValue()).toBe('120.00');
    await checkPage(page, 'portal-pay-declined');
    expect(
      ((await apiCall('GET', `/api/v1/invoices/${older}`)) as { balance: number }).balance,
    ).toBe(12_000);

    // A good card, saved for later.
    await enterCard(page, '4242424242424242', true);
    await page.getByText('Visa ending 4242').waitFor();
    await page.getByRole('button', { name: 'Review payment' }).click();
    await page.getByRole('heading', { name: 'Review your payment' }).waitFor();
    const review = page.getByRole('main');
    await review.getByText('Visa ending 4242 (saved for later)').waitFor();
    // Left to pay on the second invoice: $25.00 (the API's figure).
    await review.getByRole('cell', { name: '$25.00' }).waitFor();
    await checkPage(page, 'portal-pay-review');
    // A double click pays once (one Idempotency-Key per attempt, the button busy meanwhile).
    await page.getByRole('button', { name: 'Pay $140.00' }).dblclick();

    // The success page with the receipt.
    await page.getByRole('heading', { name: 'Payment received' }).waitFor();
    await page.getByText(`A receipt was emailed to ${email}.`).waitFor();
    const receipt = page.getByRole('region', { name: 'Receipt' });
    await receipt.getByText('Visa ending 4242').waitFor();
    await receipt.getByRole('cell', { name: '$140.00' }).waitFor();
    await checkPage(page, 'portal-pay-success');

    // The receipt email, through the SMTP test server.
    const [mail] = await mailTo(email, /^Payment received: \$140\.00$/);
    expect(mail?.text).toContain('visa ending 4242');

    // The books: one payment, the invoices paid and part paid, the card saved.
    const payments = (await apiCall('GET', `/api/v1/payments?customer=${cus.id}`)) as {
      data: { status: string; amount: number }[];
    };
    expect(payments.data.filter((p) => p.status === 'succeeded')).toEqual([
      expect.objectContaining({ amount: 14_000 }),
    ]);
    expect(
      ((await apiCall('GET', `/api/v1/invoices/${newer}`)) as { balance: number }).balance,
    ).toBe(2_500);
    const methods = (await apiCall('GET', `/api/v1/customers/${cus.id}/payment-methods`)) as {
      data: { card: { last4: string } | null }[];
    };
    expect(methods.data.map((m) => m.card?.last4)).toEqual(['4242']);

    // The dashboard's balance changed.
    await page.getByRole('link', { name: 'Back to the dashboard' }).click();
    await page.getByRole('heading', { name: cus.name }).waitFor();
    await main.getByText('$25.00').first().waitFor();

    // Next time, the saved card is preselected; the invoice page's "Pay" picks that invoice.
    await page.goto(`/portal/invoices/${newer}`);
    await page.getByRole('link', { name: 'Pay', exact: true }).click();
    await page.getByRole('heading', { name: 'Make a payment' }).waitFor();
    await expect
      .poll(() => page.getByRole('radio', { name: 'Visa ending 4242' }).isChecked())
      .toBe(true);
    expect(await amounts.count()).toBe(1);
    expect(await amounts.nth(0).inputValue()).toBe('25.00');
  }, 240_000);

  it('lists the oldest 100 of many open invoices, and says the others wait', async () => {
    const cus = await customer();
    for (let k = 0; k < 102; k++) {
      const day = new Date(Date.UTC(2026, 5, 1) + k * 86_400_000).toISOString().slice(0, 10);
      await postedInvoice(cus.id, 1_000, day);
    }
    await saveCard(cus.id);
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });
    await page.goto('/portal/pay');
    await page.getByRole('heading', { name: 'Make a payment' }).waitFor();
    // The API's count and total of all 102; the list has what one payment pays.
    await page.getByText('Open now: $1,020.00 in 102 invoices.').waitFor();
    await page
      .getByText(
        'One payment pays up to 100 invoices, so the oldest are listed here. Pay these first; the other 2 invoices appear here after that.',
      )
      .waitFor();
    const boxes = page.getByRole('checkbox', { name: /^Pay invoice / });
    expect(await boxes.count()).toBe(100);
    expect(await page.getByRole('checkbox', { name: 'Select all invoices' }).isChecked()).toBe(
      true,
    );
    await checkPage(page, 'portal-pay-many');
    await page.getByRole('button', { name: 'Review payment' }).click();
    await page.getByRole('heading', { name: 'Review your payment' }).waitFor();
    await page.getByRole('button', { name: 'Pay $1,000.00' }).waitFor();
  }, 180_000);

  it('shows a bank debit in flight, and says which scheduled payment a payment lowers', async () => {
    const cus = await customer();
    const debited = await postedInvoice(cus.id, 8_000, '2026-10-01');
    const planned = await postedInvoice(cus.id, 5_000);
    const card = await saveCard(cus.id);
    const bank = (await apiCall('POST', `/api/v1/customers/${cus.id}/payment-methods`, {
      gateway_token: (
        (await apiCall('POST', '/api/v1/sandbox/tokens', {
          bank_account: {
            holder_type: 'business',
            account_type: 'checking',
            name: 'Robin Quinn LLC',
            account_number: '000123456789',
            routing_number: '110000000',
          },
        })) as { id: string }
      ).id,
      authorized: true,
    })) as { id: string };
    const deposits = (await apiCall(
      'GET',
      `/api/v1/sandbox/payment-methods/${bank.id}/micro-deposits`,
    )) as { amounts: [number, number] };
    await apiCall('POST', `/api/v1/payment-methods/${bank.id}/verify`, {
      amounts: deposits.amounts,
    });
    await apiCall('POST', '/api/v1/payments', {
      customer_id: cus.id,
      payment_method_id: bank.id,
      amount: 8_000,
      allocations: [{ invoice_id: debited, amount: 8_000 }],
    });
    await apiCall('POST', '/api/v1/payments', {
      customer_id: cus.id,
      payment_method_id: card,
      amount: 5_000,
      allocations: [{ invoice_id: planned, amount: 5_000 }],
      scheduled_for: '2027-01-15',
    });
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });
    await page.goto('/portal/pay');
    await page.getByRole('heading', { name: 'Make a payment' }).waitFor();

    // The debit in flight: shown, and that invoice cannot be paid again.
    await page.getByText(/A bank payment of \$80\.00 is on its way/).waitFor();
    await page.getByText('You do not need to pay it again.').waitFor();
    const boxes = page.getByRole('checkbox', { name: /^Pay invoice / });
    expect(await boxes.nth(0).isDisabled()).toBe(true);
    expect(await boxes.nth(1).isChecked()).toBe(true);
    // The card of the latest payment is preselected.
    expect(await page.getByRole('radio', { name: 'Visa ending 4242' }).isChecked()).toBe(true);
    await checkPage(page, 'portal-pay-pending');

    // Paying the invoice the scheduled payment was to pay: the review says it is cancelled.
    await page.getByRole('button', { name: 'Review payment' }).click();
    await page.getByRole('heading', { name: 'Review your payment' }).waitFor();
    await page
      .getByText(/Your scheduled payment of \$50\.00 on Jan 15, 2027 will be cancelled/)
      .waitFor();
    await checkPage(page, 'portal-pay-review-e3');
    await page.getByRole('button', { name: 'Pay $50.00' }).click();
    await page.getByRole('heading', { name: 'Payment received' }).waitFor();
    await page
      .getByText('Your planned payment of $50.00 was cancelled: this payment covers it.')
      .waitFor();
    const scheduled = (await apiCall('GET', `/api/v1/payments?customer=${cus.id}`)) as {
      data: { status: string; scheduled_for: string | null; amount: number }[];
    };
    expect(scheduled.data.filter((p) => p.status === 'scheduled')).toEqual([]);
  }, 180_000);
});
