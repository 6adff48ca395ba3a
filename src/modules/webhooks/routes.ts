import { z } from 'zod';
import type { App } from '../../http/app.js';
import { cursorId, IdParams, ListQuery, NoContent, page } from '../../http/schemas.js';
import {
  DeliveryStatus,
  DeliveryView,
  EndpointCreate,
  EndpointPatch,
  EndpointView,
  EndpointWithSecret,
} from './model.js';
import {
  createEndpoint,
  deleteEndpoint,
  type EndpointPolicy,
  getEndpoint,
  listDeliveries,
  listEndpoints,
  resendDelivery,
  rotateSecret,
  updateEndpoint,
} from './service.js';

const tags = ['webhooks'];

export async function webhookRoutes(app: App, policy: EndpointPolicy): Promise<void> {
  app.get(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'listWebhookEndpoints',
        tags,
        summary: 'Webhook endpoints, newest first (owner, admin)',
        querystring: ListQuery,
        response: {
          200: z.object({ data: z.array(EndpointView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor } = req.query;
      const rows = await listEndpoints(req.ctx, { after: cursorId(cursor), limit: limit + 1 });
      return page(rows, limit);
    },
  );
  app.post(
    '/webhook-endpoints',
    {
      schema: {
        operationId: 'createWebhookEndpoint',
        errors: ['webhook_url_private'],
        tags,
        summary: 'Register an endpoint; its signing secret is in this response',
        body: EndpointCreate,
        response: { 201: EndpointWithSecret },
      },
    },
    async (req, reply) => reply.code(201).send(await createEndpoint(req.ctx, req.body, policy)),
  );
  app.get(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'getWebhookEndpoint',
        errors: ['webhook_endpoint_not_found'],
        tags,
        summary: 'One endpoint (without its secret)',
        params: IdParams,
        response: { 200: EndpointView },
      },
    },
    (req) => getEndpoint(req.ctx, req.params.id),
  );
  app.patch(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'updateWebhookEndpoint',
        errors: ['webhook_endpoint_not_found', 'webhook_url_private'],
        tags,
        summary: 'Change the URL, description, event types, or enable/disable',
        params: IdParams,
        body: EndpointPatch,
        response: { 200: EndpointView },
      },
    },
    (req) => updateEndpoint(req.ctx, req.params.id, req.body, policy),
  );
  app.delete(
    '/webhook-endpoints/:id',
    {
      schema: {
        operationId: 'deleteWebhookEndpoint',
        errors: ['webhook_endpoint_not_found'],
        tags,
        summary: 'Delete an endpoint and its delivery history',
        params: IdParams,
        response: { 204: NoContent },
      },
    },
    async (req, reply) => {
      await deleteEndpoint(req.ctx, req.params.id);
      return reply.code(204).send();
    },
  );
  app.post(
    '/webhook-endpoints/:id/rotate-secret',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        errors: ['webhook_endpoint_not_found'],
        tags,
        summary: 'Replace the signing secret at once; the new one is in this response',
        params: IdParams,
        body: z.strictObject({}).nullish(),
        response: { 200: EndpointWithSecret },
      },
    },
    (req) => rotateSecret(req.ctx, req.params.id),
  );
  app.get(
    '/webhook-endpoints/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        errors: ['webhook_endpoint_not_found'],
        tags,
        summary: 'Deliveries to an endpoint with their attempts, newest first',
        params: IdParams,
        querystring: ListQuery.extend({ status: DeliveryStatus.optional() }),
        response: {
          200: z.object({ data: z.array(DeliveryView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor, status } = req.query;
      const rows = await listDeliveries(req.ctx, req.params.id, {
        status,
        after: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.post(
    '/webhook-deliveries/:id/resend',
    {
      schema: {
        operationId: 'resendWebhookDelivery',
        errors: [
          'webhook_delivery_not_found',
          'webhook_delivery_pending',
          'webhook_endpoint_disabled',
        ],
        tags,
        summary:
          'Send a delivery’s event to its endpoint again, as a new delivery signed with the current secret (owner, admin)',
        params: IdParams,
        body: z.strictObject({}).nullish(),
        response: { 202: DeliveryView },
      },
    },
    async (req, reply) => reply.code(202).send(await resendDelivery(req.ctx, req.params.id)),
  );
}
