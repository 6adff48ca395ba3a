import { describe, expect, it } from 'vitest';
import { apiKey, type Client, newTenant, unique } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { MASTERCARD } from '../helpers/payment-methods.js';
import { pay, payingCustomer } from '../helpers/payments.js';

const h = useHarness();

const SEARCH = '/api/v1/search';
const find = (t: { api: Client }, q: string) => t.api.get(`${SEARCH}?q=${encodeURIComponent(q)}`);

const ids = (list: { id: string }[]) => list.map((x) => x.id);

describe('global search', () => {
  it('finds customers by name, number and billing email, and contacts by name and email', async () => {
    const t = await newTenant(h);
    const word = `zephyr${unique()}`;
    const acme = await newCustomer(t, {
      name: `Acme ${word} Water`,
      billing_email: `ap-${word}@acme.example`,
    });
    const other = await newCustomer(t, { name: `Other ${unique()}` });
    const pat = await contact(t, other.id, { name: `Pat ${word}`, email: `pat@${word}.example` });

    const byName = await find(t, word.toUpperCase());
    expect(byName.status).toBe(200);
    expect(ids(byName.body.customers)).toEqual([acme.id]);
    expect(byName.body.customers[0]).toEqual({
      id: acme.id,
      number: acme.number,
      name: `Acme ${word} Water`,
      billing_email: `ap-${word}@acme.example`,
      status: 'active',
    });
    expect(byName.body.contacts).toEqual([
      {
        id: pat.id,
        customer_id: other.id,
        customer_name: other.name,
        name: `Pat ${word}`,
        email: `pat@${word}.example`,
        status: 'active',
      },
    ]);
    expect(byName.body.jump).toBeNull();
    expect(byName.body.not_searched).toEqual([]);

    expect(ids((await find(t, acme.number)).body.customers)).toEqual([acme.id]);
    expect(ids((await find(t, `ap-${word}@`)).body.customers)).toEqual([acme.id]);
    // A contact's email finds the contact (and so its customer), not the other customers.
    const byEmail = await find(t, `pat@${word}`);
    expect(ids(byEmail.body.contacts)).toEqual([pat.id]);
    expect(byEmail.body.customers).toEqual([]);

    // An exact customer or contact id jumps to it.
    expect((await find(t, acme.id)).body.jump).toEqual({
      kind: 'customer',
      id: acme.id,
      customer_id: acme.id,
    });
    expect((await find(t, pat.id.toUpperCase())).body.jump).toEqual({
      kind: 'contact',
      id: pat.id,
      customer_id: other.id,
    });
  });

  it('stays inside the tenant', async () => {
    const word = `tenantword${unique()}`;
    const a = await newTenant(h);
    const b = await newTenant(h);
    const mine = await newCustomer(a, { name: `Mine ${word}` });
    const theirs = await newCustomer(b, { name: `Theirs ${word}` });
    await contact(b, theirs.id, { name: `Contact ${word}` });
    const inv = await postedInvoice(b, theirs.id, 1_000, { po_number: `PO-${word}` });

    const res = await find(a, word);
    expect(ids(res.body.customers)).toEqual([mine.id]);
    expect(res.body.contacts).toEqual([]);
    expect(res.body.invoices).toEqual([]);
    // Another tenant's id is not found, and does not jump.
    const byId = await find(a, theirs.id);
    expect(byId.body.jump).toBeNull();
    expect(byId.body.customers).toEqual([]);
    expect((await find(a, inv)).body).toMatchObject({ jump: null, invoices: [] });
  });

  it('finds invoices by number and PO number; an exact number or id jumps to the invoice', async () => {
    const t = await newTenant(h);
    const cus = await newCustomer(t);
    const po = `PO-${unique()}`;
    const first = await postedInvoice(t, cus.id, 12_34, { po_number: po });
    const second = await postedInvoice(t, cus.id, 5_00);
    const numberOf = async (id: string) => (await t.api.get(`/api/v1/invoices/${id}`)).body.number;
    const n1 = await numberOf(first);
    const n2 = await numberOf(second);
    expect([n1, n2]).toEqual(['INV-000001', 'INV-000002']);

    const byPo = await find(t, po.toLowerCase().slice(3));
    expect(byPo.body.invoices).toEqual([
      {
        id: first,
        customer_id: cus.id,
        customer_name: cus.name,
        number: n1,
        po_number: po,
        status: 'posted',
        total: 12_34,
        invoice_date: '2026-11-22',
      },
    ]);
    expect(byPo.body.jump).toBeNull();

    const part = await find(t, 'inv-00000');
    expect(ids(part.body.invoices)).toEqual([second, first]);
    expect(part.body.jump).toBeNull();

    const exact = await find(t, 'inv-000001');
    expect(ids(exact.body.invoices)[0]).toBe(first);
    expect(exact.body.jump).toEqual({ kind: 'invoice', id: first, customer_id: cus.id });
    expect((await find(t, second)).body.jump).toEqual({
      kind: 'invoice',
      id: second,
      customer_id: cus.id,
    });
  });

  it('finds transactions by payment id, check number, amount and the last four of the card', async () => {
    const t = await newTenant(h);
    const payer = await payingCustomer(t, MASTERCARD);
    await postedInvoice(t, payer.customerId, 200_00);
    const card = await pay(t, payer.customerId, payer.methodId, 116_37);
    const checkNo = `CHK-${unique()}`;
    const check = await t.api.post('/api/v1/payments/external', {
      customer_id: payer.customerId,
      method: 'check',
      reference: checkNo,
      amount: 50_00,
    });
    expect(check.status, JSON.stringify(check.body)).toBe(201);

    const byId = await find(t, card.id);
    expect(byId.body.jump).toEqual({
      kind: 'transaction',
      id: card.id,
      customer_id: payer.customerId,
    });
    expect(byId.body.transactions).toEqual([
      expect.objectContaining({
        id: card.id,
        customer_id: payer.customerId,
        amount: 116_37,
        method_type: 'card',
        last4: '4444',
        status: 'succeeded',
      }),
    ]);
    expect(ids((await find(t, checkNo.slice(4))).body.transactions)).toEqual([check.body.id]);
    expect((await find(t, checkNo)).body.transactions[0]).toMatchObject({
      method_type: 'check',
      reference: checkNo,
      last4: null,
      amount: 50_00,
    });
    for (const q of ['116.37', '$116.37', ' 116.37 ']) {
      expect(ids((await find(t, q)).body.transactions), q).toEqual([card.id]);
    }
    expect(ids((await find(t, '$50')).body.transactions)).toEqual([check.body.id]);
    expect(ids((await find(t, '4444')).body.transactions)).toEqual([card.id]);
    expect((await find(t, '4242')).body.transactions).toEqual([]);
  });

  it('searches invoices and transactions only for roles that may read billing', async () => {
    const t = await newTenant(h);
    const word = `ro${unique()}`;
    const payer = await payingCustomer(t);
    await t.api.patch(`/api/v1/customers/${payer.customerId}`, { name: `Reader ${word}` });
    const inv = await postedInvoice(t, payer.customerId, 10_00, { po_number: `PO-${word}` });
    const payment = await pay(t, payer.customerId, payer.methodId, 10_00);
    const reader = await apiKey(t, 'read_only');

    const res = await find(reader, word);
    expect(res.status).toBe(200);
    expect(ids(res.body.customers)).toEqual([payer.customerId]);
    expect(res.body.invoices).toEqual([]);
    expect(res.body.not_searched).toEqual(['invoice', 'transaction']);
    expect((await find(reader, inv)).body).toMatchObject({ jump: null, invoices: [] });
    expect((await find(reader, payment.id)).body).toMatchObject({ jump: null, transactions: [] });
    expect((await find(reader, '10.00')).body.transactions).toEqual([]);
    // The same terms find them for a billing role.
    const billing = await apiKey(t, 'billing');
    expect((await find(billing, inv)).body.jump).toMatchObject({ kind: 'invoice', id: inv });
  });

  it('takes wildcards literally and refuses an empty or over-long term', async () => {
    const t = await newTenant(h);
    const word = unique();
    const pct = await newCustomer(t, { name: `100% ${word}` });
    await newCustomer(t, { name: `100 ${word}` });
    expect(ids((await find(t, `100% ${word}`)).body.customers)).toEqual([pct.id]);
    expect(ids((await find(t, '0%')).body.customers)).toEqual([pct.id]);
    expect((await find(t, '_')).body.customers).toEqual([]);

    for (const q of ['', '   ', 'x'.repeat(101)]) {
      const res = await find(t, q);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const limited = await t.api.get(`${SEARCH}?q=${word}&limit=1`);
    expect(limited.body.customers).toHaveLength(1);
    expect((await t.api.get(`${SEARCH}?q=${word}&limit=21`)).status).toBe(400);
  });
});
