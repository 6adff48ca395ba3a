import { z } from 'zod';
import type { App } from '../../http/app.js';
import { BusinessDate } from '../../http/schemas.js';
import { paymentsCalendar } from './service.js';

const Count = z.object({ count: z.number(), total: z.number() });

const CalendarView = z.object({
  from: z.string(),
  to: z.string(),
  currency: z.literal('USD'),
  count: z.number(),
  total: z.number(),
  days: z.array(
    z.object({
      date: z.string(),
      count: z.number(),
      total: z.number(),
      scheduled: Count,
      autopay: Count,
      breakdown: z.array(
        z.object({
          type: z.enum(['scheduled', 'autopay']),
          payment_id: z.string().nullable(),
          invoice_id: z.string().nullable(),
          customer_id: z.string(),
          amount: z.number(),
          rule: z.object({ id: z.string(), name: z.string() }).nullable(),
        }),
      ),
    }),
  ),
});

export async function calendarRoutes(app: App): Promise<void> {
  app.get(
    '/calendar',
    {
      schema: {
        operationId: 'getPaymentCalendar',
        tags: ['payments'],
        summary: 'Per business day: scheduled and projected autopay payments (≤ 366 days)',
        querystring: z.strictObject({
          from: BusinessDate,
          to: BusinessDate,
          customer: z.string().max(64).optional(),
        }),
        response: { 200: CalendarView },
      },
    },
    (req) => paymentsCalendar(req.ctx, req.query),
  );
}
