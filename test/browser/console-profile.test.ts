/**
 * The console's customer profile in Chromium (issue 12 item 4): open a customer from the list,
 * pay two selected invoices (one partially) on a later date and find the scheduled payment;
 * pay one of them now and read the E3 message that the scheduled payment was lowered;
 * reschedule and cancel it; the invoice summary from its address; a read-only member sees no
 * pay button. Axe and screenshots at 1280 and 375 px on each state.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, suite, useBrowser } from './browser.js';
import { customer, postedInvoice, unique } from './portal-helpers.js';

const b = useBrowser();
const READER = { email: `${unique('reader')}@browser.example`, password: 'read only password 2' };

let cus: { id: string; name: string };
let old: string;
let big: string;
let small: string;
let today: string;

/** `date` plus `days`, as a business date (plain calendar arithmetic in UTC). */
function plusDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** "Dec 12, 2026", as the console formats a business date. */
function shown(date: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

async function signIn(page: Page, email: string, password: string) {
  // A step that does not happen fails with its own name, not the test's timeout.
  page.setDefaultTimeout(20_000);
  await page.goto('/console/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
}

beforeAll(async () => {
  cus = await customer(unique('Riverbend Farms'));
  await apiCall('PATCH', `/api/v1/customers/${cus.id}`, {
    billing_email: 'ap@riverbend.example',
    links: { crm: 'CRM-4411' },
  });
  old = await postedInvoice(cus.id, 9_000, '2026-06-01');
  big = await postedInvoice(cus.id, 12_000);
  small = await postedInvoice(cus.id, 8_000);
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number: '4242424242424242',
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
  await apiCall('POST', `/api/v1/customers/${cus.id}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  });
  const options = (await apiCall('GET', `/api/v1/customers/${cus.id}/pay-options`)) as {
    today: string;
  };
  today = options.today;
  await apiCall('POST', '/api/v1/staff', { ...READER, name: 'Rhea Reader', role: 'read_only' });
});

function number(id: string): Promise<string> {
  return apiCall('GET', `/api/v1/invoices/${id}`).then((i) => (i as { number: string }).number);
}

describe('console customer profile', () => {
  it('pays two selected invoices later, lowers the plan with a payment now, reschedules and cancels', async () => {
    const page = await b.newPage();
    await signIn(page, suite().ownerEmail, suite().password);
    await page.getByLabel('Search customers').fill(cus.name);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: cus.name }).click();
    await page.getByRole('heading', { name: cus.name, level: 1 }).waitFor();
    expect(page.url()).toContain(`/console/customers/${cus.id}`);

    // Header chips: the CRM link is there, the gateway's was set by saving the card, and the
    // accounting one is shown missing and explained.
    await page.getByText('CRM: CRM-4411').waitFor();
    await page.getByText('Accounting: not linked').waitFor();
    await page.getByText(/No accounting customer is linked/).waitFor();
    expect(await page.getByText('Gateway: not linked').count()).toBe(0);
    await page.getByText(/^Gateway: \S+/).waitFor();
    // The balance card, from the balances module.
    const balance = page.getByRole('region', { name: 'Balance' });
    await balance.getByText('$290.00').waitFor();
    await balance.getByText('$90.00').first().waitFor();
    const [oldNo, bigNo, smallNo] = await Promise.all([number(old), number(big), number(small)]);
    await balance.getByRole('button', { name: oldNo }).waitFor();
    // The open invoices, the oldest past due.
    const openTable = page.getByRole('region', { name: 'Open invoices table' });
    const oldRow = openTable.getByRole('row').filter({ hasText: oldNo });
    await oldRow.getByText('Past due').waitFor();
    expect(
      await openTable.getByRole('row').filter({ hasText: bigNo }).getByText('Past due').count(),
    ).toBe(0);
    await checkPage(page, 'console-customer-profile');

    // Pay selected: two invoices, the second partly, on a later date.
    await page.getByLabel(`Select invoice ${bigNo}`).check();
    await page.getByLabel(`Select invoice ${smallNo}`).check();
    await page.getByRole('button', { name: 'Pay selected (2)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pay selected invoices' });
    await dialog.getByLabel(`Amount to pay on invoice ${bigNo}, in dollars`).waitFor();
    expect(
      await dialog.getByLabel(`Amount to pay on invoice ${bigNo}, in dollars`).inputValue(),
    ).toBe('120.00');
    await dialog.getByLabel(`Amount to pay on invoice ${smallNo}, in dollars`).fill('30');
    await dialog.getByLabel('Visa ending 4242').check();
    await dialog.getByLabel('A later date').check();
    const later = plusDays(today, 10);
    await dialog.getByLabel('Payment date').fill(later);
    await checkPage(page, 'console-customer-pay');
    await dialog.getByRole('button', { name: 'Review payment' }).click();
    await dialog.getByRole('heading', { name: 'Review the payment' }).waitFor();
    await dialog.getByText(`On ${shown(later)}`).waitFor();
    await dialog.getByRole('button', { name: 'Confirm and schedule' }).click();
    await dialog.getByRole('heading', { name: 'Payment scheduled' }).waitFor();
    await dialog.getByText(`Visa ending 4242 will be charged on ${shown(later)}.`).waitFor();
    await dialog.getByText('$150.00').waitFor();
    await dialog.getByRole('button', { name: 'Done' }).click();

    const planned = page.getByRole('region', { name: 'Pending and scheduled payments table' });
    const row = planned.getByRole('row').filter({ hasText: shown(later) });
    await row.getByText('$150.00').waitFor();
    await row.getByText(`${bigNo}, ${smallNo}`).waitFor();

    // A payment now of the bigger invoice lowers the scheduled one (E3).
    await page.getByLabel(`Select invoice ${bigNo}`).check();
    await page.getByRole('button', { name: 'Pay selected (1)' }).click();
    await dialog.getByRole('button', { name: 'Review payment' }).click();
    await dialog.getByRole('button', { name: 'Confirm and pay' }).click();
    await dialog.getByRole('heading', { name: 'Payment received' }).waitFor();
    await dialog
      .getByText(
        `The scheduled payment of $150.00 on ${shown(later)} was lowered to $30.00, so the invoices are not paid twice.`,
      )
      .waitFor();
    await checkPage(page, 'console-customer-paid');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await row.getByText('$30.00').waitFor();

    // Reschedule with the date picker.
    const moved = plusDays(today, 20);
    await page.getByRole('button', { name: `Reschedule the payment of ${shown(later)}` }).click();
    const reschedule = page.getByRole('dialog', { name: 'Reschedule the payment' });
    await reschedule.getByLabel(/^New date/).fill(moved);
    await reschedule.getByRole('button', { name: 'Reschedule' }).click();
    const movedRow = planned.getByRole('row').filter({ hasText: shown(moved) });
    await movedRow.getByText('$30.00').waitFor();

    // Cancel it.
    await page.getByRole('button', { name: `Cancel the payment of ${shown(moved)}` }).click();
    await page
      .getByRole('dialog', { name: 'Cancel the scheduled payment?' })
      .getByRole('button', { name: 'Cancel the payment' })
      .click();
    await page.getByText('No pending or scheduled payments').waitFor();
    // Three pages checked at two widths (axe and screenshots) on a shared two-core machine.
  }, 240_000);

  it('opens an invoice summary from its address', async () => {
    const page = await b.newPage();
    await signIn(page, suite().ownerEmail, suite().password);
    const smallNo = await number(small);
    await page.goto(`/console/customers/${cus.id}?invoice=${small}`);
    const drawer = page.getByRole('dialog', { name: `Invoice ${smallNo}` });
    await drawer.getByText('Open balance').waitFor();
    await drawer.getByRole('button', { name: 'Pay' }).waitFor();
    await drawer.getByRole('link', { name: 'View PDF' }).waitFor();
    await drawer.getByText('No contact has asked about this invoice.').waitFor();
    await checkPage(page, 'console-invoice-summary');
    await drawer.getByRole('button', { name: 'Close the invoice summary' }).click();
    await expect.poll(() => page.url()).not.toContain('invoice=');
  }, 120_000);

  it('shows a read-only member the customer without pay actions', async () => {
    const page = await b.newPage();
    await signIn(page, READER.email, READER.password);
    await page.goto(`/console/customers/${cus.id}`);
    await page.getByRole('heading', { name: cus.name, level: 1 }).waitFor();
    await page.getByText('Billing is not part of your role').waitFor();
    expect(await page.getByRole('button', { name: /Pay selected/ }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /Reschedule|Cancel the payment/ }).count()).toBe(
      0,
    );
    await checkPage(page, 'console-customer-read-only');
  }, 120_000);
});
