import type { App } from '../../http/app.js';
import { IdParams } from '../../http/schemas.js';
import { BalanceView } from '../credits/model.js';
import { customerBalance } from './service.js';

export async function balanceRoutes(app: App): Promise<void> {
  app.get(
    '/customers/:id/balance',
    {
      schema: {
        operationId: 'getCustomerBalance',
        errors: ['amount_too_large', 'customer_not_found'],
        tags: ['customers'],
        summary:
          'The balance card: open and past-due balances, oldest open invoice, unapplied credits, ' +
          'and the children’s balances rolled up',
        params: IdParams,
        response: { 200: BalanceView },
      },
    },
    (req) => customerBalance(req.ctx, req.params.id),
  );
}
