import { z } from 'zod';
import type { App } from '../../http/app.js';
import { cursorId, ListQuery, page } from '../../http/schemas.js';
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
  action: z.string(),
  object_type: z.string(),
  object_id: z.string(),
  before: z.unknown(),
  after: z.unknown(),
  request_id: z.string().nullable(),
});

export async function auditRoutes(app: App): Promise<void> {
  app.get(
    '/events',
    {
      schema: {
        operationId: 'listEvents',
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
        querystring: ListQuery.extend({ object: z.string().max(64).optional() }),
        response: {
          200: z.object({ data: z.array(AuditView), next_cursor: z.string().nullable() }),
        },
      },
    },
    async (req) => {
      const { limit, cursor, object } = req.query;
      const rows = await listAudit(req.ctx, {
        objectId: object,
        after: cursorId(cursor),
        limit: limit + 1,
      });
      const p = page(rows, limit);
      return { ...p, data: p.data.map((e) => ({ ...e, at: e.at.toISOString() })) };
    },
  );
}
