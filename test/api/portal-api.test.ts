/**
 * The portal API (I1–I4, C8, C9, E7, H3, C1): every endpoint answers for the contact's own
 * customer only, filtered by the contact profile, and opens only with a live portal session —
 * never with a staff cookie or an API key; state changes need the CSRF token.
 */
import { describe, expect, it } from 'vitest';
import { client, newTenant, type TestTenant, unique, useTenant } from '../helpers/app.js';
import {
  created,
  draftInvoice,
  newCustomer,
  postedInvoice,
  profileNamed,
} from '../helpers/billing.js';
import { type Harness, useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod } from '../helpers/payment-methods.js';
import { pay } from '../helpers/payments.js';
import { type PortalClient, portalContact } from '../helpers/portal.js';

const h = useHarness();
const t = useTenant(h);

/** A customer with two posted invoices (one partly paid by card, one part-credited), a draft. */
async function billedCustomer(h: Harness, t: TestTenant) {
  const customer = await newCustomer(t);
  const method = await saveMethod(t, customer.id, cardBody());
  const first = await postedInvoice(t, customer.id, 10_000);
  const second = await postedInvoice(t, customer.id, 4_000);
  const draft = await draftInvoice(t, customer.id, 999);
  const payment = await pay(t, customer.id, method.id, 2_500, {
    allocations: [{ invoice_id: first, amount: 2_500 }],
  });
  const memo = await t.api.post('/api/v1/credit-memos', {
    customer_id: customer.id,
    amount: 1_000,
    reason: 'Goodwill',
    invoice_id: second,
  });
  expect(memo.status, JSON.stringify(memo.body)).toBe(201);
  const unapplied = await t.api.post('/api/v1/credit-memos', {
    customer_id: customer.id,
    amount: 700,
    reason: 'Service credit',
  });
  expect(unapplied.status).toBe(201);
  const signedIn = await portalContact(h, t, { customerId: customer.id });
  return { customerId: customer.id, first, second, draft, payment, portal: signedIn.portal };
}

/** Every read endpoint of an open account, with the ids of `ids`. */
const reads = (ids: { first: string }) => [
  '/api/v1/portal/me',
  '/api/v1/portal/dashboard',
  '/api/v1/portal/invoices',
  `/api/v1/portal/invoices/${ids.first}`,
  `/api/v1/portal/invoices/${ids.first}/pdf`,
  '/api/v1/portal/payments',
  '/api/v1/portal/credits',
  '/api/v1/portal/upcoming',
  '/api/v1/portal/accounts',
];
const writes = [
  ['/api/v1/portal/account', { customer_id: 'cus_00000000000000000000000000' }],
  ['/api/v1/portal/password/change', { current_password: 'x', new_password: 'y' }],
  ['/api/v1/portal/logout', {}],
] as const;

describe('the account’s own records', () => {
  it('shows the dashboard from the books', async () => {
    const b = await billedCustomer(h, t);
    const dash = await b.portal.get('/api/v1/portal/dashboard');
    expect(dash.status, JSON.stringify(dash.body)).toBe(200);
    const staff = await t.api.get(`/api/v1/customers/${b.customerId}/balance`);
    expect(dash.body).toMatchObject({
      currency: 'USD',
      time_zone: 'America/New_York',
      balance: staff.body.total_balance,
      past_due: staff.body.total_past_due,
      credits_available: 700,
      payable: true,
      last_invoice_id: b.second,
      last_payment: { id: b.payment.id, amount: 2_500 },
    });
    expect(dash.body.balance).toBe(10_000 - 2_500 + 4_000 - 1_000);
    const paid = (await t.api.get(`/api/v1/payments/${b.payment.id}`)).body;
    expect(dash.body.last_payment.at).toBe(paid.settled_at ?? paid.attempted_at ?? paid.created_at);
  });

  it('leaves the last payment off the dashboard without "view payments"', async () => {
    const b = await billedCustomer(h, t);
    const profile = await t.api.post('/api/v1/contact-profiles', {
      name: `Invoices only ${unique()}`,
      permissions: ['view_invoices'],
    });
    expect(profile.status, JSON.stringify(profile.body)).toBe(201);
    const { portal } = await portalContact(h, t, {
      customerId: b.customerId,
      profile_id: profile.body.id,
    });
    const dash = await portal.get('/api/v1/portal/dashboard');
    expect(dash.status, JSON.stringify(dash.body)).toBe(200);
    expect(dash.body).toMatchObject({
      last_invoice_id: b.second,
      last_payment: null,
      credits_available: null,
      payable: false,
    });
    // An account with nothing posted or paid yet has neither.
    const fresh = await portalContact(h, t, { customerId: (await newCustomer(t)).id });
    const empty = await fresh.portal.get('/api/v1/portal/dashboard');
    expect(empty.body).toMatchObject({ last_invoice_id: null, last_payment: null, balance: 0 });
  });

  it('lists posted invoices only, pages them, and filters by status', async () => {
    const b = await billedCustomer(h, t);
    await postedInvoice(t, (await newCustomer(t)).id, 123);
    const list = await b.portal.get('/api/v1/portal/invoices');
    expect(list.status).toBe(200);
    expect(list.body.data.map((i: { id: string }) => i.id)).toEqual([b.second, b.first]);
    expect(list.body.data[0]).not.toHaveProperty('sync_state');
    const page1 = await b.portal.get('/api/v1/portal/invoices?limit=1');
    expect(page1.body.data.map((i: { id: string }) => i.id)).toEqual([b.second]);
    const page2 = await b.portal.get(
      `/api/v1/portal/invoices?limit=1&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body.data.map((i: { id: string }) => i.id)).toEqual([b.first]);
    expect(page2.body.next_cursor).toBeNull();
    const partly = await b.portal.get('/api/v1/portal/invoices?status=partially_paid');
    expect(partly.body.data).toHaveLength(2);
    expect((await b.portal.get('/api/v1/portal/invoices?status=draft')).status).toBe(400);
  });

  it('shows an invoice with its lines, what was applied to it, and its PDF', async () => {
    const b = await billedCustomer(h, t);
    const inv = await b.portal.get(`/api/v1/portal/invoices/${b.first}`);
    expect(inv.status, JSON.stringify(inv.body)).toBe(200);
    expect(inv.body).toMatchObject({ id: b.first, total: 10_000, balance: 7_500 });
    expect(inv.body.lines).toHaveLength(1);
    expect(inv.body.summary.payments).toEqual([
      expect.objectContaining({ payment_id: b.payment.id, amount: 2_500 }),
    ]);
    const second = await b.portal.get(`/api/v1/portal/invoices/${b.second}`);
    expect(second.body.summary.credits).toEqual([expect.objectContaining({ amount: 1_000 })]);
    const pdf = await h.app.inject({
      method: 'GET',
      url: `/api/v1/portal/invoices/${b.first}/pdf`,
      headers: { cookie: `billow_portal=${b.portal.token}` },
    });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
  });

  it('lists payments, credits and the upcoming estimate', async () => {
    const b = await billedCustomer(h, t);
    const payments = await b.portal.get('/api/v1/portal/payments');
    expect(payments.status).toBe(200);
    expect(payments.body.data).toEqual([
      expect.objectContaining({
        id: b.payment.id,
        amount: 2_500,
        status: 'succeeded',
        applications: [{ invoice_id: b.first, amount: 2_500 }],
      }),
    ]);
    expect(payments.body.data[0]).not.toHaveProperty('gateway_charge_id');
    const credits = await b.portal.get('/api/v1/portal/credits?type=memo');
    expect(credits.body).toMatchObject({ type: 'memo', total: 700, count: 1 });
    // A page at a time, and only of its own credits.
    const paged = await b.portal.get('/api/v1/portal/credits?limit=1');
    expect(paged.body).toMatchObject({ count: 1, next_cursor: null });
    const stranger = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', {
        customer_id: (await newCustomer(t)).id,
        amount: 100,
        reason: 'Not yours',
      }),
    );
    const probe = await b.portal.get(`/api/v1/portal/credits?cursor=${stranger.id}`);
    expect(probe.status).toBe(400);
    expect(probe.body.error.code).toBe('invalid_cursor');
    const upcoming = await b.portal.get('/api/v1/portal/upcoming');
    expect(upcoming.status, JSON.stringify(upcoming.body)).toBe(200);
    expect(upcoming.body.estimate).toBe(true);
  });
});

describe('the payment list', () => {
  it('shows each payment as the staff history does, page by page', async () => {
    const customer = await newCustomer(t);
    const method = await saveMethod(t, customer.id, cardBody());
    const a = await postedInvoice(t, customer.id, 10_000);
    const b = await postedInvoice(t, customer.id, 4_000);
    await pay(t, customer.id, method.id, 2_500, {
      allocations: [{ invoice_id: a, amount: 2_500 }],
    });
    const split = await pay(t, customer.id, method.id, 6_000, {
      allocations: [
        { invoice_id: b, amount: 4_000 },
        { invoice_id: a, amount: 2_000 },
      ],
    });
    const refund = await t.api.post(`/api/v1/payments/${split.id}/refunds`, {
      amount: 1_000,
      outcome: 'reopen',
    });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    await pay(t, customer.id, method.id, 3_000, { scheduled_for: '2026-12-20' });
    // More than is open: what is left stays unapplied on the account.
    await pay(t, customer.id, method.id, 20_000, { prepayment: true });
    const { portal } = await portalContact(h, t, { customerId: customer.id });

    const seen: Record<string, unknown>[] = [];
    let cursor: string | null = null;
    do {
      const res = await portal.get(
        `/api/v1/portal/payments?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      seen.push(...res.body.data);
      cursor = res.body.next_cursor;
    } while (cursor && seen.length < 10);
    const staff = (await t.api.get(`/api/v1/payments?customer=${customer.id}`)).body.data as Record<
      string,
      unknown
    >[];
    expect(staff).toHaveLength(4);
    const shown = Object.keys(seen[0] ?? {}).sort();
    expect(shown).toEqual(
      [
        'id',
        'status',
        'amount',
        'currency',
        'method_type',
        'reference',
        'scheduled_for',
        'failure_message',
        'amount_refunded',
        'unapplied',
        'applications',
        'expected_settlement_date',
        'attempted_at',
        'settled_at',
        'created_at',
      ].sort(),
    );
    expect(seen).toEqual(
      staff.map((p) => ({
        ...Object.fromEntries(shown.map((k) => [k, p[k]])),
        applications: (p.applications as { invoice_id: string; amount: number }[]).map((x) => ({
          invoice_id: x.invoice_id,
          amount: x.amount,
        })),
      })),
    );
    // The refund and the overpayment are there as the books say them.
    expect(seen.find((p) => p.id === split.id)).toMatchObject({ amount_refunded: 1_000 });
    expect(seen.filter((p) => Number(p.unapplied) > 0)).toHaveLength(1);
  });
});

describe('scoping', () => {
  it('refuses another customer’s invoice and hides drafts, as not found alike', async () => {
    const b = await billedCustomer(h, t);
    const stranger = await postedInvoice(t, (await newCustomer(t)).id, 5_000);
    for (const id of [stranger, b.draft, 'inv_00000000000000000000000000']) {
      for (const suffix of ['', '/pdf']) {
        const res = await b.portal.get(`/api/v1/portal/invoices/${id}${suffix}`);
        expect(res.status, `${id}${suffix}`).toBe(404);
        expect(res.body.error.code).toBe('portal_not_found');
      }
    }
  });

  it('refuses another tenant’s invoice', async () => {
    const b = await billedCustomer(h, t);
    const other = await portalContact(h, await newTenant(h));
    const res = await other.portal.get(`/api/v1/portal/invoices/${b.first}`);
    expect(res.body.error.code).toBe('portal_not_found');
    expect((await other.portal.get('/api/v1/portal/invoices')).body.data).toEqual([]);
    expect((await other.portal.get('/api/v1/portal/payments')).body.data).toEqual([]);
    expect((await other.portal.get('/api/v1/portal/credits')).body.count).toBe(0);
    const choose = await other.portal.post('/api/v1/portal/account', {
      customer_id: b.customerId,
    });
    expect(choose.body.error.code).toBe('portal_account_not_found');
  });
});

describe('child accounts', () => {
  it('shows a parent’s contact its children’s records, never a child’s contact its parent’s', async () => {
    const parent = await newCustomer(t, { name: 'Parent Co' });
    const child = await newCustomer(t, { name: 'Child Co', parent_id: parent.id });
    const parentInvoice = await postedInvoice(t, parent.id, 1_000);
    const childInvoice = await postedInvoice(t, child.id, 2_000);
    const up = await portalContact(h, t, { customerId: parent.id });
    const down = await portalContact(h, t, { customerId: child.id });

    const me = await up.portal.get('/api/v1/portal/me');
    expect(me.body.children).toEqual([
      { id: child.id, name: 'Child Co', number: child.number, parent_id: parent.id },
    ]);
    const dash = await up.portal.get('/api/v1/portal/dashboard');
    expect(dash.body).toMatchObject({ balance: 1_000, children: { count: 1, balance: 2_000 } });
    const own = await up.portal.get('/api/v1/portal/invoices');
    expect(own.body.data.map((i: { id: string }) => i.id)).toEqual([parentInvoice]);
    const theirs = await up.portal.get(`/api/v1/portal/invoices?customer_id=${child.id}`);
    expect(theirs.body.data.map((i: { id: string }) => i.id)).toEqual([childInvoice]);
    expect((await up.portal.get(`/api/v1/portal/invoices/${childInvoice}`)).status).toBe(200);
    expect((await up.portal.get(`/api/v1/portal/payments?customer_id=${child.id}`)).status).toBe(
      200,
    );

    expect((await down.portal.get('/api/v1/portal/me')).body.children).toEqual([]);
    const refused = await down.portal.get(`/api/v1/portal/invoices?customer_id=${parent.id}`);
    expect(refused.body.error.code).toBe('portal_not_found');
    for (const url of [
      `/api/v1/portal/invoices/${parentInvoice}`,
      `/api/v1/portal/payments?customer_id=${parent.id}`,
      `/api/v1/portal/credits?customer_id=${parent.id}`,
      `/api/v1/portal/upcoming?customer_id=${parent.id}`,
    ]) {
      expect((await down.portal.get(url)).status, url).toBe(404);
    }
  });
});

describe('the contact profile (I4)', () => {
  it('refuses, naming the permission, instead of showing an empty list', async () => {
    const customer = await newCustomer(t);
    await postedInvoice(t, customer.id, 1_000);
    const none = await profileNamed(t, 'No access');
    const { portal } = await portalContact(h, t, {
      customerId: customer.id,
      profile_id: none.id,
    });
    const me = await portal.get('/api/v1/portal/me');
    expect(me.status).toBe(200);
    expect(me.body.permissions).toEqual([]);
    for (const [url, permission] of [
      ['/api/v1/portal/dashboard', 'view_invoices'],
      ['/api/v1/portal/invoices', 'view_invoices'],
      ['/api/v1/portal/upcoming', 'view_invoices'],
      ['/api/v1/portal/payments', 'view_payments'],
      ['/api/v1/portal/credits', 'view_credits'],
    ] as const) {
      const res = await portal.get(url);
      expect(res.status, url).toBe(403);
      expect(res.body.error).toMatchObject({
        code: 'portal_permission_denied',
        details: { permission },
      });
    }
  });

  it('follows a profile change at once; a viewer sees but may not pay', async () => {
    const customer = await newCustomer(t);
    await postedInvoice(t, customer.id, 1_000);
    const viewer = await profileNamed(t, 'Viewer');
    const { portal, contact } = await portalContact(h, t, { customerId: customer.id });
    expect((await portal.get('/api/v1/portal/dashboard')).body.payable).toBe(true);
    await t.api.patch(`/api/v1/contacts/${contact.id}`, { profile_id: viewer.id });
    const dash = await portal.get('/api/v1/portal/dashboard');
    expect(dash.body).toMatchObject({ payable: false, balance: 1_000 });
    const none = await profileNamed(t, 'No access');
    await t.api.patch(`/api/v1/contacts/${contact.id}`, { profile_id: none.id });
    expect((await portal.get('/api/v1/portal/invoices')).status).toBe(403);
  });
});

describe('credentials', () => {
  const setup = () => billedCustomer(h, t);

  it('refuses a staff cookie and an API key on every portal endpoint', async () => {
    const { first, portal } = await setup();
    const staff = await client(h.app).post('/api/v1/auth/login', {
      email: t.ownerEmail,
      password: t.password,
    });
    const staffCookie = String(staff.headers['set-cookie']).split(';')[0] as string;
    const asStaff = client(h.app, { cookie: staffCookie, 'x-csrf-token': staff.body.csrf_token });
    const withKeyToo = client(h.app, {
      cookie: `billow_portal=${portal.token}`,
      authorization: `Bearer ${t.key}`,
      'x-csrf-token': portal.csrf,
    });
    for (const url of reads({ first })) {
      for (const [who, api] of [
        ['staff cookie', asStaff],
        ['API key', t.api],
        ['API key beside the portal cookie', withKeyToo],
      ] as const) {
        const res = await api.get(url);
        expect(res.status, `${who} ${url}`).toBe(401);
        expect(res.body.error.code).toBe('portal_session_required');
      }
    }
    for (const [url, body] of writes) {
      for (const api of [asStaff, t.api, withKeyToo]) {
        expect((await api.post(url, body)).status, url).toBe(401);
      }
    }
    expect((await portal.get('/api/v1/portal/me')).status).toBe(200);
  });

  it('refuses a state change without the CSRF token', async () => {
    const { portal } = await setup();
    for (const [url, body] of writes) {
      const res = await portal.withoutCsrf.post(url, body);
      expect(res.status, url).toBe(403);
      expect(res.body.error.code).toBe('csrf_failed');
    }
    expect((await portal.get('/api/v1/portal/me')).status).toBe(200);
  });

  it('refuses every endpoint with an expired session', async () => {
    const customer = await newCustomer(t);
    const first = await postedInvoice(t, customer.id, 1_000);
    const { portal } = await portalContact(h, t, { customerId: customer.id });
    expect((await portal.get(`/api/v1/portal/invoices/${first}`)).status).toBe(200);
    h.clock.advance(31 * 60_000);
    await expectAllRefused(portal, first);
  });
});

async function expectAllRefused(portal: PortalClient, first: string) {
  for (const url of reads({ first })) {
    const res = await portal.get(url);
    expect(res.status, url).toBe(401);
    expect(res.body.error.code).toBe('portal_session_required');
  }
  for (const [url, body] of writes) {
    expect((await portal.post(url, body)).status, url).toBe(401);
  }
}
