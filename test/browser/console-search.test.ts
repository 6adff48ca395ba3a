/**
 * The console's global search and customers list in Chromium (issue 12 items 2 and 3): a customer
 * found by a contact's email with the keyboard alone, a jump by exact invoice number, Escape, and
 * the list's "Has open invoices" filter and sort in the URL; axe and screenshots.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';

const b = useBrowser();

interface Made {
  id: string;
  number?: string;
}

let quartz: Made;
let owes: Made;
let invoice: Made;

beforeAll(async () => {
  quartz = (await apiCall('POST', '/api/v1/customers', {
    name: 'Quartz Ridge Farms',
    billing_email: 'office@quartzridge.example',
  })) as Made;
  await apiCall('POST', `/api/v1/customers/${quartz.id}/contacts`, {
    name: 'Morgan Lee',
    email: 'morgan.lee@quartzmail.example',
  });
  owes = (await apiCall('POST', '/api/v1/customers', {
    name: 'Zinnia Owes Co',
    billing_email: 'ap@zinnia.example',
  })) as Made;
  const draft = (await apiCall('POST', '/api/v1/invoices', {
    customer_id: owes.id,
    po_number: 'PO-ZINNIA-7',
    lines: [{ description: 'Seeds', amount: 123_45 }],
  })) as Made;
  invoice = (await apiCall('POST', `/api/v1/invoices/${draft.id}/post`, {})) as Made;
});

describe('global search', () => {
  it("finds a customer by a contact's email with the keyboard, and Escape closes the list", async () => {
    const page = await b.newPage();
    await signInOwner(page);
    const box = page.getByLabel('Search everything');
    await box.focus();
    await page.keyboard.type('morgan.lee@quartz');
    const option = page.getByRole('option', { name: /Morgan Lee/ });
    await option.waitFor();
    expect(await option.textContent()).toContain('Quartz Ridge Farms');
    await checkPage(page, 'console-search');

    await page.keyboard.press('Escape');
    await expect.poll(() => page.getByRole('option', { name: /Morgan Lee/ }).count()).toBe(0);
    // Typing again opens the list; the arrow keys move through it and Enter opens the result.
    await page.keyboard.press('End');
    await page.keyboard.type('mail');
    await option.waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await option.getAttribute('data-combobox-selected')).not.toBeNull();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.url())
      .toMatch(new RegExp(`/console/customers/${quartz.id}\\?contact=con_`));
  });

  it('jumps straight to an invoice by its exact number', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    const box = page.getByLabel('Search everything');
    await box.click();
    await page.keyboard.type(invoice.number?.toLowerCase() ?? 'missing');
    const go = page.getByRole('option', { name: new RegExp(`Invoice ${invoice.number}`) });
    await go.waitFor();
    expect(await page.getByText('Go to', { exact: true }).count()).toBe(1);
    // The jump is selected; the arrow keys move to the invoice in its group and back.
    expect(await go.getAttribute('data-combobox-selected')).not.toBeNull();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => go.getAttribute('data-combobox-selected')).toBeNull();
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => go.getAttribute('data-combobox-selected')).not.toBeNull();
    await page.keyboard.press('Enter');
    await expect
      .poll(() => page.url())
      .toMatch(new RegExp(`/console/customers/${owes.id}\\?invoice=${invoice.id}$`));
  });

  it('says when nothing is found', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.getByLabel('Search everything').fill('no such thing anywhere 42');
    await page.getByText('Nothing found for').waitFor();
  });
});

describe('the customers list', () => {
  it('filters to customers with open invoices and sorts, in the URL', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.getByRole('cell', { name: 'Quartz Ridge Farms' }).waitFor();

    await page.getByLabel('Has open invoices').check();
    await expect.poll(() => page.url()).toMatch(/open=true/);
    await page.getByRole('cell', { name: 'Zinnia Owes Co' }).waitFor();
    await expect.poll(() => page.getByRole('cell', { name: 'Quartz Ridge Farms' }).count()).toBe(0);

    await page.getByLabel('Has open invoices').uncheck();
    await page.getByLabel('Sort by').first().click();
    await page.getByRole('option', { name: 'Name Z–A' }).click();
    await expect.poll(() => page.url()).toMatch(/sort=name_desc/);
    await expect.poll(() => page.url()).not.toMatch(/open=/);
    // Z before Q: the rows are in name order, newest no longer first.
    await page.getByRole('cell', { name: 'Zinnia Owes Co' }).waitFor();
    const names = await page.locator('tbody tr td:nth-child(2)').allTextContents();
    const z = names.indexOf('Zinnia Owes Co');
    const q = names.indexOf('Quartz Ridge Farms');
    expect(z).toBeGreaterThanOrEqual(0);
    expect(q === -1 || z < q).toBe(true);
    expect([...names].sort((x, y) => y.toLowerCase().localeCompare(x.toLowerCase()))).toEqual(
      names,
    );
    // A reload keeps the order (it is in the address).
    await page.reload();
    await page.getByRole('cell', { name: 'Zinnia Owes Co' }).waitFor();
    expect(await page.getByLabel('Sort by').first().inputValue()).toBe('Name Z–A');
    await checkPage(page, 'console-customers-sorted');
  });
});
