/**
 * The customer portal's shell in Chromium: its signed-out pages (sign-in, forgot password, the
 * emailed links' pages) and its not-found page, each with axe and screenshots. These pages post to
 * the portal API; signing in end to end needs the invitation's token, which leaves Billow only by
 * SMTP (the outbox keeps it sealed), so that test waits for an SMTP server in this suite.
 */
import { describe, expect, it } from 'vitest';
import { checkPage, useBrowser } from './browser.js';

const b = useBrowser();

describe('portal shell', () => {
  it('sends a visitor without a session to the sign-in page', async () => {
    const page = await b.newPage();
    await page.goto('/portal/');
    await page.getByRole('heading', { name: 'Sign in to your billing account' }).waitFor();
    expect(page.url()).toMatch(/\/portal\/sign-in$/);
    await checkPage(page, 'portal-sign-in');
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Reset your password' }).waitFor();
    await checkPage(page, 'portal-forgot-password');
  });

  it('shows the pages of emailed links, and says when a link is incomplete', async () => {
    const page = await b.newPage();
    await page.goto('/portal/accept?token=abc');
    await page.getByRole('heading', { name: 'Set up your billing account' }).waitFor();
    await page.getByLabel(/^New password/).waitFor();
    await checkPage(page, 'portal-accept-invitation');
    await page.goto('/portal/reset');
    await page.getByText('This link is incomplete.').waitFor();
  });

  it('shows its own not-found page for an unknown portal address', async () => {
    const page = await b.newPage();
    await page.goto('/portal/no/such/page');
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await checkPage(page, 'portal-not-found');
  });
});
