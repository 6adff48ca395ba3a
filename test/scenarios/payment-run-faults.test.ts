/**
 * A payment-run batch under faults (F1, E11, G3): when the transaction that records the gateway's
 * answers fails after the charges were made, running the batch again records those charges
 * without making new ones; an invoice paid between the selection and the charge is skipped while
 * the rest of its batch is charged.
 */
import { describe, expect, it } from 'vitest';
import { processRunBatch } from '../../src/modules/paymentruns/batch.js';
import { useTenant } from '../helpers/app.js';
import { postedInvoice } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';
import { autopayCustomer, balanceOf } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();
// Each test on its own tenant: a payment run takes every invoice due in its tenant.
const t = useTenant(h, { each: true });

async function autopayInvoices(n: number, amount: number): Promise<string[]> {
  // Due when posted: a run collects only what is due by its target date (today).
  const terms = await t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: 0 } });
  expect(terms.status, JSON.stringify(terms.body)).toBe(200);
  const invoices: string[] = [];
  for (let i = 0; i < n; i++) {
    const { customerId } = await autopayCustomer(t);
    invoices.push(await postedInvoice(t, customerId, amount + i));
  }
  return invoices;
}

/** Starts a run (no worker in this process: its batch jobs are run here) and its items. */
async function startRun(): Promise<string> {
  const run = await t.api.post('/api/v1/payment-runs', {});
  expect(run.status, JSON.stringify(run.body)).toBe(202);
  return run.body.id;
}

const vaultCharges = () => countRows(h, 'sandbox_vault_charges', t.id, 'account_id');

const items = async (runId: string) =>
  (await t.api.get(`/api/v1/payment-runs/${runId}/items?limit=100`)).body.data as {
    invoice_id: string;
    status: string;
    payment_id: string | null;
    detail: string | null;
  }[];

describe('a payment-run batch', () => {
  it('records charges made before a failed commit on the next attempt, without charging again', async () => {
    const invoices = await autopayInvoices(3, 1_500);
    const runId = await startRun();
    const db = h.testDb.db;
    // A real fault in the recording transaction: writing the items' results fails, after the
    // gateway has charged every invoice.
    await db.exec(`
      CREATE FUNCTION billow_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'disk on fire'; END $$;
      CREATE TRIGGER billow_test_fault BEFORE UPDATE ON payment_run_items
        FOR EACH ROW EXECUTE FUNCTION billow_test_fault();`);
    const charged = await vaultCharges();
    await expect(processRunBatch(db, h.clock, runId, invoices)).rejects.toThrow(/disk on fire/);
    expect(await vaultCharges()).toBe(charged + 3);
    // The answers were lost with the transaction: the payments are reserved and unanswered.
    const stuck = await db.query<{ status: string; gateway_charge_id: string | null }>(
      'SELECT status, gateway_charge_id FROM payments WHERE payment_run_id = $1',
      [runId],
    );
    expect(stuck).toHaveLength(3);
    expect(stuck.every((p) => p.status === 'pending' && p.gateway_charge_id === null)).toBe(true);
    for (const inv of invoices) expect(await balanceOf(t, inv)).toBeGreaterThan(0);

    await db.exec(
      'DROP TRIGGER billow_test_fault ON payment_run_items; DROP FUNCTION billow_test_fault();',
    );
    await processRunBatch(db, h.clock, runId, invoices);
    expect(await vaultCharges()).toBe(charged + 3);
    const done = await t.api.get(`/api/v1/payment-runs/${runId}`);
    expect(done.body).toMatchObject({
      status: 'completed',
      counts: { succeeded: 3 },
      collected: 1_500 * 3 + 0 + 1 + 2,
    });
    for (const it of await items(runId)) expect(it.status).toBe('succeeded');
    for (const inv of invoices) expect(await balanceOf(t, inv)).toBe(0);
    // A third attempt (a duplicated job) changes nothing.
    await processRunBatch(db, h.clock, runId, invoices);
    expect(await vaultCharges()).toBe(charged + 3);
    await expectBooksBalance(h, t.id);
  });

  it('skips an invoice paid after the selection and charges the rest of the batch', async () => {
    const invoices = await autopayInvoices(3, 2_000);
    const runId = await startRun();
    const paidMeanwhile = invoices[1] as string;
    const check = await t.api.post('/api/v1/payments/external', {
      customer_id: (await t.api.get(`/api/v1/invoices/${paidMeanwhile}`)).body.customer_id,
      method: 'check',
      reference: '1042',
      amount: 2_001,
    });
    expect(check.status, JSON.stringify(check.body)).toBe(201);
    await processRunBatch(h.testDb.db, h.clock, runId, invoices);
    const byInvoice = new Map((await items(runId)).map((i) => [i.invoice_id, i]));
    expect(byInvoice.get(paidMeanwhile)).toMatchObject({
      status: 'skipped',
      payment_id: null,
      detail: 'nothing_due',
    });
    expect(byInvoice.get(invoices[0] as string)?.status).toBe('succeeded');
    expect(byInvoice.get(invoices[2] as string)?.status).toBe('succeeded');
    const run = await t.api.get(`/api/v1/payment-runs/${runId}`);
    expect(run.body).toMatchObject({ status: 'completed', collected: 2_000 + 2_002 });
    await expectBooksBalance(h, t.id);
  });
});
