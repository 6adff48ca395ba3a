/**
 * The rest of Settings in Chromium (issue 13 item 5): an email template edited with the API's
 * live preview changing as you type, a test send that reaches the SMTP server, saving and
 * resetting; axe and screenshots at 1280 and 375 px.
 */
import { describe, expect, it } from 'vitest';
import { checkPage, signInOwner, useBrowser } from './browser.js';
import { mailTo, unique } from './portal-helpers.js';

const b = useBrowser();

describe('settings: email templates', () => {
  it('previews an edit as it is typed, sends a test, saves and resets', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.goto('/console/settings?tab=email-templates');
    await page.getByRole('heading', { name: 'Email templates' }).waitFor();
    await page.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: /^Statement/ }).click();
    const subject = page.getByRole('textbox', { name: 'Subject' });
    await expect.poll(() => subject.inputValue()).toContain('Your statement from');
    const previewSubject = page.getByTestId('preview-subject');
    await expect
      .poll(() => previewSubject.textContent())
      .toBe('Your statement from Acme Water Co as of 2026-12-01');

    await subject.fill('Balance for {{customer.name}}: {{statement.balance}}');
    await expect
      .poll(() => previewSubject.textContent())
      .toBe('Balance for Sample Customer Ltd: $2,469.00');
    // An unknown placeholder: the API refuses it and says why, in the preview.
    await subject.fill('Balance {{invoice.number}}');
    await page.getByText('Cannot preview this text').waitFor();
    await subject.fill('Balance for {{customer.name}}: {{statement.balance}}');
    await expect
      .poll(() => previewSubject.textContent())
      .toBe('Balance for Sample Customer Ltd: $2,469.00');
    await checkPage(page, 'console-settings-email-templates');

    const to = `${unique('tmpl')}@example.com`;
    await page.getByRole('textbox', { name: 'Send to' }).fill(to);
    await page.getByRole('button', { name: 'Send test' }).click();
    await page.getByText(`Test queued to ${to}`).waitFor();
    const [mail] = await mailTo(to, /^\[Test\] Balance for Sample Customer Ltd/);
    expect(mail!.text).toContain('Sample Customer Ltd');

    await page.getByRole('button', { name: 'Save template' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    await page.reload();
    await page.getByRole('combobox', { name: 'Template' }).click();
    await page.getByRole('option', { name: 'Statement (edited)' }).click();
    await expect
      .poll(() => subject.inputValue())
      .toBe('Balance for {{customer.name}}: {{statement.balance}}');
    await page.getByRole('button', { name: 'Reset to default' }).click();
    await expect.poll(() => subject.inputValue()).toContain('Your statement from');
    await page.close();
  });
});

describe('settings: gateway', () => {
  it('shows the sandbox gateway and checks its connection', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.goto('/console/settings?tab=gateway');
    await page.getByRole('heading', { name: 'Payment gateway' }).waitFor();
    expect(await page.getByRole('radio', { name: /^Sandbox/ }).isChecked()).toBe(true);
    await page.getByRole('button', { name: 'Check connection' }).click();
    await page.getByText('The sandbox gateway answered.').waitFor();
    await checkPage(page, 'console-settings-gateway');
    await page.close();
  });
});
