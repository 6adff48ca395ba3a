/**
 * The portal's payment methods and autopay in Chromium (D1–D7, G1): a contact adds a card
 * through the form (the numbers go to the sandbox's tokenization, never to a portal endpoint),
 * adds a bank account, verifies its micro-deposits (the amounts read the way a person reads a
 * bank statement: here through the sandbox's staff endpoint), makes it the default, is refused a
 * delete while an autopay rule uses a method and sees why, and turns autopay on and off.
 */
import type { Page, Request } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { apiCall, checkPage, useBrowser } from './browser.js';
import { signedInContact } from './portal-helpers.js';

const b = useBrowser();

const CARD = '4242424242424242';
const ACCOUNT = '000123456789';

interface MethodBody {
  id: string;
  kind: string;
  is_default: boolean;
  status: string;
}

async function staffMethods(customerId: string) {
  return (await apiCall('GET', `/api/v1/customers/${customerId}/payment-methods`)) as {
    data: MethodBody[];
    default_method_id: string | null;
  };
}

/** Every request that carried a card or account number, and where it went. */
function watchNumbers(page: Page): string[] {
  const seen: string[] = [];
  page.on('request', (req: Request) => {
    const body = req.postData() ?? '';
    if (body.includes(CARD) || body.includes(ACCOUNT)) seen.push(new URL(req.url()).pathname);
  });
  return seen;
}

async function openMethods(page: Page) {
  await page
    .getByRole('navigation', { name: 'Main' })
    .getByRole('link', { name: 'Payment methods' })
    .click();
  await page.getByRole('heading', { name: 'Payment methods', level: 1 }).waitFor();
}

// Several pages and dialogs, each checked by axe at two widths and photographed.
describe('payment methods in the portal', () => {
  it('adds a card and a bank account, verifies the account, makes it the default, and is refused a delete with the reason', async () => {
    const page = await b.newPage();
    const numbersWentTo = watchNumbers(page);
    const { customerId } = await signedInContact(page);
    await openMethods(page);
    await page.getByText('No payment method saved').waitFor();
    await checkPage(page, 'portal-payment-methods-empty');

    // A card, through the form.
    await page.getByRole('button', { name: 'Add card' }).click();
    const cardForm = page.getByRole('form', { name: 'New card' });
    await cardForm.getByLabel('Card number').fill(CARD);
    await cardForm.getByLabel('Expiry (MM/YY)').fill('12/30');
    await cardForm.getByLabel('CVV').fill('737');
    await cardForm.getByLabel('Name on card').fill('Dana Lee');
    await cardForm.getByLabel('Address line 1').fill('1 Main St');
    await cardForm.getByLabel('City').fill('Springfield');
    await cardForm.getByLabel('ZIP or postal code').fill('12345');
    await checkPage(page, 'portal-add-card');
    // Without the authorisation tick nothing is sent.
    await cardForm.getByRole('button', { name: 'Save card' }).click();
    await cardForm.getByText('Tick the authorisation to continue').waitFor();
    expect(numbersWentTo).toEqual([]);
    await cardForm.getByLabel(/I authorise charges/).check();
    await cardForm.getByRole('button', { name: 'Save card' }).click();
    await page.getByRole('status').getByText('Visa ending 4242 is saved.').waitFor();
    const list = page.getByRole('main').getByRole('list').first();
    await list.getByText('Visa ending 4242').waitFor();
    await list.getByText('Expires 12/2030').waitFor();
    await list.getByText('Default', { exact: true }).waitFor();
    expect(numbersWentTo).toEqual(['/api/v1/sandbox/portal-tokens']);

    // A bank account: saved unverified, then verified with its two deposits.
    await page.getByRole('button', { name: 'Add bank account' }).click();
    const bankForm = page.getByRole('form', { name: 'New bank account' });
    await bankForm.getByLabel('Business').check();
    await bankForm.getByLabel('Business name on account').fill('Globex Corporation');
    await bankForm.getByLabel('Routing number').fill('110000000');
    await bankForm.getByLabel('Account number').fill(ACCOUNT);
    await checkPage(page, 'portal-add-bank');
    await bankForm.getByLabel(/I authorise debits/).check();
    await bankForm.getByRole('button', { name: 'Save bank account' }).click();
    await page
      .getByRole('status')
      .getByText(/Checking account ending 6789 is saved/)
      .waitFor();
    await page.getByText('Verification pending').waitFor();
    expect(numbersWentTo).toEqual([
      '/api/v1/sandbox/portal-tokens',
      '/api/v1/sandbox/portal-tokens',
    ]);
    const bank = (await staffMethods(customerId)).data.find((m) => m.kind === 'bank_account');
    expect(bank?.status).toBe('unverified');
    const { amounts } = (await apiCall(
      'GET',
      `/api/v1/sandbox/payment-methods/${bank?.id}/micro-deposits`,
    )) as { amounts: [number, number] };

    await page.getByRole('button', { name: 'Verify' }).click();
    const dialog = page.getByRole('dialog', { name: /Verify Checking account ending 6789/ });
    const wrong = amounts[0] === 99 ? 98 : amounts[0] + 1;
    await dialog.getByLabel('First deposit (cents)').fill(String(wrong));
    await dialog.getByLabel('Second deposit (cents)').fill(String(amounts[1]));
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.getByText(/do not match the two deposits\. 2 attempts left/).waitFor();
    await expectDialogAccessible(page, 'portal-verify-bank');
    await dialog.getByLabel('First deposit (cents)').fill(String(amounts[1]));
    await dialog.getByLabel('Second deposit (cents)').fill(String(amounts[0]));
    await dialog.getByRole('button', { name: 'Verify' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByText('Verification pending').waitFor({ state: 'detached' });
    // Saved after the card, so once verified it is the default (D4); the card can be again.
    expect((await staffMethods(customerId)).default_method_id).toBe(bank?.id);
    await page.getByRole('button', { name: 'Make Visa ending 4242 the default' }).click();
    await page
      .getByRole('button', { name: 'Make Checking account ending 6789 the default' })
      .waitFor();
    await page
      .getByRole('button', { name: 'Make Checking account ending 6789 the default' })
      .click();
    await page.getByRole('button', { name: 'Make Visa ending 4242 the default' }).waitFor();
    expect((await staffMethods(customerId)).default_method_id).toBe(bank?.id);
    await checkPage(page, 'portal-payment-methods');

    // An autopay rule uses the card: the delete is refused, and the page says why.
    const card = (await staffMethods(customerId)).data.find((m) => m.kind === 'card');
    await apiCall('PUT', `/api/v1/customers/${customerId}/autopay-rules`, {
      rules: [{ name: 'Everything', payment_method_id: card?.id }],
    });
    await page.getByRole('button', { name: 'Delete Visa ending 4242' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete Visa ending 4242?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm
      .getByText(
        /used by 1 autopay rule, so it cannot be deleted\. Ask the billing team to move it/,
      )
      .waitFor();
    await expectDialogAccessible(page, 'portal-delete-refused');
    expect(await confirm.getByRole('button', { name: 'Delete' }).count()).toBe(0);
    await confirm.getByRole('button', { name: 'Close', exact: true }).click();
    expect((await staffMethods(customerId)).data.map((m) => m.id)).toContain(card?.id);

    // Without the rule it goes.
    await apiCall('PUT', `/api/v1/customers/${customerId}/autopay-rules`, { rules: [] });
    await page.getByRole('button', { name: 'Delete Visa ending 4242' }).click();
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.waitFor({ state: 'hidden' });
    await page.getByText('Visa ending 4242').waitFor({ state: 'detached' });
  }, 300_000);

  it('turns autopay on and off on My account, and shows it disabled with the reason', async () => {
    const page = await b.newPage();
    const { customerId } = await signedInContact(page);
    const account = page.getByRole('navigation', { name: 'Main' }).getByRole('link', {
      name: 'My account',
    });
    await account.click();
    const toggle = page.getByRole('switch', { name: 'Autopay future invoices' });
    await toggle.waitFor();
    expect(await toggle.isDisabled()).toBe(true);
    await page.getByText('Autopay needs a usable payment method.').waitFor();
    await checkPage(page, 'portal-account-autopay-off');

    // A card (staff add it here; the form is covered above) makes autopay possible.
    const token = (await apiCall('POST', '/api/v1/sandbox/tokens', {
      card: { number: '5555555555554444', expiry: '12/30', cvc: '737', name: 'Dana Lee' },
    })) as { id: string };
    await apiCall('POST', `/api/v1/customers/${customerId}/payment-methods`, {
      gateway_token: token.id,
      authorized: true,
    });
    await page.reload();
    await toggle.waitFor();
    await expect.poll(() => toggle.isDisabled(), { timeout: 15_000 }).toBe(false);
    await page.getByText(/paid with Mastercard ending 4444/).waitFor();
    // The switch follows the server: it moves once the API has turned autopay on.
    await toggle.click();
    await page.getByRole('status').getByText('Autopay is on.').waitFor();
    expect(await toggle.isChecked()).toBe(true);
    const staff = () =>
      apiCall('GET', `/api/v1/customers/${customerId}/autopay`) as Promise<{ enabled: boolean }>;
    expect((await staff()).enabled).toBe(true);
    await checkPage(page, 'portal-account-autopay-on');
    await toggle.click();
    await page.getByRole('status').getByText('Autopay is off.').waitFor();
    expect(await toggle.isChecked()).toBe(false);
    expect((await staff()).enabled).toBe(false);

    // Staff lock it: the switch is disabled and says why.
    await apiCall('PATCH', `/api/v1/customers/${customerId}/autopay`, { locked: true });
    await page.reload();
    await page.getByText(/Autopay is off\. The billing team .* has locked autopay/).waitFor();
    expect(await toggle.isDisabled()).toBe(true);
    await checkPage(page, 'portal-account-autopay-locked');
  }, 180_000);
});

/** axe over a page with an open dialog, and its screenshots. */
async function expectDialogAccessible(page: Page, name: string) {
  await checkPage(page, name);
}
