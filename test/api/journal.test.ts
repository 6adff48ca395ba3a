/**
 * The journal export (K2): GET /accounting/journal answers CSV, one row per posting line, every
 * entry balancing to zero; a whole cycle (invoice, payment, refund, credit memo, adjustment,
 * void, bank return) shows up, the range filters by business date, billing:read is needed and
 * no other tenant's rows appear. The accounts, summed, agree with the invoices' open balances.
 */
import { describe, expect, it } from 'vitest';
import { advance, apiKey, type Client, newTenant, type TestTenant } from '../helpers/app.js';
import { created, newCustomer, postedInvoice } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { BANK_R10, verifiedBank } from '../helpers/payment-methods.js';
import { balanceOf, pay, payingCustomer } from '../helpers/payments.js';
import { expectBooksBalance } from '../helpers/verify.js';

const h = useHarness();

const JOURNAL = '/api/v1/accounting/journal';
const COLUMNS =
  'entry_id,date,entry_type,account,account_name,debit,credit,currency,customer_number,customer_name,document';

interface Row {
  entry_id: string;
  date: string;
  entry_type: string;
  account: string;
  account_name: string;
  debit: string;
  credit: string;
  currency: string;
  customer_number: string;
  customer_name: string;
  document: string;
}

/** RFC 4180 as the export writes it (quoted fields may hold commas and doubled quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let field = '';
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  expect(field, 'the CSV ends with a line break').toBe('');
  return rows;
}

async function journal(api: Client, from: string, to: string): Promise<Row[]> {
  const res = await api.get(`${JOURNAL}?from=${from}&to=${to}`);
  expect(res.status, String(res.body)).toBe(200);
  expect(res.headers['content-type']).toContain('text/csv');
  expect(res.headers['content-disposition']).toBe(
    `attachment; filename="journal-${from}-${to}.csv"`,
  );
  const [header, ...lines] = parseCsv(res.body as string);
  expect(header?.join(',')).toBe(COLUMNS);
  const names = COLUMNS.split(',');
  return lines.map(
    (l) => Object.fromEntries(names.map((n, i) => [n, l[i] ?? ''])) as unknown as Row,
  );
}

const cents = (s: string) => (s === '' ? 0 : Math.round(Number(s) * 100));
const signed = (r: Row) => cents(r.debit) - cents(r.credit);

function expectBalanced(rows: Row[]) {
  const sums = new Map<string, number>();
  for (const r of rows) {
    expect(r.debit === '' || r.credit === '', `${r.entry_id}: a debit or a credit`).toBe(true);
    expect(r.currency).toBe('USD');
    sums.set(r.entry_id, (sums.get(r.entry_id) ?? 0) + signed(r));
  }
  for (const [entry, sum] of sums) expect(sum, `entry ${entry} sums to zero`).toBe(0);
  return sums;
}

function byAccount(rows: Row[], customerNumber?: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of rows) {
    if (customerNumber && r.customer_number !== customerNumber) continue;
    out[r.account] = (out[r.account] ?? 0) + signed(r);
  }
  return out;
}

async function numberOf(t: TestTenant, customerId: string): Promise<string> {
  return (await t.api.get(`/api/v1/customers/${customerId}`)).body.number;
}

describe('GET /accounting/journal', () => {
  it('exports a whole cycle as entries that balance, and agrees with the open balances', async () => {
    const t = await newTenant(h);
    const today = (await t.api.get('/api/v1/clock')).body.today as string;
    const { customerId, methodId } = await payingCustomer(t);
    const num = await numberOf(t, customerId);

    // Invoice → payment (2,000 more than owed) → refund (the unapplied 2,000 first, then 3,000
    // reopened) → credit memo → adjustment; a voided invoice.
    const a = await postedInvoice(t, customerId, 10_000);
    const p = await pay(t, customerId, methodId, 12_000, { prepayment: true });
    expect(p.status).toBe('succeeded');
    const refunded = await t.api.post(`/api/v1/payments/${p.id}/refunds`, {
      amount: 5000,
      outcome: 'reopen',
    });
    expect(refunded.status, JSON.stringify(refunded.body)).toBe(201);
    const memo = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', {
        customer_id: customerId,
        amount: 1000,
        reason: 'Outage, "partial"',
        invoice_id: a,
      }),
    );
    const adj = await t.api.post(`/api/v1/invoices/${a}/adjustments`, {
      kind: 'credit',
      amount: 500,
      reason: 'Late fee waived',
    });
    expect(adj.status, JSON.stringify(adj.body)).toBe(200);
    const b = await postedInvoice(t, customerId, 4000);
    expect((await t.api.post(`/api/v1/invoices/${b}/void`, { reason: 'Wrong' })).status).toBe(200);

    // A bank payment that settles, then comes back (R10), a week later.
    const bankCus = await newCustomer(t, { name: 'Returns, "Ltd"' });
    const bankNum = await numberOf(t, bankCus.id);
    const bank = await verifiedBank(t, bankCus.id, BANK_R10);
    const c = await postedInvoice(t, bankCus.id, 2700);
    const bp = await pay(t, bankCus.id, bank.id, 2700);
    await advance(t, 4);
    expect((await t.api.get(`/api/v1/payments/${bp.id}`)).body.status).toBe('succeeded');
    await advance(t, 7);
    expect((await t.api.get(`/api/v1/payments/${bp.id}`)).body.status).toBe('returned');
    await expectBooksBalance(h, t.id);

    const rows = await journal(t.api, '2026-01-01', '2027-12-31');
    const sums = expectBalanced(rows);
    const types = new Set(rows.map((r) => r.entry_type));
    for (const type of [
      'invoice',
      'payment',
      'payment_application',
      'refund',
      'credit_memo',
      'credit_application',
      'adjustment',
      'void',
      'return',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(sums.has(`invoice:${a}`)).toBe(true);
    expect(sums.has(`payment:${p.id}`)).toBe(true);
    expect(sums.has(`credit_memo:${memo.id}`)).toBe(true);
    expect(sums.has(`void:${b}`)).toBe(true);
    expect(sums.has(`return:${bp.id}`)).toBe(true);
    // Ordered by date, then entry, then line.
    const keys = rows.map((r) => `${r.date} ${r.entry_id}`);
    expect(keys).toEqual([...keys].sort());

    const invoiceA = (await t.api.get(`/api/v1/invoices/${a}`)).body;
    const invoiceRows = rows.filter((r) => r.entry_id === `invoice:${a}`);
    expect(invoiceRows).toEqual([
      expect.objectContaining({
        date: today,
        account: '1100',
        account_name: 'Accounts receivable',
        debit: '100.00',
        credit: '',
        customer_number: num,
        document: invoiceA.number,
      }),
      expect.objectContaining({ account: '4000', debit: '', credit: '100.00' }),
    ]);
    const memoRows = rows.filter((r) => r.entry_id === `credit_memo:${memo.id}`);
    expect(memoRows.map((r) => [r.account, r.debit, r.credit])).toEqual([
      ['4900', '10.00', ''],
      ['2200', '', '10.00'],
    ]);
    const returnRows = rows.filter((r) => r.entry_id === `return:${bp.id}`);
    expect(returnRows[0]).toMatchObject({ customer_name: 'Returns, "Ltd"', date: '2026-12-03' });

    // The accounts agree with the documents: receivable = what is open, cash = what stayed.
    const first = byAccount(rows, num);
    const openA = await balanceOf(t, a);
    expect(openA).toBe(10_000 - 10_000 + 3000 - 1000 - 500);
    expect(first['1100']).toBe(openA);
    expect(first['1000']).toBe(12_000 - 5000);
    const unapplied = (await t.api.get(`/api/v1/payments/${p.id}`)).body.unapplied as number;
    expect(unapplied).toBe(0);
    expect((first['2100'] ?? 0) + unapplied).toBe(0);
    expect(first['2200'] ?? 0).toBe(0);
    const second = byAccount(rows, bankNum);
    expect(second['1100']).toBe(await balanceOf(t, c));
    expect(second['1000']).toBe(0);
  });

  it('filters by business date, both ends included', async () => {
    const t = await newTenant(h);
    const today = (await t.api.get('/api/v1/clock')).body.today as string;
    const cus = await newCustomer(t);
    const first = await postedInvoice(t, cus.id, 1000);
    await advance(t, 2);
    const later = (await t.api.get('/api/v1/clock')).body.today as string;
    const second = await postedInvoice(t, cus.id, 2000);

    const onlyFirst = await journal(t.api, today, today);
    expect(new Set(onlyFirst.map((r) => r.entry_id))).toEqual(new Set([`invoice:${first}`]));
    const onlyLater = await journal(t.api, later, later);
    expect(new Set(onlyLater.map((r) => r.entry_id))).toEqual(new Set([`invoice:${second}`]));
    expect(await journal(t.api, '2020-01-01', '2020-12-31')).toEqual([]);
    expect((await journal(t.api, today, later)).length).toBe(4);

    const reversed = await t.api.get(`${JOURNAL}?from=${later}&to=${today}`);
    expect(reversed.status).toBe(400);
    expect((await t.api.get(`${JOURNAL}?from=2026-02-30&to=2026-03-01`)).status).toBe(400);
    expect((await t.api.get(JOURNAL)).status).toBe(400);
  });

  it('needs billing:read and shows only the tenant’s own postings', async () => {
    const t = await newTenant(h);
    const other = await newTenant(h);
    const cus = await newCustomer(t);
    const mine = await postedInvoice(t, cus.id, 1500);
    const theirs = await postedInvoice(other, (await newCustomer(other)).id, 2500);

    const rows = await journal(t.api, '2026-01-01', '2027-12-31');
    expect(new Set(rows.map((r) => r.entry_id))).toEqual(new Set([`invoice:${mine}`]));
    const otherRows = await journal(other.api, '2026-01-01', '2027-12-31');
    expect(new Set(otherRows.map((r) => r.entry_id))).toEqual(new Set([`invoice:${theirs}`]));

    const { api: readOnly } = await apiKey(t, 'read_only');
    const refused = await readOnly.get(`${JOURNAL}?from=2026-01-01&to=2027-12-31`);
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'forbidden']);
    const { api: billing } = await apiKey(t, 'billing');
    expect((await journal(billing, '2026-01-01', '2027-12-31')).length).toBe(2);
  });

  it('reads a long range page by page, in order, each entry whole', async () => {
    const t = await newTenant(h);
    const cus = await newCustomer(t);
    const { journalLines } = await import('../../src/modules/books/service.js');
    for (let i = 0; i < 5; i++) await postedInvoice(t, cus.id, 100 * (i + 1));
    const pages: number[] = [];
    const seen: string[] = [];
    for await (const page of journalLines(
      h.testDb.db,
      t.id,
      'America/New_York',
      { from: '2026-01-01', to: '2027-12-31' },
      3,
    )) {
      pages.push(page.length);
      seen.push(...page.map((l) => `${l.entry_id}#${l.line}`));
    }
    expect(pages).toEqual([3, 3, 3, 1]);
    expect(new Set(seen).size).toBe(10);
  });
});

describe('GET /accounting/journal: a voided credit memo', () => {
  it('books the void as a reversing entry on its day, so every range balances to zero', async () => {
    const t = await newTenant(h);
    const madeOn = (await t.api.get('/api/v1/clock')).body.today as string;
    const cus = await newCustomer(t);
    const num = await numberOf(t, cus.id);
    const memo = await created<{ id: string }>(
      t.api.post('/api/v1/credit-memos', {
        customer_id: cus.id,
        amount: 2500,
        reason: 'Goodwill, issued by mistake',
      }),
    );
    // The month is exported and closed before the mistake is found.
    const closed = await journal(t.api, madeOn, madeOn);
    await advance(t, 3);
    const voidedOn = (await t.api.get('/api/v1/clock')).body.today as string;
    const voided = await t.api.post(`/api/v1/credit-memos/${memo.id}/void`, {});
    expect(voided.status, JSON.stringify(voided.body)).toBe(200);

    // The exported day does not change afterwards: the memo is still booked on it.
    expect(await journal(t.api, madeOn, madeOn)).toEqual(closed);
    expect(closed.map((r) => [r.entry_id, r.account, r.debit, r.credit])).toEqual([
      [`credit_memo:${memo.id}`, '4900', '25.00', ''],
      [`credit_memo:${memo.id}`, '2200', '', '25.00'],
    ]);
    // The void's day holds the reversal: customer credit back out, adjustments back in.
    const later = await journal(t.api, voidedOn, voidedOn);
    expectBalanced(later);
    expect(later.map((r) => [r.entry_id, r.date, r.account, r.debit, r.credit])).toEqual([
      [`credit_memo_void:${memo.id}`, voidedOn, '2200', '25.00', ''],
      [`credit_memo_void:${memo.id}`, voidedOn, '4900', '', '25.00'],
    ]);
    expect(later[0]).toMatchObject({ entry_type: 'credit_memo_void', document: memo.id });

    // Over a range holding both, every entry balances and the memo leaves nothing behind.
    const all = await journal(t.api, madeOn, voidedOn);
    expectBalanced(all);
    const accounts = byAccount(all, num);
    expect(accounts['2200']).toBe(0);
    expect(accounts['4900']).toBe(0);
    expect(all.reduce((sum, r) => sum + signed(r), 0)).toBe(0);
    await expectBooksBalance(h, t.id);
  });
});

describe('the journal read page by page', () => {
  it('gives the same lines as one read, across empty days and a day fuller than a page', async () => {
    const t = await newTenant(h);
    const cus = await newCustomer(t);
    const { journalLines } = await import('../../src/modules/books/service.js');
    // Day 1: five invoices (ten lines, more than a page); a quiet week; then one a day.
    for (let i = 0; i < 5; i++) await postedInvoice(t, cus.id, 100 * (i + 1));
    await advance(t, 7);
    for (let d = 0; d < 4; d++) {
      await postedInvoice(t, cus.id, 1000 + d);
      await advance(t, 1);
    }
    const range = { from: '2026-01-01', to: '2027-12-31' };
    const read = async (size: number) => {
      const pages: string[][] = [];
      for await (const page of journalLines(h.testDb.db, t.id, 'America/New_York', range, size)) {
        pages.push(page.map((l) => `${l.date} ${l.entry_id}#${l.line}`));
      }
      return pages;
    };
    const whole = (await read(1000)).flat();
    expect(whole.length).toBe(18);
    expect(whole).toEqual([...whole].sort());
    for (const size of [1, 3, 4, 7]) {
      const pages = await read(size);
      expect(pages.flat(), `pages of ${size}`).toEqual(whole);
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(size);
    }
  });
});
