/**
 * The console's Autopay and History tabs in Chromium (issue 12): reorder two autopay rules by
 * keyboard and find the order kept after a reload; an invalid rule cannot be saved, and saves once
 * corrected (with an advanced criteria row); lock a rule
 * and find it greyed out and not switchable in the portal; record a check payment and refund
 * part of it in the history tab; the pay dialog's preview of the scheduled payment a payment
 * lowers. Axe and screenshots at 1280 and 375 px of each screen.
 */
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_ROUTING_NUMBER as ROUTING } from '../../src/gateways/sandbox/testdata.js';
import { apiCall, checkPage, signInOwner, useBrowser } from './browser.js';
import { customer, postedInvoice, signedInContact, unique } from './portal-helpers.js';

const b = useBrowser();

let cus: { id: string; name: string };
let card: string;

async function addCard(customerId: string): Promise<string> {
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    card: {
      number: '4242424242424242',
      expiry: '12/30',
      cvc: '737',
      name: 'Dana Lee',
      address: { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' },
    },
  })) as { id: string };
  const m = (await apiCall('POST', `/api/v1/customers/${customerId}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  })) as { id: string };
  return m.id;
}

const BANK_OK = '000123456789';

async function addBank(customerId: string): Promise<string> {
  const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
    bank_account: {
      holder_type: 'business',
      account_type: 'checking',
      name: 'History Farms',
      account_number: BANK_OK,
      routing_number: ROUTING,
    },
  })) as { id: string };
  const m = (await apiCall('POST', `/api/v1/customers/${customerId}/payment-methods`, {
    gateway_token: token.id,
    authorized: true,
  })) as { id: string };
  const { amounts } = (await apiCall(
    'GET',
    `/api/v1/sandbox/payment-methods/${m.id}/micro-deposits`,
  )) as { amounts: number[] };
  await apiCall('POST', `/api/v1/payment-methods/${m.id}/verify`, { amounts });
  return m.id;
}

/** The rule names in the order the Autopay tab lists them. */
async function ruleOrder(page: Page): Promise<string[]> {
  const list = page.getByRole('region', { name: 'Autopay rules' }).getByRole('listitem');
  const labels = await list.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label')));
  return labels.map((l) => (l ?? '').replace(/^Rule \d+: /, ''));
}

beforeAll(async () => {
  cus = await customer(unique('Autopay Orchards'));
  card = await addCard(cus.id);
  await apiCall('PUT', `/api/v1/customers/${cus.id}/autopay-rules`, {
    rules: [
      {
        name: 'Large invoices',
        payment_method_id: card,
        criteria: [{ field: 'invoice_total', operator: 'gte', values: [50_000] }],
      },
      {
        name: 'Water service',
        payment_method_id: card,
        criteria: [{ field: 'invoice_line_item', operator: 'contains', values: ['water'] }],
      },
    ],
  });
});

describe('console autopay tab', () => {
  it('reorders rules by keyboard (kept after a reload), refuses an invalid rule, and a locked rule is greyed out in the portal', async () => {
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${cus.id}?tab=autopay`);
    await page.getByRole('heading', { name: 'Autopay rules' }).waitFor();
    expect(await ruleOrder(page)).toEqual(['Large invoices', 'Water service']);
    await checkPage(page, 'console-autopay');

    // Keyboard drag: focus the handle, Space picks it up, ArrowDown moves it, Space drops it.
    await page.getByRole('button', { name: 'Drag to reorder rule Large invoices' }).focus();
    await page.keyboard.press('Space');
    await page.waitForTimeout(200);
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(300);
    await page.keyboard.press('Space');
    await page.getByText('Order saved: 1. Water service, 2. Large invoices').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Autopay rules' }).waitFor();
    await expect.poll(() => ruleOrder(page)).toEqual(['Water service', 'Large invoices']);

    // The buttons, by keyboard too: focus "Move up" and press Enter.
    await page.getByRole('button', { name: 'Move Large invoices up' }).focus();
    await page.keyboard.press('Enter');
    await page.getByText('Order saved: 1. Large invoices, 2. Water service').waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Autopay rules' }).waitFor();
    await expect.poll(() => ruleOrder(page)).toEqual(['Large invoices', 'Water service']);

    // An invalid rule: no method, an operator that takes one value given two, is refused.
    await page.getByRole('button', { name: 'New rule' }).click();
    const dialog = page.getByRole('dialog', { name: 'New autopay rule' });
    await dialog.getByLabel('Rule name').fill('Purchase orders');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.getByText('Choose a payment method').waitFor();
    await dialog.getByText('Choose a field').waitFor();
    await dialog.getByText(/cannot be saved yet/).waitFor();
    await dialog.getByLabel('Trigger: field', { exact: true }).click();
    await page.getByRole('option', { name: 'PO number' }).click();
    await dialog.getByLabel('Trigger: operator', { exact: true }).click();
    await page.getByRole('option', { name: 'is', exact: true }).click();
    await dialog.getByLabel('Trigger: values', { exact: true }).fill('PO-1');
    await dialog.getByLabel('Trigger: values', { exact: true }).press('Enter');
    await dialog.getByLabel('Trigger: values', { exact: true }).fill('PO-2');
    await dialog.getByLabel('Trigger: values', { exact: true }).press('Enter');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.getByText('only the operator "in" takes several values').waitFor();
    await checkPage(page, 'console-autopay-invalid-rule');
    let saved = (await apiCall('GET', `/api/v1/customers/${cus.id}/autopay-rules`)) as {
      rules: { name: string; criteria: unknown }[];
    };
    expect(saved.rules.map((r) => r.name)).toEqual(['Large invoices', 'Water service']);

    // Made valid: "is one of", a method, and an advanced row (invoice total at least $100).
    await dialog.getByRole('combobox', { name: 'Trigger: operator' }).click();
    await page.getByRole('option', { name: 'is one of' }).click();
    await dialog.getByRole('combobox', { name: /^Payment method/ }).click();
    await page.getByRole('option', { name: 'Visa ending 4242' }).click();
    await dialog.getByRole('button', { name: 'Advanced: more criteria' }).click();
    await dialog.getByRole('button', { name: 'Add a criterion' }).click();
    await dialog.getByRole('combobox', { name: 'Criterion 2: field' }).click();
    await page.getByRole('option', { name: 'Invoice total' }).click();
    await dialog.getByRole('combobox', { name: 'Criterion 2: operator' }).click();
    await page.getByRole('option', { name: 'is at least' }).click();
    await dialog.getByLabel('Criterion 2: values', { exact: true }).fill('100');
    await dialog.getByLabel('Criterion 2: values', { exact: true }).press('Enter');
    await dialog.getByRole('button', { name: 'Save rule' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(() => ruleOrder(page))
      .toEqual(['Large invoices', 'Water service', 'Purchase orders']);
    await page
      .getByText('PO number is one of PO-1, PO-2; and Invoice total is at least $100.00')
      .waitFor();
    saved = (await apiCall('GET', `/api/v1/customers/${cus.id}/autopay-rules`)) as typeof saved;
    expect(saved.rules[2]?.criteria).toEqual([
      { field: 'po_number', operator: 'in', values: ['PO-1', 'PO-2'] },
      { field: 'invoice_total', operator: 'gte', values: [10_000] },
    ]);

    // Lock the first rule: its edit and switch buttons go, and the portal shows it greyed out.
    await page.getByRole('button', { name: 'Lock Large invoices' }).click();
    await page.getByRole('button', { name: 'Unlock Large invoices' }).waitFor();
    expect(await page.getByRole('button', { name: 'Edit Large invoices' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Edit Water service' }).isDisabled()).toBe(false);

    const portal = await b.newPage();
    portal.setDefaultTimeout(20_000);
    await signedInContact(portal, { customerId: cus.id });
    await portal.goto('/portal/account');
    await portal.getByRole('heading', { name: 'Autopay rules' }).waitFor();
    const locked = portal.getByRole('switch', { name: 'Rule Large invoices is on' });
    const open = portal.getByRole('switch', { name: 'Rule Water service is on' });
    await locked.waitFor();
    expect(await locked.isDisabled()).toBe(true);
    expect(await open.isDisabled()).toBe(false);
    await portal.getByText('The billing team locked this rule; ask them to change it.').waitFor();
    await checkPage(portal, 'portal-autopay-locked-rule');
    // The unlocked one the contact can switch off.
    await open.click({ force: true });
    await expect
      .poll(async () => {
        const a = (await apiCall('GET', `/api/v1/customers/${cus.id}/autopay-rules`)) as {
          rules: { name: string; enabled: boolean }[];
        };
        return a.rules.map((r) => `${r.name}:${r.enabled}`);
      })
      .toEqual(['Large invoices:true', 'Water service:false', 'Purchase orders:true']);
  });
});

describe('console history tab', () => {
  it('lists invoices and transactions, records a check payment and refunds part of it', async () => {
    const who = await customer(unique('History Farms'));
    const big = await postedInvoice(who.id, 12_000, '2026-06-01');
    const bigNumber = ((await apiCall('GET', `/api/v1/invoices/${big}`)) as { number: string })
      .number;
    const small = await postedInvoice(who.id, 3_000);
    // A bank debit on its way: accepted, but the funds are not received yet.
    const bank = await addBank(who.id);
    await apiCall('POST', '/api/v1/payments', {
      customer_id: who.id,
      payment_method_id: bank,
      allocations: [{ invoice_id: small, amount: 3_000 }],
    });
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${who.id}?tab=history`);
    const invoices = page.getByRole('region', { name: 'Invoice history' });
    await invoices.getByRole('row').nth(2).waitFor();
    expect(await invoices.getByRole('row').count()).toBe(3);
    const transactions = page.getByRole('region', { name: 'Transaction history' });
    await transactions
      .getByRole('row')
      .filter({ hasText: 'Bank debit' })
      .getByText('Accepted — funds not yet received')
      .waitFor();

    // Record a check: the check number is required.
    await page.getByRole('button', { name: 'Record external payment' }).click();
    const dialog = page.getByRole('dialog', { name: 'Record an external payment' });
    await dialog.getByLabel('Amount').fill('50');
    await dialog.getByRole('button', { name: 'Record payment' }).click();
    await dialog.getByText('Enter the check number').waitFor();
    await dialog.getByLabel(/^Check number/).fill('1042');
    await dialog.getByRole('button', { name: 'Record payment' }).click();

    // The detail opens at its address, with what the check paid.
    const drawer = page.getByRole('dialog', { name: 'Transaction: Check 1042' });
    await drawer.getByText('Recorded by staff (received outside Billow)').waitFor();
    expect(page.url()).toMatch(/[?&]payment=pay_/);
    const paymentId = new URL(page.url()).searchParams.get('payment') as string;
    const applied = drawer.getByRole('region', { name: 'Applied to invoices' });
    await applied.getByText('$50.00').waitFor();
    // The oldest invoice, by its number (not its id); the number opens it.
    await applied.getByRole('button', { name: bigNumber, exact: true }).waitFor();
    expect(await applied.getByText(big).count()).toBe(0);
    await checkPage(page, 'console-transaction-detail');

    // Refund part of it, keeping the invoice settled (credit). The form starts at what the
    // payment still holds: all of it.
    await drawer.getByRole('button', { name: 'Refund' }).click();
    const refundAmount = drawer.getByLabel(/^Refund amount/);
    expect(await refundAmount.inputValue()).toBe('50.00');
    await drawer.getByText(/Up to \$50\.00/).waitFor();
    await checkPage(page, 'console-refund-form');
    await refundAmount.fill('20');
    await drawer.getByRole('radio', { name: /^Credit/ }).check();
    await drawer.getByRole('button', { name: 'Refund', exact: true }).last().click();
    await drawer.getByText('Refunded $20.00.').waitFor();
    await drawer
      .getByRole('region', { name: 'Refunds' })
      .getByText(/credited/)
      .waitFor();
    // A second refund starts at what is left: 50 − 20.
    await drawer.getByRole('button', { name: 'Done' }).click();
    await drawer.getByRole('button', { name: 'Refund' }).click();
    await expect.poll(() => drawer.getByLabel(/^Refund amount/).inputValue()).toBe('30.00');
    await drawer.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('button', { name: 'Close the transaction detail' }).click();
    // Axe must not see the drawer half faded out (its title reads as low contrast then). Closing
    // drops `?payment=`, so the fading drawer's title is no longer "Transaction: Check 1042":
    // wait for any dialog to be gone.
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    const row = transactions.getByRole('row').filter({ hasText: 'Check 1042' });
    await row.getByText('$20.00').waitFor();
    await row.getByText('$50.00').waitFor();
    await checkPage(page, 'console-history');

    // The filter asks the server: only paid invoices (none) shows the empty state.
    await page.getByRole('combobox', { name: 'Invoice status' }).click();
    await page.getByRole('option', { name: 'Paid', exact: true }).click();
    await invoices.getByText('No invoice has this status.').waitFor();
    expect(page.url()).toMatch(/invoices_status=paid/);

    // The global search's transaction hit lands on the same detail (`?payment=ID`).
    const box = page.getByLabel('Search everything');
    await box.click();
    await page.keyboard.type(paymentId);
    await page.getByRole('option').first().waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Transaction: Check 1042' }).waitFor();
    expect(page.url()).toContain(`payment=${paymentId}`);
  });
});

describe('console history pages', () => {
  it('keeps each list’s filter and page in the address', async () => {
    const who = await customer(unique('Paged Farms'));
    for (let i = 0; i < 27; i++) await postedInvoice(who.id, 1_000 + i);
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${who.id}?tab=history`);
    const list = page.getByRole('region', { name: 'Invoice history' });
    const rows = list.getByRole('row');
    await expect.poll(() => rows.count()).toBe(26);
    await list.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => rows.count()).toBe(3);
    expect(page.url()).toMatch(/invoices_cursor=inv_/);
    // A reload shows the same page; a filter starts on its first page.
    await page.reload();
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(3);
    await page.getByRole('combobox', { name: 'Invoice status' }).click();
    await page.getByRole('option', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.url()).not.toMatch(/invoices_cursor/);
    expect(page.url()).toMatch(/invoices_status=open/);
    await expect.poll(() => rows.count()).toBe(26);
    // Back returns to the page before the filter.
    await page.goBack();
    await expect.poll(() => rows.count()).toBe(3);
    await page.close();
  });
});

describe('console pay dialog preview', () => {
  it('says before Confirm which scheduled payment a payment now lowers', async () => {
    const who = await customer(unique('Preview Farms'));
    const inv = await postedInvoice(who.id, 12_000);
    const method = await addCard(who.id);
    const { today } = (await apiCall('GET', `/api/v1/customers/${who.id}/pay-options`)) as {
      today: string;
    };
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 10);
    const later = d.toISOString().slice(0, 10);
    await apiCall('POST', '/api/v1/payments', {
      customer_id: who.id,
      payment_method_id: method,
      allocations: [{ invoice_id: inv, amount: 12_000 }],
      scheduled_for: later,
    });
    const number = ((await apiCall('GET', `/api/v1/invoices/${inv}`)) as { number: string }).number;
    const page = await b.newPage();
    await signInOwner(page, { timeout: 20_000 });
    await page.goto(`/console/customers/${who.id}`);
    await page.getByLabel(`Select invoice ${number}`).check();
    await page.getByRole('button', { name: 'Pay selected (1)' }).click();
    const dialog = page.getByRole('dialog', { name: 'Pay selected invoices' });
    await dialog.getByLabel(`Amount to pay on invoice ${number}, in dollars`).fill('80');
    await dialog.getByRole('button', { name: 'Review payment' }).click();
    const shown = new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
      d,
    );
    await dialog
      .getByText(`This payment lowers the scheduled payment of ${shown} from $120.00 to $40.00.`)
      .waitFor();
    await dialog.getByRole('button', { name: 'Confirm and pay' }).waitFor();
    await checkPage(page, 'console-pay-preview');
  });
});
