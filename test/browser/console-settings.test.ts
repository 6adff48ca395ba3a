/**
 * The console's settings (A1, A2, K3) in Chromium: a tab per area in the URL; the retry schedule
 * changed and seen by the API; a staff user added and their role changed; an API key created
 * (its secret shown once) and revoked; a webhook endpoint added and its delivery log opened.
 * axe and screenshots of every tab.
 */
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';

const b = useBrowser();

describe('settings', () => {
  it('changes the organisation and billing rules, staff, API keys and webhooks', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { name: 'Settings', level: 1 }).waitFor();
    await page.getByRole('heading', { name: 'Organisation' }).waitFor();
    expect(await page.getByLabel('Currency').inputValue()).toBe('USD');
    await checkPage(page, 'console-settings-organisation');

    // Billing rules: a new retry schedule, which the API then has.
    await page.getByRole('tab', { name: 'Billing rules' }).click();
    await page.waitForURL(/tab=billing/);
    const retry = page.getByLabel('Retry a failed payment after (days)');
    await expect.poll(() => retry.inputValue()).not.toBe('');
    await retry.fill('2, 4');
    await page.getByRole('button', { name: 'Save billing rules' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const tenant = (await apiCall('GET', '/api/v1/tenant')) as {
      settings: { retry_schedule_days: number[] };
    };
    expect(tenant.settings.retry_schedule_days).toEqual([2, 4]);
    await checkPage(page, 'console-settings-billing');

    // Staff: add one, then change their role.
    await page.getByRole('tab', { name: 'Staff' }).click();
    const email = `clerk-${Date.now()}@browser.example`;
    await page.getByLabel(/^Name/).fill('Casey Clerk');
    // (a textbox: the "Email templates" tab panel is labelled "Email…" too)
    await page.getByRole('textbox', { name: /^Email/ }).fill(email);
    await page.getByLabel(/^First password/).fill('a fine first password');
    await page.getByRole('button', { name: 'Add staff user' }).click();
    await page.getByRole('cell', { name: email }).waitFor();
    const role = page.getByRole('combobox', { name: 'Role of Casey Clerk' });
    await role.click();
    await page.getByRole('option', { name: 'Read-only' }).click();
    await expect
      .poll(async () => {
        const staff = (await apiCall('GET', '/api/v1/staff')) as {
          data: { email: string; role: string }[];
        };
        return staff.data.find((s) => s.email === email)?.role;
      })
      .toBe('read_only');
    await checkPage(page, 'console-settings-staff');

    // API keys: created, shown once, revoked.
    await page.getByRole('tab', { name: 'API keys' }).click();
    await page.getByLabel(/^Name/).fill('Accounting adapter');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy the new key now').waitFor();
    expect(await page.getByLabel('New API key').textContent()).toMatch(/^bk_test_/);
    await checkPage(page, 'console-settings-api-keys');
    await page.getByRole('button', { name: 'I have copied it' }).click();
    await page.getByRole('button', { name: 'Revoke Accounting adapter' }).click();
    await page
      .getByRole('row', { name: /Accounting adapter/ })
      .getByText('Revoked')
      .waitFor();

    // Webhooks: an endpoint, its secret once, its (empty) delivery log.
    await page.getByRole('tab', { name: 'Webhooks' }).click();
    await page.getByLabel(/^URL/).fill('https://hooks.example.com/billow');
    await page.getByLabel('Event types').fill('invoice.*');
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    await page.getByText('Signing secret of the new endpoint').waitFor();
    await page.getByText('https://hooks.example.com/billow').first().waitFor();
    await page.getByRole('button', { name: 'Deliveries' }).first().click();
    await page
      .getByText(/No deliveries yet|Event/)
      .first()
      .waitFor();
    await checkPage(page, 'console-settings-webhooks');
  });
});
