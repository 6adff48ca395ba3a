/**
 * How a payment is spread over invoices (E1, E3), each rule on its own (issue 10 item 12: every
 * `it` is self-contained, as mutation testing runs them one by one). The API tests cover the
 * same rules through the routes (test/api/payments.test.ts, test/api/money-paths.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { AppError } from '../../core/errors.js';
import type { InvoiceBalance } from '../books/service.js';
import { allocate, checkAllocations, clipPlan, oldestFirst } from './allocate.js';

const CUS = 'cus_a';

function inv(id: string, available: number, over: Partial<InvoiceBalance> = {}): InvoiceBalance {
  return {
    id,
    customer_id: CUS,
    status: 'posted',
    invoice_date: `2026-01-${id.slice(-2)}`,
    due_date: null,
    total: available,
    taken: 0,
    credits: 0,
    available,
    ...over,
  };
}

function refusal(fn: () => unknown): AppError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    return err as AppError;
  }
  throw new Error('expected a refusal');
}

describe('payer-given allocations', () => {
  it('that add up to exactly the payment leave nothing over', () => {
    const balances = [inv('in_01', 500), inv('in_02', 300)];
    const given = [
      { invoice_id: 'in_01', amount: 500 },
      { invoice_id: 'in_02', amount: 300 },
    ];
    expect(checkAllocations(given, balances, CUS, 800)).toEqual({
      allocations: given,
      remainder: 0,
    });
  });

  it('that add up to less than the payment leave the difference over', () => {
    const balances = [inv('in_01', 500), inv('in_02', 300)];
    const given = [
      { invoice_id: 'in_01', amount: 200 },
      { invoice_id: 'in_02', amount: 100 },
    ];
    expect(checkAllocations(given, balances, CUS, 1000)).toEqual({
      allocations: given,
      remainder: 700,
    });
  });

  it('that add up to more than the payment are refused, naming both sums', () => {
    const balances = [inv('in_01', 500), inv('in_02', 300)];
    const given = [
      { invoice_id: 'in_01', amount: 500 },
      { invoice_id: 'in_02', amount: 300 },
    ];
    const err = refusal(() => checkAllocations(given, balances, CUS, 799));
    expect(err.code).toBe('amount_exceeds_balance');
    expect(err.details).toEqual({ allocated: 800, amount: 799 });
  });

  it('may take exactly what an invoice has available, not a cent more', () => {
    const balances = [inv('in_01', 500)];
    const exact = [{ invoice_id: 'in_01', amount: 500 }];
    expect(checkAllocations(exact, balances, CUS, 500).remainder).toBe(0);
    const err = refusal(() =>
      checkAllocations([{ invoice_id: 'in_01', amount: 501 }], balances, CUS, 600),
    );
    expect(err.code).toBe('amount_exceeds_balance');
    expect(err.details).toEqual({ invoice_id: 'in_01', requested: 501, available: 500 });
  });

  it('to an unknown invoice are refused as not found', () => {
    const err = refusal(() =>
      checkAllocations([{ invoice_id: 'in_99', amount: 1 }], [inv('in_01', 5)], CUS, 1),
    );
    expect(err.code).toBe('invoice_not_found');
    expect(err.details).toEqual({ id: 'in_99' });
  });

  it('to another customer’s invoice are refused, saying so, even after a good one', () => {
    const balances = [inv('in_01', 500), inv('in_02', 300, { customer_id: 'cus_b' })];
    const err = refusal(() =>
      checkAllocations(
        [
          { invoice_id: 'in_01', amount: 100 },
          { invoice_id: 'in_02', amount: 100 },
        ],
        balances,
        CUS,
        200,
      ),
    );
    expect(err.code).toBe('invoice_not_payable');
    expect(err.details).toEqual({
      invoice_id: 'in_02',
      status: 'posted',
      reason: 'another customer’s invoice',
    });
  });

  it.each(['draft', 'void'] as const)('to a %s invoice of the customer are refused', (status) => {
    const balances = [inv('in_01', 500, { status })];
    const err = refusal(() =>
      checkAllocations([{ invoice_id: 'in_01', amount: 1 }], balances, CUS, 1),
    );
    expect(err.code).toBe('invoice_not_payable');
    expect(err.details).toEqual({ invoice_id: 'in_01', status });
  });
});

describe('allocate', () => {
  it('with given allocations that leave some over refuses unless a prepayment was asked for', () => {
    const balances = [inv('in_01', 500)];
    const given = [{ invoice_id: 'in_01', amount: 300 }];
    const err = refusal(() =>
      allocate({ given, balances, customerId: CUS, amount: 400, prepayment: false }),
    );
    expect(err.code).toBe('amount_exceeds_balance');
    expect(err.details).toEqual({
      amount: 400,
      available: 300,
      hint: 'set prepayment: true to keep the rest as an unapplied payment',
    });
    expect(allocate({ given, balances, customerId: CUS, amount: 400, prepayment: true })).toEqual({
      allocations: given,
      remainder: 100,
    });
  });

  it('with given allocations that use the whole payment needs no prepayment', () => {
    const balances = [inv('in_01', 500)];
    const given = [{ invoice_id: 'in_01', amount: 300 }];
    expect(allocate({ given, balances, customerId: CUS, amount: 300, prepayment: false })).toEqual({
      allocations: given,
      remainder: 0,
    });
  });

  it('without allocations fills the customer’s posted open invoices oldest first', () => {
    const balances = [
      inv('in_03', 400),
      inv('in_01', 100),
      inv('in_02', 200, { customer_id: 'cus_b' }),
      inv('in_04', 700, { status: 'draft' }),
      inv('in_05', 0),
      inv('in_06', 900),
    ];
    const result = allocate({
      given: undefined,
      balances,
      customerId: CUS,
      amount: 600,
      prepayment: false,
    });
    expect(result).toEqual({
      allocations: [
        { invoice_id: 'in_01', amount: 100 },
        { invoice_id: 'in_03', amount: 400 },
        { invoice_id: 'in_06', amount: 100 },
      ],
      remainder: 0,
    });
  });

  it('never applies to a draft, void or zero-available invoice even with money left', () => {
    const balances = [
      inv('in_01', 700, { status: 'draft' }),
      inv('in_02', 700, { status: 'void' }),
      inv('in_03', -50),
      inv('in_04', 100),
    ];
    const result = allocate({
      given: undefined,
      balances,
      customerId: CUS,
      amount: 1000,
      prepayment: true,
    });
    expect(result).toEqual({ allocations: [{ invoice_id: 'in_04', amount: 100 }], remainder: 900 });
  });

  it('without allocations refuses more than the customer’s open balance, naming what is open', () => {
    const balances = [
      inv('in_01', 100),
      inv('in_02', 250),
      inv('in_03', 999, { customer_id: 'x' }),
    ];
    const err = refusal(() =>
      allocate({ given: undefined, balances, customerId: CUS, amount: 351, prepayment: false }),
    );
    expect(err.code).toBe('amount_exceeds_balance');
    expect(err.details).toEqual({
      amount: 351,
      available: 350,
      hint: 'set prepayment: true to keep the rest as an unapplied payment',
    });
  });

  it('without allocations and exactly the open balance leaves nothing over', () => {
    const balances = [inv('in_01', 100), inv('in_02', 250)];
    expect(
      allocate({ given: undefined, balances, customerId: CUS, amount: 350, prepayment: false })
        .remainder,
    ).toBe(0);
  });
});

describe('oldestFirst', () => {
  it('takes what each invoice has available, oldest first, and returns the rest', () => {
    expect(oldestFirst([inv('in_02', 300), inv('in_01', 200)], 600)).toEqual({
      allocations: [
        { invoice_id: 'in_01', amount: 200 },
        { invoice_id: 'in_02', amount: 300 },
      ],
      remainder: 100,
    });
  });
});

describe('clipPlan', () => {
  it('keeps what fits, cuts the rest and shares an invoice in the order of the plans', () => {
    const available = new Map([
      ['in_01', 500],
      ['in_02', 100],
    ]);
    const first = clipPlan(
      [
        { invoice_id: 'in_01', amount: 300 },
        { invoice_id: 'in_02', amount: 250 },
        { invoice_id: 'in_03', amount: 40 },
      ],
      available,
    );
    expect(first).toEqual({
      plan: [
        { invoice_id: 'in_01', amount: 300 },
        { invoice_id: 'in_02', amount: 100 },
      ],
      cut: 190,
    });
    expect([...available]).toEqual([
      ['in_01', 200],
      ['in_02', 0],
      ['in_03', 0],
    ]);
    const second = clipPlan([{ invoice_id: 'in_01', amount: 300 }], available);
    expect(second).toEqual({ plan: [{ invoice_id: 'in_01', amount: 200 }], cut: 100 });
    expect(available.get('in_01')).toBe(0);
  });

  it('keeps a plan that fits exactly, with nothing cut', () => {
    const available = new Map([['in_01', 500]]);
    expect(clipPlan([{ invoice_id: 'in_01', amount: 500 }], available)).toEqual({
      plan: [{ invoice_id: 'in_01', amount: 500 }],
      cut: 0,
    });
    expect(available.get('in_01')).toBe(0);
  });
});
