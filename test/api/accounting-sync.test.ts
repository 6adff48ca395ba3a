/**
 * Accounting sync (E8, K2): an adapter reads what waits to be sent, reports synced or failed, and
 * sees a record again when it changes after it was sent. Bad results change nothing.
 */
import { describe, expect, it } from 'vitest';
import {
  advance,
  apiKey,
  auditOf,
  type Client,
  newTenant,
  type TestTenant,
  useTenant,
} from '../helpers/app.js';
import {
  created,
  draftInvoice,
  invoiceOnlyCustomer,
  newCustomer,
  postedInvoice,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { verifiedBank } from '../helpers/payment-methods.js';
import { pay, payingCustomer } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const t = useTenant(h, { each: true });

const PENDING = '/api/v1/accounting/pending';
const RESULTS = '/api/v1/accounting/sync-results';

interface Pending {
  type: string;
  id: string;
  sync: { state: string; revision: number; synced_at: string | null; error: string | null };
  customer: { id: string; number: string };
  // biome-ignore lint/suspicious/noExplicitAny: the record's own view, inspected freely
  [record: string]: any;
}

async function pending(api: Client, query: string): Promise<Pending[]> {
  const res = await api.get(`${PENDING}?${query}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

async function pendingIds(api: Client, type: string): Promise<string[]> {
  return (await pending(api, `type=${type}&limit=100`)).map((r) => r.id);
}

async function revisionOf(api: Client, type: string, id: string): Promise<number> {
  const row = (await pending(api, `type=${type}&limit=100`)).find((r) => r.id === id);
  expect(row, `${type} ${id} is pending`).toBeDefined();
  return row?.sync.revision as number;
}

async function synced(api: Client, type: string, id: string, externalId = `EXT-${id}`) {
  const res = await api.post(RESULTS, {
    results: [{ type, id, state: 'synced', external_id: externalId }],
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.data[0]).toMatchObject({ outcome: 'updated', sync: { state: 'synced' } });
}

async function auditActions(t: TestTenant, id: string): Promise<string[]> {
  return (await auditOf(t, id)).map((a) => a.action);
}

describe('GET /accounting/pending', () => {
  it('lists posted and void invoices oldest first, never drafts, page by page', async () => {
    const own = await newTenant(h);
    const cus = await invoiceOnlyCustomer(own, { name: 'Initech' });
    const a = await postedInvoice(own, cus, 1000);
    const draft = await draftInvoice(own, cus, 500);
    const b = await postedInvoice(own, cus, 2000);
    const c = await postedInvoice(own, cus, 3000);
    expect((await own.api.post(`/api/v1/invoices/${c}/void`, { reason: 'Wrong' })).status).toBe(
      200,
    );

    const all = await pending(own.api, 'type=invoice');
    expect(all.map((r) => r.id)).toEqual([a, b, c]);
    expect(all.map((r) => r.id)).not.toContain(draft);
    const first = all[0] as Pending;
    expect(first).toMatchObject({
      type: 'invoice',
      id: a,
      sync: { state: 'pending', synced_at: null, error: null, external_id: null },
      customer: { id: cus, name: 'Initech', accounting_id: null },
      invoice: {
        id: a,
        number: expect.stringMatching(/^INV-/),
        customer_id: cus,
        total: 1000,
        status: 'open',
        sync_state: 'pending',
        lines: [expect.objectContaining({ description: 'Services', amount: 1000 })],
      },
    });
    expect(first.customer.number).toMatch(/^C-/);
    expect(all[2]?.invoice).toMatchObject({ status: 'void', number: expect.any(String) });

    const p1 = await own.api.get(`${PENDING}?type=invoice&limit=2`);
    expect(p1.body.data.map((r: Pending) => r.id)).toEqual([a, b]);
    expect(p1.body.next_cursor).toBe(b);
    const p2 = await own.api.get(`${PENDING}?type=invoice&limit=2&cursor=${p1.body.next_cursor}`);
    expect(p2.body.data.map((r: Pending) => r.id)).toEqual([c]);
    expect(p2.body.next_cursor).toBeNull();

    expect((await own.api.get(`${PENDING}?type=invoice&cursor=nonsense`)).status).toBe(400);
    expect((await own.api.get(`${PENDING}?type=order`)).status).toBe(400);
    expect((await own.api.get(PENDING)).status).toBe(400);
    expect(await pendingIds(own.api, 'credit_memo')).toEqual([]);
  });

  it('lists payments that moved money with their applications, not failed ones', async () => {
    const own = await newTenant(h);
    const { customerId, methodId } = await payingCustomer(own);
    const inv = await postedInvoice(own, customerId, 5000);
    const paid = await pay(own, customerId, methodId, 3000);
    const declined = await payingCustomer(own, '4000000000000002');
    await postedInvoice(own, declined.customerId, 700);
    const failed = await pay(own, declined.customerId, declined.methodId, 700);
    expect(failed.status, JSON.stringify(failed)).toBe('failed');

    const rows = await pending(own.api, 'type=payment');
    expect(rows.map((r) => r.id)).toEqual([paid.id]);
    expect(rows[0]).toMatchObject({
      type: 'payment',
      customer: { id: customerId },
      payment: {
        id: paid.id,
        status: 'succeeded',
        amount: 3000,
        currency: 'USD',
        method_type: 'card',
        applications: [{ invoice_id: inv, amount: 3000 }],
      },
    });
    // A failed payment moved no money: there is nothing to confirm.
    const refused = await own.api.post(RESULTS, {
      results: [{ type: 'payment', id: failed.id, state: 'synced' }],
    });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'accounting_record_not_syncable',
      details: { records: [{ type: 'payment', id: failed.id, status: 'failed' }] },
    });
  });

  it('needs billing:read', async () => {
    const readOnly = (await apiKey(t, 'read_only')).api;
    expect((await readOnly.get(`${PENDING}?type=invoice`)).status).toBe(403);
  });
});

describe('POST /accounting/sync-results', () => {
  it('records synced and failed results, with audit entries, and takes them off the list', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const a = await postedInvoice(t, cus, 1200);
    const b = await postedInvoice(t, cus, 3400);
    const revA = await revisionOf(t.api, 'invoice', a);
    const res = await t.api.post(RESULTS, {
      results: [
        { type: 'invoice', id: a, state: 'synced', external_id: 'QB-1001', revision: revA },
        { type: 'invoice', id: b, state: 'failed', error: 'Customer not found in QuickBooks' },
      ],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data).toMatchObject([
      {
        type: 'invoice',
        id: a,
        outcome: 'updated',
        sync: { state: 'synced', revision: revA, external_id: 'QB-1001', error: null },
      },
      {
        type: 'invoice',
        id: b,
        outcome: 'updated',
        sync: { state: 'failed', error: 'Customer not found in QuickBooks', synced_at: null },
      },
    ]);
    const syncedAt = res.body.data[0].sync.synced_at;
    expect(syncedAt).toBe(h.clock.now().toISOString());

    const viewA = (await t.api.get(`/api/v1/invoices/${a}`)).body;
    expect(viewA).toMatchObject({ sync_state: 'synced', synced_at: syncedAt, sync_error: null });
    const viewB = (await t.api.get(`/api/v1/invoices/${b}`)).body;
    expect(viewB).toMatchObject({
      sync_state: 'failed',
      sync_error: 'Customer not found in QuickBooks',
    });
    const list = await t.api.get(`/api/v1/invoices?customer=${cus}`);
    expect(list.body.data.map((i: { sync_state: string }) => i.sync_state).sort()).toEqual([
      'failed',
      'synced',
    ]);

    // Failed records stay on the list to be retried; synced ones leave it.
    const ids = await pendingIds(t.api, 'invoice');
    expect(ids).toContain(b);
    expect(ids).not.toContain(a);
    expect((await pending(t.api, 'type=invoice&state=failed&limit=100')).map((r) => r.id)).toEqual([
      b,
    ]);
    expect(await auditActions(t, a)).toContain('invoice.synced');
    expect(await auditActions(t, b)).toContain('invoice.sync_failed');
    const events = await t.api.get('/api/v1/events?type=invoice.synced');
    expect(events.body.data[0]).toMatchObject({
      object_id: a,
      data: { type: 'invoice', id: a, sync: { state: 'synced', external_id: 'QB-1001' } },
    });

    // The retry succeeds: the error is cleared.
    await synced(t.api, 'invoice', b, 'QB-1002');
    expect((await t.api.get(`/api/v1/invoices/${b}`)).body).toMatchObject({
      sync_state: 'synced',
      sync_error: null,
    });
  });

  it('is idempotent: a repeat changes nothing and writes no audit entry', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 999);
    const memo = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', { customer_id: cus, amount: 100, reason: 'Goodwill' }),
    );
    const body = {
      results: [
        { type: 'invoice', id: inv, state: 'synced', external_id: 'X-1' },
        { type: 'credit_memo', id: memo.id, state: 'failed', error: 'Period closed' },
      ],
    };
    const first = await t.api.post(RESULTS, body);
    expect(first.body.data.map((r: { outcome: string }) => r.outcome)).toEqual([
      'updated',
      'updated',
    ]);
    const auditBefore = [await auditActions(t, inv), await auditActions(t, memo.id)];
    h.clock.advance(60_000);
    const again = await t.api.post(RESULTS, body);
    expect(again.status).toBe(200);
    expect(again.body.data.map((r: { outcome: string }) => r.outcome)).toEqual([
      'unchanged',
      'unchanged',
    ]);
    // Same state, same time of sync as the first report.
    expect(again.body.data[0].sync).toEqual(first.body.data[0].sync);
    expect([await auditActions(t, inv), await auditActions(t, memo.id)]).toEqual(auditBefore);
    // Without the external id, a synced record keeps the one it has.
    const noExternal = await t.api.post(RESULTS, {
      results: [{ type: 'invoice', id: inv, state: 'synced' }],
    });
    expect(noExternal.body.data[0]).toMatchObject({
      outcome: 'unchanged',
      sync: { external_id: 'X-1' },
    });
    // The Idempotency-Key header replays the first response as well.
    const keyed = { 'idempotency-key': `sync-${inv}` };
    const k1 = await t.api.post(RESULTS, body, keyed);
    const k2 = await t.api.post(RESULTS, body, keyed);
    expect(k2.headers['idempotent-replayed']).toBe('true');
    expect(k2.body).toEqual(k1.body);
  });

  it('refuses unknown ids and other tenants’ ids, naming them, and changes nothing', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const mine = await postedInvoice(t, cus, 500);
    const other = await newTenant(h);
    const theirs = await postedInvoice(other, await invoiceOnlyCustomer(other), 700);
    const res = await t.api.post(RESULTS, {
      results: [
        { type: 'invoice', id: mine, state: 'synced' },
        { type: 'invoice', id: theirs, state: 'synced' },
        { type: 'payment', id: 'pay_01JZZZZZZZZZZZZZZZZZZZZZZZ', state: 'synced' },
        { type: 'credit_memo', id: mine, state: 'synced' },
      ],
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'accounting_record_not_found',
      details: {
        records: [
          { type: 'invoice', id: theirs },
          { type: 'payment', id: 'pay_01JZZZZZZZZZZZZZZZZZZZZZZZ' },
          { type: 'credit_memo', id: mine },
        ],
      },
    });
    expect((await t.api.get(`/api/v1/invoices/${mine}`)).body.sync_state).toBe('pending');
    expect((await other.api.get(`/api/v1/invoices/${theirs}`)).body.sync_state).toBe('pending');
    expect(await auditActions(t, mine)).not.toContain('invoice.synced');
    // The other tenant's invoice is not on this tenant's list either.
    expect(await pendingIds(t.api, 'invoice')).not.toContain(theirs);

    // A draft is not sent to accounting: refused the same way, all or nothing.
    const draft = await draftInvoice(t, cus, 300);
    const drafts = await t.api.post(RESULTS, {
      results: [
        { type: 'invoice', id: mine, state: 'synced' },
        { type: 'invoice', id: draft, state: 'synced' },
      ],
    });
    expect(drafts.status).toBe(409);
    expect(drafts.body.error.details.records).toEqual([
      { type: 'invoice', id: draft, status: 'draft' },
    ]);
    expect((await t.api.get(`/api/v1/invoices/${mine}`)).body.sync_state).toBe('pending');
  });

  it('needs billing:write: a read-only key is refused, a billing key may report', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 800);
    const body = { results: [{ type: 'invoice', id: inv, state: 'synced' }] };
    const readOnly = (await apiKey(t, 'read_only')).api;
    const refused = await readOnly.post(RESULTS, body);
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'forbidden',
      details: { required: 'billing:write' },
    });
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.sync_state).toBe('pending');
    const billing = (await apiKey(t, 'billing')).api;
    expect((await billing.get(`${PENDING}?type=invoice`)).status).toBe(200);
    expect((await billing.post(RESULTS, body)).status).toBe(200);
  });

  it('refuses bad and oversize bodies', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 800);
    const post = (results: unknown) => t.api.post(RESULTS, { results });
    const one = { type: 'invoice', id: inv, state: 'synced' };
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ ...one, id: `inv_${i}` }));
    const many = await post(tooMany);
    expect([many.status, many.body.error.code]).toEqual([400, 'validation_failed']);
    expect((await post([])).status).toBe(400);
    expect((await post([one, one])).status).toBe(400);
    expect((await post([{ ...one, state: 'failed' }])).status).toBe(400);
    expect((await post([{ ...one, error: 'not with synced' }])).status).toBe(400);
    expect((await post([{ ...one, state: 'done' }])).status).toBe(400);
    expect((await post([{ ...one, extra: 1 }])).status).toBe(400);
    expect((await post([{ ...one, state: 'failed', error: 'x'.repeat(1001) }])).status).toBe(400);
    const huge = await t.api.raw(
      'POST',
      RESULTS,
      JSON.stringify({ results: [{ ...one, external_id: 'x'.repeat(3 * 1024 * 1024) }] }),
      'application/json',
    );
    expect([huge.status, huge.body.error.code]).toEqual([413, 'payload_too_large']);
    // A full batch of 1,000 is accepted.
    const full = await post(
      Array.from({ length: 1000 }, (_, i) =>
        i === 0 ? one : { ...one, type: 'payment', id: `pay_${i}` },
      ),
    );
    expect(full.status).toBe(404);
    expect(full.body.error.details.records).toHaveLength(999);
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.sync_state).toBe('pending');
  });
});

describe('a record that changes after it was synced', () => {
  it('comes back pending with a new revision: an adjusted or voided invoice', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 5000);
    const rev = await revisionOf(t.api, 'invoice', inv);
    await synced(t.api, 'invoice', inv);
    expect(await pendingIds(t.api, 'invoice')).not.toContain(inv);

    const adjusted = await t.api.post(`/api/v1/invoices/${inv}/adjustments`, {
      kind: 'credit',
      amount: 500,
      reason: 'Outage',
    });
    expect(adjusted.status, JSON.stringify(adjusted.body)).toBe(200);
    expect(adjusted.body.sync_state).toBe('pending');
    const row = (await pending(t.api, 'type=invoice&limit=100')).find((r) => r.id === inv);
    expect(row?.sync).toMatchObject({ state: 'pending', external_id: `EXT-${inv}` });
    expect(row?.sync.revision).toBeGreaterThan(rev);
    expect(row?.invoice.total).toBe(4500);

    // The adapter's late result for the old revision is ignored: the change is sent again.
    const late = await t.api.post(RESULTS, {
      results: [{ type: 'invoice', id: inv, state: 'synced', revision: rev }],
    });
    expect(late.body.data[0]).toMatchObject({ outcome: 'stale', sync: { state: 'pending' } });
    expect(await pendingIds(t.api, 'invoice')).toContain(inv);
    const current = row?.sync.revision as number;
    const ok = await t.api.post(RESULTS, {
      results: [{ type: 'invoice', id: inv, state: 'synced', revision: current }],
    });
    expect(ok.body.data[0]).toMatchObject({ outcome: 'updated', sync: { state: 'synced' } });

    // Confirming does not count as a change; voiding does.
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.sync_state).toBe('synced');
    const voided = await t.api.post(`/api/v1/invoices/${inv}/void`, { reason: 'Duplicate' });
    expect(voided.body).toMatchObject({ status: 'void', sync_state: 'pending' });
    expect(await revisionOf(t.api, 'invoice', inv)).toBeGreaterThan(current);
  });

  it('comes back pending: a refunded payment, an unapplied payment applied later', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 4000);
    const paid = await pay(t, customerId, methodId, 4000);
    await synced(t.api, 'payment', paid.id);
    expect((await t.api.get(`/api/v1/payments/${paid.id}`)).body.sync_state).toBe('synced');
    const refund = await t.api.post(`/api/v1/payments/${paid.id}/refunds`, { amount: 1000 });
    expect(refund.status, JSON.stringify(refund.body)).toBe(201);
    expect((await t.api.get(`/api/v1/payments/${paid.id}`)).body.sync_state).toBe('pending');
    const row = (await pending(t.api, 'type=payment&limit=100')).find((r) => r.id === paid.id);
    expect(row?.payment).toMatchObject({
      amount_refunded: 1000,
      applications: [{ invoice_id: inv, amount: 3000 }],
    });

    // A check received before any invoice stays unapplied, then pays one.
    const payer = await invoiceOnlyCustomer(t);
    const check = await created<{ id: string; unapplied: number }>(
      t.api.post('/api/v1/payments/external', {
        customer_id: payer,
        method: 'check',
        reference: '1042',
        amount: 600,
        prepayment: true,
      }),
    );
    expect(check.unapplied).toBe(600);
    await synced(t.api, 'payment', check.id);
    const later = await postedInvoice(t, payer, 900);
    const applied = await t.api.post(`/api/v1/payments/${check.id}/apply`, {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);
    const again = (await pending(t.api, 'type=payment&limit=100')).find((r) => r.id === check.id);
    expect(again?.payment.applications).toEqual([{ invoice_id: later, amount: 600 }]);
    expect(again?.sync.state).toBe('pending');
    await expectBooksBalance(h, t.id);
  });

  it('comes back pending: a bank debit returned after it settled; one returned before is never sent', async () => {
    const own = await newTenant(h); // moves its own clock
    const late = await newCustomer(own);
    const lateBank = await verifiedBank(own, late.id, '000222222227'); // settles, then R10
    await postedInvoice(own, late.id, 2700);
    const early = await newCustomer(own);
    const earlyBank = await verifiedBank(own, early.id, '000111111116'); // R01 before settling
    await postedInvoice(own, early.id, 3100);
    const settles = await pay(own, late.id, lateBank.id, 2700);
    const bounces = await pay(own, early.id, earlyBank.id, 3100);
    expect([settles.status, bounces.status]).toEqual(['pending', 'pending']);
    // In flight, nothing is sent.
    expect(await pendingIds(own.api, 'payment')).toEqual([]);

    await advance(own, 4);
    expect((await own.api.get(`/api/v1/payments/${settles.id}`)).body.status).toBe('succeeded');
    expect((await own.api.get(`/api/v1/payments/${bounces.id}`)).body.status).toBe('returned');
    expect(await pendingIds(own.api, 'payment')).toEqual([settles.id]);
    await synced(own.api, 'payment', settles.id);
    expect(await pendingIds(own.api, 'payment')).toEqual([]);

    await advance(own, 7);
    const rows = await pending(own.api, 'type=payment');
    expect(rows.map((r) => r.id)).toEqual([settles.id]);
    expect(rows[0]).toMatchObject({
      sync: { state: 'pending', external_id: `EXT-${settles.id}` },
      payment: { status: 'returned', return_code: 'R10', settled_at: expect.any(String) },
    });
    const refused = await own.api.post(RESULTS, {
      results: [{ type: 'payment', id: bounces.id, state: 'synced' }],
    });
    expect(refused.body.error.code).toBe('accounting_record_not_syncable');
    await expectBooksBalance(h, own.id);
  });

  it('comes back pending: a credit memo applied or voided', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const inv = await postedInvoice(t, cus, 2000);
    const memo = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', { customer_id: cus, amount: 700, reason: 'Credit' }),
    );
    const spare = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', { customer_id: cus, amount: 50, reason: 'Spare' }),
    );
    const rows = await pending(t.api, 'type=credit_memo&limit=100');
    expect(rows.find((r) => r.id === memo.id)).toMatchObject({
      customer: { id: cus },
      credit_memo: { id: memo.id, amount: 700, remaining: 700, applications: [] },
    });
    await synced(t.api, 'credit_memo', memo.id);
    await synced(t.api, 'credit_memo', spare.id);
    await synced(t.api, 'invoice', inv);
    expect((await t.api.get(`/api/v1/credit-memos/${memo.id}`)).body.sync_state).toBe('synced');

    expect((await t.api.post(`/api/v1/credit-memos/${memo.id}/apply`, {})).status).toBe(200);
    const applied = (await pending(t.api, 'type=credit_memo&limit=100')).find(
      (r) => r.id === memo.id,
    );
    expect(applied?.credit_memo.applications).toEqual([
      expect.objectContaining({ invoice_id: inv, amount: 700 }),
    ]);
    expect((await t.api.post(`/api/v1/credit-memos/${spare.id}/void`, {})).status).toBe(200);
    expect(await pendingIds(t.api, 'credit_memo')).toEqual(
      expect.arrayContaining([memo.id, spare.id]),
    );
    // The invoice the credit went to did not change as a document: it stays synced (its
    // balance is the accounting system's own sum of the applications it was sent).
    expect((await t.api.get(`/api/v1/invoices/${inv}`)).body.sync_state).toBe('synced');
  });
});
