/**
 * Settings leftovers of issue 13 in Chromium: contact profiles as a permission matrix (ticks
 * saved per profile, by mouse and keyboard; add, rename, make default; a delete the API refuses
 * because a contact uses the profile, with its reason), the daily payment run in billing rules,
 * and a webhook endpoint's delivery log with "Re-send". axe and screenshots at 1280 and 375 px.
 */
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { unique } from './portal-helpers.js';

const b = useBrowser();

interface Profile {
  id: string;
  name: string;
  permissions: string[];
  is_default: boolean;
}

async function profileNamed(name: string): Promise<Profile | undefined> {
  const list = (await apiCall('GET', '/api/v1/contact-profiles')) as { data: Profile[] };
  return list.data.find((p) => p.name === name);
}

describe('settings: contact profiles', () => {
  it('edits the permission matrix per profile by mouse and keyboard, adds and renames a profile', async () => {
    const page = await b.newPage();
    page.setDefaultTimeout(20_000);
    await signInOwner(page);
    await page.goto('/console/settings?tab=contact-profiles');
    await page.getByRole('heading', { name: 'Contact profiles' }).waitFor();
    const matrix = page.getByRole('table', { name: 'Contact profile permissions' });
    // The default profile is marked in its column header.
    await matrix
      .getByRole('columnheader', { name: /Billing admin/ })
      .getByText('Default')
      .waitFor();

    const name = `Accountant ${unique('p')}`;
    await page.getByRole('textbox', { name: 'Profile name' }).fill(name);
    await page.getByRole('button', { name: 'Add profile' }).click();
    const viewInvoices = page.getByRole('checkbox', { name: `View invoices — ${name}` });
    await viewInvoices.waitFor();
    expect(await viewInvoices.isChecked()).toBe(false);
    const save = page.getByRole('button', { name: `Save ${name}` });
    expect(await save.isDisabled()).toBe(true);

    // One tick by mouse, one by keyboard (Space on the focused box).
    await viewInvoices.check();
    const payments = page.getByRole('checkbox', { name: `View payments — ${name}` });
    await payments.focus();
    await page.keyboard.press('Space');
    expect(await payments.isChecked()).toBe(true);
    await matrix.getByText('Unsaved changes').waitFor();
    await save.click();
    await matrix.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await expect
      .poll(async () => (await profileNamed(name))?.permissions)
      .toEqual(['view_invoices', 'view_payments']);
    await checkPage(page, 'console-settings-contact-profiles');

    // Rename through the column's actions menu.
    const renamed = `${name} (AP)`;
    await page.getByRole('button', { name: `Actions for ${name}` }).click();
    await page.getByRole('menuitem', { name: 'Rename' }).click();
    const dialog = page.getByRole('dialog', { name: `Rename ${name}` });
    await dialog.getByRole('textbox', { name: 'New name' }).fill(renamed);
    await dialog.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('checkbox', { name: `View invoices — ${renamed}` }).waitFor();
    expect((await profileNamed(renamed))?.permissions).toEqual(['view_invoices', 'view_payments']);
    await page.close();
  }, 180_000);

  it('shows why a profile in use cannot be deleted; makes the default; deletes one', async () => {
    const page = await b.newPage();
    page.setDefaultTimeout(20_000);
    await signInOwner(page);
    await page.goto('/console/settings?tab=contact-profiles');
    const matrix = page.getByRole('table', { name: 'Contact profile permissions' });
    const renamed = `In use ${unique('u')}`;
    await page.getByRole('textbox', { name: 'Profile name' }).fill(renamed);
    await page.getByRole('button', { name: 'Add profile' }).click();
    await page.getByRole('button', { name: `Actions for ${renamed}` }).waitFor();
    const profile = await profileNamed(renamed);

    // A contact with the profile: the API refuses the delete and the dialog says why.
    const customer = (await apiCall('POST', '/api/v1/customers', {
      name: `Profiled ${unique('c')}`,
    })) as { id: string };
    await apiCall('POST', `/api/v1/customers/${customer.id}/contacts`, {
      name: 'Avery Accounts',
      email: `${unique('ap')}@example.com`,
      profile_id: profile?.id,
    });
    await page.reload();
    await page.getByRole('button', { name: `Actions for ${renamed}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: `Delete ${renamed}?` });
    await confirm.getByRole('button', { name: 'Delete profile' }).click();
    await confirm.getByText('1 active contact uses this profile').waitFor();
    await checkPage(page, 'console-settings-contact-profile-in-use');
    await confirm.getByRole('button', { name: 'Close', exact: true }).click();
    expect(await profileNamed(renamed)).toBeDefined();

    // A profile no one uses: made the default and back, then deleted.
    const spare = `Spare ${unique('s')}`;
    await page.getByRole('textbox', { name: 'Profile name' }).fill(spare);
    await page.getByRole('button', { name: 'Add profile' }).click();
    await page.getByRole('button', { name: `Actions for ${spare}` }).click();
    await page.getByRole('menuitem', { name: 'Make default' }).click();
    await matrix
      .getByRole('columnheader', { name: new RegExp(spare) })
      .getByText('Default')
      .waitFor();
    expect((await profileNamed(spare))?.is_default).toBe(true);
    await page.getByRole('button', { name: 'Actions for Billing admin' }).click();
    await page.getByRole('menuitem', { name: 'Make default' }).click();
    await expect.poll(async () => (await profileNamed('Billing admin'))?.is_default).toBe(true);
    await page.getByRole('button', { name: `Actions for ${spare}` }).click();
    await page.getByRole('menuitem', { name: 'Delete' }).click();
    await page
      .getByRole('dialog', { name: `Delete ${spare}?` })
      .getByRole('button', { name: 'Delete profile' })
      .click();
    await page.getByRole('button', { name: `Actions for ${spare}` }).waitFor({ state: 'detached' });
    expect(await profileNamed(spare)).toBeUndefined();
    await page.close();
  }, 180_000);
});

describe('settings: payment-run schedule', () => {
  it('switches the daily payment run on in billing rules, and off again', async () => {
    const page = await b.newPage();
    page.setDefaultTimeout(20_000);
    await signInOwner(page);
    await page.goto('/console/settings?tab=billing');
    const daily = page.getByRole('checkbox', {
      name: 'Start a payment run for autopay customers every day',
    });
    await daily.waitFor();
    expect(await daily.isChecked()).toBe(false);
    await daily.check();
    await page.getByRole('button', { name: 'Save billing rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const tenant = async () =>
      ((await apiCall('GET', '/api/v1/tenant')) as { settings: { payment_run_daily: boolean } })
        .settings.payment_run_daily;
    expect(await tenant()).toBe(true);
    await checkPage(page, 'console-settings-billing-schedule');
    // Back off: the suite's other files play the tenant's clock and count its payment runs.
    await daily.uncheck();
    await page.getByRole('button', { name: 'Save billing rules' }).click();
    await expect.poll(tenant).toBe(false);
    await page.close();
  }, 180_000);
});

describe('settings: webhook delivery log', () => {
  it('shows a failed delivery with its error and re-sends it', async () => {
    // A host name that resolves to loopback: the suite's installation refuses private targets,
    // so every attempt fails at once, with the reason.
    const url = `http://localhost/${unique('hook')}`;
    // It hears only of changes to itself, which no other test makes.
    const endpoint = (await apiCall('POST', '/api/v1/webhook-endpoints', {
      url,
      event_types: ['webhook_endpoint.updated'],
    })) as { id: string };
    await apiCall('PATCH', `/api/v1/webhook-endpoints/${endpoint.id}`, { description: 'ERP' });

    const page = await b.newPage();
    page.setDefaultTimeout(20_000);
    await signInOwner(page);
    await page.goto('/console/settings?tab=webhooks');
    await page.getByRole('button', { name: `Deliveries of ${url}` }).click();
    const log = page.getByRole('table', { name: 'Delivery log' });
    const rows = log.getByRole('row').filter({ hasText: 'webhook_endpoint.updated' });
    await rows.filter({ hasText: 'Failed' }).first().waitFor({ timeout: 15_000 });
    await rows
      .getByText(/refused: localhost resolves to/)
      .first()
      .waitFor();
    expect(await rows.count()).toBe(1);

    await rows.getByRole('button', { name: /^Re-send webhook_endpoint.updated/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: 'webhook_endpoint.updated queued again' })
      .waitFor();
    await expect.poll(() => rows.count()).toBe(2);
    // The re-send is attempted by the worker and fails for the same reason; the log follows it.
    await expect
      .poll(() => rows.filter({ hasText: 'Failed' }).count(), { timeout: 15_000 })
      .toBe(2);
    await rows.filter({ hasText: 'Repeat of an earlier delivery' }).waitFor();
    await checkPage(page, 'console-settings-webhook-deliveries');
    await page.close();
  }, 180_000);
});
