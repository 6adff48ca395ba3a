/**
 * The account statement (J4): the PDF of open invoices, recent payments, credits and balance,
 * and the email that carries it to the billing contacts, or the billing email when there are
 * none — with the PDF reaching the SMTP server as an attachment.
 */
import { describe, expect, it } from 'vitest';
import { apiKey, auditOf, newTenant, type TestTenant, unique } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice, profileNamed } from '../helpers/billing.js';
import { useHarness, type WorkerTuning } from '../helpers/harness.js';
import { pdfText } from '../helpers/pdf.js';
import { until } from '../helpers/wait.js';

const EMAIL_WORKER: WorkerTuning = {
  email: { retryLimit: 2, retryDelaySeconds: 1, timeoutMs: 5000 },
};
const h = useHarness({ smtp: true, worker: EMAIL_WORKER });

async function statementCustomer(t: TestTenant, body: Record<string, unknown> = {}) {
  const cu = await newCustomer(t, { name: 'Acme & Sons', ...body });
  const first = await postedInvoice(t, cu.id, 120_00);
  await postedInvoice(t, cu.id, 30_00);
  const paid = await t.api.post('/api/v1/payments/external', {
    customer_id: cu.id,
    method: 'check',
    reference: 'CHK-881',
    amount: 20_00,
  });
  expect(paid.status, JSON.stringify(paid.body)).toBe(201);
  const memo = await t.api.post('/api/v1/credit-memos', {
    customer_id: cu.id,
    amount: 5_00,
    reason: 'Goodwill',
  });
  expect(memo.status, JSON.stringify(memo.body)).toBe(201);
  return { customer: cu, first, payment: paid.body.id as string, memo: memo.body.id as string };
}

async function statementPdf(t: TestTenant, customerId: string) {
  const res = await h.app.inject({
    method: 'GET',
    url: `/api/v1/customers/${customerId}/statement.pdf`,
    headers: { authorization: `Bearer ${t.key}` },
  });
  return res;
}

describe('the account statement', () => {
  it('is a PDF of the balance, open invoices, recent payments and credits', async () => {
    const t = await newTenant(h, { name: 'Northwind' });
    const s = await statementCustomer(t);
    const balance = (await t.api.get(`/api/v1/customers/${s.customer.id}/balance`)).body;
    const res = await statementPdf(t, s.customer.id);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    const text = (await pdfText(res.rawPayload)).join('\n');
    expect(text).toContain('STATEMENT');
    expect(text).toContain('Acme & Sons');
    expect(text).toContain(s.customer.number);
    // The balance as the balance card has it: 150 owed, less the 20 check = 130.
    expect(balance.total_balance).toBe(130_00);
    expect(text).toContain('$130.00');
    expect(text).toContain('$120.00');
    expect(text).toContain(s.payment);
    expect(text).toContain('Received');
    expect(text).toContain(s.memo);
    expect(text).toContain('$5.00');

    const other = await newTenant(h);
    expect((await statementPdf(other, s.customer.id)).statusCode).toBe(404);
  });

  it('emails the PDF to the billing contacts, audited, and it reaches SMTP', async () => {
    const t = await newTenant(h, { name: 'Northwind' });
    const s = await statementCustomer(t);
    const billing = await contact(t, s.customer.id, {
      name: 'Pat Payable',
      email: `ap-${unique()}@acme.example`,
    });
    const viewer = await profileNamed(t, 'Viewer');
    await contact(t, s.customer.id, {
      name: 'Vic Viewer',
      email: `vic-${unique()}@acme.example`,
      profile_id: viewer.id,
    });
    const res = await t.api.post(`/api/v1/customers/${s.customer.id}/statement/email`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    // Only the contact whose profile receives invoices.
    expect(res.body.emails).toEqual([
      { id: expect.any(String), to: billing.email, contact_id: billing.id },
    ]);
    const [got] = await until(() =>
      h.smtp.to(billing.email).length ? h.smtp.to(billing.email) : null,
    );
    const mail = got!.mail;
    expect(mail.subject).toContain('Your statement from Northwind');
    expect(mail.text).toContain('$130.00');
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(mail.attachments[0]!.filename).toMatch(/^statement-.+\.pdf$/);
    const attached = (await pdfText(mail.attachments[0]!.content)).join('\n');
    expect(attached).toContain('STATEMENT');
    expect(attached).toContain('$130.00');

    const trail = await t.api.get(`/api/v1/emails?customer=${s.customer.id}&kind=statement`);
    expect(trail.body.data).toEqual([
      expect.objectContaining({ id: res.body.emails[0].id, kind: 'statement' }),
    ]);
    expect((await auditOf(t, s.customer.id)).map((a) => a.action)).toContain(
      'customer.statement_sent',
    );

    // One contact on request.
    const one = await t.api.post(`/api/v1/customers/${s.customer.id}/statement/email`, {
      contact_id: billing.id,
    });
    expect(one.status).toBe(202);
    expect(one.body.emails).toHaveLength(1);
    const other = await newTenant(h);
    expect(
      (await other.api.post(`/api/v1/customers/${s.customer.id}/statement/email`)).status,
    ).toBe(404);
    const reader = await apiKey(t, 'read_only');
    expect(
      (await reader.api.post(`/api/v1/customers/${s.customer.id}/statement/email`)).status,
    ).toBe(403);
  });

  it('falls back to the billing email without contacts, and says so when there is neither', async () => {
    const t = await newTenant(h);
    const to = `billing-${unique()}@acme.example`;
    const s = await statementCustomer(t, { billing_email: to });
    const res = await t.api.post(`/api/v1/customers/${s.customer.id}/statement/email`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.emails).toEqual([{ id: expect.any(String), to, contact_id: null }]);
    const [got] = await until(() => (h.smtp.to(to).length ? h.smtp.to(to) : null));
    expect(got!.mail.attachments[0]!.contentType).toBe('application/pdf');

    const bare = await newCustomer(t);
    const refused = await t.api.post(`/api/v1/customers/${bare.id}/statement/email`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('no_statement_recipients');
  });
});
