/** The balance card (J3) and the children's balances rolled up (A3). */
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/core/ids.js';
import { advanceTo, newTenant, useTenant } from '../helpers/app.js';
import { created, invoiceOnlyCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
const t = useTenant(h);

/**
 * A received check of `amount`, `applied` of it on `invoiceId`: written straight into the books
 * (what POST /payments/external records) so balances can be tested on their own.
 */
async function check(cus: string, amount: number, invoiceId?: string, applied = 0) {
  const id = newId('payment');
  const now = h.clock.now();
  await h.testDb.db.query(
    `INSERT INTO payments (id, tenant_id, customer_id, method_type, reference, amount, status, source,
                           created_at, updated_at, settled_at)
     VALUES ($1, $2, $3, 'check', 'Check 1001', $4, 'succeeded', 'external', $5, $5, $5)`,
    [id, t.id, cus, amount, now],
  );
  if (invoiceId && applied > 0) {
    await h.testDb.db.query(
      `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, created_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [newId('paymentApplication'), t.id, id, invoiceId, applied, now],
    );
  }
  return id;
}

describe('the balance card', () => {
  it('sums open balances, past due, the oldest open invoice and unapplied credits', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const empty = await t.api.get(`/api/v1/customers/${cus}/balance`);
    expect(empty.body).toEqual({
      customer_id: cus,
      currency: 'USD',
      total_balance: 0,
      total_past_due: 0,
      oldest_open_invoice: null,
      open_invoice_count: 0,
      unapplied_credits: 0,
      net_balance: 0,
      children: { count: 0, total_balance: 0, total_past_due: 0 },
    });
    // Net 30: due 2026-10-31 (past due today, 2026-11-22) and 2026-12-22.
    const old = await postedInvoice(t, cus, 5000, { date: '2026-10-01' });
    const recent = await postedInvoice(t, cus, 7000);
    const paidOff = await postedInvoice(t, cus, 1000, { date: '2026-09-01' });
    await created(
      t.api.post('/api/v1/credit-memos', {
        customer_id: cus,
        amount: 1000,
        reason: 'x',
        invoice_id: paidOff,
      }),
    );
    await created(
      t.api.post('/api/v1/credit-memos', { customer_id: cus, amount: 800, reason: 'Goodwill' }),
    );
    await check(cus, 3000, recent, 2000);
    const res = await t.api.get(`/api/v1/customers/${cus}/balance`);
    expect(res.status).toBe(200);
    const oldNumber = (await t.api.get(`/api/v1/invoices/${old}`)).body.number;
    expect(res.body).toMatchObject({
      total_balance: 10_000,
      total_past_due: 5000,
      oldest_open_invoice: { id: old, number: oldNumber, due_date: '2026-10-31' },
      open_invoice_count: 2,
      unapplied_credits: 1800,
      net_balance: 8200,
    });
    const credits = await t.api.get(`/api/v1/customers/${cus}/credits`);
    expect(credits.body).toMatchObject({ total: 1800, count: 2 });
    expect(credits.body.data.map((r: { type: string }) => r.type).sort()).toEqual([
      'memo',
      'unapplied',
    ]);
    const unapplied = await t.api.get(`/api/v1/customers/${cus}/credits?type=unapplied`);
    expect(unapplied.body.data[0]).toMatchObject({
      type: 'unapplied',
      amount: 3000,
      remaining: 1000,
      reference: 'Check 1001',
    });
    await expectBooksBalance(h, t.id);
  });

  it('rolls up every descendant’s balance for a parent', async () => {
    const parent = await invoiceOnlyCustomer(t, { name: 'Holding' });
    const a = await invoiceOnlyCustomer(t, { parent_id: parent });
    const b = await invoiceOnlyCustomer(t, { parent_id: parent });
    const grandchild = await invoiceOnlyCustomer(t, { parent_id: a });
    await postedInvoice(t, parent, 100);
    await postedInvoice(t, a, 2000, { date: '2026-09-15' });
    await postedInvoice(t, grandchild, 300);
    await postedInvoice(t, b, 40);
    const res = await t.api.get(`/api/v1/customers/${parent}/balance`);
    expect(res.body).toMatchObject({
      total_balance: 100,
      open_invoice_count: 1,
      children: { count: 3, total_balance: 2340, total_past_due: 2000 },
    });
    const mid = await t.api.get(`/api/v1/customers/${a}/balance`);
    expect(mid.body).toMatchObject({
      total_balance: 2000,
      total_past_due: 2000,
      children: { count: 1, total_balance: 300, total_past_due: 0 },
    });
    await expectBooksBalance(h, t.id);
  });

  it('moves past due with the tenant clock', async () => {
    const s = await newTenant(h);
    const cus = await invoiceOnlyCustomer(s);
    await postedInvoice(s, cus, 900);
    expect((await s.api.get(`/api/v1/customers/${cus}/balance`)).body.total_past_due).toBe(0);
    await advanceTo(s, '2027-01-05');
    expect((await s.api.get(`/api/v1/customers/${cus}/balance`)).body.total_past_due).toBe(900);
  });

  it('is not found across tenants and needs the billing privilege', async () => {
    const cus = await invoiceOnlyCustomer(t);
    const other = await newTenant(h);
    const res = await other.api.get(`/api/v1/customers/${cus}/balance`);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('customer_not_found');
  });
});

describe('billow verify', () => {
  it('catches books that do not balance', async () => {
    const s = await newTenant(h);
    const cus = await invoiceOnlyCustomer(s);
    const inv = await postedInvoice(s, cus, 1000);
    const { verifyTenant } = await import('../../src/modules/verify/service.js');
    expect(await verifyTenant(h.testDb.db, s.id)).toEqual([]);
    // A payment applied beyond the invoice total, written behind the services' back.
    const pay = newId('payment');
    await h.testDb.db.query(
      `INSERT INTO payments (id, tenant_id, customer_id, method_type, amount, status, source,
                             created_at, updated_at)
       VALUES ($1, $2, $3, 'cash', 900, 'succeeded', 'external', now(), now())`,
      [pay, s.id, cus],
    );
    await h.testDb.db.query(
      `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, created_at)
       VALUES ($1, $2, $3, $4, 1500, now())`,
      [newId('paymentApplication'), s.id, pay, inv],
    );
    const checks = (await verifyTenant(h.testDb.db, s.id)).map((v) => v.check);
    expect(checks).toEqual(
      expect.arrayContaining([
        'no invoice is paid beyond its total',
        'payment amount = applications + unapplied remainder + refunded',
      ]),
    );
  });
});
