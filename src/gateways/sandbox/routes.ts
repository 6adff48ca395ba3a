/** The sandbox gateway's own endpoint: tokenization of raw card and bank data (sandbox only). */
import type { App } from '../../http/app.js';
import { TokenCreate, TokenView } from './model.js';
import { createToken } from './tokens.js';

export async function sandboxRoutes(app: App): Promise<void> {
  app.post(
    '/sandbox/tokens',
    {
      config: { idempotency: false },
      schema: {
        operationId: 'createSandboxToken',
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
}
