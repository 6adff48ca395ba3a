import type { FastifyRequest } from 'fastify';
import type { App } from '../../http/app.js';
import { IdParams, NoBody } from '../../http/schemas.js';
import { sandboxMicroDeposits } from './deposits.js';
import { checkGatewayConnection } from './gateway.js';
import {
  MethodCreate,
  MethodList,
  MethodPatch,
  MethodReplace,
  MethodView,
  MicroDepositsView,
  VerifyBody,
} from './model.js';
import {
  addPaymentMethod,
  deletePaymentMethod,
  getPaymentMethod,
  listPaymentMethods,
  makeDefault,
  type RequestMeta,
  replacePaymentMethod,
  updatePaymentMethod,
} from './service.js';
import {
  GatewayCheckView,
  GatewaySettingsPut,
  GatewaySettingsView,
  getGatewaySettings,
  putGatewaySettings,
} from './settings.js';
import { verifyPaymentMethod } from './verify.js';

const TAGS = ['payment methods'];

/** Where the authorisation came from: the ACH mandate's online acceptance. */
function meta(req: FastifyRequest): RequestMeta {
  const agent = req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 500) : undefined };
}

export async function methodRoutes(app: App): Promise<void> {
  app.post(
    '/customers/:id/payment-methods',
    {
      schema: {
        operationId: 'createPaymentMethod',
        errors: [
          'authorization_required',
          'currency_not_supported',
          'customer_archived',
          'customer_not_found',
          'gateway_error',
          'gateway_not_configured',
          'payment_method_duplicate',
          'token_expired',
          'token_not_found',
          'token_used',
        ],
        tags: TAGS,
        summary: 'Save a card or bank account from a gateway token (authorisation tick required)',
        description:
          'A bank account gets two micro-deposits and must be verified before it can pay. The ' +
          'newest usable method becomes the default unless make_default is false. The same card ' +
          'or account twice is refused with payment_method_duplicate naming the saved one.',
        params: IdParams,
        body: MethodCreate,
        response: { 201: MethodView },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await addPaymentMethod(req.ctx, req.params.id, req.body, meta(req))),
  );
  app.get(
    '/customers/:id/payment-methods',
    {
      schema: {
        operationId: 'listCustomerPaymentMethods',
        errors: ['customer_not_found'],
        tags: TAGS,
        summary: 'The customer’s methods and those its ancestors share (flagged inherited)',
        params: IdParams,
        response: { 200: MethodList },
      },
    },
    (req) => listPaymentMethods(req.ctx, req.params.id),
  );
  app.get(
    '/payment-methods/:id',
    {
      schema: {
        operationId: 'getPaymentMethod',
        errors: ['payment_method_not_found'],
        tags: TAGS,
        summary: 'A payment method (deleted ones too, for history)',
        params: IdParams,
        response: { 200: MethodView },
      },
    },
    (req) => getPaymentMethod(req.ctx, req.params.id),
  );
  app.patch(
    '/payment-methods/:id',
    {
      schema: {
        operationId: 'updatePaymentMethod',
        errors: ['payment_method_not_found'],
        tags: TAGS,
        summary: 'Change the friendly name or sharing with child accounts',
        description: 'Card or bank data change only by replacement (POST …/replace).',
        params: IdParams,
        body: MethodPatch,
        response: { 200: MethodView },
      },
    },
    (req) => updatePaymentMethod(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/payment-methods/:id/replace',
    {
      schema: {
        operationId: 'replacePaymentMethod',
        errors: [
          'authorization_required',
          'payment_method_kind_mismatch',
          'payment_method_not_found',
        ],
        tags: TAGS,
        summary: 'Edit = re-entry: replace the card or bank data with a new token of the same kind',
        params: IdParams,
        body: MethodReplace,
        response: { 200: MethodView },
      },
    },
    (req) => replacePaymentMethod(req.ctx, req.params.id, req.body, meta(req)),
  );
  app.post(
    '/payment-methods/:id/verify',
    {
      schema: {
        operationId: 'verifyPaymentMethod',
        errors: [
          'currency_not_supported',
          'payment_method_not_found',
          'verification_failed',
          'verification_locked',
          'verification_not_needed',
        ],
        tags: TAGS,
        summary: 'Verify a bank account with its two micro-deposit amounts (3 attempts)',
        params: IdParams,
        body: VerifyBody,
        response: { 200: MethodView },
      },
    },
    (req) => verifyPaymentMethod(req.ctx, req.params.id, req.body),
  );
  app.post(
    '/payment-methods/:id/default',
    {
      schema: {
        operationId: 'setDefaultPaymentMethod',
        errors: ['card_expired', 'payment_method_not_found', 'payment_method_unverified'],
        tags: TAGS,
        summary: 'Make a usable method the customer’s default',
        params: IdParams,
        body: NoBody,
        response: { 200: MethodView },
      },
    },
    (req) => makeDefault(req.ctx, req.params.id),
  );
  app.delete(
    '/payment-methods/:id',
    {
      schema: {
        operationId: 'deletePaymentMethod',
        errors: ['payment_method_in_use', 'payment_method_not_found'],
        tags: TAGS,
        summary: 'Delete a method (refused while autopay rules or scheduled payments use it)',
        params: IdParams,
        response: { 200: MethodView },
      },
    },
    (req) => deletePaymentMethod(req.ctx, req.params.id),
  );
  app.get(
    '/sandbox/payment-methods/:id/micro-deposits',
    {
      schema: {
        operationId: 'getSandboxMicroDeposits',
        errors: ['payment_method_not_found', 'verification_not_needed'],
        tags: ['sandbox gateway'],
        summary: 'The two micro-deposits sent to a sandbox bank account (sandbox tenants only)',
        params: IdParams,
        response: { 200: MicroDepositsView },
      },
    },
    (req) => sandboxMicroDeposits(req.ctx, req.params.id),
  );
  app.get(
    '/gateway-settings',
    {
      schema: {
        operationId: 'getGatewaySettings',
        tags: ['gateway settings'],
        summary: 'The tenant’s payment gateway (the Stripe secret key is never returned)',
        response: { 200: GatewaySettingsView },
      },
    },
    (req) => getGatewaySettings(req.ctx),
  );
  app.put(
    '/gateway-settings',
    {
      schema: {
        operationId: 'replaceGatewaySettings',
        errors: ['sandbox_only', 'stripe_key_invalid'],
        tags: ['gateway settings'],
        summary: 'Choose the gateway: sandbox (sandbox tenants) or Stripe with a secret key',
        body: GatewaySettingsPut,
        response: { 200: GatewaySettingsView },
      },
    },
    (req) => putGatewaySettings(req.ctx, req.body),
  );
  app.post(
    '/gateway-settings/check',
    {
      schema: {
        operationId: 'checkGatewayConnection',
        errors: ['gateway_not_configured'],
        tags: ['gateway settings'],
        summary: 'Ask the tenant’s gateway whether it answers with the saved credentials',
        description:
          'The sandbox always answers. Stripe is called once with the saved secret key; when it ' +
          'cannot be reached or refuses the key, `ok` is false with the gateway’s own words.',
        body: NoBody,
        response: { 200: GatewayCheckView },
      },
    },
    (req) => checkGatewayConnection(req.ctx),
  );
}
