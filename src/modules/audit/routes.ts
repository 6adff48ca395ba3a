import { z } from 'zod';
import type { App } from '../../http/app.js';
import { BusinessDate, cursorId, ListQuery, page } from '../../http/schemas.js';
import { listAudit, listEvents } from './service.js';

const EventView = z.object({
  id: z.string(),
  type: z.string(),
  object_type: z.string(),
  object_id: z.string(),
  data: z.unknown(),
  created_at: z.string(),
});

const AuditView = z.object({
  id: z.string(),
  at: z.string(),
  actor_type: z.string(),
  actor_id: z.string().nullable(),
  actor_name: z.string().nullable().describe('The staff user’s or API key’s name'),
  action: z.string(),
  object_type: z.string(),
  object_id: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().nullable(),
});

const AuditListQuery = ListQuery.extend({
  object: z.string().max(64).optional().describe('Only changes to this object (its id)'),
  object_type: z
    .string()
    .max(64)
    .optional()
    .describe('Only changes to objects of this type: customer, invoice, payment, …'),
  actor: z.string().max(64).optional().describe('Only changes made by this staff user or API key'),
  actor_type: z.enum(['staff', 'api_key', 'system', 'contact']).optional(),
  from: BusinessDate.optional().describe('From this business date (tenant time zone), inclusive'),
  to: BusinessDate.optional().describe('Up to this business date (tenant time zone), inclusive'),
});

export async function auditRoutes(app: App): Promise<void> {
  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
        errors: ['invalid_cursor'],
        tags: ['events'],
        summary: 'Events from the outbox, newest first',
        querystring: ListQuery.extend({ type: z.string().max(100).optional() }),
        response: {
          200: z.object({ data: z.array(EventView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor, type } = req.query;
      const rows = await listEvents(req.ctx, { type, after: cursorId(cursor), limit: limit + 1 });
      const p = page(rows, limit);
      return { ...p, data: p.data.map((e) => ({ ...e, created_at: e.created_at.toISOString() })) };
    },
  );
  app.get(
    '/audit-log',
    {
      schema: {
        operationId: 'listAuditEntries',
        tags: ['audit'],
        summary: 'Who changed what and when, newest first (owner, admin)',
        errors: ['invalid_cursor'],
        querystring: AuditListQuery,
        response: {
          200: z.object({ data: z.array(AuditView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor, object, object_type, actor, actor_type, from, to } = req.query;
      const rows = await listAudit(req.ctx, {
        objectId: object,
        objectType: object_type,
        actorId: actor,
        actorType: actor_type,
        from,
        to,
        after: cursorId(cursor),
        limit: limit + 1,
      });
      const p = page(rows, limit);
      return { ...p, data: p.data.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  );
}
