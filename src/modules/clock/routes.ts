import { z } from 'zod';
import type { App } from '../../http/app.js';
import { BusinessDate, Instant } from '../../http/schemas.js';
import { advanceClock, readClock } from './service.js';

const ClockView = z.object({
  now: z.string(),
  today: z.string(),
  time_zone: z.string(),
  movable: z.boolean(),
});

const AdvanceBody = z
  .strictObject({
    to: z.union([BusinessDate, Instant]).optional(),
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
    { schema: { tags: ['clock'], summary: 'The tenant’s clock', response: { 200: ClockView } } },
    (req) => readClock(req.ctx),
  );
  app.post(
    '/clock/advance',
    {
      schema: {
        tags: ['clock'],
        summary: 'Move a sandbox tenant’s clock forward and run what became due',
        body: AdvanceBody,
        response: { 200: ClockView },
      },
    },
    (req) => advanceClock(req.ctx, req.body),
  );
}
