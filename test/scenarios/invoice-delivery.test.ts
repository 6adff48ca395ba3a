/**
 * Invoices reach customers (C6, C8, C9): the PDF, emails to the contacts whose profile receives
 * invoices (with the PDF attached, over a real SMTP server), email history, auto-email after a
 * bill run, and questions from contacts to staff.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runBillRunHere } from '../../src/modules/billruns/service.js';
import { newTenant, useTenant } from '../helpers/app.js';
import {
  contact,
  draftInvoice,
  invoiceOnlyCustomer,
  monthlyPrice,
  postedInvoice,
  profileNamed,
  subscribe,
} from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { pdfText } from '../helpers/pdf.js';
import { expectBooksBalance } from '../helpers/verify.js';
import { until } from '../helpers/wait.js';

const h = useHarness({
  smtp: true,
  worker: { email: { from: 'billing@billow.test', retryLimit: 1, retryDelaySeconds: 1 } },
});
const t = useTenant(h);
let cus: string;
let invoice: { id: string; number: string };

// Initech: a billing contact who receives invoices, a viewer who does not, one posted invoice.
beforeAll(async () => {
  cus = await invoiceOnlyCustomer(t, { name: 'Initech' });
  await contact(t, cus, { name: 'Bill Lumbergh', email: 'bill@initech.example' });
  const viewer = await profileNamed(t, 'Viewer');
  await contact(t, cus, {
    name: 'Milton',
    email: 'milton@initech.example',
    profile_id: viewer.id,
  });
  const id = await postedInvoice(t, cus, 123_456, {
    description: 'TPS report review',
    po_number: 'PO-4471',
  });
  invoice = (await t.api.get(`/api/v1/invoices/${id}`)).body;
});

describe('invoice delivery', () => {
  it('renders the PDF with the number, customer, PO number, lines and totals', async () => {
    const res = await h.app.inject({
      method: 'GET',
      url: `/api/v1/invoices/${invoice.id}/pdf`,
      headers: { authorization: `Bearer ${t.key}` },
    });
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(res.rawPayload)).join('\n');
    for (const expected of [
      invoice.number,
      'Initech',
      'PO-4471',
      'TPS report review',
      '$1,234.56',
    ]) {
      expect(text).toContain(expected);
    }
  });

  it('emails the invoice with its PDF only to contacts whose profile receives invoices', async () => {
    const res = await t.api.post(`/api/v1/invoices/${invoice.id}/email`);
    expect(res.status).toBe(202);
    expect(res.body.emails).toHaveLength(1);
    const [got] = await until(() =>
      h.smtp.to('bill@initech.example').length ? h.smtp.to('bill@initech.example') : null,
    );
    expect(got?.mail.subject).toContain(invoice.number);
    const pdf = got?.mail.attachments.find((a) => a.contentType === 'application/pdf');
    expect((await pdfText(pdf?.content as Buffer)).join('\n')).toContain('$1,234.56');
    expect(h.smtp.to('milton@initech.example')).toEqual([]);
    const history = await until(async () => {
      const r = await t.api.get(`/api/v1/invoices/${invoice.id}/emails`);
      return r.body.data[0]?.status === 'sent' ? r : null;
    });
    expect(history.body.data[0]).toMatchObject({
      kind: 'invoice',
      to: 'bill@initech.example',
    });
  });

  it('says what to do when no contact receives invoices, and refuses drafts', async () => {
    const lonely = await invoiceOnlyCustomer(t, { name: 'Lonely LLC' });
    const draft = { id: await draftInvoice(t, lonely, 100, { description: 'x' }) };
    const notPosted = await t.api.post(`/api/v1/invoices/${draft.id}/email`);
    expect(notPosted.body.error.code).toBe('invoice_not_posted');
    await t.api.post(`/api/v1/invoices/${draft.id}/post`);
    const none = await t.api.post(`/api/v1/invoices/${draft.id}/email`);
    expect(none.status).toBe(422);
    expect(none.body.error.code).toBe('no_invoice_recipients');
  });

  it('emails a bill run’s invoices by itself when auto-post and auto-email are on', async () => {
    await subscribe(t, cus, await monthlyPrice(t, 'Support', 9900), '2026-11-01');
    const run = await t.api.post('/api/v1/bill-runs', {
      target_date: '2026-11-01',
      auto_post: true,
      auto_email: true,
    });
    await runBillRunHere(h.testDb.db, h.clock, run.body.id);
    const runInvoice = (await t.api.get(`/api/v1/invoices?bill_run=${run.body.id}`)).body.data[0];
    expect(runInvoice.status).toBe('open');
    await until(() =>
      h.smtp.to('bill@initech.example').find((m) => m.mail.subject?.includes(runInvoice.number)),
    );
  });

  it('sends a contact’s question to the billing staff and records it', async () => {
    const contacts = (await t.api.get(`/api/v1/customers/${cus}/contacts`)).body.data;
    const bill = contacts.find((c: { email: string }) => c.email === 'bill@initech.example');
    const asked = await t.api.post(`/api/v1/invoices/${invoice.id}/questions`, {
      contact_id: bill.id,
      message: 'Why is the TPS review so expensive?',
    });
    expect(asked.status).toBe(201);
    expect(asked.body.notified).toEqual([t.ownerEmail]);
    const mail = await until(() => h.smtp.to(t.ownerEmail)[0]);
    expect(mail.mail.text).toContain('Why is the TPS review so expensive?');
    expect((await t.api.get(`/api/v1/invoices/${invoice.id}/questions`)).body.data).toHaveLength(1);
    const foreign = await newTenant(h);
    expect(
      (await foreign.api.post(`/api/v1/invoices/${invoice.id}/questions`, { message: 'hi' }))
        .status,
    ).toBe(404);
  });
});

describe('the books', () => {
  it('balance at the end of the scenario', async () => {
    await expectBooksBalance(h, t.id);
  });
});
