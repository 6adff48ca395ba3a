/**
 * The console's accounting page (K2) in Chromium: the Accounting link, a date range in the URL,
 * and Download, whose CSV has the header and entries that balance to zero; axe and screenshots.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';

const b = useBrowser();

let today: string;
let invoiceNumber: string;

beforeAll(async () => {
  today = ((await apiCall('GET', '/api/v1/clock')) as { today: string }).today;
  const cus = (await apiCall('POST', '/api/v1/customers', {
    name: 'Ledger Lane Bakery',
    billing_email: 'books@ledgerlane.example',
  })) as { id: string };
  const draft = (await apiCall('POST', '/api/v1/invoices', {
    customer_id: cus.id,
    lines: [{ description: 'Flour', amount: 98_76 }],
  })) as { id: string };
  const posted = (await apiCall('POST', `/api/v1/invoices/${draft.id}/post`, {})) as {
    number: string;
  };
  invoiceNumber = posted.number;
});

describe('accounting', () => {
  it('downloads the journal of a range as CSV whose entries balance', async () => {
    const page = await b.newPage();
    await signInOwner(page);
    await page.getByRole('link', { name: 'Accounting' }).click();
    await page.getByRole('heading', { name: 'Accounting', level: 1 }).waitFor();
    expect(await page.getByLabel('To').inputValue()).toBe(today);
    expect(await page.getByLabel('From').inputValue()).toBe(`${today.slice(0, 8)}01`);
    await checkPage(page, 'console-accounting');

    // A reversed range is refused before anything is asked of the server.
    await page.getByLabel('From').fill('2099-01-01');
    await expect
      .poll(() => page.getByText('The first date must not be after the last').count())
      .toBe(1);
    await page.getByLabel('From').fill('2026-01-01');
    await page.getByRole('button', { name: 'Use these dates' }).click();
    await page.waitForURL(/from=2026-01-01/);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toBe(`journal-2026-01-01-${today}.csv`);
    const text = readFileSync((await download.path()) as string, 'utf8');
    const [header, ...lines] = text.trimEnd().split('\r\n');
    expect(header).toBe(
      'entry_id,date,entry_type,account,account_name,debit,credit,currency,customer_number,customer_name,document',
    );
    const sums = new Map<string, number>();
    for (const line of lines) {
      const [entry, , , , , debit, credit] = line.split(',');
      const cents = Math.round(Number(debit || 0) * 100) - Math.round(Number(credit || 0) * 100);
      sums.set(entry as string, (sums.get(entry as string) ?? 0) + cents);
    }
    for (const [entry, sum] of sums) expect(sum, entry).toBe(0);
    expect(lines.some((l) => l.includes(invoiceNumber) && l.includes('98.76'))).toBe(true);
  });
});
