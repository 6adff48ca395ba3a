/**
 * Scheduled bill runs (C2): a tenant's settings name a day of the month; when the tenant's clock
 * passes that day, a bill run for it starts with the tenant's auto-post and auto-email settings.
 * Checked when a sandbox clock is advanced (in the advancing transaction) and by a periodic job
 * for every tenant (real time moving). Each scheduled date fires once: the tenant row remembers
 * the date it was checked through; a schedule starts counting from its first check.
 */
import type { Clock } from '../../core/clock.js';
import { businessDate } from '../../core/dates.js';
import type { Db, Tx } from '../../db/db.js';
import { defineQueue } from '../../jobs/queue.js';
import { periodContaining } from '../billing/model.js';
import { type Ctx, systemCtx, tenantToday } from '../context.js';
import { loadTenant, setBillRunsScheduledThrough } from '../tenants/service.js';
import { createBillRunIn } from './service.js';

export const SCHEDULE_QUEUE = defineQueue('bill-run-schedule', {
  retryLimit: 2,
  expireInSeconds: 600,
});

/** The latest scheduled date in (after, through], or null. */
export function latestScheduledDate(day: number, after: string, through: string): string | null {
  const candidate = periodContaining(through, 'month', day).start;
  return candidate > after && candidate <= through ? candidate : null;
}

/** Starts the tenant's scheduled run if its day was passed; returns the target date, if any. */
export async function startScheduledRun(
  tx: Tx,
  ctx: Ctx,
  from: string,
  through: string,
): Promise<{ target: string | null; runId: string | null }> {
  const row = await tx.one<{ day: number | null; checked: string | null; busy: boolean }>(
    `SELECT (settings->>'bill_run_day')::int AS day, bill_runs_scheduled_through::text AS checked,
            EXISTS (SELECT 1 FROM bill_runs WHERE tenant_id = $1 AND status IN ('pending', 'running')) AS busy
       FROM tenants WHERE id = $1 FOR NO KEY UPDATE`,
    [ctx.tenant.id],
  );
  if (row.day === null) return { target: null, runId: null };
  // Another run still generating: leave the date unchecked; the next check starts it.
  if (row.busy) return { target: null, runId: null };
  let runId: string | null = null;
  const target = latestScheduledDate(row.day, row.checked ?? from, through);
  if (target) {
    const last = await tx.maybeOne<{ target: string }>(
      `SELECT max(target_date)::text AS target FROM bill_runs WHERE tenant_id = $1 AND status <> 'failed'
       HAVING max(target_date) IS NOT NULL`,
      [ctx.tenant.id],
    );
    if (!last || last.target < target) {
      runId = (await createBillRunIn(tx, ctx, { target_date: target })).id;
    }
  }
  await setBillRunsScheduledThrough(tx, ctx.tenant.id, through);
  return { target, runId };
}

/** A sandbox clock advance starts the bill run its schedule has due (wired in wiring.ts). */
export async function billRunsOnClock(
  tx: Tx,
  ctx: Ctx,
  from: Date,
  to: Date,
): Promise<{ bill_runs: string[] }> {
  const started = await startScheduledRun(
    tx,
    ctx,
    businessDate(from, ctx.tenant.timeZone),
    businessDate(to, ctx.tenant.timeZone),
  );
  return { bill_runs: started.runId ? [started.runId] : [] };
}

/** The periodic check over every tenant with a schedule (the job of SCHEDULE_QUEUE). */
export async function checkSchedules(db: Db, clock: Clock): Promise<void> {
  const tenants = await db.query<{ id: string }>(
    `SELECT id FROM tenants WHERE settings->>'bill_run_day' IS NOT NULL AND settings->>'bill_run_day' <> 'null'`,
  );
  for (const { id } of tenants) {
    const tenant = await loadTenant(db, id);
    if (!tenant) continue;
    const ctx = systemCtx(db, clock, tenant);
    const today = tenantToday(ctx);
    await db.tx((tx) => startScheduledRun(tx, ctx, today, today));
  }
}
