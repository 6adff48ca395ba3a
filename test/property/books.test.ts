/**
 * Books that balance (issue 5, item 10): random sequences of invoices, adjustments, voids,
 * credit memos and their applications — and, when the payments API is there, card payments that
 * approve, stay pending or decline, checks, refunds, ACH returns and clock moves — on one tenant,
 * with `billow verify` clean after every step. Invalid operations are expected to be refused with
 * a 4xx; a 5xx fails the run.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyTenant } from '../../src/modules/verify/service.js';
import { newTenant, type TestTenant } from '../helpers/app.js';
import { created, invoiceOnlyCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod, verifiedBank } from '../helpers/payment-methods.js';

const h = useHarness();
let payments = false;
beforeAll(async () => {
  const probe = await (await newTenant(h)).api.post('/api/v1/payments/external', {});
  payments = !(probe.status === 404 && probe.body?.error?.code === 'route_not_found');
});

const CARDS = {
  approve: '4242424242424242',
  pending: '4000000000000077',
  decline: '4000000000000002',
} as const;
const RETURNING_BANK = '000111111116';

const idx = fc.nat(20);
const cents = fc.integer({ min: 1, max: 20_000 });
const cus = fc.nat(1);

const Op = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('invoice' as const),
      cus,
      amount: cents,
      post: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('post' as const), inv: idx }) },
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
    weight: 3,
    arbitrary: fc.record({
      op: fc.constant('pay' as const),
      inv: idx,
      amount: cents,
      how: fc.constantFrom(
        'approve' as const,
        'pending' as const,
        'decline' as const,
        'check' as const,
        'ach' as const,
      ),
      prepayment: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('refund' as const), pay: idx, amount: cents }),
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
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('advance' as const),
      days: fc.integer({ min: 1, max: 10 }),
    }),
  },
);
type Op = typeof Op extends fc.Arbitrary<infer T> ? T : never;

interface World {
  t: TestTenant;
  customers: string[];
  cards: Record<string, Record<keyof typeof CARDS, string>>;
  banks: Record<string, string>;
  invoices: { id: string; cus: string }[];
  memos: string[];
  payments: string[];
  day: number;
}

async function world(): Promise<World> {
  const t = await newTenant(h);
  const customers = [
    await invoiceOnlyCustomer(t, { name: 'A' }),
    await invoiceOnlyCustomer(t, { name: 'B' }),
  ];
  const w: World = {
    t,
    customers,
    cards: {},
    banks: {},
    invoices: [],
    memos: [],
    payments: [],
    day: 0,
  };
  // Something to pay or credit from the first step on.
  for (const c of customers) {
    const opening = await postedInvoice(t, c, 10_000, { description: 'Opening' });
    w.invoices.push({ id: opening, cus: c });
  }
  if (payments) {
    for (const c of customers) {
      const cards = {} as Record<keyof typeof CARDS, string>;
      for (const [k, n] of Object.entries(CARDS)) {
        cards[k as keyof typeof CARDS] = (await saveMethod(t, c, cardBody(n))).id;
      }
      w.cards[c] = cards;
      w.banks[c] = (await verifiedBank(t, c, RETURNING_BANK)).id;
    }
  }
  return w;
}

const pick = <T>(list: T[], i: number): T | undefined =>
  list.length === 0 ? undefined : list[i % list.length];

async function run(w: World, op: Op): Promise<{ status: number; body: unknown } | undefined> {
  const api = w.t.api;
  switch (op.op) {
    case 'invoice': {
      const c = w.customers[op.cus] as string;
      const res = await api.post('/api/v1/invoices', {
        customer_id: c,
        lines: [{ description: 'Work', amount: op.amount }],
      });
      if (res.status === 201) {
        w.invoices.push({ id: res.body.id, cus: c });
        if (op.post) return api.post(`/api/v1/invoices/${res.body.id}/post`);
      }
      return res;
    }
    case 'post':
    case 'void':
    case 'adjust': {
      const inv = pick(w.invoices, op.inv);
      if (!inv) return undefined;
      if (op.op === 'post') return api.post(`/api/v1/invoices/${inv.id}/post`);
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
        customer_id: inv?.cus ?? w.customers[op.cus],
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
      if (!payments || !inv) return undefined;
      // Mostly within the open balance, so that most payments go through.
      const open = (await api.get(`/api/v1/invoices/${inv.id}`)).body.balance as number;
      const amount = op.prepayment || open <= 0 ? op.amount : Math.min(op.amount, open);
      const allocations = op.prepayment ? undefined : [{ invoice_id: inv.id, amount }];
      const common = {
        customer_id: inv.cus,
        amount,
        allocations,
        prepayment: op.prepayment,
      };
      const res =
        op.how === 'check'
          ? await api.post('/api/v1/payments/external', {
              ...common,
              method: 'check',
              reference: 'Check 7',
            })
          : await api.post('/api/v1/payments', {
              ...common,
              payment_method_id: op.how === 'ach' ? w.banks[inv.cus] : w.cards[inv.cus]?.[op.how],
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
        return api.post(`/api/v1/payments/${pay}/refunds`, { amount });
      }
      const inv = pick(w.invoices, op.inv);
      if (!inv) return undefined;
      return api.post(`/api/v1/payments/${pay}/apply`, {
        allocations: [{ invoice_id: inv.id, amount: op.amount }],
      });
    }
    case 'advance': {
      if (!payments) return undefined;
      w.day += op.days;
      const to = new Date(Date.UTC(2026, 10, 22 + w.day)).toISOString().slice(0, 10);
      return api.post('/api/v1/clock/advance', { to });
    }
  }
}

describe('the books', () => {
  it('balance after every step of random invoices, credits and payments', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(Op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const w = await world();
        for (const [i, op] of ops.entries()) {
          const res = await run(w, op);
          const where = `step ${i} ${JSON.stringify(op)} → ${JSON.stringify(res?.body)}`;
          expect(res?.status ?? 200, where).toBeLessThan(500);
          const violations = await verifyTenant(h.testDb.db, w.t.id);
          expect(violations, where).toEqual([]);
        }
        for (const c of w.customers) {
          const balance = await created<{ total_balance: number; net_balance: number }>(
            w.t.api.get(`/api/v1/customers/${c}/balance`),
          );
          const invoices = await w.t.api.get(`/api/v1/invoices?customer=${c}&limit=100`);
          const open = invoices.body.data
            .filter((x: { status: string }) => x.status !== 'draft' && x.status !== 'void')
            .reduce((s: number, x: { balance: number }) => s + x.balance, 0);
          expect(balance.total_balance).toBe(open);
        }
      }),
      // No shrinking: a counterexample prints at once, within the time box.
      { numRuns: 20, endOnFailure: true },
    );
  }, 120_000);
});
