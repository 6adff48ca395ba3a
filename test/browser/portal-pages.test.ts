/**
 * The signed-in portal in Chromium: dashboard, invoices (filter in the URL, past due marked),
 * an invoice with its lines, summary and PDF, payments, credits and My account (password
 * change); and a contact whose profile grants nothing sees the reason instead of empty lists.
 * Every amount asserted is one the API computed from the seeded records.
 */
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, useBrowser } from './browser.js';
import { customer, PASSWORD, postedInvoice, signedInContact } from './portal-helpers.js';

const b = useBrowser();

/** A customer with a past-due invoice ($125), a current one ($40) of which $20 is paid by card,
 * and an unapplied $15 credit memo. */
async function seededCustomer() {
  const cus = await customer();
  const old = await postedInvoice(cus.id, 12_500, '2026-06-01');
  const current = await postedInvoice(cus.id, 4_000);
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number: '4242424242424242',
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
  const method = (await apiCall('POST', `/api/v1/customers/${cus.id}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  })) as { id: string };
  await apiCall('POST', '/api/v1/payments', {
    customer_id: cus.id,
    payment_method_id: method.id,
    amount: 2_000,
    allocations: [{ invoice_id: current, amount: 2_000 }],
  });
  await apiCall('POST', '/api/v1/credit-memos', {
    customer_id: cus.id,
    amount: 1_500,
    reason: 'Meter misread',
  });
  return { ...cus, old, current };
}

// Seven pages, each checked by axe at two widths and photographed: longer than one page's test.
describe('portal pages', () => {
  it('shows the account, its invoices, an invoice with its PDF, payments, credits and My account', async () => {
    const cus = await seededCustomer();
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });

    // Dashboard: the API's figures, and the time zone named once.
    await page.getByRole('heading', { name: cus.name }).waitFor();
    const main = page.getByRole('main');
    await main.getByText('$145.00').waitFor();
    await main.getByText('$125.00').waitFor();
    await main.getByText('$15.00').waitFor();
    await main.getByText('$20.00').waitFor();
    expect(await main.getByText(/Dates are in/).count()).toBe(1);
    await checkPage(page, 'portal-dashboard');

    // Invoices: both, the old one past due; the filter goes into the URL.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Invoices' })
      .click();
    await page.getByRole('heading', { name: 'Invoices' }).waitFor();
    const rows = page.getByRole('region', { name: 'Invoices table' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('region', { name: 'Invoices table' }).getByText('Past due').waitFor();
    await page.getByRole('heading', { name: 'Next invoice (estimate)' }).waitFor();
    await checkPage(page, 'portal-invoices');
    await page.getByLabel('Status', { exact: true }).first().click();
    await page.getByRole('option', { name: 'Past due' }).click();
    await expect.poll(() => page.url()).toMatch(/status=past_due/);
    await expect.poll(() => rows.count()).toBe(2);
    await page.reload();
    // A reload fetches the page's own chunk again (pages load lazily), then its data.
    await page.getByRole('heading', { name: 'Invoices' }).waitFor();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);

    // The invoice: lines, totals, summary, PDF.
    await page.getByRole('region', { name: 'Invoices table' }).getByRole('link').first().click();
    await page.getByRole('heading', { name: /^Invoice / }).waitFor();
    await page.getByRole('region', { name: 'Invoice lines' }).getByText('Water service').waitFor();
    await page.getByText('Nothing has been paid or credited on this invoice yet.').waitFor();
    await checkPage(page, 'portal-invoice');
    const pdfHref = await page.getByRole('link', { name: 'Download PDF' }).getAttribute('href');
    const pdf = await page.request.get(pdfHref as string);
    expect(pdf.status()).toBe(200);
    expect(pdf.headers()['content-type']).toBe('application/pdf');
    expect((await pdf.body()).subarray(0, 5).toString()).toBe('%PDF-');

    // The current invoice shows the card payment applied to it.
    await page.goto(`/portal/invoices/${cus.current}`);
    await page.getByRole('region', { name: 'Invoice lines' }).waitFor();
    await page.getByText(/Card · \$20\.00/).waitFor();

    // Payments and credits.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payments' })
      .click();
    await page.getByRole('heading', { name: 'Payments' }).waitFor();
    await page
      .getByRole('region', { name: 'Payments table' })
      .getByText('$20.00')
      .first()
      .waitFor();
    await checkPage(page, 'portal-payments');
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Credits' })
      .click();
    await page.getByText(/1 credit, \$15\.00 available/).waitFor();
    await checkPage(page, 'portal-credits');

    // My account: a wrong current password is named at its field; the right one changes it.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'My account' })
      .click();
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    await checkPage(page, 'portal-account');
    await page.getByLabel(/^Current password/).fill('not my password');
    await page.getByLabel(/^New password/).fill('orange bicycle lantern');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('The current password is not correct.').waitFor();
    await page.getByLabel(/^Current password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText(/Your password is changed/).waitFor();
    // The session the change opened keeps working.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Dashboard' })
      .click();
    await page.getByText('$145.00').waitFor();
  }, 300_000);

  it('pages through many credits, the total and count of all of them in the header', async () => {
    const cus = await customer();
    // 27 memos of $1.00 … $27.00: one page of 25 and a second of two, the newest first.
    for (let i = 1; i <= 27; i++) {
      await apiCall('POST', '/api/v1/credit-memos', {
        customer_id: cus.id,
        amount: i * 100,
        reason: `Goodwill ${i}`,
      });
    }
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });
    await page.goto('/portal/credits');
    const rows = page.getByRole('region', { name: 'Credits table' }).getByRole('row');
    await page.getByText(/27 credits, \$378\.00 available/).waitFor();
    await expect.poll(() => rows.count()).toBe(26);
    await expect.poll(() => rows.nth(1).textContent()).toMatch(/Goodwill 27/);
    await checkPage(page, 'portal-credits-pages');
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.url()).toMatch(/cursor=cm_/);
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.nth(2).getByRole('cell').first().textContent()).toBe('Goodwill 1');
    await page.getByText(/27 credits, \$378\.00 available/).waitFor();
    expect(await page.getByRole('button', { name: 'Next page' }).count()).toBe(0);
    // Another kind starts on its first page; "First page" goes back.
    await page.getByText('Credit memos', { exact: true }).click();
    await expect.poll(() => page.url()).not.toMatch(/cursor=/);
    await expect.poll(() => rows.count()).toBe(26);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByRole('button', { name: 'First page' }).click();
    await expect.poll(() => rows.count()).toBe(26);
  }, 120_000);

  it('says on an invoice what each refund meant: credited, or owed again', async () => {
    const cus = await customer();
    const inv = await postedInvoice(cus.id, 3_000);
    const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
      card: { number: '4242424242424242', expiry: '12/30', cvc: '737', name: 'Dana Lee' },
    })) as { id: string };
    const method = (await apiCall('POST', `/api/v1/customers/${cus.id}/payment-methods`, {
      gateway_token: token.id,
      authorized: true,
    })) as { id: string };
    const paid = (await apiCall('POST', '/api/v1/payments', {
      customer_id: cus.id,
      payment_method_id: method.id,
      amount: 3_000,
    })) as { id: string };
    await apiCall('POST', `/api/v1/payments/${paid.id}/refunds`, { amount: 500 });
    await apiCall('POST', `/api/v1/payments/${paid.id}/refunds`, {
      amount: 700,
      outcome: 'reopen',
    });
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });
    await page.goto(`/portal/invoices/${inv}`);
    await page.getByRole('region', { name: 'Invoice lines' }).waitFor();
    await page.getByText(/Refund of \$5\.00 · credited: nothing more is owed for it/).waitFor();
    await page.getByText(/Refund of \$7\.00 · owed again/).waitFor();
    await page.getByText(/Credit for a refund .* · \$5\.00/).waitFor();
  });

  it('tells a contact whose profile lacks "View invoices" why, instead of showing nothing', async () => {
    const cus = await customer();
    await postedInvoice(cus.id, 5_000);
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id, profile: 'No access' });
    const reason = page.getByRole('alert').filter({ hasText: 'Your access does not include this' });
    await reason.getByText(/does not include “View invoices”/).waitFor();
    await checkPage(page, 'portal-permission-denied');
    // The menu offers no page it would refuse, and a typed address gets the same reason.
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'My account' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Invoices' }).count()).toBe(0);
    await page.goto('/portal/invoices');
    await reason.getByText(/does not include “View invoices”/).waitFor();
    await page.goto('/portal/payments');
    await reason.getByText(/does not include “View payments”/).waitFor();
  });
});
