/**
 * The API as a contract (issue 9): a whole flow (customer → payment method → invoice → payment)
 * through the client generated from the OpenAPI document. The typecheck holds every path, body
 * and answer of this file to the document; the harness fails the file if a reply's status is one
 * its route does not document.
 */
import { expect, it } from 'vitest';
import { useTenant } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody } from '../helpers/payment-methods.js';
import { typedClient } from '../helpers/typed.js';

const h = useHarness();
const t = useTenant(h);

it('creates a customer, saves a card, posts an invoice and pays it, all as documented', async () => {
  const api = typedClient(t);

  const customer = await api.POST('/api/v1/customers', {
    body: { name: 'Globex Corporation', billing_email: 'ap@globex.example' },
  });
  expect(customer.response.status, JSON.stringify(customer.error)).toBe(201);
  const customerId = customer.data!.id;
  expect(customer.data).toMatchObject({ name: 'Globex Corporation', currency: 'USD' });

  const token = await api.POST('/api/v1/sandbox/tokens', { body: cardBody() });
  expect(token.response.status, JSON.stringify(token.error)).toBe(201);
  const method = await api.POST('/api/v1/customers/{id}/payment-methods', {
    params: { path: { id: customerId } },
    body: { gateway_token: token.data!.id, authorized: true },
  });
  expect(method.response.status, JSON.stringify(method.error)).toBe(201);
  const methodId = method.data!.id;

  const draft = await api.POST('/api/v1/invoices', {
    body: {
      customer_id: customerId,
      lines: [{ description: 'Consulting, November', amount: 12_500 }],
    },
  });
  expect(draft.response.status, JSON.stringify(draft.error)).toBe(201);
  const invoiceId = draft.data!.id;
  const posted = await api.POST('/api/v1/invoices/{id}/post', {
    params: { path: { id: invoiceId } },
  });
  expect(posted.response.status, JSON.stringify(posted.error)).toBe(200);
  expect(posted.data).toMatchObject({ status: 'open', total: 12_500 });

  const payment = await api.POST('/api/v1/payments', {
    body: { customer_id: customerId, payment_method_id: methodId, amount: 12_500 },
  });
  expect(payment.response.status, JSON.stringify(payment.error)).toBe(201);
  expect(payment.data).toMatchObject({
    status: 'succeeded',
    amount: 12_500,
    method_type: 'card',
    unapplied: 0,
    applications: [{ invoice_id: invoiceId, amount: 12_500 }],
    adjusted_scheduled: [],
  });

  const summary = await api.GET('/api/v1/invoices/{id}/summary', {
    params: { path: { id: invoiceId } },
  });
  expect(summary.data).toMatchObject({ id: invoiceId, balance: 0, total: 12_500 });
  const history = await api.GET('/api/v1/payments', {
    params: { query: { customer: customerId } },
  });
  expect(history.data?.data.map((p) => p.id)).toEqual([payment.data!.id]);
});

it('gives the documented error shape, typed, for a payment that does not exist', async () => {
  const api = typedClient(t);
  const res = await api.GET('/api/v1/payments/{id}', {
    params: { path: { id: 'pay_00000000000000000000000000' } },
  });
  expect(res.response.status).toBe(404);
  expect(res.data).toBeUndefined();
  expect(res.error?.error.code).toBe('payment_not_found');
});
