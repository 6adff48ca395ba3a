/**
 * Contact sign-in in Chromium, end to end through the emails the suite's SMTP server receives:
 * invitation → password (its rule shown, a weak one refused next to the field) → confirmation
 * email → dashboard → sign out → sign in; a replaced invitation link refused; forgot password;
 * the account choice of an email that is a contact of two customers.
 */
import { describe, expect, it } from 'vitest';
import { checkPage, useBrowser } from './browser.js';
import {
  acceptInvitation,
  contactOf,
  customer,
  invite,
  linkIn,
  mailTo,
  PASSWORD,
  signIn,
  unique,
} from './portal-helpers.js';

const b = useBrowser();

describe('portal sign-in', () => {
  it('takes an invited contact from the email link to its dashboard, and back in after sign-out', async () => {
    const cus = await customer();
    const c = await contactOf(cus.id);
    await invite(c.id);
    const [welcome] = await mailTo(c.email, /billing portal$/);
    const page = await b.newPage();
    await page.goto(linkIn(welcome as { subject: string; text: string }));
    await page.getByRole('heading', { name: 'Set up your billing account' }).waitFor();
    // The rule is shown before the contact types.
    await page.getByText(/At least 10 characters/).waitFor();
    await checkPage(page, 'portal-set-password');

    await page.getByLabel(/^New password/).fill('robin');
    await page.getByRole('button', { name: 'Save password' }).click();
    // Named next to the field (its description), not in a banner.
    const field = page.getByLabel(/^New password/);
    await expect.poll(() => field.getAttribute('aria-describedby')).toMatch(/error/);
    await page.getByText(/^Choose a password of at least 10 characters/).waitFor();
    await checkPage(page, 'portal-set-password-weak');

    await field.fill(PASSWORD);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByRole('heading', { name: cus.name }).waitFor();
    const [confirmation] = await mailTo(c.email, /portal access is ready/);
    expect(confirmation?.text).toContain('/portal');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to your billing account' }).waitFor();
    await page.goto('/portal/');
    await page.getByRole('heading', { name: 'Sign in to your billing account' }).waitFor();

    await signIn(page, c.email, 'not the password');
    await page.getByText('The email or password is not correct.').waitFor();
    await signIn(page, c.email);
    await page.getByRole('heading', { name: cus.name }).waitFor();
  });

  it('refuses an invitation link that a newer one replaced, and says to ask for a new one', async () => {
    const cus = await customer();
    const c = await contactOf(cus.id);
    await invite(c.id);
    const [first] = await mailTo(c.email, /billing portal$/);
    await invite(c.id);
    await mailTo(c.email, /billing portal$/, 2);
    const page = await b.newPage();
    await page.goto(linkIn(first as { subject: string; text: string }));
    await page.getByLabel(/^New password/).fill(PASSWORD);
    await page.getByRole('button', { name: 'Save password' }).click();
    const alert = page.getByRole('alert').filter({ hasText: 'This link no longer works' });
    await alert.getByText(/expired or was already used\. Ask for a new one/).waitFor();
    await checkPage(page, 'portal-link-expired');
    // The newer link still works.
    await acceptInvitation(page, c.email, 2);
  });

  it('resets a forgotten password through the emailed link', async () => {
    const cus = await customer();
    const c = await contactOf(cus.id);
    await invite(c.id);
    const page = await b.newPage();
    await acceptInvitation(page, c.email);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to your billing account' }).waitFor();

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByLabel('Email').fill(c.email);
    await page.getByRole('button', { name: 'Email me a link' }).click();
    await page.getByText(/a link to choose a new password is on its way/).waitFor();
    const [reset] = await mailTo(c.email, /^Reset your/);
    await page.goto(linkIn(reset as { subject: string; text: string }));
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await checkPage(page, 'portal-reset-password');
    const fresh = 'orange bicycle lantern';
    await page.getByLabel(/^New password/).fill(fresh);
    await page.getByRole('button', { name: 'Save password' }).click();
    await page.getByText(/Your password is changed/).waitFor();

    await signIn(page, c.email);
    await page.getByText('The email or password is not correct.').waitFor();
    await signIn(page, c.email, fresh);
    await page.getByRole('heading', { name: cus.name }).waitFor();
  });

  it('lets an email that is a contact of two customers choose the account', async () => {
    const email = `${unique('both')}@example.com`;
    const first = await customer();
    const second = await customer();
    const a = await contactOf(first.id, 'Billing admin', email);
    const page = await b.newPage();
    await invite(a.id);
    await acceptInvitation(page, email);
    const other = await contactOf(second.id, 'Billing admin', email);
    await invite(other.id);
    await acceptInvitation(page, email, 2);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to your billing account' }).waitFor();

    await signIn(page, email);
    await page.getByRole('heading', { name: 'Choose an account' }).waitFor();
    await checkPage(page, 'portal-choose-account');
    await page.getByRole('button', { name: new RegExp(second.name) }).click();
    await page.getByRole('heading', { name: second.name }).waitFor();
  });
});
