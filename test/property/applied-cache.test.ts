/**
 * The cached applied amounts (issue 11, 0027_applied_cache.sql and 0031_reserved_cache.sql):
 * invoices.paid_amount, credited_amount and reserved_amount (what pending payments hold),
 * payments.applied_amount and credit_memos.applied_amount are kept by the database's triggers. Random sequences of real service calls — invoices posted, adjusted and
 * voided; card payments that approve or stay pending, checks, bank debits that settle or are
 * returned (before settling, and after settling and being refunded); refunds that credit or
 * reopen; credit memos issued, applied and voided; payment runs (their batched inserts and
 * batched status updates); clock moves — and after every step each cache equals its derivation
 * (the `billow verify` cache checks return nothing). A transaction that fails halfway leaves the
 * cache as it was; only the triggers may write it; the migration's backfill (an installation with
 * applications from before 0027) gives the same figures as the triggers.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runPaymentRunHere } from '../../src/modules/paymentruns/batch.js';
import { CACHE_CHECKS, verifyTenant } from '../../src/modules/verify/service.js';
import { newTenant, type TestTenant } from '../helpers/app.js';
import { postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { verifiedBank } from '../helpers/payment-methods.js';
import { autopayCustomer } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

const PENDING_CARD = '4000000000000077';
const RETURNING_BANK = '000111111116';
/** Settles after 2 business days, returns R10 5 business days after the debit. */
const LATE_RETURNING_BANK = '000222222227';

const idx = fc.nat(20);
const cents = fc.integer({ min: 1, max: 20_000 });
const cus = fc.nat(1);

const Op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ op: fc.constant('invoice' as const), cus, amount: cents }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('adjust' as const),
      inv: idx,
      kind: fc.constantFrom('credit' as const, 'charge' as const),
      amount: cents,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('void' as const), inv: idx }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('memo' as const),
      cus,
      amount: cents,
      inv: fc.option(idx, { nil: undefined }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('apply' as const),
      memo: idx,
      inv: fc.option(idx, { nil: undefined }),
      amount: cents,
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('voidMemo' as const), memo: idx }) },
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('pay' as const),
      inv: idx,
      amount: cents,
      full: fc.boolean(),
      how: fc.constantFrom('card' as const, 'check' as const, 'ach' as const, 'ach10' as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      pay: idx,
      amount: cents,
      outcome: fc.constantFrom('credit' as const, 'reopen' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('applyPayment' as const),
      pay: idx,
      inv: idx,
      amount: cents,
    }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('paymentRun' as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      days: fc.integer({ min: 1, max: 8 }),
    }),
  },
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

interface World {
  t: TestTenant;
  /** A pays by a card that approves, B by one that stays pending until it settles. */
  customers: { id: string; card: string }[];
  banks: { early: string; late: string };
  invoices: { id: string; cus: string }[];
  memos: string[];
  payments: string[];
  day: number;
}

async function world(): Promise<World> {
  const t = await newTenant(h);
  // Invoices due when posted (payment runs collect them); refunds of settled debits at once.
  const settings = await t.api.patch('/api/v1/tenant', {
    settings: { payment_terms_days: 0, refund_guard_days: 0 },
  });
  expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  const a = await autopayCustomer(t);
  const b = await autopayCustomer(t, PENDING_CARD);
  const customers = [
    { id: a.customerId, card: a.methodId },
    { id: b.customerId, card: b.methodId },
  ];
  const banks = {
    early: (await verifiedBank(t, a.customerId, RETURNING_BANK)).id,
    late: (await verifiedBank(t, a.customerId, LATE_RETURNING_BANK)).id,
  };
  const w: World = { t, customers, banks, invoices: [], memos: [], payments: [], day: 0 };
  for (const c of customers) {
    w.invoices.push({ id: await postedInvoice(t, c.id, 10_000), cus: c.id });
  }
  return w;
}

const pick = <T>(list: T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

async function run(w: World, op: Op): Promise<{ status: number; body: unknown } | undefined> {
  const api = w.t.api;
  switch (op.op) {
    case 'invoice': {
      const c = w.customers[op.cus] as World['customers'][number];
      w.invoices.push({ id: await postedInvoice(w.t, c.id, op.amount), cus: c.id });
      return undefined;
    }
    case 'void':
    case 'adjust': {
      const inv = pick(w.invoices, op.inv);
      if (!inv) return undefined;
      if (op.op === 'void') return api.post(`/api/v1/invoices/${inv.id}/void`, { reason: 'x' });
      return api.post(`/api/v1/invoices/${inv.id}/adjustments`, {
        kind: op.kind,
        amount: op.amount,
        reason: 'x',
      });
    }
    case 'memo': {
      const inv = op.inv === undefined ? undefined : pick(w.invoices, op.inv);
      const res = await api.post('/api/v1/credit-memos', {
        customer_id: inv?.cus ?? w.customers[op.cus]?.id,
        amount: op.amount,
        reason: 'Credit',
        ...(inv && { invoice_id: inv.id }),
      });
      if (res.status === 201) w.memos.push(res.body.id);
      return res;
    }
    case 'apply':
    case 'voidMemo': {
      const memo = pick(w.memos, op.memo);
      if (!memo) return undefined;
      if (op.op === 'voidMemo') return api.post(`/api/v1/credit-memos/${memo}/void`);
      const inv = op.inv === undefined ? undefined : pick(w.invoices, op.inv);
      const body = inv ? { allocations: [{ invoice_id: inv.id, amount: op.amount }] } : {};
      return api.post(`/api/v1/credit-memos/${memo}/apply`, body);
    }
    case 'pay': {
      const inv = pick(w.invoices, op.inv);
      if (!inv) return undefined;
      const open = (await api.get(`/api/v1/invoices/${inv.id}`)).body.balance as number;
      const amount = open <= 0 ? op.amount : op.full ? open : Math.min(op.amount, open);
      const common = {
        customer_id: inv.cus,
        amount,
        allocations: [{ invoice_id: inv.id, amount }],
      };
      const card = w.customers.find((c) => c.id === inv.cus)?.card;
      const res =
        op.how === 'check'
          ? await api.post('/api/v1/payments/external', {
              ...common,
              method: 'check',
              reference: 'Check 7',
            })
          : await api.post('/api/v1/payments', {
              ...common,
              // Bank accounts are customer A's; on B's invoices they are refused (4xx).
              payment_method_id:
                op.how === 'card' ? card : op.how === 'ach' ? w.banks.early : w.banks.late,
            });
      const id = (res.body as { id?: string })?.id;
      if (res.status < 300 && id) w.payments.push(id);
      return res;
    }
    case 'refund':
    case 'applyPayment': {
      const pay = pick(w.payments, op.pay);
      if (!pay) return undefined;
      if (op.op === 'refund') {
        const p = (await api.get(`/api/v1/payments/${pay}`)).body;
        const left = p.amount - p.amount_refunded;
        const amount = left > 0 ? Math.min(op.amount, left) : op.amount;
        return api.post(`/api/v1/payments/${pay}/refunds`, { amount, outcome: op.outcome });
      }
      const inv = pick(w.invoices, op.inv);
      if (!inv) return undefined;
      return api.post(`/api/v1/payments/${pay}/apply`, {
        allocations: [{ invoice_id: inv.id, amount: op.amount }],
      });
    }
    case 'paymentRun': {
      const started = await api.post('/api/v1/payment-runs', {});
      if (started.status >= 300) return started;
      await runPaymentRunHere(h.testDb.db, h.clock, started.body.id);
      const items = await h.testDb.db.query<{ payment_id: string }>(
        'SELECT payment_id FROM payment_run_items WHERE payment_run_id = $1 AND payment_id IS NOT NULL',
        [started.body.id],
      );
      w.payments.push(...items.map((i) => i.payment_id));
      return started;
    }
    case 'advance': {
      w.day += op.days;
      const to = new Date(Date.UTC(2026, 10, 22 + w.day)).toISOString().slice(0, 10);
      return api.post('/api/v1/clock/advance', { to });
    }
  }
}

/** The cache checks of `billow verify`, as one readable list. */
async function cacheDrift(tenantId: string): Promise<string[]> {
  const found = await verifyTenant(h.testDb.db, tenantId, CACHE_CHECKS);
  return found.map((v) => `${v.check}: ${v.object_id} ${v.detail}`);
}

/** Every cached figure of the tenant, to compare before and after. */
const cachedFigures = (tenantId: string) =>
  h.testDb.db.query(
    `SELECT 'i' AS t, id, paid_amount AS a, credited_amount AS b, reserved_amount AS c
       FROM invoices WHERE tenant_id = $1
     UNION ALL SELECT 'p', id, applied_amount, 0, 0 FROM payments WHERE tenant_id = $1
     UNION ALL SELECT 'm', id, applied_amount, 0, 0 FROM credit_memos WHERE tenant_id = $1
     ORDER BY 1, 2`,
    [tenantId],
  );

/** One sequence that makes each kind of change at least once, before the random ones. */
const EVERY_KIND: Op[] = [
  { op: 'invoice', cus: 0, amount: 5000 }, // invoice 2, A's
  { op: 'invoice', cus: 1, amount: 3000 }, // invoice 3, B's
  { op: 'pay', inv: 0, amount: 1000, full: false, how: 'card' }, // payment 0, A
  { op: 'pay', inv: 1, amount: 1000, full: false, how: 'card' }, // payment 1, B pending
  { op: 'pay', inv: 2, amount: 1000, full: false, how: 'ach' }, // returned before settling
  { op: 'pay', inv: 2, amount: 2000, full: false, how: 'ach10' }, // settles, then R10
  { op: 'pay', inv: 0, amount: 500, full: false, how: 'check' },
  { op: 'memo', cus: 0, amount: 700, inv: 0 }, // memo 0, applied to invoice 0
  { op: 'memo', cus: 1, amount: 400, inv: undefined }, // memo 1
  { op: 'apply', memo: 1, inv: 3, amount: 400 },
  { op: 'memo', cus: 1, amount: 200, inv: undefined }, // memo 2
  { op: 'voidMemo', memo: 2 },
  { op: 'adjust', inv: 2, kind: 'charge', amount: 300 },
  { op: 'refund', pay: 0, amount: 300, outcome: 'reopen' },
  { op: 'refund', pay: 0, amount: 200, outcome: 'credit' },
  { op: 'paymentRun' },
  { op: 'advance', days: 4 },
  { op: 'refund', pay: 3, amount: 2000, outcome: 'credit' },
  { op: 'advance', days: 8 },
  { op: 'refund', pay: 4, amount: 500, outcome: 'reopen' }, // the check, in full
  { op: 'invoice', cus: 0, amount: 900 }, // invoice 4
  { op: 'void', inv: 4 },
  { op: 'paymentRun' },
];

describe('the cached applied amounts', () => {
  it('equal their derivation after every step of random payments, credits and runs', async () => {
    const succeeded = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 1, maxLength: 14 }), async (ops) => {
        const w = await world();
        expect(await cacheDrift(w.t.id), 'opening').toEqual([]);
        for (const [i, op] of ops.entries()) {
          const res = await run(w, op);
          const where = `step ${i} ${JSON.stringify(op)} → ${JSON.stringify(res?.body)}`;
          expect(res?.status ?? 200, where).toBeLessThan(500);
          if (!res || res.status < 300) {
            const kind = op.op === 'pay' ? `pay ${op.how}` : op.op;
            succeeded.set(kind, (succeeded.get(kind) ?? 0) + 1);
          }
          expect(await cacheDrift(w.t.id), where).toEqual([]);
        }
        // What the steps led to: payments of every status that moves the books.
        const statuses = await h.testDb.db.query<{ status: string; source: string }>(
          'SELECT DISTINCT status, source FROM payments WHERE tenant_id = $1',
          [w.t.id],
        );
        for (const s of statuses) {
          succeeded.set(s.status, 1);
          succeeded.set(`${s.source} ${s.status}`, 1);
        }
        await expectBooksBalance(h, w.t.id);
      }),
      // No shrinking: a counterexample prints at once, within the time box.
      { numRuns: 12, endOnFailure: true, examples: [[EVERY_KIND]] },
    );
    // Every kind of change happened at least once (the fixed sequence sees to it).
    const wanted = [
      'invoice',
      'adjust',
      'void',
      'memo',
      'apply',
      'voidMemo',
      'pay card',
      'pay check',
      'pay ach',
      'pay ach10',
      'refund',
      'paymentRun',
      'advance',
      'payment_run succeeded',
      'pending',
      'returned',
      'refunded',
    ];
    const never = wanted.filter((k) => !succeeded.has(k));
    expect(never, JSON.stringify([...succeeded])).toEqual([]);
  }, 420_000);

  it('are left as they were by a transaction that fails halfway', async () => {
    const w = await world();
    const [a] = w.customers;
    const [inv] = w.invoices;
    if (!a || !inv) throw new Error('no world');
    const pay = await w.t.api.post('/api/v1/payments/external', {
      customer_id: a.id,
      amount: 4000,
      method: 'check',
      reference: 'Check 1',
      prepayment: true,
      allocations: [{ invoice_id: inv.id, amount: 1000 }],
    });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    const memo = await w.t.api.post('/api/v1/credit-memos', {
      customer_id: a.id,
      amount: 500,
      reason: 'Credit',
    });
    expect(memo.status, JSON.stringify(memo.body)).toBe(201);
    const before = await cachedFigures(w.t.id);
    const db = h.testDb.db;
    const figures = () =>
      db.one<{ paid_amount: number; credited_amount: number }>(
        'SELECT paid_amount, credited_amount FROM invoices WHERE id = $1',
        [inv.id],
      );
    const start = await figures();
    const failure = new Error('halfway');
    await expect(
      db.tx(async (tx) => {
        await tx.query(
          `INSERT INTO payment_applications (id, tenant_id, payment_id, invoice_id, amount, created_at)
           VALUES ('pa_halfway', $1, $2, $3, 2000, now())`,
          [w.t.id, pay.body.id, inv.id],
        );
        await tx.query(
          `INSERT INTO credit_applications (id, tenant_id, credit_memo_id, invoice_id, amount, created_at)
           VALUES ('ca_halfway', $1, $2, $3, 500, now())`,
          [w.t.id, memo.body.id, inv.id],
        );
        await tx.query(`UPDATE payments SET status = 'returned' WHERE id = $1`, [pay.body.id]);
        // Inside the transaction the cache has moved with the rows…
        // (the returned check's 1000 and 2000 stop counting; the memo's 500 counts).
        const moved = await tx.one<{ paid_amount: number; credited_amount: number }>(
          'SELECT paid_amount, credited_amount FROM invoices WHERE id = $1',
          [inv.id],
        );
        expect(moved).toEqual({
          paid_amount: start.paid_amount - 1000,
          credited_amount: start.credited_amount + 500,
        });
        throw failure;
      }),
    ).rejects.toBe(failure);
    // …and the rollback takes it back with them.
    expect(await cachedFigures(w.t.id)).toEqual(before);
    expect(await cacheDrift(w.t.id)).toEqual([]);
  }, 120_000);

  it('are written by the triggers only', async () => {
    const w = await world();
    const [inv] = w.invoices;
    if (!inv) throw new Error('no world');
    const db = h.testDb.db;
    await expect(
      db.query('UPDATE invoices SET paid_amount = paid_amount + 1 WHERE id = $1', [inv.id]),
    ).rejects.toThrow(/kept by the books triggers/);
    await expect(
      db.query('UPDATE invoices SET reserved_amount = 1 WHERE id = $1', [inv.id]),
    ).rejects.toThrow(/kept by the books triggers/);
    // An application changed in place (no code does it) moves the figures of both sides.
    const pay = await w.t.api.post('/api/v1/payments/external', {
      customer_id: inv.cus,
      amount: 3000,
      method: 'check',
      reference: 'Check 2',
      allocations: [{ invoice_id: inv.id, amount: 3000 }],
    });
    expect(pay.status, JSON.stringify(pay.body)).toBe(201);
    await expect(
      db.query('UPDATE payments SET applied_amount = 1 WHERE id = $1', [pay.body.id]),
    ).rejects.toThrow(/kept by the books triggers/);
    const other = await postedInvoice(w.t, inv.cus, 5000);
    await db.query(
      'UPDATE payment_applications SET invoice_id = $2, amount = 2500 WHERE payment_id = $1',
      [pay.body.id, other],
    );
    const rows = await db.query<{ id: string; paid_amount: number }>(
      'SELECT id, paid_amount FROM invoices WHERE id = ANY ($1::text[]) ORDER BY id',
      [[inv.id, other]],
    );
    expect(new Map(rows.map((r) => [r.id, r.paid_amount]))).toEqual(
      new Map([
        [inv.id, 0],
        [other, 2500],
      ]),
    );
    expect(await cacheDrift(w.t.id)).toEqual([]);
    await db.query('DELETE FROM payment_applications WHERE payment_id = $1', [pay.body.id]);
    expect(await cacheDrift(w.t.id)).toEqual([]);
  }, 120_000);

  it('are filled by the backfill of the migration as the triggers fill them', async () => {
    const w = await world();
    for (const op of EVERY_KIND) await run(w, op);
    const kept = await cachedFigures(w.t.id);
    // The backfill of an installation that had applications before 0027: from zero, with the
    // triggers off (a superuser's session setting, in this transaction only).
    const migration = readFileSync(
      new URL('../../src/db/migrations/0027_applied_cache.sql', import.meta.url),
      'utf8',
    );
    const reservedMigration = readFileSync(
      new URL('../../src/db/migrations/0031_reserved_cache.sql', import.meta.url),
      'utf8',
    );
    const backfill =
      migration.slice(
        migration.indexOf('-- Backfill, set-based.'),
        migration.indexOf('-- Recomputes paid_amount'),
      ) +
      reservedMigration.slice(
        reservedMigration.indexOf('-- Backfill, set-based.'),
        reservedMigration.indexOf('-- Recomputes paid_amount'),
      );
    expect(backfill).toContain('UPDATE invoices i SET reserved_amount');
    await h.testDb.db.tx(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`);
      await tx.query(
        `UPDATE invoices SET paid_amount = 0, credited_amount = 0, reserved_amount = 0
          WHERE tenant_id = $1`,
        [w.t.id],
      );
      await tx.query(`UPDATE payments SET applied_amount = 0 WHERE tenant_id = $1`, [w.t.id]);
      await tx.query(`UPDATE credit_memos SET applied_amount = 0 WHERE tenant_id = $1`, [w.t.id]);
      for (const statement of backfill.split(';').filter((x) => x.includes('UPDATE'))) {
        await tx.query(statement);
      }
    });
    expect(await cachedFigures(w.t.id)).toEqual(kept);
    expect(await cacheDrift(w.t.id)).toEqual([]);
  }, 120_000);
});
