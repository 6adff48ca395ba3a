/**
 * Issue 10, item 5: payment notices reach somebody. A customer none of whose contacts receives
 * them (or who has no contacts at all) gets the failure and return notices at its billing email,
 * delivered over the real SMTP test server; a customer with a receiving contact gets them there
 * only.
 */
import { describe, expect, it } from 'vitest';
import { advance, unique, useTenant } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import {
  BANK_R01,
  CARD_INSUFFICIENT,
  cardBody,
  saveMethod,
  verifiedBank,
} from '../helpers/payment-methods.js';
import { emailsOf, pay } from '../helpers/payments.js';
import { until } from '../helpers/wait.js';

const h = useHarness({
  smtp: true,
  worker: { email: { from: 'billing@billow.test', retryLimit: 1, retryDelaySeconds: 1 } },
});
const t = useTenant(h);

describe('payment notices fall back to the billing email', () => {
  it('a declined card of a customer without contacts: the failure notice goes to the billing email', async () => {
    const billing = `ap-${unique()}@acme.example`;
    const cus = await newCustomer(t, { billing_email: billing });
    const pm = await saveMethod(t, cus.id, cardBody(CARD_INSUFFICIENT));
    await postedInvoice(t, cus.id, 5_000);
    const res = await t.api.post('/api/v1/payments', {
      customer_id: cus.id,
      payment_method_id: pm.id,
      amount: 5_000,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body.status).toBe('failed');
    const mail = await until(() => h.smtp.to(billing)[0]);
    expect(mail.mail.text).toMatch(/insufficient funds/i);
    expect(mail.mail.text).toContain('$50.00');
    const emails = await t.api.get(`/api/v1/emails?customer=${cus.id}`);
    expect(emails.status).toBe(200);
    expect(emails.body.data).toContainEqual(
      expect.objectContaining({ kind: 'payment_failed', to: billing, contact_id: null }),
    );
  });

  it('a returned bank debit whose only contact does not receive notices: the billing email hears of it', async () => {
    const billing = `ap-${unique()}@globex.example`;
    const viewerEmail = `viewer-${unique()}@globex.example`;
    const cus = await newCustomer(t, { billing_email: billing });
    const viewer = await profileNamed(t, 'Viewer');
    await contact(t, cus.id, { name: 'Vic Viewer', email: viewerEmail, profile_id: viewer.id });
    const bank = await verifiedBank(t, cus.id, BANK_R01);
    await postedInvoice(t, cus.id, 3_100);
    const p = await pay(t, cus.id, bank.id, 3_100);
    expect(p.status).toBe('pending');
    await advance(t, 5);
    expect((await t.api.get(`/api/v1/payments/${p.id}`)).body.status).toBe('returned');
    const mail = await until(() => h.smtp.to(billing)[0]);
    expect(mail.mail.text).toContain('R01');
    expect(h.smtp.to(viewerEmail)).toEqual([]);
  });

  it('a customer with a contact who receives notices: only the contact gets them', async () => {
    const billing = `ap-${unique()}@initech.example`;
    const dana = `dana-${unique()}@initech.example`;
    const cus = await newCustomer(t, { billing_email: billing });
    await contact(t, cus.id, { name: 'Dana Lee', email: dana });
    const pm = await saveMethod(t, cus.id, cardBody(CARD_INSUFFICIENT));
    await postedInvoice(t, cus.id, 2_000);
    await t.api.post('/api/v1/payments', {
      customer_id: cus.id,
      payment_method_id: pm.id,
      amount: 2_000,
    });
    await until(() => h.smtp.to(dana)[0]);
    const notices = await emailsOf(h, t, cus.id, 'payment_failed');
    expect(notices.map((e) => e.to_address)).toEqual([dana]);
    expect(h.smtp.to(billing)).toEqual([]);
  });
});
