import type { App } from '../../http/app.js';
import { cursorId, IdParams, page, pageOf, ROUNDING } from '../../http/schemas.js';
import {
  ChargeCreate,
  ChargeListQuery,
  ChargeView,
  SubscriptionCancel,
  SubscriptionCanceled,
  SubscriptionCancelPreview,
  SubscriptionCreate,
  SubscriptionListQuery,
  SubscriptionPatch,
  SubscriptionView,
} from './model.js';
import { createCharge, deleteCharge, listCharges } from './pending-charges.js';
import {
  cancelSubscription,
  createSubscription,
  getSubscription,
  listSubscriptions,
  previewCancelSubscription,
  updateSubscription,
} from './service.js';

export async function subscriptionRoutes(app: App): Promise<void> {
  app.post(
    '/subscriptions',
    {
      schema: {
        operationId: 'createSubscription',
        errors: [
          'amount_too_large',
          'billing_not_set_up',
          'customer_archived',
          'customer_not_found',
          'price_inactive',
          'price_kind_mismatch',
          'price_not_found',
          'usage_subscription_overlap',
        ],
        description: ROUNDING.proration,
        tags: ['subscriptions'],
        summary:
          'Start a subscription on a recurring or usage price (the customer’s billing must be ' +
          'set up: billing_not_set_up otherwise)',
        body: SubscriptionCreate,
        response: { 201: SubscriptionView },
      },
    },
    async (req, reply) => reply.code(201).send(await createSubscription(req.ctx, req.body)),
  );
  app.get(
    '/subscriptions',
    {
      schema: {
        operationId: 'listSubscriptions',
        tags: ['subscriptions'],
        summary: 'Subscriptions newest first, by customer, price or status',
        querystring: SubscriptionListQuery,
        response: { 200: pageOf(SubscriptionView) },
      },
    },
    async (req) => {
      const { limit, cursor, customer, price, status } = req.query;
      const rows = await listSubscriptions(req.ctx, {
        customer,
        price,
        status,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.get(
    '/subscriptions/:id',
    {
      schema: {
        operationId: 'getSubscription',
        errors: ['subscription_not_found'],
        tags: ['subscriptions'],
        summary: 'A subscription with its price and current period',
        params: IdParams,
        response: { 200: SubscriptionView },
      },
    },
    (req) => getSubscription(req.ctx, req.params.id),
  );
  app.patch(
    '/subscriptions/:id',
    {
      schema: {
        operationId: 'updateSubscription',
        errors: ['amount_too_large', 'subscription_canceled', 'subscription_not_found'],
        description: ROUNDING.proration,
        tags: ['subscriptions'],
        summary:
          'Change the quantity of a recurring subscription. It applies to the periods not billed ' +
          'yet: a period already invoiced (recurring prices bill in advance) keeps its quantity.',
        params: IdParams,
        body: SubscriptionPatch,
        response: { 200: SubscriptionView },
      },
    },
    (req) => updateSubscription(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/subscriptions/:id/cancel',
    {
      schema: {
        operationId: 'cancelSubscription',
        errors: ['subscription_canceled', 'subscription_not_found'],
        description: ROUNDING.cancelNow,
        tags: ['subscriptions'],
        summary:
          'Cancel: at period_end (the default; the service runs to the end of the current ' +
          'period), now (it ends at the start of today), or on a date (at its start). The bill ' +
          'run prorates the last period by day.',
        params: IdParams,
        body: SubscriptionCancel,
        response: { 200: SubscriptionCanceled },
      },
    },
    (req) => cancelSubscription(req.ctx, req.params.id, req.body),
  );

  app.post(
    '/subscriptions/:id/cancel/preview',
    {
      schema: {
        operationId: 'previewCancelSubscription',
        errors: ['subscription_canceled', 'subscription_not_found'],
        description: ROUNDING.cancelNow,
        tags: ['subscriptions'],
        summary:
          'What cancelling would do, with nothing written: the same body as the cancel, and the ' +
          'end, the credit and the charges to follow that the cancel would answer, computed by ' +
          'the same code',
        params: IdParams,
        body: SubscriptionCancel,
        response: { 200: SubscriptionCancelPreview },
      },
    },
    (req) => previewCancelSubscription(req.ctx, req.params.id, req.body),
  );

  app.post(
    '/customers/:id/charges',
    {
      schema: {
        operationId: 'createCharge',
        errors: [
          'amount_too_large',
          'customer_not_found',
          'price_kind_mismatch',
          'price_not_found',
        ],
        tags: ['subscriptions'],
        summary: 'Charge a one-time price to a customer: billed by the next bill run',
        params: IdParams,
        body: ChargeCreate,
        response: { 201: ChargeView },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await createCharge(req.ctx, req.params.id, req.body)),
  );
  app.get(
    '/customers/:id/charges',
    {
      schema: {
        operationId: 'listCustomerCharges',
        errors: ['customer_not_found'],
        tags: ['subscriptions'],
        summary: 'A customer’s one-time charges, newest first; pending=true: not invoiced yet',
        params: IdParams,
        querystring: ChargeListQuery,
        response: { 200: pageOf(ChargeView) },
      },
    },
    async (req) => {
      const { limit, cursor, pending } = req.query;
      const rows = await listCharges(req.ctx, req.params.id, {
        pending,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.delete(
    '/charges/:id',
    {
      schema: {
        operationId: 'deleteCharge',
        errors: ['charge_invoiced', 'charge_not_found'],
        tags: ['subscriptions'],
        summary: 'Delete a one-time charge that no invoice has taken yet',
        params: IdParams,
        response: { 200: ChargeView },
      },
    },
    (req) => deleteCharge(req.ctx, req.params.id),
  );
}
