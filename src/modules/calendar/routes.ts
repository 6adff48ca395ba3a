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
          customer_name: z.string(),
          customer_number: z.string(),
          invoices: z
            .array(z.object({ id: z.string(), number: z.string().nullable() }))
            .describe(
              'What the payment is for: the projected invoice (autopay); the planned allocations of a scheduled payment, empty when it pays the oldest first',
            ),
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
        errors: ['calendar_range_invalid'],
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
