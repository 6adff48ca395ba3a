import { z } from 'zod';
import { isBusinessDate, parseInstant } from '../../core/dates.js';
import type { App } from '../../http/app.js';
import { advanceClock, readClock } from './service.js';

const ClockView = z.object({
  now: z.string(),
  today: z.string(),
  time_zone: z.string(),
  movable: z.boolean(),
});

const AdvanceBody = z
  .strictObject({
    to: z
      .string()
      .max(40)
      .refine((s) => isBusinessDate(s) || parseInstant(s) !== null, {
        message: 'must be a real date YYYY-MM-DD or an ISO-8601 instant with offset',
      })
      .optional()
      .describe('A business date (start of that day in the tenant zone) or an instant'),
    days: z.number().int().min(1).max(3660).optional(),
    hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 3660)
      .optional(),
  })
  .refine((b) => (b.to === undefined) !== (b.days === undefined && b.hours === undefined), {
    message: 'give either "to", or "days" and/or "hours"',
  });

export async function clockRoutes(app: App): Promise<void> {
  app.get(
    '/clock',
    {
      schema: {
        operationId: 'getClock',
        tags: ['clock'],
        summary: 'The tenant’s clock',
        response: { 200: ClockView },
      },
    },
    (req) => readClock(req.ctx),
  );
  app.post(
    '/clock/advance',
    {
      schema: {
        operationId: 'advanceClock',
        errors: ['clock_cannot_go_back', 'clock_not_movable', 'invalid_idempotency_key'],
        tags: ['clock'],
        summary: 'Move a sandbox tenant’s clock forward and run what became due',
        body: AdvanceBody,
        response: {
          200: ClockView.extend({
            fell_due: z
              .object({
                bill_runs: z.array(z.string()).describe('Bill runs the schedule started'),
                payment_runs: z.array(z.string()).describe('Payment runs whose date came, started'),
                scheduled_payments: z
                  .number()
                  .describe('Scheduled payments now due, handed to the worker to charge'),
                retries: z
                  .number()
                  .describe(
                    'Failed payments whose automatic retry is now due, handed to the worker',
                  ),
                settlements: z
                  .number()
                  .describe('Sandbox bank debits that settled or were returned'),
              })
              .describe('What the advance found due and set going; the worker may finish it later'),
          }),
        },
      },
    },
    (req) => advanceClock(req.ctx, req.body),
  );
}
