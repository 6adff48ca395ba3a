/**
 * The staff console in Chromium: sign-in (wrong password, right password, keyboard only),
 * sign-out, the customers list with its search and filter in the URL, what a read-only member
 * does not see, the not-found page; axe and screenshots on each page.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, suite, useBrowser } from './browser.js';

const b = useBrowser();

async function signIn(page: Page, email: string, password: string) {
  await page.goto('/console/');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const READER = { email: 'reader@browser.example', password: 'read only password 1' };

beforeAll(async () => {
  for (const [name, email] of [
    ['Blue Lake Dairy', 'ap@bluelake.example'],
    ['Harbor Freight Lines', 'billing@harbor.example'],
    ['Cedar Hill Clinic', null],
  ] as const) {
    await apiCall('POST', '/api/v1/customers', { name, billing_email: email });
  }
  await apiCall('POST', '/api/v1/staff', { ...READER, name: 'Rita Reader', role: 'read_only' });
});

describe('console sign-in', () => {
  it('says plainly when the password is wrong, and stays on the form', async () => {
    const page = await b.newPage();
    await page.goto('/console/');
    await expect.poll(() => page.url()).toMatch(/\/console\/sign-in/);
    await checkPage(page, 'console-sign-in');
    await signIn(page, suite().ownerEmail, 'not the password');
    await expect
      .poll(() => page.getByRole('alert').textContent())
      .toContain('The email or password is not correct.');
    expect(page.url()).toMatch(/\/console\/sign-in/);
    await checkPage(page, 'console-sign-in-error');
  });

  it('lands on the customers list, searches through the URL, and signs out', async () => {
    const page = await b.newPage();
    await signIn(page, suite().ownerEmail, suite().password);
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
    expect(page.url()).toMatch(/\/console\/customers$/);
    await expect
      .poll(() => page.getByText('Dates are in').textContent())
      .toContain('America/New_York');
    await page.getByRole('cell', { name: 'Blue Lake Dairy' }).waitFor();
    await checkPage(page, 'console-customers');

    await page.getByLabel('Search customers').fill('harbor');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(() => page.url()).toMatch(/q=harbor/);
    await page.getByRole('cell', { name: 'Harbor Freight Lines' }).waitFor();
    await expect.poll(() => page.getByRole('cell', { name: 'Blue Lake Dairy' }).count()).toBe(0);
    // The filtered list is a link: a reload shows the same rows.
    await page.reload();
    await page.getByRole('cell', { name: 'Harbor Freight Lines' }).waitFor();
    expect(await page.getByLabel('Search customers').inputValue()).toBe('harbor');

    await page.getByLabel('Search customers').fill('no such customer anywhere');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByText('No customers found').waitFor();
    await checkPage(page, 'console-customers-empty');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to the console' }).waitFor();
    // The session is over: the list sends the browser back to sign-in.
    await page.goto('/console/customers');
    await expect.poll(() => page.url()).toMatch(/\/console\/sign-in/);
  });

  it('signs in with the keyboard alone', async () => {
    const page = await b.newPage();
    await page.goto('/console/sign-in');
    await page.getByLabel('Email').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Tab');
    await page.keyboard.type(suite().ownerEmail);
    await page.keyboard.press('Tab');
    await page.keyboard.type(suite().password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Customers' }).waitFor();
  });

  it('creates a customer from the console (the CSRF token goes along)', async () => {
    const page = await b.newPage();
    await signIn(page, suite().ownerEmail, suite().password);
    await page.getByRole('button', { name: 'New customer' }).click();
    const dialog = page.getByRole('dialog', { name: 'New customer' });
    await dialog.getByLabel('Name').fill('Maple Street Bakery');
    await dialog.getByLabel('Billing email').fill('owner@maple.example');
    await checkPage(page, 'console-new-customer');
    await dialog.getByRole('button', { name: 'Create customer' }).click();
    await page.getByRole('cell', { name: 'Maple Street Bakery' }).waitFor();
  });

  it('shows a read-only member no action it may not take', async () => {
    const page = await b.newPage();
    await signIn(page, READER.email, READER.password);
    await page.getByRole('cell', { name: 'Blue Lake Dairy' }).waitFor();
    expect(await page.getByRole('button', { name: 'New customer' }).count()).toBe(0);
    expect(await page.getByText('read only').count()).toBeGreaterThan(0);
  });

  it('shows its own not-found page for an unknown console address', async () => {
    const page = await b.newPage();
    const res = await page.goto('/console/no/such/page');
    expect(res?.status()).toBe(200);
    await page.getByRole('heading', { name: 'Page not found' }).waitFor();
    await checkPage(page, 'console-not-found');
  });

  it('pages through the customers on the server, the page in the URL', async () => {
    for (let i = 1; i <= 26; i++) {
      await apiCall('POST', '/api/v1/customers', { name: `Paging Customer ${i}` });
    }
    const page = await b.newPage();
    await signIn(page, suite().ownerEmail, suite().password);
    await page.getByRole('cell', { name: 'Paging Customer 26' }).waitFor();
    // Newest first, 25 a page: the first customers made are on the next page.
    expect(await page.getByRole('cell', { name: 'Blue Lake Dairy' }).count()).toBe(0);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('cell', { name: 'Blue Lake Dairy' }).waitFor();
    expect(page.url()).toMatch(/cursor=cus_/);
    expect(await page.getByRole('cell', { name: 'Paging Customer 26' }).count()).toBe(0);
    await page.getByRole('button', { name: 'First page' }).click();
    await page.getByRole('cell', { name: 'Paging Customer 26' }).waitFor();
  });
});
