/**
 * The console's payments calendar, credits and payment methods (issue 12: E9, H1–H3, D) in
 * Chromium: a scheduled payment for two invoices shows on the customer's calendar and on the
 * tenant's with its count and total, and its day opens the breakdown; a credit memo is issued and
 * applied (too much is refused by the API), and many credits page with the page in the address; a
 * card is added (its numbers go to the gateway's tokenization only), the old one made default
 * again, and a refused delete shows its reason; a bank account is verified with the sandbox
 * deposits and a card edited by entering it again.
 * Axe and screenshots at 1280 and 375 px on each page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { customer, postedInvoice, unique } from './portal-helpers.js';

const b = useBrowser();

let cus: { id: string; name: string };
let first: string;
let second: string;
let methodId: string;
/** The day of the scheduled payment: the 27th, two months ahead (no other test's payments). */
let payDay: string;

async function card(number = '4242424242424242') {
  return (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number,
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
}

function number(id: string): Promise<string> {
  return apiCall('GET', `/api/v1/invoices/${id}`).then((i) => (i as { number: string }).number);
}

beforeAll(async () => {
  cus = await customer(unique('Harbor Mills'));
  first = await postedInvoice(cus.id, 12_000);
  second = await postedInvoice(cus.id, 8_000);
  const method = (await apiCall('POST', `/api/v1/customers/${cus.id}/payment-methods`, {
    gateway_token: (await card()).id,
    authorized: true,
  })) as { id: string };
  methodId = method.id;
  const { today } = (await apiCall('GET', `/api/v1/customers/${cus.id}/pay-options`)) as {
    today: string;
  };
  const d = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 2);
  payDay = `${d.toISOString().slice(0, 7)}-27`;
  // Two selected invoices, the second partly, paid on a later date (as "Pay selected" does).
  await apiCall('POST', '/api/v1/payments', {
    customer_id: cus.id,
    payment_method_id: methodId,
    scheduled_for: payDay,
    allocations: [
      { invoice_id: first, amount: 12_000 },
      { invoice_id: second, amount: 3_000 },
    ],
  });
});

function longDate(date: string): string {
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'full', timeZone: 'UTC' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

describe('console payments calendar', () => {
  it("shows the scheduled payment on the customer's and the tenant's calendar, with its breakdown", async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    const [firstNo, secondNo] = await Promise.all([number(first), number(second)]);
    const month = payDay.slice(0, 7);
    const monthTitle = new Intl.DateTimeFormat('en-US', {
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${payDay}T00:00:00Z`));

    // The customer's tab opens on this month; two clicks on "Next month" reach the payment.
    await page.goto(`/console/customers/${cus.id}?tab=calendar`);
    await page.getByRole('heading', { name: /^Payments calendar: / }).waitFor();
    await page.getByRole('button', { name: 'Next month →' }).click();
    await page.getByRole('button', { name: 'Next month →' }).click();
    await page.getByRole('heading', { name: `Payments calendar: ${monthTitle}` }).waitFor();
    expect(page.url()).toContain(`month=${month}`);
    expect(page.url()).toContain('tab=calendar');
    await page.getByText(`1 payment in ${monthTitle}, $150.00`).waitFor();
    const day = page.getByRole('button', {
      name: `${longDate(payDay)}: 1 scheduled payment, $150.00. Show the breakdown`,
    });
    await day.waitFor();
    await expect(day.innerText()).resolves.toContain('1 SP $150.00');
    await checkPage(page, 'console-calendar-customer');
    // Previous month goes back, and the address keeps it.
    await page.getByRole('button', { name: '← Previous month' }).click();
    expect(await day.count()).toBe(0);
    await page.goBack();
    await day.waitFor();

    // The tenant's calendar, from the navigation, addressed by month.
    await page.getByRole('link', { name: 'Calendar', exact: true }).click();
    await page.getByRole('heading', { name: /^Payments calendar: /, level: 1 }).waitFor();
    await page.goto(`/console/calendar?month=${month}`);
    await page.getByRole('heading', { name: `Payments calendar: ${monthTitle}` }).waitFor();
    const tenantDay = page.getByRole('button', {
      name: `${longDate(payDay)}: 1 scheduled payment, $150.00. Show the breakdown`,
    });
    await tenantDay.click();
    const drawer = page.getByRole('dialog', { name: /^Payments on / });
    await drawer.getByText('Scheduled payment (SP)').waitFor();
    await drawer.getByRole('link', { name: firstNo }).waitFor();
    await drawer.getByRole('link', { name: secondNo }).waitFor();
    await drawer.getByText('$150.00').first().waitFor();
    await checkPage(page, 'console-calendar-tenant');
    await page.keyboard.press('Escape');
    await checkPage(page, 'console-calendar-tenant-month');
    // Its customer link leads to the profile.
    await tenantDay.click();
    await drawer.getByRole('link', { name: new RegExp(`^${cus.name}`) }).click();
    await page.getByRole('heading', { name: cus.name, level: 1 }).waitFor();
    await page.close();
  });

  it('issues a credit memo and applies it to an open invoice; the API refuses too much', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    const secondNo = await number(second);
    await page.goto(`/console/customers/${cus.id}?tab=credits`);
    await page.getByRole('heading', { name: 'Credits', level: 2 }).waitFor();
    await page.getByText('0 credits, $0.00 available').waitFor();
    await page.getByRole('button', { name: 'Issue a credit memo' }).click();
    const issue = page.getByRole('dialog', { name: 'Issue a credit memo' });
    await issue.getByRole('button', { name: 'Issue credit memo' }).click();
    await issue.getByText('Say why the customer is credited').waitFor();
    await issue.getByLabel(/^Amount, in dollars/).fill('25');
    await issue.getByLabel(/^Reason/).fill('Goodwill: late delivery');
    await issue.getByRole('button', { name: 'Issue credit memo' }).click();
    await issue.waitFor({ state: 'hidden' });
    await page.getByText('1 credit, $25.00 available').waitFor();
    const table = page.getByRole('region', { name: 'Credits table' });
    await table.getByRole('row').filter({ hasText: 'Goodwill: late delivery' }).waitFor();
    // The views are in the address.
    await page.getByText('Unapplied payments', { exact: true }).click();
    await page.getByText('0 credits, $0.00 available').waitFor();
    expect(page.url()).toContain('credits=unapplied');
    await page.getByText('Credit memos', { exact: true }).click();
    await page.getByText('1 credit, $25.00 available').waitFor();
    await checkPage(page, 'console-credits');

    await page.getByRole('button', { name: 'Apply the credit Goodwill: late delivery' }).click();
    const apply = page.getByRole('dialog', { name: 'Apply a credit' });
    const field = apply.getByLabel(`Amount to apply to invoice ${secondNo}, in dollars`);
    await field.fill('30');
    await apply.getByRole('button', { name: 'Apply credit' }).click();
    // More than the memo has left: the API's answer is shown, nothing is applied.
    await apply.getByText('The credit was not applied').waitFor();
    await checkPage(page, 'console-credits-apply');
    await field.fill('20');
    await apply.getByRole('button', { name: 'Apply credit' }).click();
    await apply.waitFor({ state: 'hidden' });
    await page.getByText('1 credit, $5.00 available').waitFor();
    const summary = (await apiCall('GET', `/api/v1/invoices/${second}/summary`)) as {
      balance: number;
    };
    expect(summary.balance).toBe(6_000);
    await page.close();
  });

  it('pages a customer’s credits, the page in the address', async () => {
    const many = await customer();
    for (let i = 1; i <= 26; i++) {
      await apiCall('POST', '/api/v1/credit-memos', {
        customer_id: many.id,
        amount: 100,
        reason: `Refill ${i}`,
      });
    }
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${many.id}?tab=credits`);
    await page.getByText('26 credits, $26.00 available').waitFor();
    const rows = page.getByRole('region', { name: 'Credits table' }).getByRole('row');
    await expect.poll(() => rows.count()).toBe(26);
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(2);
    expect(page.url()).toMatch(/credits_cursor=cm_/);
    expect(await rows.nth(1).getByRole('cell').first().textContent()).toBe('Refill 1');
    // A reload keeps the page; another view starts on its first.
    await page.reload();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await page.getByText('Credit memos', { exact: true }).click();
    await expect.poll(() => page.url()).not.toMatch(/credits_cursor/);
    await expect.poll(() => rows.count()).toBe(26);
    await page.close();
  });

  it('adds a card in the methods tab, makes the old one default again, and shows why a delete is refused', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    // The numbers go to the gateway's tokenization only, never to a staff endpoint.
    const posts: string[] = [];
    page.on('request', (r) => {
      const body = r.postData()?.replace(/[\s-]/g, '') ?? '';
      if (r.method() !== 'GET' && body.includes('5555555555554444')) posts.push(r.url());
    });
    await page.goto(`/console/customers/${cus.id}?tab=methods`);
    await page.getByRole('heading', { name: 'Payment methods', level: 2 }).waitFor();
    const visa = page.getByRole('listitem', { name: /^Visa ending 4242/ });
    await visa.getByText('Default', { exact: true }).waitFor();
    await visa.getByText('Usable', { exact: true }).waitFor();
    await page.getByRole('button', { name: 'Add card' }).click();
    const form = page.getByRole('form', { name: 'New card' });
    await form.getByText(/Submitting charges nothing/).waitFor();
    await form.getByLabel(/^Card number/).fill('5555 5555 5555 4444');
    await form.getByLabel(/^Expiry/).fill('11/31');
    await form.getByLabel(/^CVV/).fill('123');
    await form.getByLabel(/^Name on card/).fill('Dana Lee');
    await form.getByLabel(/^Address line 1/).fill('9 Mill Road');
    await form.getByLabel(/^City/).fill('Springfield');
    await form.getByLabel(/^ZIP/).fill('12345');
    await form.getByLabel(/^Friendly name/).fill('Office card');
    await form.getByRole('button', { name: 'Save card' }).click();
    await form.getByText('Tick the authorisation to continue').waitFor();
    await form.getByLabel(/authorises charges to this card/).check();
    await form.getByRole('button', { name: 'Save card' }).click();
    await page.getByText('Mastercard ending 4444 is saved.').waitFor();
    expect(posts).toEqual([expect.stringMatching(/\/api\/v1\/sandbox\/tokens$/)]);
    const master = page.getByRole('listitem', { name: /^Office card \(Mastercard ending 4444\)/ });
    // The newest usable method became the default; make the Visa the default again.
    await master.getByText('Default', { exact: true }).waitFor();
    await visa.getByRole('button', { name: 'Make Visa ending 4242 the default' }).click();
    await visa.getByText('Default', { exact: true }).waitFor();
    expect(await master.getByText('Default', { exact: true }).count()).toBe(0);
    await checkPage(page, 'console-methods');

    // The Visa pays the scheduled payment: the API refuses the delete and the reason shows.
    await visa.getByRole('button', { name: 'Delete Visa ending 4242' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete Visa ending 4242?' });
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await dialog.getByText(/1 scheduled payment of this customer uses it/).waitFor();
    await checkPage(page, 'console-methods-delete-refused');
    await dialog.getByRole('button', { name: 'Close', exact: true }).last().click();
    const methods = (await apiCall('GET', `/api/v1/customers/${cus.id}/payment-methods`)) as {
      data: { id: string; is_default: boolean }[];
      default_method_id: string;
    };
    expect(methods.default_method_id).toBe(methodId);
    expect(methods.data).toHaveLength(2);
    await page.close();
  });

  it('adds a bank account and verifies it with the sandbox deposits; edits a card by entering it again', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${cus.id}?tab=methods`);
    await page.getByRole('heading', { name: 'Payment methods', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Add bank account' }).click();
    const form = page.getByRole('form', { name: 'New bank account' });
    await form.getByLabel('Business').check();
    await form.getByLabel('Business name on account').fill('Harbor Mills LLC');
    await form.getByLabel('Routing number').fill('110000000');
    await form.getByLabel('Account number').fill('000123456789');
    await form.getByLabel(/authorises debits from this bank account/).check();
    await form.getByRole('button', { name: 'Save bank account' }).click();
    await page.getByText(/Checking account ending 6789 is saved/).waitFor();
    const bank = page.getByRole('listitem', { name: /^Checking account ending 6789/ });
    await bank.getByText('Verification pending').waitFor();
    await bank.getByText(/Micro-deposits sent .*; 3 attempts left/).waitFor();
    await bank.getByRole('button', { name: 'Verify' }).click();
    const dialog = page.getByRole('dialog', { name: 'Verify Checking account ending 6789' });
    await dialog.getByRole('button', { name: 'Show the sandbox deposits' }).click();
    const shown = await dialog.getByText(/^The sandbox sent \d+ and \d+ cents\.$/).innerText();
    const [a, c] = (shown.match(/\d+/g) ?? []) as [string, string];
    await dialog.getByLabel('First deposit (cents)').fill(c);
    await dialog.getByLabel('Second deposit (cents)').fill(a);
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await bank.getByText('Usable', { exact: true }).waitFor();
    await bank.getByText(/^Verified /).waitFor();

    // Edit = full re-entry: the Mastercard becomes a Discover card in its place.
    const master = page.getByRole('listitem', { name: /Mastercard ending 4444/ });
    await master
      .getByRole('button', { name: 'Edit Mastercard ending 4444 (enter it again)' })
      .click();
    const edit = page.getByRole('dialog', { name: 'Edit Mastercard ending 4444' });
    await edit.getByLabel(/^Card number/).fill('6011111111111117');
    await edit.getByLabel(/^Expiry/).fill('10/32');
    await edit.getByLabel(/^CVV/).fill('321');
    await edit.getByLabel(/^Name on card/).fill('Dana Lee');
    await edit.getByLabel(/^Friendly name/).fill('Office card');
    await edit.getByLabel(/authorises charges to this card/).check();
    await checkPage(page, 'console-methods-edit');
    await edit.getByRole('button', { name: 'Replace' }).click();
    await edit.waitFor({ state: 'hidden' });
    await page.getByRole('listitem', { name: /^Office card \(Discover ending 1117\)/ }).waitFor();
    expect(await master.count()).toBe(0);
    await page.close();
  });
});
