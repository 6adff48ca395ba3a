/**
 * Issue 13, item 3: the bill run's review screen searches its drafts on the server. GET /invoices
 * takes `q` (part of the invoice number or the customer's name, or the customer number, with
 * LIKE's wildcards taken literally) beside its filters; each row names its customer and says how
 * its newest email went (the result per invoice after emailing a run).
 */
import { describe, expect, it } from 'vitest';
import { useTenant } from '../helpers/app.js';
import { contact, draftInvoice, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();
const t = useTenant(h);

async function ids(query: string): Promise<string[]> {
  const res = await t.api.get(`/api/v1/invoices?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return (res.body.data as { id: string }[]).map((i) => i.id);
}

describe('the invoice list search', () => {
  it('finds invoices by customer name, customer number or invoice number, and names the customer', async () => {
    const river = await newCustomer(t, { name: 'Riverbend 100% Farms' });
    const hill = await newCustomer(t, { name: 'Hilltop Dairy' });
    const a = await draftInvoice(t, river.id, 1_000);
    const b = await postedInvoice(t, hill.id, 2_000);
    const c = await draftInvoice(t, hill.id, 3_000);

    expect(await ids('q=riverbend')).toEqual([a]);
    expect(await ids('q=HILLTOP')).toEqual([c, b]);
    expect(await ids('q=hilltop&status=draft')).toEqual([c]);
    expect(await ids(`q=${encodeURIComponent(hill.number)}`)).toEqual([c, b]);
    const number = (await t.api.get(`/api/v1/invoices/${b}`)).body.number as string;
    expect(await ids(`q=${encodeURIComponent(number)}`)).toEqual([b]);
    // "%" and "_" are letters to look for, not wildcards.
    expect(await ids(`q=${encodeURIComponent('100%')}`)).toEqual([a]);
    expect(await ids(`q=${encodeURIComponent('%')}`)).toEqual([a]);
    expect(await ids('q=_')).toEqual([]);

    const listed = await t.api.get(`/api/v1/invoices?customer=${hill.id}`);
    expect(
      listed.body.data.map((i: { id: string; customer_name: string }) => [i.id, i.customer_name]),
    ).toEqual([
      [c, 'Hilltop Dairy'],
      [b, 'Hilltop Dairy'],
    ]);
    expect((await t.api.get('/api/v1/invoices?q=')).status).toBe(400);
  });

  it('says how each invoice’s newest email went, null before any', async () => {
    const cus = await newCustomer(t);
    const pat = await contact(t, cus.id);
    const emailed = await postedInvoice(t, cus.id, 4_000);
    const quiet = await postedInvoice(t, cus.id, 5_000);
    expect((await t.api.post(`/api/v1/invoices/${emailed}/email`)).status).toBe(202);
    const listed = await t.api.get(`/api/v1/invoices?customer=${cus.id}`);
    const byId = new Map(
      (listed.body.data as { id: string; last_email: unknown }[]).map((i) => [i.id, i.last_email]),
    );
    expect(byId.get(quiet)).toBeNull();
    expect(byId.get(emailed)).toMatchObject({ to: pat.email, last_error: null });
    expect(['queued', 'sent']).toContain((byId.get(emailed) as { status: string }).status);
  });
});
