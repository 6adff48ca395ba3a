/**
 * Hot reads run as named prepared statements on PostgreSQL (db.ts `prepared`), and PostgreSQL
 * refuses to run one whose result columns changed since it was prepared ("cached plan must not
 * change result type"). A server still running while a newer one migrates (a rolling deploy)
 * sees tables gain columns under its prepared statements; those must keep working, so they name
 * their columns instead of `*`. On the embedded database nothing is prepared, and the reads must
 * work alike.
 */
import { describe, expect, it } from 'vitest';
import { useTenant } from '../helpers/app.js';
import { newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod } from '../helpers/payment-methods.js';
import { pay } from '../helpers/payments.js';
import { portalContact } from '../helpers/portal.js';

const h = useHarness();
const t = useTenant(h);

describe('prepared reads while a migration adds columns', () => {
  it('keeps listing payments, invoices and the dashboard after their tables gain a column', async () => {
    const customer = await newCustomer(t);
    const method = await saveMethod(t, customer.id, cardBody());
    const invoice = await postedInvoice(t, customer.id, 5_000);
    const payment = await pay(t, customer.id, method.id, 2_000, {
      allocations: [{ invoice_id: invoice, amount: 2_000 }],
    });
    const { portal } = await portalContact(h, t, { customerId: customer.id });
    const reads = () => [
      t.api.get(`/api/v1/payments?customer=${customer.id}`),
      portal.get('/api/v1/portal/payments'),
      portal.get('/api/v1/portal/invoices'),
      portal.get('/api/v1/portal/dashboard'),
      portal.get('/api/v1/portal/credits'),
    ];
    // More requests at once than the pool has connections, so every connection prepares them.
    const all = async () =>
      (await Promise.all(Array.from({ length: 4 }, reads).flat())).map((r) => r.status);
    expect(new Set(await all())).toEqual(new Set([200]));

    for (const table of ['payments', 'invoices', 'credit_memos', 'portal_sessions', 'customers']) {
      await h.testDb.db.exec(`ALTER TABLE ${table} ADD COLUMN added_by_a_newer_release text`);
    }
    try {
      const after = await Promise.all(Array.from({ length: 4 }, reads).flat());
      for (const res of after) expect(res.status, JSON.stringify(res.body)).toBe(200);
      const listed = await portal.get('/api/v1/portal/payments');
      expect(listed.body.data.map((p: { id: string }) => p.id)).toEqual([payment.id]);
    } finally {
      for (const table of [
        'payments',
        'invoices',
        'credit_memos',
        'portal_sessions',
        'customers',
      ]) {
        await h.testDb.db.exec(`ALTER TABLE ${table} DROP COLUMN added_by_a_newer_release`);
      }
    }
  });
});
