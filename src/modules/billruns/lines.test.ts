import { describe, expect, it } from 'vitest';
import { toMicros } from '../billing/model.js';
import {
  type BillableSubscription,
  computeInvoice,
  computeLines,
  prorationCredits,
  usageCutoff,
} from './lines.js';

const monthly = (over: Partial<BillableSubscription> = {}): BillableSubscription => ({
  id: 'sub_1',
  customer_id: 'cus_1',
  quantity: 2,
  start_date: '2026-11-16',
  end_date: null,
  billing_anchor_day: 1,
  price: {
    id: 'price_1',
    kind: 'recurring',
    pricing_model: 'flat',
    unit_amount: 1500,
    tiers: null,
    billing_interval: 'month',
    unit_of_measure: null,
    label: 'Hosting',
  },
  ...over,
});

const metered = (over: Partial<BillableSubscription> = {}): BillableSubscription =>
  monthly({
    id: 'sub_2',
    quantity: 1,
    price: {
      id: 'price_2',
      kind: 'usage',
      pricing_model: 'tiered',
      unit_amount: null,
      tiers: [
        { up_to: 100, unit_amount: 10 },
        { up_to: null, unit_amount: 5 },
      ],
      billing_interval: 'month',
      unit_of_measure: 'GB',
      label: 'Transfer',
    },
    ...over,
  });

const none = { billed: [], usage: [], billedUsage: [], charges: [] };

describe('flat fees in advance', () => {
  it('bill a mid-month start prorated, then whole periods, through the target date', () => {
    const lines = computeLines({ ...none, subscriptions: [monthly()] }, '2026-12-01');
    expect(lines.map((l) => [l.period_start, l.period_end, l.amount])).toEqual([
      ['2026-11-16', '2026-12-01', 1500], // 15 of 30 days of 3000
      ['2026-12-01', '2027-01-01', 3000],
    ]);
  });

  it('skip periods already billed', () => {
    const billed = [
      {
        subscription_id: 'sub_1',
        kind: 'subscription' as const,
        period_start: '2026-11-16',
        period_end: '2026-12-01',
        quantity: '2',
        unit_amount: 1500,
        amount: 1500,
      },
    ];
    const lines = computeLines({ ...none, subscriptions: [monthly()], billed }, '2026-12-01');
    expect(lines.map((l) => l.period_start)).toEqual(['2026-12-01']);
  });

  it('credit the unused days once when canceled inside a paid period', () => {
    const billed = [
      {
        subscription_id: 'sub_1',
        kind: 'subscription' as const,
        period_start: '2026-12-01',
        period_end: '2027-01-01',
        quantity: '2',
        unit_amount: 1500,
        amount: 3000,
      },
    ];
    const sub = monthly({ start_date: '2026-12-01', end_date: '2026-12-11' });
    const charge = {
      id: 'chg_1',
      price_id: 'price_x',
      quantity: 1,
      unit_amount: 5000,
      description: 'Setup',
    };
    const lines = computeLines(
      { ...none, subscriptions: [sub], billed, charges: [charge] },
      '2027-01-01',
    );
    const credit = lines.find((l) => l.kind === 'proration');
    // Served 10 of 31 days: due 968 (largest remainder of 3000 over 10/21), credit 2032.
    expect(credit?.amount).toBe(-2032);
    const again = computeLines(
      {
        ...none,
        subscriptions: [sub],
        billed: [...billed, { ...billed[0]!, kind: 'proration', amount: -2032 }],
      },
      '2027-01-01',
    );
    expect(again.filter((l) => l.kind === 'proration')).toEqual([]);
  });

  const december = [
    {
      subscription_id: 'sub_1',
      kind: 'subscription' as const,
      period_start: '2026-12-01',
      period_end: '2027-01-01',
      quantity: '2',
      unit_amount: 1500,
      amount: 3000,
    },
  ];

  it('put a credit no charge absorbs on the account instead of holding it back', () => {
    const sub = monthly({ start_date: '2026-12-01', end_date: '2026-12-11' });
    const { lines, accountCredits } = computeInvoice(
      { ...none, subscriptions: [sub], billed: december },
      '2027-01-01',
    );
    expect(lines).toEqual([]);
    expect(accountCredits.map((c) => [c.kind, c.period_start, c.amount])).toEqual([
      ['proration', '2026-12-01', -2032],
    ]);
  });

  it('absorb what the charges can and put the rest on the account', () => {
    const sub = monthly({ start_date: '2026-12-01', end_date: '2026-12-11' });
    const charge = { id: 'c', price_id: 'p', quantity: 1, unit_amount: 500, description: 'Fee' };
    const { lines, accountCredits } = computeInvoice(
      { ...none, subscriptions: [sub], billed: december, charges: [charge] },
      '2027-01-01',
    );
    expect(lines.map((l) => l.amount)).toEqual([500, -500]);
    expect(accountCredits.map((c) => c.amount)).toEqual([-1532]);
    // What a memo already credited counts: only the rest is due, and nothing after that.
    const memo = { subscription_id: 'sub_1', period_start: '2026-12-01', amount: 1532 };
    const later = computeInvoice(
      { ...none, subscriptions: [sub], billed: december, memoCredits: [memo] },
      '2027-01-01',
    );
    expect(later.accountCredits.map((c) => c.amount)).toEqual([-500]);
    const billedCredit = { ...december[0]!, kind: 'proration' as const, amount: -500 };
    const done = computeInvoice(
      {
        ...none,
        subscriptions: [sub],
        billed: [...december, billedCredit],
        memoCredits: [memo],
      },
      '2027-01-01',
    );
    expect(done).toEqual({ lines: [], accountCredits: [] });
  });

  it('credit the whole period when it ends on the first day of a period billed in advance', () => {
    const sub = monthly({ start_date: '2026-11-01', end_date: '2026-12-01' });
    const credits = prorationCredits(sub, december, []);
    expect(credits.map((c) => [c.amount, c.description])).toEqual([
      [-3000, 'Hosting: credit for unused time (2026-12-01 to 2027-01-01)'],
    ]);
  });

  it('credit only what posted invoices billed (not drafts, not void invoices)', () => {
    const sub = monthly({ start_date: '2026-12-01', end_date: '2026-12-11' });
    for (const invoice_status of ['draft', 'void'] as const) {
      const billed = [{ ...december[0]!, invoice_status }];
      expect(prorationCredits(sub, billed, [])).toEqual([]);
    }
    expect(prorationCredits(sub, [{ ...december[0]!, invoice_status: 'posted' }], [])).toHaveLength(
      1,
    );
  });
});

describe('usage in arrears', () => {
  it('bills only closed periods', () => {
    expect(usageCutoff(metered(), '2026-12-15')).toBe('2026-12-01');
    expect(usageCutoff(metered({ end_date: '2026-12-10' }), '2026-12-15')).toBe('2026-12-10');
  });

  it('prices late usage at the tier the whole period reaches', () => {
    const usage = [
      { subscription_id: 'sub_2', usage_date: '2026-11-20', micros: toMicros(50) as bigint },
    ];
    const billedUsage = [
      { subscription_id: 'sub_2', usage_date: '2026-11-18', micros: toMicros(80) as bigint },
    ];
    const lines = computeLines(
      { ...none, subscriptions: [metered()], usage, billedUsage },
      '2026-12-01',
    );
    // 80 already billed (800); 130 in all costs 1000 + 150 = 1150; the late 50 cost 350.
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      kind: 'usage',
      quantity: '50',
      amount: 350,
      period_start: '2026-11-01',
    });
    expect(lines[0]?.description).toContain('late usage');
  });
});
