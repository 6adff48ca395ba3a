import type { App } from '../../http/app.js';
import { SearchQuery, SearchResults } from './model.js';
import { search } from './service.js';

export async function searchRoutes(app: App): Promise<void> {
  app.get(
    '/search',
    {
      schema: {
        operationId: 'search',
        tags: ['search'],
        summary:
          'Global search: customers, contacts, invoices and transactions matching one term, by kind',
        description:
          'No query syntax. Customers match on name, number and billing email; contacts on name ' +
          'and email; invoices on number and PO number; transactions on payment id, check number ' +
          'or reference, exact amount and the last four digits of the card or account. An exact ' +
          'id or invoice number sets `jump`. Invoices and transactions are searched only for ' +
          'roles that may read billing (`not_searched` names what was left out).',
        querystring: SearchQuery,
        response: { 200: SearchResults },
      },
    },
    (req) => search(req.ctx, req.query),
  );
}
