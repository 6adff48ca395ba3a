/**
 * The console's catalog and the profile's Subscriptions tab in Chromium (issue 13 item 2): create
 * a product with a tiered price and ask the API what a quantity costs; subscribe a customer who
 * has no payment method (the readiness steps first), then with a card; see the upcoming-invoice
 * estimate; cancel at period end and see what follows. Axe and screenshots at 1280 and 375 px.
 */
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, suite, useBrowser } from './browser.js';
import { customer, unique } from './portal-helpers.js';

const b = useBrowser();

async function signInStaff(page: Page) {
  page.setDefaultTimeout(20_000);
  await page.goto('/console/');
  await page.getByLabel('Email').fill(suite().ownerEmail);
  await page.getByLabel(/^Password/).fill(suite().password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Customers' }).waitFor();
}

async function addCard(customerId: string): Promise<void> {
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number: '4242424242424242',
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
  await apiCall('POST', `/api/v1/customers/${customerId}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  });
}

describe('console catalog and subscriptions', () => {
  it('creates a tiered price and previews a quantity; subscribes (readiness first), estimates and cancels at period end', async () => {
    const page = await b.newPage();
    await signInStaff(page);
    await page.getByRole('link', { name: 'Catalog' }).click();
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();

    const productName = unique('Cloud API');
    await page.getByRole('button', { name: 'New product' }).click();
    const newProduct = page.getByRole('form', { name: 'New product' });
    await newProduct.getByLabel('Name').fill(productName);
    await newProduct.getByLabel('Description').fill('Metered API calls');
    await newProduct.getByRole('button', { name: 'Create product' }).click();
    const section = page.getByRole('region', { name: productName });
    await section.getByText('No prices yet.').waitFor();

    await section.getByRole('button', { name: `Add a price to ${productName}` }).click();
    const form = page.getByRole('form', { name: `New price for ${productName}` });
    await form.getByLabel('Type').selectOption('tiered');
    const nickname = unique('API calls');
    await form.getByLabel('Nickname').fill(nickname);
    await form.getByLabel('Unit of measure').fill('api_call');
    await form.getByLabel('Tier 1 per unit ($)').fill('1.00');
    await form.getByLabel('Tier 2 per unit ($)').fill('0.50');
    await form.getByRole('button', { name: 'Create price' }).click();
    await section.getByRole('cell', { name: nickname, exact: true }).waitFor();
    await section.getByText('Tiered, per month, per api_call').waitFor();

    await section.getByLabel(`Quantity of ${nickname}`).fill('15');
    await section.getByRole('button', { name: 'Price it' }).click();
    const preview = section.getByRole('status', { name: `Preview of ${nickname}` });
    // 10 × $1.00 + 5 × $0.50, as the API prices it.
    await preview.getByText('15 cost $12.50').waitFor();
    await preview.getByText('Units 11 and above: 5 × $0.50 = $2.50').waitFor();
    await checkPage(page, 'console-catalog');

    // A flat monthly price to subscribe to.
    const { id: productId } = (await apiCall('GET', '/api/v1/products?limit=100').then((r) =>
      (r as { data: { id: string; name: string }[] }).data.find((p) => p.name === productName),
    )) as { id: string };
    const monthly = unique('Monthly plan');
    await apiCall('POST', '/api/v1/prices', {
      product_id: productId,
      nickname: monthly,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 3000,
    });

    const cus = await customer(unique('Subscribing Farms'));
    await page.goto(`/console/customers/${cus.id}?tab=subscriptions`);
    await page.getByRole('heading', { name: 'Subscriptions' }).waitFor();
    await page.getByText('This customer subscribes to nothing yet.').waitFor();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const subscribe = page.getByRole('form', { name: 'Subscribe' });
    await subscribe.getByLabel('Price').selectOption({ label: `${monthly} (Flat, per month)` });
    await subscribe.getByLabel('Quantity').fill('2');
    await subscribe.getByRole('button', { name: 'Start subscription' }).click();
    const steps = subscribe
      .getByRole('alert')
      .filter({ hasText: 'Set up billing before subscribing' });
    await steps.getByRole('link', { name: 'Payment methods tab' }).waitFor();
    await checkPage(page, 'console-subscribe-readiness');

    await addCard(cus.id);
    await subscribe.getByRole('button', { name: 'Start subscription' }).click();
    const row = page.getByRole('row').filter({ hasText: monthly });
    await row.getByText('active').waitFor();
    expect(await row.getByRole('cell').nth(1).textContent()).toBe('2');

    const upcoming = page.getByRole('region', { name: 'Upcoming invoice' });
    await upcoming.getByText('Estimate', { exact: true }).waitFor();
    await upcoming.getByText(/An estimate, not an invoice/).waitFor();
    await upcoming.getByText(/Estimated total:/).waitFor();
    await checkPage(page, 'console-subscriptions');

    await row
      .getByRole('button', { name: `Cancel ${productName} — ${monthly} at period end` })
      .click();
    const notice = page.getByRole('status').filter({ hasText: 'ends at period end' });
    await notice.getByText(/Service ends at the start of/).waitFor();
    await row.getByText(/^Ends /).waitFor();
    await checkPage(page, 'console-subscription-canceled');
  });
});
