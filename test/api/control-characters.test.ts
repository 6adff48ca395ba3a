/**
 * Issue 10, item 9: a NUL byte (or another control character) in any text field is refused with a
 * 400 naming the field, before anything is written; PostgreSQL would otherwise fail with
 * `invalid byte sequence for encoding "UTF8"` and the API answer 500.
 */
import { describe, expect, it } from 'vitest';
import { unique, useTenant } from '../helpers/app.js';
import { contact, newCustomer, postedInvoice, product, profileNamed } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, saveMethod } from '../helpers/payment-methods.js';

const h = useHarness();
const t = useTenant(h);

const NUL = 'Acme\u0000Corp';

async function eventCount(): Promise<number> {
  let count = 0;
  let cursor: string | null = null;
  do {
    const url: string = `/api/v1/events?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
    const res = await t.api.get(url);
    expect(res.status).toBe(200);
    count += res.body.data.length;
    cursor = res.body.next_cursor;
  } while (cursor);
  return count;
}

describe('control characters in text fields', () => {
  it('are refused on every endpoint with a 400 naming the field, and nothing is written', async () => {
    const cus = await newCustomer(t);
    const con = await contact(t, cus.id);
    const prod = await product(t);
    const viewer = await profileNamed(t, 'Viewer');
    const inv = await postedInvoice(t, cus.id, 1000);
    const pm = await saveMethod(t, cus.id, cardBody());
    const staff = await t.api.post('/api/v1/staff', {
      email: `s-${unique()}@example.com`,
      name: 'Sam Staff',
      role: 'billing',
      password: 'correct horse battery staple',
    });
    expect(staff.status, JSON.stringify(staff.body)).toBe(201);
    const hook = await t.api.post('/api/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/b',
    });
    expect(hook.status, JSON.stringify(hook.body)).toBe(201);
    const rules = await t.api.put(`/api/v1/customers/${cus.id}/autopay-rules`, {
      rules: [{ name: 'Cards', payment_method_id: pm.id }],
    });
    expect(rules.status, JSON.stringify(rules.body)).toBe(200);
    const rule = rules.body.rules[0].id as string;

    const cases: [string, string, Record<string, unknown>, string][] = [
      ['POST', '/api/v1/customers', { name: NUL }, 'name'],
      ['PATCH', `/api/v1/customers/${cus.id}`, { address: { line1: NUL } }, 'address.line1'],
      [
        'POST',
        '/api/v1/staff',
        {
          email: `n-${unique()}@example.com`,
          name: NUL,
          role: 'billing',
          password: 'correct horse battery staple',
        },
        'name',
      ],
      ['PATCH', `/api/v1/staff/${staff.body.id}`, { name: NUL }, 'name'],
      [
        'POST',
        `/api/v1/customers/${cus.id}/contacts`,
        { name: NUL, email: `c-${unique()}@example.com` },
        'name',
      ],
      ['PATCH', `/api/v1/contacts/${con.id}`, { name: NUL }, 'name'],
      ['POST', '/api/v1/contact-profiles', { name: NUL, permissions: [] }, 'name'],
      ['PATCH', `/api/v1/contact-profiles/${viewer.id}`, { name: NUL }, 'name'],
      ['POST', '/api/v1/products', { name: NUL }, 'name'],
      ['PATCH', `/api/v1/products/${prod.id}`, { description: NUL }, 'description'],
      [
        'POST',
        '/api/v1/prices',
        {
          product_id: prod.id,
          kind: 'usage',
          pricing_model: 'per_unit',
          billing_interval: 'month',
          unit_amount: 5,
          unit_of_measure: 'G\u0000B',
        },
        'unit_of_measure',
      ],
      ['POST', '/api/v1/api-keys', { name: NUL, role: 'billing' }, 'name'],
      ['POST', `/api/v1/invoices/${inv}/questions`, { message: `Why\u0000?` }, 'message'],
      ['POST', '/api/v1/credit-memos', { customer_id: cus.id, amount: 100, reason: NUL }, 'reason'],
      ['PATCH', '/api/v1/tenant', { name: NUL }, 'name'],
      [
        'POST',
        '/api/v1/webhook-endpoints',
        { url: 'https://hooks.example.com/c', description: NUL },
        'description',
      ],
      ['PATCH', `/api/v1/payment-methods/${pm.id}`, { friendly_name: NUL }, 'friendly_name'],
      [
        'PUT',
        '/api/v1/email-templates/invoice',
        { subject: 'Invoice {{invoice.number}}', body_text: 'Hello\u0000there' },
        'body_text',
      ],
      ['PATCH', `/api/v1/autopay-rules/${rule}`, { name: NUL }, 'name'],
      [
        'PUT',
        `/api/v1/customers/${cus.id}/autopay-rules`,
        { rules: [{ id: rule, name: 'Cards\u001b', payment_method_id: pm.id }] },
        'rules.0.name',
      ],
    ];

    const before = await eventCount();
    for (const [method, url, body, field] of cases) {
      const res =
        method === 'POST'
          ? await t.api.post(url, body)
          : method === 'PATCH'
            ? await t.api.patch(url, body)
            : await t.api.put(url, body);
      const what = `${method} ${url} ${JSON.stringify(res.body)}`;
      expect(res.status, what).toBe(400);
      expect(res.body.error.code, what).toBe('validation_failed');
      expect(res.body.error.details.issues, what).toContainEqual(
        expect.objectContaining({ path: field, message: expect.stringContaining('control') }),
      );
    }
    expect(await eventCount()).toBe(before);
    expect((await t.api.get(`/api/v1/customers/${cus.id}`)).body.address?.line1).not.toBe(NUL);
  });

  it('allows tab and line breaks in text, and refuses a control character in a query', async () => {
    const cus = await newCustomer(t);
    const res = await t.api.patch(`/api/v1/customers/${cus.id}`, {
      notes: 'First line\r\nsecond\tline',
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const search = await t.api.get('/api/v1/customers?q=a%00b');
    expect(search.status).toBe(400);
    expect(search.body.error.details.issues[0]).toMatchObject({ in: 'querystring', path: 'q' });
  });
});
