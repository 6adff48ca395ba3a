import { z } from 'zod';
import type { App } from '../../http/app.js';
import { cursorId, IdParams, page } from '../../http/schemas.js';
import {
  ChildrenQuery,
  CustomerCreate,
  CustomerListQuery,
  CustomerPatch,
  CustomerView,
  HierarchyView,
} from './model.js';
import {
  archiveCustomer,
  createCustomer,
  customerHierarchy,
  customerPage,
  getCustomer,
  listChildren,
  updateCustomer,
} from './service.js';

const CustomerPage = z.object({ data: z.array(CustomerView), next_cursor: z.string().nullable() });

export async function customerRoutes(app: App): Promise<void> {
  app.post(
    '/customers',
    {
      schema: {
        operationId: 'createCustomer',
        errors: ['customer_archived', 'customer_not_found', 'customer_number_taken'],
        tags: ['customers'],
        summary: 'Create a customer (numbered automatically unless a number is given)',
        body: CustomerCreate,
        response: { 201: CustomerView },
      },
    },
    async (req, reply) => reply.code(201).send(await createCustomer(req.ctx, req.body)),
  );
  app.get(
    '/customers',
    {
      schema: {
        operationId: 'listCustomers',
        errors: ['invalid_cursor'],
        tags: ['customers'],
        summary:
          'Customers newest first or sorted; q searches name, number and billing email; has_open_invoices filters',
        querystring: CustomerListQuery,
        response: { 200: CustomerPage },
      },
    },
    async (req) => {
      const { limit, cursor, q, parent, status, sort, has_open_invoices } = req.query;
      return customerPage(req.ctx, {
        q,
        parent,
        status,
        sort,
        hasOpenInvoices: has_open_invoices,
        cursor,
        limit,
      });
    },
  );
  app.get(
    '/customers/:id',
    {
      schema: {
        operationId: 'getCustomer',
        errors: ['customer_not_found'],
        tags: ['customers'],
        summary: 'A customer, with its external links and the ones missing',
        params: IdParams,
        response: { 200: CustomerView },
      },
    },
    (req) => getCustomer(req.ctx, req.params.id),
  );
  app.patch(
    '/customers/:id',
    {
      schema: {
        operationId: 'updateCustomer',
        errors: [
          'customer_archived',
          'customer_hierarchy_cycle',
          'customer_not_found',
          'customer_number_taken',
        ],
        tags: ['customers'],
        summary: 'Change a customer, move it under another parent, archive or restore it',
        params: IdParams,
        body: CustomerPatch,
        response: { 200: CustomerView },
      },
    },
    (req) => updateCustomer(req.ctx, req.params.id, req.body),
  );
  app.delete(
    '/customers/:id',
    {
      schema: {
        operationId: 'archiveCustomer',
        errors: ['customer_has_children', 'customer_not_found'],
        tags: ['customers'],
        summary: 'Archive a customer (refused while it has active children)',
        params: IdParams,
        response: { 200: CustomerView },
      },
    },
    (req) => archiveCustomer(req.ctx, req.params.id),
  );
  app.get(
    '/customers/:id/children',
    {
      schema: {
        operationId: 'listCustomerChildren',
        errors: ['customer_not_found'],
        tags: ['customers'],
        summary: 'The direct children of a customer, newest first',
        params: IdParams,
        querystring: ChildrenQuery,
        response: { 200: CustomerPage },
      },
    },
    async (req) => {
      const { limit, cursor, status } = req.query;
      const rows = await listChildren(req.ctx, req.params.id, {
        status,
        before: cursorId(cursor),
        limit: limit + 1,
      });
      return page(rows, limit);
    },
  );
  app.get(
    '/customers/:id/hierarchy',
    {
      schema: {
        operationId: 'getCustomerHierarchy',
        errors: ['customer_not_found'],
        tags: ['customers'],
        summary: 'The customer’s ancestors and its subtree with the number of descendants',
        params: IdParams,
        response: { 200: HierarchyView },
      },
    },
    (req) => customerHierarchy(req.ctx, req.params.id),
  );
}
