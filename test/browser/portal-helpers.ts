/**
 * What the portal's browser tests share: seeding through the staff API (customers, contacts,
 * invitations, invoices), reading the emails the suite's SMTP server took, and signing a contact
 * up the way a person does — from the invitation email's link.
 */
import type { Page } from 'playwright-core';
import { expect, inject } from 'vitest';
import { apiCall } from './browser.js';

export const PASSWORD = 'purple tractor umbrella';

let n = 0;
/** A value unique in this run (emails, names), so tests never see each other's records. */
export function unique(prefix: string): string {
  n += 1;
  return `${prefix}-${Date.now().toString(36)}${n}`;
}

interface Mail {
  subject: string;
  text: string;
}

/** The emails to `to` whose subject matches, once at least `count` arrived (the worker sends). */
export async function mailTo(to: string, subject: RegExp, count = 1): Promise<Mail[]> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await fetch(`${inject('billow').mailUrl}?to=${encodeURIComponent(to)}`);
    const found = ((await res.json()) as Mail[]).filter((m) => subject.test(m.subject));
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`no email "${subject}" to ${to} within 20 s`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** The portal link in an email's text. */
export function linkIn(mail: Mail): string {
  const url = /https?:\/\/\S+\/portal\/\S+/.exec(mail.text)?.[0];
  if (!url) throw new Error(`no portal link in "${mail.subject}"`);
  return url;
}

export async function customer(name = unique('Customer')) {
  return (await apiCall('POST', '/api/v1/customers', { name })) as { id: string; name: string };
}

/** A contact of the customer, with the named profile ("Billing admin" unless given). */
export async function contactOf(customerId: string, profile = 'Billing admin', email?: string) {
  const profiles = (await apiCall('GET', '/api/v1/contact-profiles')) as {
    data: { id: string; name: string }[];
  };
  const profileId = profiles.data.find((p) => p.name === profile)?.id;
  if (!profileId) throw new Error(`no profile ${profile}`);
  const address = email ?? `${unique('robin')}@example.com`;
  return (await apiCall('POST', `/api/v1/customers/${customerId}/contacts`, {
    name: 'Robin Quinn',
    email: address,
    profile_id: profileId,
  })) as { id: string; email: string };
}

export async function invite(contactId: string) {
  return (await apiCall('POST', `/api/v1/contacts/${contactId}/invitations`)) as {
    expires_at: string;
  };
}

/** A posted invoice of one line; its id. */
export async function postedInvoice(customerId: string, amount: number, date?: string) {
  const draft = (await apiCall('POST', '/api/v1/invoices', {
    customer_id: customerId,
    ...(date && { invoice_date: date }),
    lines: [{ description: 'Water service', amount }],
  })) as { id: string };
  await apiCall('POST', `/api/v1/invoices/${draft.id}/post`);
  return draft.id;
}

/** Opens the invitation email's link, sets the password and lands on the dashboard. */
export async function acceptInvitation(page: Page, email: string, count = 1): Promise<void> {
  const mails = await mailTo(email, /billing portal$/, count);
  await page.goto(linkIn(mails[count - 1] as Mail));
  await page.getByRole('heading', { name: 'Set up your billing account' }).waitFor();
  await page.getByLabel(/^New password/).fill(PASSWORD);
  await page.getByRole('button', { name: 'Save password' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
  expect(page.url()).toMatch(/\/portal\/$/);
}

/** A contact of a new or given customer, invited and signed in on `page`. */
export async function signedInContact(
  page: Page,
  options: { customerId?: string; profile?: string } = {},
) {
  const customerId = options.customerId ?? (await customer()).id;
  const c = await contactOf(customerId, options.profile);
  await invite(c.id);
  await acceptInvitation(page, c.email);
  return { customerId, email: c.email };
}

/** Signs in on the sign-in page. */
export async function signIn(page: Page, email: string, password = PASSWORD): Promise<void> {
  await page.goto('/portal/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
