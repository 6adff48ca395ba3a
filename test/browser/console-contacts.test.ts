/**
 * The console's contacts and emailing tabs in Chromium (issue 12 item 4, A4 and J4): a contact
 * signed in to the portal in another browser context loses its session when staff revoke its
 * access from the expanded contact; a contact whose profile cannot view invoices is flagged; a
 * statement sent from the emailing tab shows in the email audit trail (paged, the page in the
 * address) and reaches the SMTP server with its PDF attached; "view as customer" opens the portal read-only in a new tab, audited.
 * Axe and screenshots at 1280 and 375 px.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import {
  contactOf,
  customer,
  mailTo,
  postedInvoice,
  signedInContact,
  unique,
} from './portal-helpers.js';

const b = useBrowser();

let cus: { id: string; name: string };
const billingEmail = `${unique('ap')}@meadow.example`;

beforeAll(async () => {
  cus = await customer(unique('Meadowlark Dairy'));
  await apiCall('PATCH', `/api/v1/customers/${cus.id}`, { billing_email: billingEmail });
  await postedInvoice(cus.id, 42_00);
});

describe('console contacts', () => {
  it('revokes a signed-in contact’s access and its portal session ends', async () => {
    // The contact signs in to the portal in a browser context of its own.
    const portal = await b.newPage();
    portal.setDefaultTimeout(20_000);
    const { email } = await signedInContact(portal, { customerId: cus.id });
    await portal.getByRole('navigation', { name: 'Main' }).waitFor();
    const viewer = await contactOf(cus.id, 'No access', `${unique('vic')}@example.com`);

    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${cus.id}?tab=contacts`);
    await page.getByRole('heading', { name: 'Contacts' }).waitFor();
    // The contact without invoice access is flagged in the list.
    const flagged = page.locator(`[data-contact="${viewer.id}"]`);
    await flagged.getByText('Cannot see invoices').waitFor();
    await checkPage(page, 'console-contacts');

    // Search narrows the list on the server.
    await page.getByLabel('Search contacts').fill(email.slice(0, 12));
    await expect.poll(() => page.locator('[data-contact]').count()).toBe(1);
    // The search is in the address: a reload shows the same list and the same text.
    await expect
      .poll(() => page.url())
      .toContain(`contacts_q=${encodeURIComponent(email.slice(0, 12))}`);
    await page.reload();
    await expect.poll(() => page.locator('[data-contact]').count(), { timeout: 10_000 }).toBe(1);
    expect(await page.getByLabel('Search contacts').inputValue()).toBe(email.slice(0, 12));
    await page.getByRole('button', { name: new RegExp(email) }).click();
    const card = page.locator('[data-contact]').first();
    await card.getByText('Has a portal password.').waitFor();
    await card.getByLabel('Profile', { exact: true }).click();
    await page.getByRole('option', { name: 'Revoke access' }).click();
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByText('Access revoked', { exact: true }).first().waitFor();
    expect(page.url()).toContain(`contact=`);

    // The portal's next request finds the session ended: back to sign-in.
    await portal.reload();
    await portal.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(portal.url()).toMatch(/\/portal\/sign-in/);

    // A link with ?contact= (global search) opens the tab on the flagged contact, with its notice.
    await page.goto(`/console/customers/${cus.id}?contact=${viewer.id}`);
    await page.getByRole('tab', { name: 'Contacts', selected: true }).waitFor();
    await page.getByText(/that is the usual cause of “I can’t see my invoices”/).waitFor();
    await checkPage(page, 'console-contact-expanded');
  });

  it('sends a statement and finds it in the audit trail and, with its PDF, in the mailbox', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${cus.id}?tab=emails`);
    await page.getByRole('heading', { name: 'Email audit trail' }).waitFor();
    await page.getByRole('button', { name: 'Email statement' }).click();
    await page.getByText('Statement queued').waitFor();
    const trail = page.getByRole('region', { name: 'Email audit trail table' });
    const row = trail.getByRole('row').filter({ hasText: 'Statement' }).first();
    await row.waitFor();
    // The customer's only billing contact was revoked: the statement went to the billing email.
    expect(await row.textContent()).toContain(billingEmail);
    await expect
      .poll(async () => (await row.textContent()) ?? '', { timeout: 20_000, interval: 500 })
      .toMatch(/Queued|Sent/);
    const [mail] = await mailTo(billingEmail, /Your statement/);
    expect((mail as unknown as { attachments: string[] }).attachments).toEqual([
      expect.stringMatching(/^statement-.+\.pdf$/),
    ]);
    await page.reload();
    await trail.getByRole('row').filter({ hasText: 'Sent' }).first().waitFor();
    await checkPage(page, 'console-emails');
  });

  it('pages the email audit trail, the page in the address', async () => {
    const many = await customer(unique('Trail Farms'));
    await apiCall('PATCH', `/api/v1/customers/${many.id}`, {
      billing_email: `${unique('trail')}@meadow.example`,
    });
    for (let i = 0; i < 26; i++) {
      await apiCall('POST', `/api/v1/customers/${many.id}/statement/email`, {});
    }
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${many.id}?tab=emails`);
    const rows = page.getByRole('region', { name: 'Email audit trail table' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(26);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(page.url()).toMatch(/emails_cursor=em_/);
    await page.reload();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await page.getByRole('button', { name: 'First page' }).click();
    await expect.poll(() => rows.count()).toBe(26);
    expect(page.url()).not.toMatch(/emails_cursor/);
    await page.close();
  });

  it('view as customer opens the portal read-only in a new tab', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${cus.id}`);
    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      page.getByRole('button', { name: 'View as customer' }).click(),
    ]);
    tab.setDefaultTimeout(20_000);
    await tab.getByText(`Viewing as ${cus.name} — read only`).waitFor();
    // The one-time token left the address bar; the dashboard shows no pay action.
    expect(tab.url()).not.toContain('#');
    await tab.getByRole('navigation', { name: 'Main' }).waitFor();
    await tab
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Invoices' })
      .waitFor();
    expect(await tab.getByText('Make a payment').count()).toBe(0);
    await checkPage(tab, 'portal-view-as');
    // Its session refuses a state change even when asked directly.
    const status = await tab.evaluate(async () => {
      const csrf = decodeURIComponent(
        document.cookie
          .split('; ')
          .find((c) => c.startsWith('billow_portal_csrf='))
          ?.slice(19) ?? '',
      );
      const res = await fetch('/api/v1/portal/autopay', {
        method: 'PUT',
        headers: { 'content-type': 'application/json', 'x-csrf-token': csrf },
        body: JSON.stringify({ enabled: true }),
      });
      return [res.status, ((await res.json()) as { error: { code: string } }).error.code];
    });
    expect(status).toEqual([403, 'portal_read_only']);
    const audit = (await apiCall('GET', `/api/v1/audit-log?object=${cus.id}`)) as {
      data: { action: string; actor_type: string }[];
    };
    expect(audit.data).toContainEqual(
      expect.objectContaining({ action: 'customer.viewed_as_customer', actor_type: 'staff' }),
    );
  });
});
