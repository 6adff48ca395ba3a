/** The sandbox gateway's own endpoint: tokenization of raw card and bank data (sandbox only). */
import type { App } from '../../http/app.js';
import { portalTokenize } from '../../modules/portal/methods.js';
import { caller } from '../../modules/portal/routes.js';
import { TokenCreate, TokenView } from './model.js';
import { createToken } from './tokens.js';

export async function sandboxRoutes(app: App): Promise<void> {
  app.post(
    '/sandbox/tokens',
    {
      config: { idempotency: false },
      schema: {
        operationId: 'createSandboxToken',
        errors: [
          'account_number_invalid',
          'card_expired',
          'card_expiry_invalid',
          'card_number_invalid',
          'currency_not_supported',
          'cvc_invalid',
          'routing_number_invalid',
          'sandbox_only',
        ],
        tags: ['sandbox gateway'],
        summary:
          'Tokenize a card or bank account in the sandbox vault (sandbox tenants only; the only ' +
          'endpoint that takes raw numbers)',
        description:
          'Stands for a gateway’s client-side tokenization (Stripe.js for Stripe). The number is ' +
          'sealed in the sandbox vault, the CVC checked and dropped; the token is single-use, ' +
          'bound to this tenant and valid for 30 minutes on the tenant clock. See the README for ' +
          'the test numbers.',
        body: TokenCreate,
        response: { 201: TokenView },
      },
    },
    async (req, reply) => reply.code(201).send(await createToken(req.ctx, req.body)),
  );
  app.post(
    '/sandbox/portal-tokens',
    {
      // A portal route (http/auth.ts): the contact's session cookie and its CSRF token only.
      config: { portal: 'account', idempotency: false },
      schema: {
        operationId: 'createSandboxPortalToken',
        security: [{ portalSession: [] }],
        errors: [
          'portal_session_required',
          'portal_account_required',
          'portal_permission_denied',
          'csrf_failed',
          'payment_method_kind_not_accepted',
          'account_number_invalid',
          'card_expired',
          'card_expiry_invalid',
          'card_number_invalid',
          'currency_not_supported',
          'cvc_invalid',
          'routing_number_invalid',
          'sandbox_only',
        ],
        tags: ['sandbox gateway'],
        summary:
          'The sandbox gateway’s tokenization for a signed-in contact’s browser (the portal’s ' +
          'card and bank forms); the numbers go to the sandbox vault, only the token comes back',
        description:
          'The same tokenization as POST /sandbox/tokens, opened by the portal session instead of ' +
          'staff credentials, for contacts whose profile may add methods or pay, and for the ' +
          'kinds the tenant accepts in the portal. It is the gateway’s endpoint, standing for ' +
          'Stripe.js; no portal endpoint takes a card or bank number.',
        body: TokenCreate,
        response: { 201: TokenView },
      },
    },
    async (req, reply) => reply.code(201).send(await portalTokenize(caller(req), req.body)),
  );
}
