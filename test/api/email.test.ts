import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorker, type Worker } from '../../src/jobs/worker.js';
import { registerAttachmentRenderer } from '../../src/modules/email/deliver.js';
import { type OutgoingEmail, queueEmail, renderTemplate } from '../../src/modules/email/service.js';
import { renderInvoicePdf } from '../../src/modules/invoices/pdf.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import { apiKey, newTenant, type TestTenant, unique } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice } from '../helpers/billing.js';
import { type Harness, useHarness, type WorkerTuning } from '../helpers/harness.js';
import { tenantCtx } from '../helpers/payments.js';
import { until } from '../helpers/wait.js';

const EMAIL_WORKER: WorkerTuning = {
  email: { retryLimit: 2, retryDelaySeconds: 1, timeoutMs: 5000 },
};
const h = useHarness({ smtp: true, worker: EMAIL_WORKER });

// What the invoices module registers for real; here a fixed document per descriptor.
beforeAll(() => {
  registerAttachmentRenderer('test_invoice_pdf', async (_db, _tenantId, a) => ({
    filename: `${String(a.number)}.pdf`,
    contentType: 'application/pdf',
    content: await renderInvoicePdf({
      tenant: { name: 'T' },
      customer: { name: 'Acme', number: 'C-1' },
      invoice: {
        id: 'inv_x',
        number: String(a.number),
        status: 'open',
        invoice_date: '2026-11-01',
        due_date: null,
        po_number: null,
        currency: 'USD',
        lines: [{ description: 'Plan', quantity: '1', unit_amount: 500, amount: 500 }],
        adjustments: [],
        subtotal: 500,
        total: 500,
        amount_paid: 0,
        credits_applied: 0,
        balance: 500,
      },
    }),
  }));
});

async function customerWithContact(t: TestTenant) {
  const email = `ap-${unique()}@acme.example`;
  const customer = await newCustomer(t, { name: 'Acme & Sons' });
  const person = await contact(t, customer.id, { name: 'Pat Payable', email });
  return { customerId: customer.id, contactId: person.id as string, email };
}

async function queue1(harness: Harness, t: TestTenant, message: Partial<OutgoingEmail> = {}) {
  const ctx = await tenantCtx(harness, t);
  const to = message.to ?? `someone-${unique()}@example.com`;
  const email = await harness.testDb.db.tx((tx) =>
    queueEmail(tx, ctx, {
      kind: 'other',
      subject: 'Hello there',
      bodyText: 'Plain body',
      ...message,
      to,
    }),
  );
  return { id: email.id, to };
}

const settledEmail = (t: TestTenant, id: string) =>
  until(async () => {
    const res = await t.api.get(`/api/v1/emails/${id}`);
    return res.body.status !== 'queued' ? res.body : null;
  });

describe('email outbox with SMTP', () => {
  it('sends a message with its rendered attachment and records it as sent', async () => {
    const t = await newTenant(h, { name: 'Northwind' });
    await t.api.patch('/api/v1/tenant', {
      settings: {
        email_from_name: 'Northwind Billing',
        email_from_address: 'ar@northwind.example',
      },
    });
    const c = await customerWithContact(t);
    const { id } = await queue1(h, t, {
      kind: 'invoice',
      to: c.email,
      cc: ['boss@acme.example'],
      subject: 'Invoice INV-7',
      bodyText: 'Your invoice is attached.',
      bodyHtml: '<p>Your invoice is attached.</p>',
      customerId: c.customerId,
      contactId: c.contactId,
      attachments: [{ type: 'test_invoice_pdf', number: 'INV-7' }],
    });
    const [got] = await until(() => (h.smtp.to(c.email).length ? h.smtp.to(c.email) : null));
    expect(got!.rcpt.sort()).toEqual([c.email, 'boss@acme.example'].sort());
    const mail = got!.mail;
    expect(mail.subject).toBe('Invoice INV-7');
    expect(mail.text?.trim()).toBe('Your invoice is attached.');
    expect(mail.html).toContain('<p>Your invoice is attached.</p>');
    expect(mail.from?.value[0]).toEqual({
      name: 'Northwind Billing',
      address: 'ar@northwind.example',
    });
    expect(mail.messageId).toMatch(new RegExp(`^<${id}@northwind\\.example>$`));
    expect(mail.attachments).toHaveLength(1);
    expect(mail.attachments[0]!.filename).toBe('INV-7.pdf');
    expect(mail.attachments[0]!.contentType).toBe('application/pdf');
    expect(mail.attachments[0]!.content.subarray(0, 5).toString()).toBe('%PDF-');

    const sent = await settledEmail(t, id);
    expect(sent).toMatchObject({
      id,
      kind: 'invoice',
      status: 'sent',
      attempts: 1,
      last_error: null,
      to: c.email,
      cc: ['boss@acme.example'],
      customer_id: c.customerId,
      contact_id: c.contactId,
      body_text: 'Your invoice is attached.',
      attachments: [{ type: 'test_invoice_pdf', number: 'INV-7' }],
    });
    expect(sent.sent_at).not.toBeNull();
    expect(sent.message_id).toBe(mail.messageId);

    for (const query of [`customer=${c.customerId}`, `contact=${c.contactId}`, 'status=sent']) {
      const list = await t.api.get(`/api/v1/emails?${query}`);
      expect(list.status).toBe(200);
      expect(list.body.data.map((e: { id: string }) => e.id)).toContain(id);
      expect(list.body.data[0].body_text).toBeUndefined();
    }
    expect((await t.api.get('/api/v1/emails?status=failed')).body.data).toEqual([]);
    const events = await t.api.get('/api/v1/events?type=email.sent');
    expect(events.body.data.map((e: { object_id: string }) => e.object_id)).toEqual([id]);
  });

  it('sends from the installation default when the tenant has no sender', async () => {
    const t = await newTenant(h, { name: 'Plain Tenant' });
    const { id, to } = await queue1(h, t);
    await until(() => h.smtp.to(to).length > 0);
    expect(h.smtp.to(to)[0]!.mail.from?.value[0]).toEqual({
      name: 'Plain Tenant',
      address: 'billing@localhost',
    });
    expect((await settledEmail(t, id)).status).toBe('sent');
  });

  it('retries a temporary refusal with backoff, then marks the message failed', async () => {
    const t = await newTenant(h);
    const to = `full-${unique()}@example.com`;
    h.smtp.refuse(to, 451, 'Mailbox busy');
    const { id } = await queue1(h, t, { to });
    const failed = await settledEmail(t, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, sent_at: null });
    expect(failed.last_error).toContain('451');
    expect(h.smtp.rcptAttempts.get(to)).toBe(3);
    expect(h.smtp.to(to)).toEqual([]);
  });

  it('gives up at once on a permanent refusal', async () => {
    const t = await newTenant(h);
    const to = `nobody-${unique()}@example.com`;
    h.smtp.refuse(to, 550, 'No such user');
    const { id } = await queue1(h, t, { to });
    const failed = await settledEmail(t, id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1 });
    expect(failed.last_error).toContain('550');
    await sleep(2500);
    expect(h.smtp.rcptAttempts.get(to)).toBe(1);
  });

  it('resends a copy of a message', async () => {
    const t = await newTenant(h);
    const { id, to } = await queue1(h, t, { subject: 'Statement' });
    await settledEmail(t, id);
    const copy = await t.api.post(`/api/v1/emails/${id}/resend`);
    expect(copy.status).toBe(201);
    expect(copy.body).toMatchObject({
      status: 'queued',
      resent_from: id,
      subject: 'Statement',
      to,
    });
    expect(copy.body.id).not.toBe(id);
    expect((await settledEmail(t, copy.body.id)).status).toBe('sent');
    expect(h.smtp.to(to)).toHaveLength(2);

    const { api: readOnly } = await apiKey(t, 'read_only');
    expect((await readOnly.get(`/api/v1/emails/${id}`)).status).toBe(403);
    expect((await readOnly.post(`/api/v1/emails/${id}/resend`)).status).toBe(403);
  });

  it('queues nothing when the writing transaction rolls back', async () => {
    const t = await newTenant(h);
    const db = h.testDb.db;
    const ctx = await tenantCtx(h, t);
    const to = `ghost-${unique()}@example.com`;
    let id = '';
    await expect(
      db.tx(async (tx) => {
        id = (await queueEmail(tx, ctx, { kind: 'other', to, subject: 'x', bodyText: 'y' })).id;
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(id).toMatch(/^em_/);
    expect((await t.api.get(`/api/v1/emails/${id}`)).status).toBe(404);
    const jobs = await db.query(
      `SELECT id FROM ${h.queue.schema}.job WHERE data->>'email_id' = $1`,
      [id],
    );
    expect(jobs).toEqual([]);
    await sleep(1000);
    expect(h.smtp.to(to)).toEqual([]);
  });

  it("keeps one tenant's emails invisible to another", async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const c = await customerWithContact(a);
    const { id } = await queue1(h, a, { customerId: c.customerId });
    for (const res of [
      await b.api.get(`/api/v1/emails/${id}`),
      await b.api.post(`/api/v1/emails/${id}/resend`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('email_not_found');
    }
    expect((await b.api.get('/api/v1/emails')).body.data).toEqual([]);
    expect((await b.api.get(`/api/v1/emails?customer=${c.customerId}`)).body.data).toEqual([]);
    expect((await a.api.get(`/api/v1/emails/${id}`)).status).toBe(200);
  });

  it('pages through the history newest first', async () => {
    const t = await newTenant(h);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await queue1(h, t, { subject: `n${i}` })).id);
    const first = await t.api.get('/api/v1/emails?limit=2');
    expect(first.body.data.map((e: { id: string }) => e.id)).toEqual([ids[2], ids[1]]);
    const second = await t.api.get(`/api/v1/emails?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body).toMatchObject({ data: [{ id: ids[0] }], next_cursor: null });
    expect((await t.api.get('/api/v1/emails?cursor=nope')).status).toBe(400);
  });

  it('finds emails by recipient text, case-insensitively and with wildcards taken literally', async () => {
    const t = await newTenant(h);
    const tag = unique();
    const a = await queue1(h, t, { to: `ap_${tag}@acme.example` });
    const b = await queue1(h, t, { to: `apx${tag}@acme.example` });
    const ids = async (to: string) =>
      (await t.api.get(`/api/v1/emails?to=${encodeURIComponent(to)}`)).body.data.map(
        (e: { id: string }) => e.id,
      );
    expect(await ids(`${tag}@ACME`)).toEqual([b.id, a.id]);
    expect(await ids(`AP_${tag}`)).toEqual([a.id]);
    expect(await ids('%')).toEqual([]);
  });
});

describe('email templates', () => {
  it('edits, renders with escaping, refuses unknown placeholders and resets', async () => {
    const t = await newTenant(h, { name: 'Tmpl Co' });
    const list = await t.api.get('/api/v1/email-templates');
    expect(list.status).toBe(200);
    expect(list.body.data.map((x: { key: string }) => x.key)).toEqual(
      expect.arrayContaining(['invoice', 'receipt', 'payment_failed', 'statement', 'question']),
    );
    expect(list.body.data.every((x: { customized: boolean }) => !x.customized)).toBe(true);
    const original = await t.api.get('/api/v1/email-templates/invoice');
    expect(original.body.variables).toContain('invoice.number');

    const put = await t.api.put('/api/v1/email-templates/invoice', {
      subject: '{{ invoice.number }} from {{tenant.name}}',
      body_text: 'Dear {{customer.name}},\n\nPay {{invoice.total}} at {{portal_url}}',
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ key: 'invoice', customized: true });

    const db = h.testDb.db;
    const ctx = await tenantCtx(h, t);
    const vars = {
      customer: { name: 'Tom & <Jerry>' },
      invoice: { number: 'INV-9', total: '$1,234.50' },
      portal_url: 'https://pay.example/p?a=1&b=2',
    };
    const out = await renderTemplate(db, ctx, 'invoice', vars);
    expect(out.subject).toBe('INV-9 from Tmpl Co');
    expect(out.text).toBe('Dear Tom & <Jerry>,\n\nPay $1,234.50 at https://pay.example/p?a=1&b=2');
    expect(out.html).toContain('<p>Dear Tom &amp; &lt;Jerry&gt;,</p>');
    expect(out.html).toContain(
      '<a href="https://pay.example/p?a=1&amp;b=2">https://pay.example/p?a=1&amp;b=2</a>',
    );
    expect(out.html).not.toContain('<Jerry>');

    const other = await newTenant(h);
    const theirs = await renderTemplate(db, await tenantCtx(h, other), 'invoice', vars);
    expect(theirs.subject).toBe(`Invoice INV-9 from ${(await loadTenant(db, other.id))!.name}`);

    const bad = await t.api.put('/api/v1/email-templates/invoice', {
      subject: 'Invoice {{invoice.number}}',
      body_text: 'Paid with {{payment.amount}}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({
      code: 'email_template_invalid',
      details: { placeholder: 'payment.amount', field: 'body_text' },
    });
    expect(bad.body.error.message).toContain('{{payment.amount}}');
    const stray = await t.api.put('/api/v1/email-templates/invoice', {
      subject: 'Invoice {{invoice.number',
      body_text: 'x',
    });
    expect(stray.status).toBe(400);
    expect(stray.body.error.details.problem).toBe('unbalanced_braces');
    expect((await t.api.get('/api/v1/email-templates/invoice')).body.subject).toBe(
      '{{ invoice.number }} from {{tenant.name}}',
    );

    const reset = await t.api.delete('/api/v1/email-templates/invoice');
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual(original.body);
    expect((await renderTemplate(db, ctx, 'invoice', vars)).subject).toBe(
      'Invoice INV-9 from Tmpl Co',
    );
    const audit = await t.api.get('/api/v1/audit-log?object=invoice');
    expect(audit.body.data.map((e: { action: string }) => e.action)).toEqual([
      'email_template.reset',
      'email_template.updated',
    ]);
  });

  it('lets only owners and admins change templates', async () => {
    const t = await newTenant(h);
    const { api: billing } = await apiKey(t, 'billing');
    expect((await billing.get('/api/v1/email-templates/receipt')).status).toBe(200);
    const body = { subject: 'Thanks', body_text: 'Got {{payment.amount}}' };
    expect((await billing.put('/api/v1/email-templates/receipt', body)).status).toBe(403);
    expect((await billing.delete('/api/v1/email-templates/receipt')).status).toBe(403);
    expect((await t.api.get('/api/v1/email-templates/nope')).body.error.code).toBe(
      'email_template_not_found',
    );
    expect((await t.api.put('/api/v1/email-templates/nope', body)).status).toBe(404);
  });
});

describe('email template preview and test send', () => {
  it('previews the saved text or an unsaved edit on sample data, with the real renderer', async () => {
    const t = await newTenant(h, { name: 'Preview Co' });
    const saved = await t.api.post('/api/v1/email-templates/invoice/preview', {});
    expect(saved.status).toBe(200);
    expect(saved.body.subject).toBe('Invoice INV-0042 from Preview Co');
    expect(saved.body.text).toContain('Hello Sample Customer Ltd,');
    expect(saved.body.text).toContain('$1,234.50');
    expect(saved.body.html).toContain('<a href="https://billing.example/portal">');

    const draft = {
      subject: 'Bill {{invoice.number}} <b>',
      body_text: 'Dear {{customer.name}} & co, pay {{invoice.total}}.',
    };
    const edit = await t.api.post('/api/v1/email-templates/invoice/preview', draft);
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({
      subject: 'Bill INV-0042 <b>',
      text: 'Dear Sample Customer Ltd & co, pay $1,234.50.',
    });
    expect(edit.body.html).toContain('<p>Dear Sample Customer Ltd &amp; co, pay $1,234.50.</p>');
    // Previewing saves nothing.
    expect((await t.api.get('/api/v1/email-templates/invoice')).body.customized).toBe(false);

    const bad = await t.api.post('/api/v1/email-templates/invoice/preview', {
      subject: 'x',
      body_text: '{{payment.amount}}',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('email_template_invalid');
    const half = await t.api.post('/api/v1/email-templates/invoice/preview', { subject: 'x' });
    expect(half.status).toBe(400);
    expect(half.body.error.code).toBe('validation_failed');
    expect((await t.api.post('/api/v1/email-templates/nope/preview', {})).status).toBe(404);

    // A billing user may look without being able to save.
    const { api: billing } = await apiKey(t, 'billing');
    expect((await billing.post('/api/v1/email-templates/receipt/preview', {})).status).toBe(200);
  });

  it('sends a test through the outbox and SMTP; a saved edit applies to the next real email', async () => {
    const t = await newTenant(h, { name: 'Sender Co' });
    const to = `test-${unique()}@example.com`;
    const sent = await t.api.post('/api/v1/email-templates/receipt/test', { to });
    expect(sent.status).toBe(201);
    expect(sent.body).toMatchObject({
      kind: 'receipt',
      to,
      status: 'queued',
      subject: '[Test] Payment received: $1,234.50',
      customer_id: null,
    });
    const [got] = await until(() => (h.smtp.to(to).length ? h.smtp.to(to) : null));
    expect(got!.mail.subject).toBe('[Test] Payment received: $1,234.50');
    expect(got!.mail.text).toContain('Visa ending 4242');
    expect((await settledEmail(t, sent.body.id)).status).toBe('sent');

    const draftTo = `draft-${unique()}@example.com`;
    const draft = await t.api.post('/api/v1/email-templates/receipt/test', {
      to: draftTo,
      subject: 'Draft {{payment.amount}}',
      body_text: 'Draft body',
    });
    expect(draft.body.subject).toBe('[Test] Draft $1,234.50');
    expect((await t.api.post('/api/v1/email-templates/receipt/test', { to: 'nope' })).status).toBe(
      400,
    );
    const { api: billing } = await apiKey(t, 'billing');
    expect((await billing.post('/api/v1/email-templates/receipt/test', { to })).status).toBe(403);

    // The saved edit is what the next invoice email says.
    const put = await t.api.put('/api/v1/email-templates/invoice', {
      subject: 'Your bill {{invoice.number}} is ready',
      body_text: 'Edited body for {{customer.name}}',
    });
    expect(put.status).toBe(200);
    const c = await customerWithContact(t);
    const invoiceId = await postedInvoice(t, c.customerId, 2500);
    const emailed = await t.api.post(`/api/v1/invoices/${invoiceId}/email`);
    expect(emailed.status, JSON.stringify(emailed.body)).toBe(202);
    const [real] = await until(() => (h.smtp.to(c.email).length ? h.smtp.to(c.email) : null));
    expect(real!.mail.subject).toMatch(/^Your bill .+ is ready$/);
    expect(real!.mail.text?.trim()).toBe('Edited body for Acme & Sons');
  });
});

describe('email outbox without SMTP', () => {
  const h2 = useHarness({ worker: EMAIL_WORKER });
  let withSmtp: Worker | undefined;
  afterAll(async () => {
    await withSmtp?.stop();
  });

  it('keeps messages queued and readable, without retrying, and sends them once SMTP is set', async () => {
    const t = await newTenant(h2);
    const { id, to } = await queue1(h2, t, { subject: 'Waiting', bodyText: 'Still here' });
    const db = h2.testDb.db;
    const jobs = () =>
      db.query<{ state: string }>(
        `SELECT state FROM ${h2.queue.schema}.job WHERE data->>'email_id' = $1`,
        [id],
      );
    await until(async () => (await jobs())[0]?.state === 'completed');
    await sleep(1500); // several sweeps
    expect((await jobs()).map((j) => j.state)).toEqual(['completed']);
    const res = await t.api.get(`/api/v1/emails/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'queued',
      attempts: 0,
      last_error: null,
      subject: 'Waiting',
      body_text: 'Still here',
    });
    const queued = await t.api.get('/api/v1/emails?status=queued');
    expect(queued.body.data.map((e: { id: string }) => e.id)).toEqual([id]);

    // A worker with SMTP takes over the backlog.
    await h2.worker.stop();
    withSmtp = await startWorker({
      db,
      clock: h2.clock,
      queue: h2.queue,
      email: { smtpUrl: h.smtp.url, retryLimit: 1, retryDelaySeconds: 1 },
      sweepIntervalMs: 300,
    });
    expect((await settledEmail(t, id)).status).toBe('sent');
    expect(h.smtp.to(to)).toHaveLength(1);
  });
});
