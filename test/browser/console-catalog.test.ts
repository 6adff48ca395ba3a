/**
 * The console's catalog and the profile's Subscriptions tab in Chromium (issue 13 item 2): create
 * a product with a tiered price and ask the API what a quantity costs; subscribe a customer who
 * has no payment method (the readiness steps first), then with a card; see the upcoming-invoice
 * estimate; cancel with the preview of what follows, at period end. Edit a product, archive and
 * restore a price and a product, page the products. Axe and screenshots at 1280 and 375 px.
 */
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { customer, unique } from './portal-helpers.js';

const b = useBrowser();

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
    await signInOwner(page, { timeout: 20_000 });
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

    // Cancel: the dialog shows the API's preview before Confirm. Started today and not billed
    // yet: at period end the whole first period is still to bill (2 × $30.00); now, nothing.
    await row.getByRole('button', { name: `Cancel ${productName} — ${monthly}` }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel ${productName} — ${monthly}` });
    const follows = dialog.getByRole('region', { name: 'What cancelling does' });
    await follows.getByText('Still to bill: $60.00', { exact: false }).waitFor();
    await checkPage(page, 'console-subscription-cancel-preview');
    await dialog.getByLabel('Now (today is not served)').check();
    await follows.getByText(/No credit and no charge follow/).waitFor();
    expect(await follows.getByText(/Still to bill/).count()).toBe(0);
    await dialog.getByLabel(/^At the end of the period/).check();
    await follows.getByText('Still to bill: $60.00', { exact: false }).waitFor();
    await dialog.getByRole('button', { name: 'Confirm cancellation' }).click();
    await dialog.waitFor({ state: 'detached' });
    const notice = page.getByRole('status').filter({ hasText: 'ends at period end' });
    await notice.getByText(/Service ends at the start of/).waitFor();
    await notice.getByText('Still to bill: $60.00', { exact: false }).waitFor();
    await row.getByText(/^Ends /).waitFor();
    await checkPage(page, 'console-subscription-canceled');
  }, 240_000);

  it('edits a product, archives and restores a price and a product (the forms offer neither archived), pages the products', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    // Another active plan, so the subscribe form has a price to offer throughout.
    const { id: otherProduct } = (await apiCall('POST', '/api/v1/products', {
      name: unique('Other product'),
    })) as { id: string };
    await apiCall('POST', '/api/v1/prices', {
      product_id: otherProduct,
      nickname: unique('Other plan'),
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 900,
    });
    // Eleven products: more than one page of ten.
    const names: string[] = [];
    let productId = '';
    for (let i = 0; i < 11; i++) {
      const name = unique(`Paged product ${i}`);
      names.push(name);
      productId = ((await apiCall('POST', '/api/v1/products', { name })) as { id: string }).id;
    }
    const newest = names[10] as string;
    const nickname = unique('Install');
    await apiCall('POST', '/api/v1/prices', {
      product_id: productId,
      nickname,
      kind: 'recurring',
      billing_interval: 'month',
      unit_amount: 1500,
    });

    await page.goto('/console/catalog');
    await page.getByRole('heading', { name: 'Catalog', level: 1 }).waitFor();
    const products = page.locator('section[aria-labelledby^="product-"]');
    const section = page.getByRole('region', { name: newest });
    await section.getByRole('cell', { name: nickname, exact: true }).waitFor();
    expect(await products.count()).toBe(10);
    // The eleventh newest is on the next page, and back.
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByRole('region', { name: names[0] as string }).waitFor();
    expect(page.url()).toContain('cursor=');
    await page.getByRole('button', { name: 'First page' }).click();
    await section.waitFor();

    // Edit the name and the description.
    const renamed = `${newest} (renamed)`;
    await section.getByRole('button', { name: `Edit ${newest}` }).click();
    const edit = section.getByRole('form', { name: `Edit ${newest}` });
    await edit.getByLabel('Name').fill(renamed);
    await edit.getByLabel('Description').fill('Installed on site');
    await checkPage(page, 'console-catalog-edit');
    await edit.getByRole('button', { name: 'Save product' }).click();
    const product = page.getByRole('region', { name: renamed });
    await product.getByText('Installed on site').waitFor();

    // Archive the price: it is listed as archived, and no longer offered to subscribe.
    await product.getByRole('button', { name: `Archive price ${nickname}` }).click();
    await product.getByRole('button', { name: `Restore price ${nickname}` }).waitFor();
    await product.getByText('archived', { exact: true }).waitFor();
    const cus = await customer(unique('Archive Farms'));
    await addCard(cus.id);
    await page.goto(`/console/customers/${cus.id}?tab=subscriptions`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    const subscribe = page.getByRole('form', { name: 'Subscribe' });
    await subscribe.getByLabel('Price').waitFor();
    expect(
      await subscribe.getByLabel('Price').locator('option', { hasText: nickname }).count(),
    ).toBe(0);

    // Restore the price, archive the product: the price is not offered either (the form lists
    // sellable prices only; the API refuses it, test/api/catalog.test.ts).
    await page.goto('/console/catalog');
    await product.getByRole('button', { name: `Restore price ${nickname}` }).click();
    await product.getByRole('button', { name: `Archive price ${nickname}` }).waitFor();
    await product.getByRole('button', { name: `Archive ${renamed}` }).click();
    await product.getByText(/Archived: its prices serve no new subscription/).waitFor();
    await page.getByText('Archived', { exact: true }).click();
    await product.waitFor();
    expect(page.url()).toContain('show=archived');
    await checkPage(page, 'console-catalog-archived');
    await page.goto(`/console/customers/${cus.id}?tab=subscriptions`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await subscribe.getByLabel('Price').waitFor();
    expect(
      await subscribe.getByLabel('Price').locator('option', { hasText: nickname }).count(),
    ).toBe(0);

    // Restored, it serves again.
    await page.goto('/console/catalog?show=archived');
    await product.getByRole('button', { name: `Restore ${renamed}` }).click();
    await product.waitFor({ state: 'detached' });
    await page.goto(`/console/customers/${cus.id}?tab=subscriptions`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await subscribe.getByLabel('Price').selectOption({ label: `${nickname} (Flat, per month)` });
    await subscribe.getByRole('button', { name: 'Start subscription' }).click();
    await page.getByRole('row').filter({ hasText: nickname }).getByText('active').waitFor();
  }, 240_000);

  it('adds a one-time charge, sees it pending and in the estimate, deletes it', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    const { id: productId } = (await apiCall('POST', '/api/v1/products', {
      name: unique('Setup'),
    })) as { id: string };
    const fee = unique('Setup fee');
    await apiCall('POST', '/api/v1/prices', {
      product_id: productId,
      nickname: fee,
      kind: 'one_time',
      unit_amount: 2500,
    });
    const cus = await customer(unique('Charged Farms'));
    await page.goto(`/console/customers/${cus.id}?tab=subscriptions`);
    const charges = page.getByRole('region', { name: 'One-time charges' });
    await charges.getByText('No one-time charges.').waitFor();
    const form = charges.getByRole('form', { name: 'Add a one-time charge' });
    await form.getByLabel('One-time price').selectOption({ label: fee });
    await form.getByLabel('Quantity').fill('2');
    await form.getByLabel('Description').fill('On-site installation');
    await form.getByRole('button', { name: 'Add charge' }).click();
    const row = charges.getByRole('row').filter({ hasText: 'On-site installation × 2' });
    // 2 × $25.00, as the API answers it; pending until a bill run takes it.
    await row.getByRole('cell', { name: '$50.00' }).waitFor();
    await row.getByText('Pending').waitFor();
    const upcoming = page.getByRole('region', { name: 'Upcoming invoice' });
    await upcoming.getByRole('row').filter({ hasText: 'On-site installation' }).waitFor();
    await upcoming.getByText('Estimated total: $50.00').waitFor();
    await checkPage(page, 'console-one-time-charges');
    await row.getByRole('button', { name: 'Delete charge On-site installation' }).click();
    await charges.getByText('No one-time charges.').waitFor();
    await upcoming.getByText('Nothing to bill yet.').waitFor();
  }, 240_000);
});
