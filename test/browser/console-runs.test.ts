/**
 * The monthly cycle of `001_…` in the console (issue 13, items 3, 4 and 6): customers with a card
 * on autopay and a subscription (set up through the API), the sandbox clock advanced from the
 * header, a bill run started with its progress to the end, the review (search, a draft edited by
 * adding and removing a line), the run posted and emailed (the mail reaches the SMTP server and
 * the review shows each invoice's email), a payment run with its per-invoice results, and the
 * declined payment retried from the failed-payments list. Axe and screenshots at 1280 and 375 px
 * of the list, the review, the payment run and the failed list.
 *
 * The suite shares one tenant: the test sets payment terms to 0 days (so the invoices are due on
 * the day the payment run collects) and puts them back afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { contactOf, customer, mailTo, unique } from './portal-helpers.js';

const b = useBrowser();

let payer: { id: string; name: string };
let decliner: { id: string; name: string };
let voided: { id: string; name: string };
let payerEmail: string;
let terms: number;

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

async function today(): Promise<string> {
  return ((await apiCall('GET', '/api/v1/clock')) as { today: string }).today;
}

/** A customer with a saved card of this number, on simple autopay, subscribed to `priceId`. */
async function autopayCustomer(name: string, cardNumber: string, priceId: string) {
  const c = await customer(name);
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number: cardNumber,
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
  await apiCall('POST', `/api/v1/customers/${c.id}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  });
  await apiCall('PATCH', `/api/v1/customers/${c.id}/autopay`, { enabled: true });
  await apiCall('POST', '/api/v1/subscriptions', {
    customer_id: c.id,
    price_id: priceId,
    start_date: await today(),
  });
  return c;
}

beforeAll(async () => {
  const tenant = (await apiCall('GET', '/api/v1/tenant')) as {
    settings: { payment_terms_days: number };
  };
  terms = tenant.settings.payment_terms_days;
  await apiCall('PATCH', '/api/v1/tenant', { settings: { payment_terms_days: 0 } });
  const product = (await apiCall('POST', '/api/v1/products', {
    name: unique('Water service'),
  })) as {
    id: string;
  };
  const price = (await apiCall('POST', '/api/v1/prices', {
    product_id: product.id,
    kind: 'recurring',
    pricing_model: 'flat',
    billing_interval: 'month',
    unit_amount: 4_500,
  })) as { id: string };
  payer = await autopayCustomer(unique('Riverbend Farms'), '4242424242424242', price.id);
  decliner = await autopayCustomer(unique('Hilltop Dairy'), '4000000000009995', price.id);
  voided = await autopayCustomer(unique('Lakeside Mill'), '5555555555554444', price.id);
  payerEmail = (await contactOf(payer.id)).email;
});

afterAll(async () => {
  await apiCall('PATCH', '/api/v1/tenant', { settings: { payment_terms_days: terms } });
});

describe('console bill runs and payment runs', () => {
  it('runs the month: clock, bill run, review, post, email, payment run, retry', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 30_000 });

    // The sandbox clock in the header: advance one day and read what fell due.
    const start = await today();
    const next = plusDays(start, 1);
    const header = page.getByRole('banner');
    await header.getByText(`Sandbox date: ${shown(start)}`).waitFor();
    await header.getByRole('button', { name: 'Advance' }).click();
    const clock = page.getByRole('dialog', { name: 'Advance the sandbox clock' });
    await clock.getByLabel(/^Advance to/).fill(next);
    await clock.getByRole('button', { name: 'Advance the clock' }).click();
    await clock.getByText(`The sandbox date is ${shown(next)}`).waitFor();
    await clock.getByRole('button', { name: 'Done' }).click();
    await header.getByText(`Sandbox date: ${shown(next)}`).waitFor();

    // Bill runs: start one for the new today and watch it finish.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Bill runs' })
      .click();
    await page.getByRole('heading', { name: 'Bill runs', level: 1 }).waitFor();
    await page.getByRole('button', { name: 'Start a bill run' }).click();
    const startDialog = page.getByRole('dialog', { name: 'Start a bill run' });
    await expect.poll(() => startDialog.getByLabel(/^Target date/).inputValue()).toBe(next);
    await startDialog.getByRole('button', { name: 'Start the run' }).click();
    await page.getByRole('heading', { name: `Bill run for ${shown(next)}` }).waitFor();
    // While it runs the page shows progress; at the end, the summary and the review.
    await page.getByRole('heading', { name: 'Summary' }).waitFor();
    await page.getByText('Ready for review').first().waitFor();
    const runUrl = page.url();

    // Review: search the run's drafts for one customer.
    await page.getByLabel('Search the run’s invoices').fill(payer.name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    const invoices = page.getByRole('region', { name: 'Invoices of the run' });
    await expect.poll(() => invoices.getByRole('row').count()).toBe(2);
    await invoices.getByRole('link', { name: payer.name }).waitFor();
    await invoices.getByText('$45.00').waitFor();
    await checkPage(page, 'console-bill-run-review');

    // Open the draft: add a line, see the total, remove the line again.
    await invoices.getByRole('button', { name: `Draft for ${payer.name}` }).click();
    const drawer = page.getByRole('dialog', { name: 'Draft invoice' });
    await drawer.getByLabel('Description').fill('Meter reading visit');
    await drawer.getByLabel('Amount').fill('12.50');
    await drawer.getByRole('button', { name: 'Add the line' }).click();
    await drawer.getByRole('cell', { name: 'Meter reading visit', exact: true }).waitFor();
    await drawer.getByText('$57.50').waitFor();
    await checkPage(page, 'console-bill-run-draft');
    await drawer.getByRole('button', { name: 'Remove the line Meter reading visit' }).click();
    await expect
      .poll(() => drawer.getByRole('cell', { name: 'Meter reading visit', exact: true }).count())
      .toBe(0);
    await drawer.getByText('$45.00').first().waitFor();
    await drawer.getByRole('button', { name: 'Close the invoice' }).click();

    // Post the whole run, then email it: the mail arrives and the review says so per invoice.
    await page.getByRole('button', { name: 'Post all invoices' }).click();
    await page.getByText('Every draft of the run is posted now').waitFor();
    await page.getByText('Posted', { exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'Email the invoices' }).click();
    await page.getByText('Emails on their way').waitFor();
    const mails = await mailTo(payerEmail, /invoice/i);
    expect(mails.length).toBeGreaterThan(0);
    // The Email column follows the worker without a reload, and keeps it after one.
    const payerRow = invoices.getByRole('row').filter({ hasText: payer.name });
    await payerRow.getByText(`Sent to ${payerEmail}`).waitFor();
    await page.reload();
    await payerRow.getByText(`Sent to ${payerEmail}`).waitFor();
    // The search stays in the address through the reload.
    expect(new URL(page.url()).searchParams.get('q')).toBe(payer.name);
    expect(page.url().startsWith(runUrl)).toBe(true);
    await page.getByRole('link', { name: 'Download PDFs' }).waitFor();

    // A posted invoice changes only by adjustment or void, with a reason: credit $5.00 on one,
    // void another (the payment run then collects $40.00 and leaves the void one alone).
    await invoices.getByRole('row').filter({ hasText: payer.name }).getByRole('button').click();
    const posted = page.getByRole('dialog', { name: /^Invoice INV-/ });
    await posted.getByLabel('Amount').fill('5');
    await posted.getByLabel('Reason', { exact: true }).fill('Leak in the meter pit');
    await posted.getByRole('button', { name: 'Adjust', exact: true }).click();
    await posted.getByText(/Leak in the meter pit/).waitFor();
    await posted.getByText('$40.00').first().waitFor();
    await posted.getByRole('button', { name: 'Close the invoice' }).click();
    await page.getByLabel('Search the run’s invoices').fill(voided.name);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await invoices.getByRole('link', { name: voided.name }).waitFor();
    await invoices.getByRole('row').filter({ hasText: voided.name }).getByRole('button').click();
    await posted.getByLabel('Reason for voiding').fill('Billed to the wrong account');
    await posted.getByRole('button', { name: 'Void', exact: true }).click();
    await posted.getByText('Billed to the wrong account').first().waitFor();
    await posted.getByText('Void', { exact: true }).first().waitFor();
    await posted.getByRole('button', { name: 'Close the invoice' }).click();

    // The bill runs list shows the run posted.
    await page.getByRole('link', { name: '← All bill runs' }).click();
    await page
      .getByRole('region', { name: 'Bill runs table' })
      .getByRole('row')
      .filter({ hasText: shown(next) })
      .getByText('Posted')
      .first()
      .waitFor();
    await checkPage(page, 'console-bill-runs');

    // A payment run now: the card pays, the other card is declined.
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Payment runs' })
      .click();
    await page.getByRole('button', { name: 'Start a payment run' }).click();
    const payDialog = page.getByRole('dialog', { name: 'Start a payment run' });
    await expect.poll(() => payDialog.getByLabel(/^Collect invoices due/).inputValue()).toBe(next);
    await payDialog.getByRole('button', { name: 'Start the run now' }).click();
    await page
      .getByRole('heading', { name: `Payment run for invoices due by ${shown(next)}` })
      .waitFor();
    await page.getByText('Completed', { exact: true }).waitFor();
    const results = page.getByRole('region', { name: 'Results by invoice' });
    const paidRow = results.getByRole('row').filter({ hasText: payer.name });
    await paidRow.getByText('Succeeded').waitFor();
    await paidRow.getByText('$40.00').waitFor();
    expect(await results.getByRole('row').filter({ hasText: voided.name }).count()).toBe(0);
    await results.getByRole('row').filter({ hasText: decliner.name }).getByText('Failed').waitFor();
    await results
      .getByRole('row')
      .filter({ hasText: decliner.name })
      .getByText(/insufficient funds/i)
      .waitFor();
    await checkPage(page, 'console-payment-run');

    // The failed payment, with its decline reason and next retry; retried now from the list.
    await page.getByRole('link', { name: 'failed payments' }).first().click();
    await page.getByRole('heading', { name: 'Failed payments', level: 1 }).waitFor();
    const failed = page.getByRole('region', { name: 'Failed payments table' });
    const row = failed.getByRole('row').filter({ hasText: decliner.name });
    await row.getByText(/insufficient funds/i).waitFor();
    await row
      .getByText(/^[A-Z][a-z]{2} \d{1,2}, \d{4}$/)
      .first()
      .waitFor();
    await checkPage(page, 'console-failed-payments');
    await row.getByRole('button', { name: `Retry the payment of ${decliner.name} now` }).click();
    const outcome = page.getByRole('status').filter({ hasText: 'Retried' });
    await outcome.getByText(new RegExp(`${decliner.name}.*declined again`)).waitFor();
    await checkPage(page, 'console-failed-retried');
  }, 300_000);
});
