import { describe, expect, it } from 'vitest';
import type { StatementDocument } from '../../src/modules/invoices/statement.js';
import { renderStatementPdf } from '../../src/modules/invoices/statement-pdf.js';
import { pdfText } from '../helpers/pdf.js';

// The widest ids Billow can make: every one of the 26 random characters a wide letter.
const WIDE_PAYMENT = `pay_${'m'.repeat(13)}${'w'.repeat(13)}`;
const WIDE_MEMO = `cm_${'w'.repeat(26)}`;

const statement: StatementDocument = {
  date: '2026-11-22',
  tenant: { name: 'Northwind', email: null },
  customer: {
    id: 'cus_1',
    name: 'Acme & Sons',
    number: 'C-000001',
    billing_email: null,
    billing_address: null,
  },
  balance: {
    total_balance: 13_000,
    total_past_due: 0,
    open_invoice_count: 0,
    unapplied_credits: 500,
    net_balance: 12_500,
  },
  invoices: [],
  payments: [
    { date: '2026-11-22', id: WIDE_PAYMENT, method: 'check', status: 'succeeded', amount: 2_000 },
  ],
  credits: [{ date: '2026-11-22', id: WIDE_MEMO, type: 'memo', remaining: 500 }],
};

describe('the account statement PDF', () => {
  it('keeps a payment’s and a credit’s id on one line, however wide its letters', async () => {
    const text = (await pdfText(await renderStatementPdf(statement))).join('\n');
    expect(text).toContain(WIDE_PAYMENT);
    expect(text).toContain(WIDE_MEMO);
  });
});
