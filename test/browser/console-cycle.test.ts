/**
 * The monthly cycle of `001_…` from a fresh installation, all in the console (issue 13, "Tests"
 * and "Done when"), on a server of its own over an empty embedded database whose email goes to a
 * real SMTP server on loopback:
 *
 * first run → a product and a monthly price → two customers, each with a card entered in the
 * methods tab, a billing contact, autopay and a subscription → settings (payment terms, a retry
 * schedule of 2 days, the invoice email's subject) → the sandbox clock advanced to the period's
 * end → a bill run with its progress, reviewed, a draft edited, posted, emailed (the SMTP server
 * receives the edited subject) → a payment run: one card pays, one is declined, the failed
 * payment shows its reason and a retry 2 days after the failure, the card is replaced and the
 * payment retried → the journal of the period downloaded, every entry balancing → then a month
 * with auto-post, auto-email, a bill-run day and a payment run after the bill run: advancing the
 * clock bills, posts, emails and collects by itself.
 *
 * The only calls outside the browser read what the SMTP server received (a separate actor).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { checkPage, useBrowser } from './browser.js';

const b = useBrowser();
let server: Awaited<ReturnType<typeof startServer>>;
let smtp: TestSmtp;
let dataDir: string;

beforeAll(async () => {
  smtp = await startSmtp();
  dataDir = mkdtempSync(join(tmpdir(), 'billow-cycle-'));
  const { DATABASE_URL: _ignored, ...env } = process.env;
  const config = loadConfig({
    ...env,
    PORT: '0',
    LOG_LEVEL: 'warn',
    BILLOW_SMTP_URL: smtp.url,
  });
  server = await startServer({ ...config, dataDir, host: '127.0.0.1' });
}, 180_000);

afterAll(async () => {
  await server?.close();
  await smtp?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** "Jan 2, 2027", as the console formats a business date. */
function shown(date: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

function plusDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The same day of the next month, clamped to its last day (a monthly period's end). */
function plusMonth(date: string): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(d, last))).toISOString().slice(0, 10);
}

/** Messages the SMTP server took for `address` whose subject matches (at least `count`). */
async function mailFor(address: string, subject: RegExp, count = 1) {
  const matching = () => smtp.to(address).filter((r) => subject.test(r.mail.subject ?? ''));
  const until = Date.now() + 30_000;
  while (matching().length < count && Date.now() < until) await sleep(250);
  const all = smtp.received.map((r) => `${r.rcpt.join(' ')}: ${r.mail.subject}`);
  expect(matching().length, `to ${address} ${subject}; received:\n${all.join('\n')}`).toBe(count);
  return matching();
}

async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name }).click();
}

/** Moves the sandbox clock from the header to `to`; returns the dialog's answer. */
async function advanceTo(page: Page, to: string): Promise<Locator> {
  const header = page.getByRole('banner');
  await header.getByRole('button', { name: 'Advance' }).click();
  const dialog = page.getByRole('dialog', { name: 'Advance the sandbox clock' });
  await dialog.getByLabel(/^Advance to/).fill(to);
  await dialog.getByRole('button', { name: 'Advance the clock' }).click();
  const answer = dialog.getByRole('status');
  await answer.getByText(`The sandbox date is ${shown(to)}`).waitFor();
  return answer;
}

interface CustomerSpec {
  name: string;
  contact: string;
  email: string;
  card: string;
}

/** A customer set up from the customers list: card, billing contact, autopay, subscription. */
async function setUpCustomer(page: Page, c: CustomerSpec, priceLabel: string) {
  await nav(page, 'Customers');
  await page.getByRole('button', { name: 'New customer' }).click();
  const dialog = page.getByRole('dialog', { name: 'New customer' });
  await dialog.getByLabel('Name').fill(c.name);
  await dialog.getByLabel('Billing email').fill(c.email);
  await dialog.getByRole('button', { name: 'Create customer' }).click();
  await page.getByRole('link', { name: c.name }).click();
  await page.getByRole('heading', { name: c.name, level: 1 }).waitFor();

  await page.getByRole('tab', { name: 'Payment methods' }).click();
  await page.getByRole('button', { name: 'Add card' }).click();
  await fillCard(page.getByRole('form', { name: 'New card' }), c.card);
  await page
    .getByRole('form', { name: 'New card' })
    .getByRole('button', { name: 'Save card' })
    .click();
  await page.getByText(/ending \d{4} is saved\./).waitFor();

  await page.getByRole('tab', { name: 'Contacts' }).click();
  await page.getByRole('button', { name: 'Add contact' }).click();
  const add = page.getByRole('dialog', { name: 'Add a contact' });
  await add.getByLabel('Name').fill(c.contact);
  await add.getByLabel('Email').fill(c.email);
  await add.getByRole('button', { name: 'Add contact' }).click();
  await page.getByRole('button', { name: `${c.contact}, ${c.email}` }).waitFor();

  await page.getByRole('tab', { name: 'Autopay' }).click();
  const autopay = page.getByRole('switch', { name: 'Autopay future invoices' });
  // A switch that saves on change: it turns on when the API has answered.
  await autopay.click();
  await expect.poll(() => autopay.isChecked()).toBe(true);

  await page.getByRole('tab', { name: 'Subscriptions' }).click();
  await page.getByRole('button', { name: 'Subscribe' }).click();
  const subscribe = page.getByRole('form', { name: 'Subscribe' });
  await subscribe.getByLabel('Price').selectOption({ label: priceLabel });
  await subscribe.getByRole('button', { name: 'Start subscription' }).click();
  await page.getByRole('row').filter({ hasText: 'Monthly water' }).getByText('active').waitFor();
}

async function fillCard(form: Locator, number: string) {
  await form.getByLabel(/^Card number/).fill(number);
  await form.getByLabel(/^Expiry/).fill('12/30');
  await form.getByLabel(/^CVV/).fill('123');
  await form.getByLabel(/^Name on card/).fill('Card Holder');
  await form.getByLabel(/^Address line 1/).fill('1 River Road');
  await form.getByLabel(/^City/).fill('Springfield');
  await form.getByLabel(/^ZIP/).fill('12345');
  await form.getByLabel(/authorises charges to this card/).check();
}

/** Every journal entry of the CSV sums to zero; returns the rows. */
function balancedJournal(text: string): string[][] {
  const [header, ...lines] = text.trimEnd().split('\r\n');
  expect(header).toBe(
    'entry_id,date,entry_type,account,account_name,debit,credit,currency,customer_number,customer_name,document',
  );
  const rows = lines.map((l) => l.split(','));
  const sums = new Map<string, number>();
  let total = 0;
  for (const [entry, , , , , debit, credit] of rows) {
    const cents = Math.round(Number(debit || 0) * 100) - Math.round(Number(credit || 0) * 100);
    sums.set(entry as string, (sums.get(entry as string) ?? 0) + cents);
    total += cents;
  }
  for (const [entry, sum] of sums) expect(sum, entry).toBe(0);
  expect(total).toBe(0);
  return rows;
}

const payer: CustomerSpec = {
  name: 'Riverbend Farms',
  contact: 'Dana Reyes',
  email: 'dana@riverbend.example',
  card: '4242 4242 4242 4242',
};
const decliner: CustomerSpec = {
  name: 'Hilltop Dairy',
  contact: 'Hal Jonas',
  email: 'hal@hilltop.example',
  card: '4000 0000 0000 9995',
};

describe('the monthly cycle from a fresh installation', () => {
  it('sets up, bills, reviews, posts, emails, collects, retries and closes the books; then a month on auto-post and auto-email', async () => {
    const context = await b.browser.newContext({
      baseURL: server.url,
      viewport: { width: 1280, height: 800 },
      reducedMotion: 'reduce',
      acceptDownloads: true,
    });
    try {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);

      // 1. First run: the organisation and its owner, signed in.
      await page.goto('/console/');
      await page.getByRole('heading', { name: 'Welcome to Billow' }).waitFor();
      await page.getByLabel('Organisation name').fill('Brookside Water');
      await page.getByLabel('Your name').fill('Bea Brooks');
      await page.getByLabel('Email').fill('bea@brookside.example');
      await page.getByLabel(/^Password/).fill('brookside water 2026');
      await page.getByRole('button', { name: 'Create the organisation' }).click();
      await page.getByRole('heading', { name: 'Customers' }).waitFor();
      await page.getByText('Bea Brooks · Brookside Water').waitFor();

      // 2. Catalog: a product and its monthly price.
      await nav(page, 'Catalog');
      await page.getByRole('button', { name: 'New product' }).click();
      const newProduct = page.getByRole('form', { name: 'New product' });
      await newProduct.getByLabel('Name').fill('Water service');
      await newProduct.getByRole('button', { name: 'Create product' }).click();
      const product = page.getByRole('region', { name: 'Water service' });
      await product.getByRole('button', { name: 'Add a price to Water service' }).click();
      const newPrice = page.getByRole('form', { name: 'New price for Water service' });
      await newPrice.getByLabel('Nickname').fill('Monthly water');
      await newPrice.getByLabel(/^Amount per subscribed unit/).fill('45.00');
      await newPrice.getByRole('button', { name: 'Create price' }).click();
      await product.getByRole('cell', { name: 'Monthly water', exact: true }).waitFor();
      await product.getByText('Flat, per month').waitFor();

      // 3 and 4. Two customers with a card, a billing contact, autopay and a subscription; the
      // second card is one the sandbox declines for insufficient funds.
      await setUpCustomer(page, payer, 'Monthly water (Flat, per month)');
      await setUpCustomer(page, decliner, 'Monthly water (Flat, per month)');

      // 5. Settings: invoices due on receipt, retries 2 days after a failure, the invoice
      // email's subject.
      await nav(page, 'Settings');
      const org = page.getByRole('form', { name: 'Organisation' });
      await org.getByLabel(/^Payment terms/).fill('0');
      await org.getByRole('button', { name: /^Save/ }).click();
      await org.getByText('Saved').waitFor();
      await page.getByRole('tab', { name: 'Billing rules' }).click();
      const rules = page.getByRole('form', { name: 'Billing rules' });
      await rules.getByLabel('Retry a failed payment after (days)').fill('2');
      await rules.getByRole('button', { name: 'Save billing rules' }).click();
      await rules.getByText('Saved').waitFor();
      await page.getByRole('tab', { name: 'Email templates' }).click();
      const subject = page.getByRole('textbox', { name: 'Subject' });
      await expect.poll(() => subject.inputValue()).not.toBe('');
      await subject.fill('Brookside water bill {{invoice.number}} for {{customer.name}}');
      await page.getByRole('button', { name: 'Save template' }).click();
      await expect
        .poll(() => page.getByRole('combobox', { name: 'Template' }).inputValue())
        .toBe('Invoice (edited)');

      // 6. The sandbox clock: from the start of the subscriptions to the end of their period.
      await page.getByRole('banner').getByRole('button', { name: 'Advance' }).click();
      const start = (await page
        .getByRole('dialog', { name: 'Advance the sandbox clock' })
        .getByLabel(/^Advance to/)
        .getAttribute('min')) as string;
      await page
        .getByRole('dialog', { name: 'Advance the sandbox clock' })
        .getByRole('button', { name: 'Cancel' })
        .click();
      const periodEnd = plusMonth(start);
      const fell = await advanceTo(page, periodEnd);
      // Nothing is scheduled yet: the dialog says so, and leads to starting a bill run.
      await fell.getByText('Nothing fell due.').waitFor();
      const clock = page.getByRole('dialog', { name: 'Advance the sandbox clock' });
      await clock.getByText(/Bill runs start by themselves only on the bill-run day/).waitFor();
      await checkPage(page, 'console-cycle-clock-nothing-due');

      // 7. The bill run: progress, the review, a draft edited, posted.
      await clock.getByRole('link', { name: 'start a bill run' }).click();
      await page.getByRole('heading', { name: 'Bill runs', level: 1 }).waitFor();
      await page.getByRole('button', { name: 'Start a bill run' }).click();
      const startRun = page.getByRole('dialog', { name: 'Start a bill run' });
      await expect.poll(() => startRun.getByLabel(/^Target date/).inputValue()).toBe(periodEnd);
      await startRun.getByRole('button', { name: 'Start the run' }).click();
      await page.getByRole('heading', { name: `Bill run for ${shown(periodEnd)}` }).waitFor();
      await page.getByRole('heading', { name: 'Summary' }).waitFor();
      await page.getByText('Ready for review').first().waitFor();
      const invoices = page.getByRole('region', { name: 'Invoices of the run' });
      await invoices.getByRole('link', { name: payer.name }).waitFor();
      await invoices.getByRole('link', { name: decliner.name }).waitFor();

      await invoices.getByRole('button', { name: `Draft for ${payer.name}` }).click();
      const draft = page.getByRole('dialog', { name: 'Draft invoice' });
      await draft.getByLabel('Description').fill('Meter reading visit');
      await draft.getByLabel('Amount').fill('12.50');
      await draft.getByRole('button', { name: 'Add the line' }).click();
      await draft.getByRole('cell', { name: 'Meter reading visit', exact: true }).waitFor();
      await draft.getByRole('button', { name: 'Close the invoice' }).click();
      // Two months of $45.00 each (the period that ended and the one starting, billed in
      // advance) for both customers, and the added line: the summary follows the edit.
      await page
        .getByRole('region', { name: 'Summary' })
        .getByText('$192.50', { exact: true })
        .waitFor();

      await page.getByRole('button', { name: 'Post all invoices' }).click();
      await page.getByText('Every draft of the run is posted now').waitFor();

      // 8. Email the run: the SMTP server receives the invoice with the edited subject.
      await page.getByRole('button', { name: 'Email the invoices' }).click();
      await page.getByText('Emails on their way').waitFor();
      const [bill] = await mailFor(payer.email, /^Brookside water bill INV-/);
      expect(bill?.mail.subject).toMatch(/^Brookside water bill INV-\S+ for Riverbend Farms$/);
      await mailFor(decliner.email, /^Brookside water bill INV-\S+ for Hilltop Dairy$/);

      // 9. The payment run: one card pays, the other is declined.
      await nav(page, 'Payment runs');
      await page.getByRole('button', { name: 'Start a payment run' }).click();
      await page
        .getByRole('dialog', { name: 'Start a payment run' })
        .getByRole('button', { name: 'Start the run now' })
        .click();
      await page.getByText('Completed', { exact: true }).waitFor();
      const results = page.getByRole('region', { name: 'Results by invoice' });
      await results
        .getByRole('row')
        .filter({ hasText: payer.name })
        .getByText('Succeeded')
        .waitFor();
      const declined = results.getByRole('row').filter({ hasText: decliner.name });
      await declined.getByText('Failed').waitFor();
      await declined.getByText(/insufficient funds/i).waitFor();

      await page.getByRole('link', { name: 'failed payments' }).first().click();
      await page.getByRole('heading', { name: 'Failed payments', level: 1 }).waitFor();
      const failedRow = page
        .getByRole('region', { name: 'Failed payments table' })
        .getByRole('row')
        .filter({ hasText: decliner.name });
      await failedRow.getByText(/insufficient funds/i).waitFor();
      // The new retry schedule: 2 days after the failure.
      await failedRow.getByText(shown(plusDays(periodEnd, 2))).waitFor();

      // Hal gives a good card: replace the declining one, then retry from the list.
      await failedRow.getByRole('link', { name: decliner.name }).click();
      await page.getByRole('tab', { name: 'Payment methods' }).click();
      await page.getByRole('button', { name: 'Edit Visa ending 9995 (enter it again)' }).click();
      const replace = page.getByRole('dialog', { name: 'Edit Visa ending 9995' });
      await fillCard(replace.getByRole('form', { name: 'New card' }), '5555 5555 5555 4444');
      await replace.getByRole('button', { name: 'Replace' }).click();
      await page.getByText('Visa ending 9995 was replaced with the new details.').waitFor();

      await nav(page, 'Failed payments');
      await failedRow
        .getByRole('button', { name: `Retry the payment of ${decliner.name} now` })
        .click();
      const outcome = page.getByRole('status').filter({ hasText: 'Retried' });
      await outcome.getByText(new RegExp(`${decliner.name}.*paid`)).waitFor();
      await checkPage(page, 'console-cycle-retried-paid');

      // 10. Close the books: the journal of the period balances, entry by entry and in total.
      await nav(page, 'Accounting');
      await page.getByLabel('From').fill(start);
      await page.getByRole('button', { name: 'Use these dates' }).click();
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Download CSV' }).click(),
      ]);
      const journal = balancedJournal(readFileSync((await download.path()) as string, 'utf8'));
      expect(journal.length).toBeGreaterThan(0);

      // 11. A month on its own: auto-post, auto-email, a bill-run day, a payment run after it.
      await nav(page, 'Settings');
      await page.getByRole('tab', { name: 'Billing rules' }).click();
      await rules.getByLabel(/auto-post/).check();
      await rules.getByLabel(/auto-email/).check();
      await rules.getByLabel('Bill-run day of the month').fill(String(Number(start.slice(8))));
      await rules
        .getByLabel(/Start a payment run for autopay customers when a bill run is posted/)
        .check();
      await rules.getByRole('button', { name: 'Save billing rules' }).click();
      await rules.getByText('Saved').waitFor();
      // A bill run started by hand now takes the same rules unless unticked.
      await nav(page, 'Bill runs');
      await page.getByRole('button', { name: 'Start a bill run' }).click();
      const byHand = page.getByRole('dialog', { name: 'Start a bill run' });
      const post = byHand.getByRole('checkbox', { name: /^Post the invoices/ });
      await expect.poll(() => post.isChecked()).toBe(true);
      expect(await byHand.getByRole('checkbox', { name: /^Then email/ }).isChecked()).toBe(true);
      await byHand.getByRole('button', { name: 'Cancel' }).click();

      const nextEnd = plusMonth(periodEnd);
      const mailsBefore = smtp.received.length;
      const auto = await advanceTo(page, nextEnd);
      await auto.getByText(/bill run/).waitFor();
      expect(await page.getByText(/Bill runs start by themselves only/).count()).toBe(0);
      await checkPage(page, 'console-cycle-clock-bill-run-due');
      await auto.getByRole('link', { name: 'bill run' }).click();
      await page.getByRole('heading', { name: `Bill run for ${shown(nextEnd)}` }).waitFor();
      await page.getByText('Posted', { exact: true }).first().waitFor({ timeout: 60_000 });
      expect(await page.getByRole('button', { name: 'Post all invoices' }).count()).toBe(0);
      await mailFor(payer.email, /^Brookside water bill INV-/, 2);
      await mailFor(decliner.email, /^Brookside water bill INV-/, 2);
      expect(smtp.received.length).toBeGreaterThan(mailsBefore);
      await checkPage(page, 'console-cycle-auto-posted');

      await nav(page, 'Payment runs');
      const runs = page.getByRole('region', { name: 'Payment runs table' });
      const autoRun = runs.getByRole('row').filter({ hasText: shown(nextEnd) });
      // The list says which rule started it.
      await autoRun.getByText('Its bill run', { exact: true }).waitFor();
      await checkPage(page, 'console-payment-runs');
      await autoRun.getByRole('link').click();
      await page.getByText('Completed', { exact: true }).waitFor({ timeout: 60_000 });
      const autoResults = page.getByRole('region', { name: 'Results by invoice' });
      await autoResults
        .getByRole('row')
        .filter({ hasText: payer.name })
        .getByText('Succeeded')
        .waitFor();
      await autoResults
        .getByRole('row')
        .filter({ hasText: decliner.name })
        .getByText('Succeeded')
        .waitFor();
    } finally {
      await context.close();
    }
    // Generous: a machine shared with other jobs took 3 to 4 minutes for this test.
  }, 420_000);
});
