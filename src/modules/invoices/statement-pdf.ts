/**
 * The account statement as a PDF (J4): balance figures, open invoices (past due marked), recent
 * payments and credits. Pure rendering of a StatementDocument; amounts are formatted here only.
 */
import { formatMoney } from '../../core/money.js';
import { addressLines, formatDate, toBuffer } from './pdf.js';
import type { StatementDocument } from './statement.js';

const MARGIN = 50;
/** The font size of a table cell, unless its text needs less to fit its column. */
const CELL_SIZE = 10;
const GREY = '#555555';
const RULE = '#cccccc';

type Doc = PDFKit.PDFDocument;
interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

const PAYMENT_STATUS: Record<string, string> = {
  succeeded: 'Received',
  pending: 'Pending',
  refunded: 'Refunded',
  returned: 'Returned',
  failed: 'Failed',
};

export async function renderStatementPdf(d: StatementDocument): Promise<Buffer> {
  // Loaded on first use, as in pdf.ts.
  const { default: PDFDocument } = await import('pdfkit');
  const pdf = new PDFDocument({
    size: 'LETTER',
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: `Statement ${d.customer.number} ${d.date}`,
      Author: d.tenant.name,
      Creator: 'Billow',
      CreationDate: new Date(`${d.date}T00:00:00Z`),
    },
  });
  const out = toBuffer(pdf);
  const money = (n: number) => formatMoney(n, 'USD');
  const left = MARGIN;
  const width = pdf.page.width - 2 * MARGIN;

  pdf.font('Helvetica-Bold').fontSize(16).fillColor('black').text(d.tenant.name, left, MARGIN);
  if (d.tenant.email) pdf.font('Helvetica').fontSize(9).fillColor(GREY).text(d.tenant.email);
  pdf.font('Helvetica-Bold').fontSize(20).fillColor('black');
  pdf.text('STATEMENT', left, MARGIN, { width, align: 'right' });
  pdf
    .font('Helvetica')
    .fontSize(10)
    .text(`As of ${formatDate(d.date)}`, { width, align: 'right' });

  let y = MARGIN + 60;
  pdf.font('Helvetica-Bold').fontSize(9).fillColor(GREY).text('ACCOUNT', left, y);
  pdf.font('Helvetica-Bold').fontSize(11).fillColor('black').text(d.customer.name);
  pdf.font('Helvetica').fontSize(9).fillColor(GREY).text(`Customer ${d.customer.number}`);
  for (const l of [...addressLines(d.customer.billing_address), d.customer.billing_email ?? '']) {
    if (l) pdf.text(l);
  }
  y = pdf.y + 16;

  const figures: [string, string][] = [
    ['Balance', money(d.balance.total_balance)],
    ['Past due', money(d.balance.total_past_due)],
    ['Open invoices', String(d.balance.open_invoice_count)],
    ['Unapplied credits', money(d.balance.unapplied_credits)],
    ['Net balance', money(d.balance.net_balance)],
  ];
  const cell = width / figures.length;
  figures.forEach(([label, value], i) => {
    pdf.font('Helvetica').fontSize(8).fillColor(GREY);
    pdf.text(label, left + i * cell, y, { width: cell - 6, lineBreak: false });
    pdf.font('Helvetica-Bold').fontSize(12).fillColor('black');
    pdf.text(value, left + i * cell, y + 11, { width: cell - 6, lineBreak: false });
  });
  y += 40;

  y = table(
    pdf,
    y,
    'Open invoices',
    [
      { title: 'Invoice', width: 0.2 },
      { title: 'Date', width: 0.18 },
      { title: 'Due', width: 0.22 },
      { title: 'Total', width: 0.2, align: 'right' },
      { title: 'Open', width: 0.2, align: 'right' },
    ],
    d.invoices.map((i) => [
      i.number ?? '—',
      formatDate(i.invoice_date),
      `${i.due_date ? formatDate(i.due_date) : '—'}${i.past_due ? ' (past due)' : ''}`,
      money(i.total),
      money(i.balance),
    ]),
    'No open invoices.',
  );
  y = table(
    pdf,
    y,
    'Recent payments (last 90 days)',
    [
      { title: 'Date', width: 0.16 },
      { title: 'Reference', width: 0.4 },
      { title: 'Method', width: 0.17 },
      { title: 'Status', width: 0.12 },
      { title: 'Amount', width: 0.15, align: 'right' },
    ],
    d.payments.map((p) => [
      formatDate(p.date),
      p.id,
      p.method.replace('_', ' '),
      PAYMENT_STATUS[p.status] ?? p.status,
      money(p.amount),
    ]),
    'No payments in the last 90 days.',
  );
  table(
    pdf,
    y,
    'Credits',
    [
      { title: 'Date', width: 0.18 },
      { title: 'Reference', width: 0.42 },
      { title: 'Kind', width: 0.22 },
      { title: 'Available', width: 0.18, align: 'right' },
    ],
    d.credits.map((c) => [
      formatDate(c.date),
      c.id,
      c.type === 'memo' ? 'Credit memo' : 'Unapplied payment',
      money(c.remaining),
    ]),
    'No credits.',
  );

  const range = pdf.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    pdf.switchToPage(i);
    const bottom = pdf.page.margins.bottom;
    pdf.page.margins.bottom = 0;
    pdf.font('Helvetica').fontSize(8).fillColor(GREY);
    pdf.text(
      `${d.tenant.name} · Statement for ${d.customer.name} · Page ${i - range.start + 1} of ${range.count}`,
      MARGIN,
      pdf.page.height - MARGIN + 15,
      { width, align: 'center', lineBreak: false },
    );
    pdf.page.margins.bottom = bottom;
  }
  pdf.end();
  return out;
}

/** A titled table; starts new pages as needed (repeating the header); returns the y below it. */
function table(
  pdf: Doc,
  start: number,
  title: string,
  columns: Column[],
  rows: string[][],
  empty: string,
): number {
  const width = pdf.page.width - 2 * MARGIN;
  const bottom = pdf.page.height - MARGIN - 20;
  let y = start;
  if (y + 60 > bottom) {
    pdf.addPage();
    y = MARGIN;
  }
  pdf.font('Helvetica-Bold').fontSize(12).fillColor('black').text(title, MARGIN, y);
  y = pdf.y + 6;
  const header = (at: number) => {
    let x = MARGIN;
    pdf.font('Helvetica-Bold').fontSize(9).fillColor(GREY);
    for (const c of columns) {
      pdf.text(c.title, x, at, {
        width: c.width * width - 6,
        align: c.align ?? 'left',
        lineBreak: false,
      });
      x += c.width * width;
    }
    const below = at + 14;
    pdf
      .moveTo(MARGIN, below)
      .lineTo(MARGIN + width, below)
      .strokeColor(RULE)
      .lineWidth(0.5)
      .stroke();
    return below + 5;
  };
  y = header(y);
  if (rows.length === 0) {
    pdf.font('Helvetica').fontSize(10).fillColor(GREY).text(empty, MARGIN, y);
    return pdf.y + 18;
  }
  for (const row of rows) {
    if (y + 16 > bottom) {
      pdf.addPage();
      y = header(MARGIN);
    }
    let x = MARGIN;
    pdf.font('Helvetica').fillColor('black');
    row.forEach((text, i) => {
      const c = columns[i] as Column;
      const room = c.width * width - 6;
      // A cell never wraps: one wider than its column (a long id of wide letters) is set smaller.
      pdf.fontSize(CELL_SIZE);
      const natural = pdf.widthOfString(text);
      if (natural > room) pdf.fontSize(Math.max(5, (CELL_SIZE * room) / natural - 0.05));
      pdf.text(text, x, y, {
        width: room,
        align: c.align ?? 'left',
        lineBreak: false,
      });
      x += c.width * width;
    });
    y += 16;
  }
  return y + 18;
}
