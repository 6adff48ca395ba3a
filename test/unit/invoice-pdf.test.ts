import { describe, expect, it } from 'vitest';
import {
  formatDate,
  formatQuantity,
  type InvoiceDocument,
  renderInvoicePdf,
  renderInvoicesPdf,
} from '../../src/modules/invoices/pdf.js';
import { pdfText } from '../helpers/pdf.js';

function invoice(overrides: Partial<InvoiceDocument['invoice']> = {}): InvoiceDocument {
  return {
    tenant: {
      name: 'Northwind Hosting',
      email: 'billing@northwind.example',
      address: { line1: '1 Main St', city: 'Boston', region: 'MA', postal_code: '02110' },
    },
    customer: {
      name: 'Acme Widgets, Inc.',
      number: 'C-000042',
      billing_email: 'ap@acme.example',
      billing_address: { line1: '500 Industrial Way', city: 'Newark', region: 'NJ', country: 'US' },
    },
    invoice: {
      id: 'inv_01',
      number: 'INV-000123',
      status: 'partially_paid',
      invoice_date: '2026-11-01',
      due_date: '2026-12-01',
      po_number: 'PO-7788',
      currency: 'USD',
      lines: [
        {
          description: 'Pro plan (monthly)',
          quantity: '3.000000',
          unit_amount: 49_900,
          amount: 149_700,
          period_start: '2026-11-01',
          period_end: '2026-11-30',
        },
        {
          description: 'API calls',
          quantity: '12500.500000',
          unit_amount: 1,
          amount: 12_501,
          period_start: '2026-10-01',
          period_end: '2026-10-31',
        },
        { description: 'Setup fee', quantity: null, unit_amount: null, amount: 25_000 },
      ],
      adjustments: [
        { kind: 'credit', amount: 10_000, reason: 'Outage credit' },
        { kind: 'charge', amount: 1_234, reason: 'Late fee' },
      ],
      subtotal: 187_201,
      total: 178_435,
      amount_paid: 100_000,
      credits_applied: 5_000,
      balance: 73_435,
      ...overrides,
    },
  };
}

describe('invoice PDF', () => {
  it('shows the number, parties, dates, lines with periods, adjustments and totals', async () => {
    const pdf = await renderInvoicePdf(invoice());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const pages = await pdfText(pdf);
    expect(pages).toHaveLength(1);
    const text = pages[0]!;
    for (const expected of [
      'Northwind Hosting',
      'billing@northwind.example',
      'INVOICE',
      'INV-000123',
      'Acme Widgets, Inc.',
      'Customer C-000042',
      '500 Industrial Way',
      'Newark, NJ',
      'ap@acme.example',
      'Nov 1, 2026',
      'Dec 1, 2026',
      'PO-7788',
      'Partially paid',
      'Pro plan (monthly)',
      'API calls',
      'Setup fee',
      'Nov 1, 2026 – Nov 30, 2026',
      'Oct 1, 2026 – Oct 31, 2026',
      '12500.5',
      '$499.00',
      '$1,497.00',
      '$125.01',
      '$250.00',
      'Credit: Outage credit',
      '-$100.00',
      'Charge: Late fee',
      '$12.34',
      '$1,872.01',
      '$1,784.35',
      '$1,000.00',
      '$50.00',
      '$734.35',
      'Balance due',
      'Page 1 of 1',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('marks a draft as DRAFT and leaves missing dates and PO blank', async () => {
    const text = (
      await pdfText(
        await renderInvoicePdf(
          invoice({ number: null, status: 'draft', due_date: null, po_number: null }),
        ),
      )
    ).join('\n');
    expect(text).toContain('DRAFT');
    expect(text).toContain('Draft');
    expect(text).not.toContain('INV-000123');
    expect(text).not.toContain('PO-7788');
  });

  it('marks a void invoice', async () => {
    const text = (await pdfText(await renderInvoicePdf(invoice({ status: 'void' })))).join('\n');
    expect(text).toContain('VOID');
  });

  it('continues a long invoice on further pages and numbers them', async () => {
    const lines = Array.from({ length: 80 }, (_, i) => ({
      description: `Line item number ${i + 1}`,
      quantity: '1',
      unit_amount: 100,
      amount: 100,
    }));
    const pages = await pdfText(
      await renderInvoicePdf(invoice({ lines, adjustments: [], subtotal: 8000, total: 8000 })),
    );
    expect(pages.length).toBeGreaterThan(1);
    const all = pages.join('\n');
    for (let i = 1; i <= 80; i++) expect(all).toContain(`Line item number ${i}\n`);
    expect(pages.at(-1)).toContain('Balance due');
    expect(pages[1]).toContain('Description');
    expect(pages[0]).toContain(`Page 1 of ${pages.length}`);
  });

  it('renders a batch with each invoice starting on its own page', async () => {
    const a = invoice();
    const b = invoice({ number: 'INV-000124' });
    b.customer = { ...b.customer, name: 'Globex Corporation', number: 'C-000043' };
    const pages = await pdfText(await renderInvoicesPdf([a, b], { size: 'A4' }));
    expect(pages).toHaveLength(2);
    expect(pages[0]).toContain('INV-000123');
    expect(pages[0]).toContain('Acme Widgets, Inc.');
    expect(pages[0]).not.toContain('Globex');
    expect(pages[1]).toContain('INV-000124');
    expect(pages[1]).toContain('Globex Corporation');
    expect(pages[1]).toContain('Invoice INV-000124 · Page 1 of 1');
  });

  it('renders the same bytes for the same invoice', async () => {
    const [x, y] = await Promise.all([renderInvoicePdf(invoice()), renderInvoicePdf(invoice())]);
    expect(x.equals(y)).toBe(true);
  });

  it('formats dates and quantities without floats or the local zone', () => {
    expect(formatDate('2026-03-08')).toBe('Mar 8, 2026');
    expect(formatQuantity('1.000000')).toBe('1');
    expect(formatQuantity('0.100000')).toBe('0.1');
    expect(formatQuantity('1500')).toBe('1500');
    expect(formatQuantity(null)).toBe('');
  });
});
