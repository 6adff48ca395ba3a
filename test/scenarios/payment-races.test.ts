/**
 * Payments under races and faults (E3, E11): many payments for one invoice at once collect its
 * balance once; a crash between the gateway call and the commit is reconciled without a second
 * charge.
 */
import { describe, expect, it } from 'vitest';
import { chargeAtGateway } from '../../src/modules/payments/record.js';
import { reservePayment } from '../../src/modules/payments/service.js';
import { useTenant } from '../helpers/app.js';
import { postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { balanceOf, payingCustomer, runDue, tenantCtx } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
// A slow gateway widens the window in which the racing payments are in flight; each test has
// its own tenant, so that the due work it runs is only its own.
const t = useTenant(h, { each: true, sandboxLatencyMs: 50 });

async function vaultCharges(key: string): Promise<number> {
  const row = await h.testDb.db.one<{ n: number }>(
    'SELECT count(*)::int AS n FROM sandbox_vault_charges WHERE account_id = $1 AND idempotency_key = $2',
    [t.id, key],
  );
  return row.n;
}

describe('payments racing on one invoice', () => {
  it('20 concurrent payments for the full balance: exactly one reserves', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 7500);
    const attempts = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        t.api.post('/api/v1/payments', {
          customer_id: customerId,
          payment_method_id: methodId,
          amount: 7500,
          ...(i % 2 === 0 && { allocations: [{ invoice_id: inv, amount: 7500 }] }),
        }),
      ),
    );
    const ok = attempts.filter((r) => r.status === 201);
    expect(ok).toHaveLength(1);
    expect(ok[0]?.body.status).toBe('succeeded');
    for (const r of attempts.filter((a) => a.status !== 201)) {
      // Refused because the winner's payment holds the balance (named, with its amount), or
      // because it was already paid.
      expect([
        'amount_exceeds_balance',
        'invoice_not_payable',
        'invoice_payment_pending',
      ]).toContain(r.body.error?.code);
    }
    const applied = await h.testDb.db.one<{ sum: number }>(
      'SELECT coalesce(sum(amount), 0)::bigint AS sum FROM payment_applications WHERE invoice_id = $1',
      [inv],
    );
    expect(applied.sum).toBeLessThanOrEqual(7500);
    const charged = await h.testDb.db.one<{ sum: number }>(
      `SELECT coalesce(sum(amount), 0)::bigint AS sum FROM sandbox_vault_charges
        WHERE account_id = $1 AND status = 'succeeded' AND idempotency_key IN
          (SELECT id FROM payments WHERE customer_id = $2)`,
      [t.id, customerId],
    );
    expect(charged.sum).toBe(7500);
    expect(await balanceOf(t, inv)).toBe(0);
    await expectBooksBalance(h, t.id);
  });

  it('partial payments racing never collect more than the balance', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 1000);
    const attempts = await Promise.all(
      Array.from({ length: 12 }, () =>
        t.api.post('/api/v1/payments', {
          customer_id: customerId,
          payment_method_id: methodId,
          amount: 300,
        }),
      ),
    );
    expect(attempts.filter((r) => r.status === 201)).toHaveLength(3);
    expect(await balanceOf(t, inv)).toBe(100);
    await expectBooksBalance(h, t.id);
  });
});

describe('a crash between the gateway call and the commit (E11)', () => {
  it('is reconciled with the same idempotency key: one charge in the vault', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    const inv = await postedInvoice(t, customerId, 2000);
    const ctx = await tenantCtx(h, t);
    const { row, method } = await reservePayment(ctx, {
      customerId,
      paymentMethodId: methodId,
      amount: 2000,
      allocations: [],
      source: 'manual',
    });
    // The gateway charges; the process dies before tx2.
    const answer = await chargeAtGateway(ctx, row, method);
    expect(answer.status).toBe('succeeded');
    const stuck = await t.api.get(`/api/v1/payments/${row.id}`);
    expect(stuck.body).toMatchObject({ status: 'pending', gateway_charge_id: null });
    expect(stuck.body.attempted_at).not.toBeNull();
    // The reservation holds meanwhile: nothing else may collect the invoice.
    const other = await t.api.post('/api/v1/payments', {
      customer_id: customerId,
      payment_method_id: methodId,
      amount: 2000,
    });
    // Refused, naming the payment in flight that holds the balance.
    expect(other.body.error.code).toBe('invoice_payment_pending');
    expect(other.body.error.details.pending_amount).toBe(2000);

    const young = await runDue(h, t);
    expect(young.reconciled).toBe(0);
    const due = await runDue(h, t, { reconcileAfterMs: 0 });
    expect(due.reconciled).toBe(1);
    const after = await t.api.get(`/api/v1/payments/${row.id}`);
    expect(after.body.status).toBe('succeeded');
    expect(await vaultCharges(row.id)).toBe(1);
    expect(await balanceOf(t, inv)).toBe(0);
    // Running it again changes nothing.
    expect((await runDue(h, t, { reconcileAfterMs: 0 })).reconciled).toBe(0);
    expect(await vaultCharges(row.id)).toBe(1);
    await expectBooksBalance(h, t.id);
  });

  it('charges once when the crash came before the gateway call', async () => {
    const { customerId, methodId } = await payingCustomer(t);
    await postedInvoice(t, customerId, 900);
    const ctx = await tenantCtx(h, t);
    const { row } = await reservePayment(ctx, {
      customerId,
      paymentMethodId: methodId,
      amount: 900,
      allocations: [],
      source: 'manual',
    });
    expect(await vaultCharges(row.id)).toBe(0);
    await runDue(h, t, { reconcileAfterMs: 0 });
    expect(await vaultCharges(row.id)).toBe(1);
    expect((await t.api.get(`/api/v1/payments/${row.id}`)).body.status).toBe('succeeded');
  });
});
