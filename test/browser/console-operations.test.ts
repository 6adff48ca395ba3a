/**
 * The console's operations pages in Chromium (issue 13 item 6): a statement emailed through the
 * API shows in the email outbox, found by its recipient (a filter kept in the URL), opens to be
 * read with its delivery record and is re-sent, the copy reaching the SMTP server, while an
 * invitation whose link was replaced is not re-sent and the reader says why; a change made
 * in the test is found in the audit log by the object filter and links to its customer. Axe and
 * screenshots at 1280 and 375 px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { contactOf, customer, invite, mailTo, postedInvoice, unique } from './portal-helpers.js';

const b = useBrowser();

let cus: { id: string; name: string };
const billingEmail = `${unique('ops')}@harbor.example`;

beforeAll(async () => {
  cus = await customer(unique('Harbor Lights Co'));
  await apiCall('PATCH', `/api/v1/customers/${cus.id}`, { billing_email: billingEmail });
  await postedInvoice(cus.id, 31_00);
  await apiCall('POST', `/api/v1/customers/${cus.id}/statement/email`, {});
});

describe('console operations', () => {
  it('finds an emailed statement in the outbox, reads it and re-sends it', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.getByRole('link', { name: 'Email outbox' }).click();
    await page.getByRole('heading', { name: 'Email outbox' }).waitFor();
    await page
      .getByRole('textbox', { name: 'Recipient' })
      .fill(billingEmail.slice(0, 14).toUpperCase());
    await page.getByRole('button', { name: 'Find' }).click();
    await page.waitForURL(/\/console\/emails\?.*to=/);
    const rows = page.locator('tr[data-email]');
    await expect.poll(() => rows.count()).toBe(1);
    await rows
      .first()
      .getByRole('cell', { name: /^Statement/ })
      .waitFor();
    await rows.first().getByText(billingEmail).waitFor();
    await checkPage(page, 'console-outbox');

    await rows
      .first()
      .getByRole('link', { name: /^Read / })
      .click();
    const reader = page.getByRole('dialog');
    await reader.getByRole('heading', { name: 'Delivery' }).waitFor();
    await expect.poll(() => reader.getByTestId('email-body').textContent()).toContain(cus.name);
    await reader.getByText(billingEmail).first().waitFor();
    expect(page.url()).toMatch(/email=em_/);
    await checkPage(page, 'console-outbox-reader');

    await reader.getByRole('button', { name: `Re-send this email to ${billingEmail}` }).click();
    await reader.getByText('Copy queued').waitFor();
    await page.keyboard.press('Escape');
    await expect.poll(() => page.url()).not.toMatch(/email=/);
    await expect.poll(() => rows.count()).toBe(2);
    // The original and its copy both reach the SMTP server.
    expect((await mailTo(billingEmail, /./, 2)).length).toBeGreaterThanOrEqual(2);
    await page.close();
  });

  it('says why an invitation email whose link was replaced is not re-sent, and what to do', async () => {
    const invited = await contactOf(cus.id, 'Billing admin', `${unique('guest')}@harbor.example`);
    await invite(invited.id);
    await invite(invited.id);
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/emails?to=${encodeURIComponent(invited.email)}`);
    const rows = page.locator('tr[data-email]');
    await expect.poll(() => rows.count()).toBe(2);
    // The older invitation (the list is newest first): its link was replaced by the newer one.
    await rows
      .nth(1)
      .getByRole('link', { name: /^Read / })
      .click();
    const reader = page.getByRole('dialog');
    await reader.getByRole('heading', { name: 'Delivery' }).waitFor();
    await reader.getByRole('button', { name: `Re-send this email to ${invited.email}` }).click();
    const alert = reader.getByRole('alert');
    await alert.getByText('The email was not re-sent').waitFor();
    await alert
      .getByText(/a newer invitation was sent.*Send a new invitation from the contact/)
      .waitFor();
    await checkPage(page, 'console-outbox-dead-link');
    await page.keyboard.press('Escape');
    // Nothing was queued.
    await expect.poll(() => rows.count()).toBe(2);
    await page.close();
  });

  it('finds a change made in the test in the audit log by its object, with a link to it', async () => {
    const renamed = `${cus.name} Ltd`;
    await apiCall('PATCH', `/api/v1/customers/${cus.id}`, { name: renamed });
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('combobox', { name: 'Object type' }).click();
    await page.getByRole('option', { name: 'customer', exact: true }).click();
    await page.getByRole('textbox', { name: 'Object ID' }).fill(cus.id);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(new RegExp(`object=${cus.id}`));
    const entries = page.locator('tr[data-entry]');
    const updated = entries.filter({ hasText: 'customer updated' });
    // Only entries about this customer once the filtered page is in (the change and its creation).
    await expect
      .poll(async () => {
        const texts = await entries.allTextContents();
        return texts.length > 0 && texts.every((t) => t.includes(cus.id));
      })
      .toBe(true);
    await expect.poll(() => updated.count()).toBeGreaterThanOrEqual(2);
    await updated.first().getByText('Before and after').click();
    await updated.first().getByText(renamed).first().waitFor();
    await checkPage(page, 'console-audit');

    await updated
      .first()
      .getByRole('link', { name: new RegExp(cus.id) })
      .click();
    await page.getByRole('heading', { name: renamed }).waitFor();
    await page.close();
  });
});
