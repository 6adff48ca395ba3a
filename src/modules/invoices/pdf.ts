/**
 * The invoice PDF (C6, C7): one invoice, or a bill run's invoices in one file with each starting
 * on a new page. Pure rendering of an InvoiceDocument (loaded by the invoices service); amounts
 * formatted only here, at the edge. The output is deterministic: its dates come from the
 * invoices, not from the clock.
 */
import { formatMoney } from '../../core/money.js';

export interface PostalAddress {
  line1?: string | null | undefined;
  line2?: string | null | undefined;
  city?: string | null | undefined;
  region?: string | null | undefined;
  postal_code?: string | null | undefined;
  country?: string | null | undefined;
}

export interface InvoiceDocument {
  tenant: { name: string; email?: string | null; address?: PostalAddress | null };
  customer: {
    name: string;
    number: string;
    billing_email?: string | null;
    billing_address?: PostalAddress | null;
  };
  invoice: {
    id: string;
    number: string | null;
    status: string;
    invoice_date: string;
    due_date: string | null;
    po_number: string | null;
    currency: 'USD';
    lines: {
      description: string;
      quantity: string | null;
      unit_amount: number | null;
      amount: number;
      period_start?: string | null;
      period_end?: string | null;
    }[];
    adjustments: { kind: 'credit' | 'charge'; amount: number; reason: string }[];
    subtotal: number;
    total: number;
    amount_paid: number;
    credits_applied: number;
    balance: number;
  };
}

export interface PdfOptions {
  size?: 'LETTER' | 'A4';
}

type Doc = PDFKit.PDFDocument;

const MARGIN = 50;
const GREY = '#555555';
const RULE = '#cccccc';
const STATUS_LABELS: Record<string, string> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partially paid',
  paid: 'Paid',
  past_due: 'Past due',
  void: 'Void',
};

/** "2026-11-22" → "Nov 22, 2026", without a trip through the local time zone. */
export function formatDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Intl.DateTimeFormat('en-US', { dateStyle: 'medium', timeZone: 'UTC' }).format(
    new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)),
  );
}

/** "12.500000" → "12.5"; quantities are decimal strings and stay out of floats. */
export function formatQuantity(quantity: string | null): string {
  if (quantity === null) return '';
  return quantity.includes('.') ? quantity.replace(/\.?0+$/, '') : quantity;
}

export function addressLines(a: PostalAddress | null | undefined): string[] {
  if (!a) return [];
  const cityLine = [a.city, [a.region, a.postal_code].filter(Boolean).join(' ')]
    .filter(Boolean)
    .join(', ');
  return [a.line1, a.line2, cityLine, a.country].filter((l): l is string => Boolean(l));
}

export function toBuffer(doc: Doc): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
}

/** Renders one invoice as a PDF. */
export function renderInvoicePdf(doc: InvoiceDocument, options: PdfOptions = {}): Promise<Buffer> {
  return renderInvoicesPdf([doc], options);
}

/** Renders several invoices (a bill run's batch) into one PDF, each starting on a new page. */
export async function renderInvoicesPdf(
  docs: InvoiceDocument[],
  options: PdfOptions = {},
): Promise<Buffer> {
  const first = docs[0];
  // Loaded on first use: pdfkit is a large module that most processes never need.
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new PDFDocument({
    size: options.size ?? 'LETTER',
    margin: MARGIN,
    bufferPages: true,
    autoFirstPage: false,
    info: {
      Title: docs.length === 1 && first ? `Invoice ${first.invoice.number ?? 'DRAFT'}` : 'Invoices',
      Author: first?.tenant.name ?? 'Billow',
      Creator: 'Billow',
      CreationDate: new Date(`${first?.invoice.invoice_date ?? '1970-01-01'}T00:00:00Z`),
    },
  });
  const out = toBuffer(pdf);
  const ranges: { doc: InvoiceDocument; from: number; to: number }[] = [];
  for (const d of docs) {
    pdf.addPage();
    const from = pdf.bufferedPageRange().count - 1;
    drawInvoice(pdf, d);
    ranges.push({ doc: d, from, to: pdf.bufferedPageRange().count - 1 });
  }
  if (docs.length === 0) {
    pdf.addPage().font('Helvetica').fontSize(12).text('No invoices.');
  }
  for (const r of ranges) drawFooters(pdf, r.doc, r.from, r.to);
  pdf.end();
  return out;
}

function drawInvoice(pdf: Doc, d: InvoiceDocument): void {
  const inv = d.invoice;
  const left = MARGIN;
  const right = pdf.page.width - MARGIN;
  const width = right - left;
  const top = MARGIN;

  // Seller, top left.
  pdf.font('Helvetica-Bold').fontSize(16).fillColor('black');
  pdf.text(d.tenant.name, left, top, { width: width / 2 });
  pdf.font('Helvetica').fontSize(9).fillColor(GREY);
  for (const l of [...addressLines(d.tenant.address), d.tenant.email ?? '']) {
    if (l) pdf.text(l, { width: width / 2 });
  }
  const sellerBottom = pdf.y;

  // Title and the facts, top right.
  const metaX = left + width / 2;
  pdf.font('Helvetica-Bold').fontSize(20).fillColor('black');
  pdf.text('INVOICE', metaX, top, { width: width / 2, align: 'right' });
  pdf.fontSize(12).text(inv.number ?? 'DRAFT', metaX, pdf.y, { width: width / 2, align: 'right' });
  pdf.moveDown(0.5);
  const facts: [string, string][] = [
    ['Invoice number', inv.number ?? 'DRAFT'],
    ['Invoice date', formatDate(inv.invoice_date)],
    ['Due date', inv.due_date ? formatDate(inv.due_date) : '—'],
    ['PO number', inv.po_number ?? '—'],
    ['Status', STATUS_LABELS[inv.status] ?? inv.status],
  ];
  let y = pdf.y;
  for (const [label, value] of facts) {
    pdf.font('Helvetica').fontSize(9).fillColor(GREY);
    pdf.text(label, metaX, y, { width: width / 4, lineBreak: false });
    pdf.font('Helvetica').fillColor('black');
    pdf.text(value, metaX + width / 4, y, { width: width / 4, align: 'right', lineBreak: false });
    y += 13;
  }
  const metaBottom = y;

  // Buyer.
  y = Math.max(sellerBottom, top + 60) + 20;
  pdf.font('Helvetica-Bold').fontSize(9).fillColor(GREY).text('BILL TO', left, y);
  pdf.font('Helvetica-Bold').fontSize(11).fillColor('black');
  pdf.text(d.customer.name, left, pdf.y + 2, { width: width / 2 - 10 });
  pdf.font('Helvetica').fontSize(9).fillColor(GREY);
  pdf.text(`Customer ${d.customer.number}`, { width: width / 2 - 10 });
  for (const l of [...addressLines(d.customer.billing_address), d.customer.billing_email ?? '']) {
    if (l) pdf.text(l, { width: width / 2 - 10 });
  }
  y = Math.max(pdf.y, metaBottom) + 24;

  if (inv.status === 'void') {
    pdf.save().font('Helvetica-Bold').fontSize(96).fillColor('#cc0000').opacity(0.15);
    pdf.rotate(-30, { origin: [pdf.page.width / 2, pdf.page.height / 2] });
    pdf.text('VOID', 0, pdf.page.height / 2 - 48, { width: pdf.page.width, align: 'center' });
    pdf.restore();
    pdf.opacity(1);
  }

  y = drawLines(pdf, d, y);
  drawTotals(pdf, d, y);
}

/** Column x positions and widths of the lines table. */
function columns(pdf: Doc) {
  const right = pdf.page.width - MARGIN;
  const money = 80;
  const qty = 50;
  return {
    desc: { x: MARGIN, w: right - MARGIN - qty - 2 * money - 30 },
    qty: { x: right - 2 * money - qty - 20, w: qty },
    unit: { x: right - 2 * money - 10, w: money },
    amount: { x: right - money, w: money },
    right,
  };
}

function tableHeader(pdf: Doc, y: number): number {
  const c = columns(pdf);
  pdf.font('Helvetica-Bold').fontSize(9).fillColor(GREY);
  pdf.text('Description', c.desc.x, y, { width: c.desc.w, lineBreak: false });
  pdf.text('Qty', c.qty.x, y, { width: c.qty.w, align: 'right', lineBreak: false });
  pdf.text('Unit price', c.unit.x, y, { width: c.unit.w, align: 'right', lineBreak: false });
  pdf.text('Amount', c.amount.x, y, { width: c.amount.w, align: 'right', lineBreak: false });
  const below = y + 14;
  pdf.moveTo(MARGIN, below).lineTo(c.right, below).strokeColor(RULE).lineWidth(0.5).stroke();
  return below + 6;
}

/** Starts a new page when `height` does not fit below `y`; returns where to write. */
function room(pdf: Doc, y: number, height: number, header: boolean): number {
  if (y + height <= pdf.page.height - MARGIN - 20) return y;
  pdf.addPage();
  return header ? tableHeader(pdf, MARGIN) : MARGIN;
}

function drawLines(pdf: Doc, d: InvoiceDocument, start: number): number {
  const c = columns(pdf);
  const money = (n: number) => formatMoney(n, d.invoice.currency);
  let y = tableHeader(pdf, start);
  for (const line of d.invoice.lines) {
    const period =
      line.period_start && line.period_end
        ? `${formatDate(line.period_start)} – ${formatDate(line.period_end)}`
        : line.period_start
          ? `From ${formatDate(line.period_start)}`
          : '';
    pdf.font('Helvetica').fontSize(10);
    const descHeight = pdf.heightOfString(line.description, { width: c.desc.w });
    const height = descHeight + (period ? 12 : 0) + 8;
    y = room(pdf, y, height, true);
    pdf.font('Helvetica').fontSize(10).fillColor('black');
    pdf.text(line.description, c.desc.x, y, { width: c.desc.w });
    const cells: [string, { x: number; w: number }][] = [
      [formatQuantity(line.quantity), c.qty],
      [line.unit_amount === null ? '' : money(line.unit_amount), c.unit],
      [money(line.amount), c.amount],
    ];
    for (const [text, col] of cells) {
      pdf.text(text, col.x, y, { width: col.w, align: 'right', lineBreak: false });
    }
    if (period) {
      pdf
        .fontSize(8)
        .fillColor(GREY)
        .text(period, c.desc.x, y + descHeight + 1, {
          width: c.desc.w,
          lineBreak: false,
        });
    }
    y += height;
  }
  if (d.invoice.lines.length === 0) {
    pdf.font('Helvetica').fontSize(10).fillColor(GREY).text('No lines.', c.desc.x, y);
    y += 20;
  }
  pdf.moveTo(MARGIN, y).lineTo(c.right, y).strokeColor(RULE).lineWidth(0.5).stroke();
  return y + 10;
}

function drawTotals(pdf: Doc, d: InvoiceDocument, start: number): void {
  const inv = d.invoice;
  const money = (n: number) => formatMoney(n, inv.currency);
  const right = pdf.page.width - MARGIN;
  const labelX = right - 300;
  const rows: { label: string; value: string; strong?: boolean }[] = [
    { label: 'Subtotal', value: money(inv.subtotal) },
    ...inv.adjustments.map((a) => ({
      label: `${a.kind === 'credit' ? 'Credit' : 'Charge'}: ${a.reason}`,
      value: money(a.kind === 'credit' ? -a.amount : a.amount),
    })),
    { label: 'Total', value: money(inv.total), strong: true },
    { label: 'Amount paid', value: money(inv.amount_paid) },
    { label: 'Credits applied', value: money(inv.credits_applied) },
    { label: 'Balance due', value: money(inv.balance), strong: true },
  ];
  let y = start;
  for (const row of rows) {
    pdf.font(row.strong ? 'Helvetica-Bold' : 'Helvetica').fontSize(10);
    const height = pdf.heightOfString(row.label, { width: 210 }) + 5;
    y = room(pdf, y, height, false);
    pdf
      .font(row.strong ? 'Helvetica-Bold' : 'Helvetica')
      .fontSize(10)
      .fillColor('black');
    pdf.text(row.label, labelX, y, { width: 210 });
    pdf.text(row.value, right - 90, y, { width: 90, align: 'right', lineBreak: false });
    y += height;
  }
}

function drawFooters(pdf: Doc, d: InvoiceDocument, from: number, to: number): void {
  const count = to - from + 1;
  for (let i = from; i <= to; i++) {
    pdf.switchToPage(i);
    // Writing inside the bottom margin would otherwise start a new page.
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    const label = `${d.tenant.name} · Invoice ${d.invoice.number ?? 'DRAFT'} · Page ${i - from + 1} of ${count}`;
    pdf.font('Helvetica').fontSize(8).fillColor(GREY);
    pdf.text(label, MARGIN, pdf.page.height - MARGIN + 15, {
      width: pdf.page.width - 2 * MARGIN,
      align: 'center',
      lineBreak: false,
    });
    pdf.page.margins.bottom = bottom;
  }
}
