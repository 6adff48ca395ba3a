/**
 * A bill run survives crashes and retries without double billing (C2, L2): a batch that fails
 * halfway leaves no partial invoice, a retried or duplicated batch makes its invoices once, and
 * a second run for the same date bills nothing again.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { type BatchResult, processBatch } from '../../src/modules/billruns/batch.js';
import { runBillRunHere } from '../../src/modules/billruns/service.js';
import { advanceTo, useTenant } from '../helpers/app.js';
import { billRun, invoiceOnlyCustomer, monthlyPrice, subscribe } from '../helpers/billing.js';
import { countRows, useHarness } from '../helpers/harness.js';

const h = useHarness();
const t = useTenant(h, { each: true });

// Three customers on monthly plans from 1 November; Two's plan is the one a fault can target.
beforeEach(async () => {
  const plain = await monthlyPrice(t, 'Plain plan', 1000);
  const fragile = await monthlyPrice(t, 'Fragile plan', 2000);
  for (const [name, price] of [
    ['One', plain],
    ['Two', fragile],
    ['Three', plain],
  ] as const) {
    await subscribe(t, await invoiceOnlyCustomer(t, { name }), price, '2026-11-01');
  }
});

const invoiceCount = () => countRows(h, 'invoices', t.id);

describe('bill run faults', () => {
  it('a batch that throws halfway leaves no partial invoice, and the retry bills once', async () => {
    const db = h.testDb.db;
    // A real fault inside the database: inserting the second customer's line fails, after the
    // batch has already claimed, computed and inserted the invoices.
    await db.exec(`
      CREATE FUNCTION billow_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.description LIKE 'Fragile plan%' THEN RAISE EXCEPTION 'disk on fire'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER billow_test_fault BEFORE INSERT ON invoice_lines
        FOR EACH ROW EXECUTE FUNCTION billow_test_fault();`);
    const started = await t.api.post('/api/v1/bill-runs', { target_date: '2026-11-01' });
    await expect(runBillRunHere(db, h.clock, started.body.id)).rejects.toThrow(/disk on fire/);
    expect(await invoiceCount()).toBe(0);
    const during = await t.api.get(`/api/v1/bill-runs/${started.body.id}`);
    expect(during.body).toMatchObject({ status: 'running', progress: { processed: 0, total: 3 } });

    await db.exec(
      'DROP TRIGGER billow_test_fault ON invoice_lines; DROP FUNCTION billow_test_fault();',
    );
    await runBillRunHere(db, h.clock, started.body.id);
    await runBillRunHere(db, h.clock, started.body.id);
    const done = await t.api.get(`/api/v1/bill-runs/${started.body.id}`);
    expect(done.body).toMatchObject({ status: 'completed', invoice_count: 3, total_amount: 4000 });
    expect(await invoiceCount()).toBe(3);
  });

  it('the same batch processed twice at once bills once', async () => {
    await billRun(h, t, '2026-11-01');
    await t.api.post('/api/v1/clock/advance', { to: '2026-12-01' });
    const started = await t.api.post('/api/v1/bill-runs', { target_date: '2026-12-01' });
    const results: BatchResult[] = await Promise.all([
      processBatch(h.testDb.db, h.clock, started.body.id, 0),
      processBatch(h.testDb.db, h.clock, started.body.id, 0),
    ]);
    expect(results.map((r) => r.invoices).sort()).toEqual([0, 3]);
    expect(results.filter((r) => r.completedRun)).toHaveLength(1);
    expect(await invoiceCount()).toBe(6);
  });

  it('a second run for the same date finds nothing left to bill', async () => {
    await billRun(h, t, '2026-11-01');
    await advanceTo(t, '2026-12-01');
    await billRun(h, t, '2026-12-01');
    const started = await t.api.post('/api/v1/bill-runs', { target_date: '2026-12-01' });
    await runBillRunHere(h.testDb.db, h.clock, started.body.id);
    const run = await t.api.get(`/api/v1/bill-runs/${started.body.id}`);
    expect(run.body).toMatchObject({ status: 'completed', invoice_count: 0 });
    expect(await invoiceCount()).toBe(6);
  });

  it('refuses a second run while one is generating', async () => {
    await t.api.post('/api/v1/clock/advance', { to: '2027-01-01' });
    const first = await t.api.post('/api/v1/bill-runs', { target_date: '2027-01-01' });
    const second = await t.api.post('/api/v1/bill-runs', { target_date: '2027-01-01' });
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('bill_run_in_progress');
    await runBillRunHere(h.testDb.db, h.clock, first.body.id);
  });
});

describe('concurrent batches of one bill run', () => {
  it('finish without a deadlock (each batch locks its run FOR NO KEY UPDATE)', async () => {
    const db = h.testDb.db;
    const price = await monthlyPrice(t, 'Parallel plan', 700);
    for (let i = 0; i < 9; i++) {
      await subscribe(
        t,
        await invoiceOnlyCustomer(t, { name: `Parallel ${i}` }),
        price,
        '2027-01-15',
      );
    }
    await t.api.post('/api/v1/clock/advance', { to: '2027-02-01' });
    const started = await t.api.post('/api/v1/bill-runs', { target_date: '2027-02-01' });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    const id = started.body.id as string;
    // Cut the run's customers into batches of two, processed all at once: each inserts invoices
    // (a KEY SHARE lock on the run through the foreign key) and then locks the run to count.
    const all = await db.one<{ ids: string[] }>(
      `SELECT array_agg(c ORDER BY c) AS ids
         FROM bill_run_batches b, unnest(b.customer_ids) AS c WHERE b.bill_run_id = $1`,
      [id],
    );
    await db.query('DELETE FROM bill_run_batches WHERE bill_run_id = $1', [id]);
    const batches = Math.ceil(all.ids.length / 2);
    for (let b = 0; b < batches; b++) {
      await db.query(
        'INSERT INTO bill_run_batches (bill_run_id, batch_no, customer_ids) VALUES ($1, $2, $3)',
        [id, b, all.ids.slice(b * 2, b * 2 + 2)],
      );
    }
    const before = { ...db.stats };
    const invoicesBefore = await invoiceCount();
    const results = await Promise.all(
      Array.from({ length: batches }, (_, b) => processBatch(db, h.clock, id, b)),
    );
    expect(db.stats.deadlocks - before.deadlocks).toBe(0);
    expect(results.filter((r) => r.completedRun)).toHaveLength(1);
    expect(await invoiceCount()).toBe(invoicesBefore + all.ids.length);
    const run = await t.api.get(`/api/v1/bill-runs/${id}`);
    expect(run.body).toMatchObject({ status: 'completed', invoice_count: all.ids.length });
  });
});
