/**
 * The portal's Usage page in Chromium: records with filters kept in the URL, the "Columns"
 * chooser remembered across a reload, "Export to Excel" → the email at the suite's SMTP server →
 * its link → the download → the .xlsx holds the filtered rows in the chosen columns. A customer
 * without usage has no Usage tab; an unknown link says it no longer works. axe and screenshots
 * at 1280 and 375 px.
 */
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, useBrowser } from './browser.js';
import { linkIn, mailTo, postedInvoice, signedInContact, unique } from './portal-helpers.js';

const b = useBrowser();

const DAYS = ['2026-11-05', '2026-11-10', '2026-11-15', '2026-11-20', '2026-11-25'];

/** A customer on a usage price (GB) with one record per day of DAYS: "Backup run 1…5". */
async function usageCustomer() {
  const cus = (await apiCall('POST', '/api/v1/customers', {
    name: unique('Usage customer'),
    invoice_only: true,
  })) as { id: string; name: string };
  const prod = (await apiCall('POST', '/api/v1/products', { name: unique('Storage') })) as {
    id: string;
  };
  const price = (await apiCall('POST', '/api/v1/prices', {
    product_id: prod.id,
    kind: 'usage',
    pricing_model: 'per_unit',
    billing_interval: 'month',
    unit_amount: 10,
    unit_of_measure: 'GB',
  })) as { id: string };
  await apiCall('POST', '/api/v1/subscriptions', {
    customer_id: cus.id,
    price_id: price.id,
    start_date: '2026-11-01',
  });
  await apiCall('POST', '/api/v1/usage-records', {
    records: DAYS.map((usage_date, i) => ({
      id: unique(`rec${i + 1}`),
      customer_id: cus.id,
      unit_of_measure: 'GB',
      quantity: `${(i + 1) * 10}.25`,
      usage_date,
      description: `Backup run ${i + 1}`,
    })),
  });
  return cus;
}

describe('portal usage', () => {
  it('filters, chooses columns, exports to .xlsx and downloads it from the emailed link', async () => {
    const cus = await usageCustomer();
    const page = await b.newPage();
    const { email } = await signedInContact(page, { customerId: cus.id });

    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Usage' })
      .click();
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    const table = page.getByRole('region', { name: 'Usage table' });
    const rows = table.getByRole('row');
    await expect.poll(() => rows.count()).toBe(6);
    // Newest usage date first.
    await expect.poll(() => rows.nth(1).textContent()).toContain('Backup run 5');
    await checkPage(page, 'portal-usage');

    // Filters go into the URL and survive a reload.
    await page.getByLabel('From').fill('2026-11-10');
    await page.getByLabel('To').fill('2026-11-20');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.url()).toMatch(/from=2026-11-10/);
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel('Search').fill('run 4');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel('Search').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => rows.count()).toBe(4);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(4);

    // Columns: drop Unit and Invoiced, add Record id; the choice survives a reload.
    await page.getByRole('button', { name: 'Columns' }).click();
    await page.getByRole('checkbox', { name: 'Unit' }).uncheck();
    await page.getByRole('checkbox', { name: 'Invoiced' }).uncheck();
    await page.getByRole('checkbox', { name: 'Record id' }).check();
    await page.keyboard.press('Escape');
    const headers = table.getByRole('columnheader');
    await expect
      .poll(() => headers.allTextContents())
      .toEqual(['Date', 'Record id', 'Description', 'Quantity']);
    await page.reload();
    await expect
      .poll(() => headers.allTextContents())
      .toEqual(['Date', 'Record id', 'Description', 'Quantity']);

    // Export: the notice, then the email with its link.
    await page.getByRole('button', { name: 'Export to Excel' }).click();
    await page.getByText('Your export is being prepared').waitFor();
    await page.getByText(email, { exact: false }).first().waitFor();
    await checkPage(page, 'portal-usage-exported');
    const [mail] = await mailTo(email, /usage export/);
    const link = linkIn(mail as { subject: string; text: string });
    expect(link).toMatch(/\/portal\/usage-export\?token=[A-Za-z0-9_-]{40,}/);

    // The link works in a browser without the portal session.
    const other = await b.newPage();
    await other.goto(link);
    await other.getByRole('heading', { name: 'Your usage export' }).waitFor();
    await other.getByText(/3 usage records/).waitFor();
    await checkPage(other, 'portal-usage-export');
    const [download] = await Promise.all([
      other.waitForEvent('download'),
      other.getByRole('link', { name: 'Download the file' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.xlsx$/);
    const path = await download.path();
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await readFile(path)) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('Usage');
    const cells: unknown[][] = [];
    sheet?.eachRow((row) => {
      cells.push((row.values as unknown[]).slice(1));
    });
    expect(cells[0]).toEqual(['Date', 'Record id', 'Description', 'Quantity']);
    expect(cells.slice(1).map((r) => [r[0], r[2], r[3]])).toEqual([
      ['2026-11-20', 'Backup run 4', 40.25],
      ['2026-11-15', 'Backup run 3', 30.25],
      ['2026-11-10', 'Backup run 2', 20.25],
    ]);
    expect(String(cells[1]?.[1])).toMatch(/^rec4-/);
  }, 180_000);

  it('has no Usage tab without usage, and an unknown link says it no longer works', async () => {
    const page = await b.newPage();
    await signedInContact(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Invoices' }).waitFor();
    expect(await nav.getByRole('link', { name: 'Usage' }).count()).toBe(0);

    const other = await b.newPage();
    await other.goto('/portal/usage-export?token=not-a-real-token-0000000000000000000000000');
    await other.getByText('This download link no longer works').waitFor();
    await checkPage(other, 'portal-usage-export-expired');
  });

  it('shows an invoice’s lines without sideways scrolling on a 375 px phone', async () => {
    const cus = (await apiCall('POST', '/api/v1/customers', { name: unique('Phone') })) as {
      id: string;
    };
    const invoiceId = await postedInvoice(cus.id, 12_345);
    const page = await b.newPage();
    await signedInContact(page, { customerId: cus.id });
    await page.setViewportSize({ width: 375, height: 740 });
    await page.goto(`/portal/invoices/${invoiceId}`);
    const lines = page.getByRole('region', { name: 'Invoice lines' });
    const stacked = page.getByRole('heading', { name: 'Invoice lines' });
    await stacked.waitFor();
    expect(await lines.isVisible()).toBe(false);
    await page.getByRole('listitem').filter({ hasText: 'Water service' }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    await checkPage(page, 'portal-invoice-phone');
    // At desktop width the table is back.
    await lines.waitFor();
    expect(await stacked.isVisible()).toBe(false);
  });
});
