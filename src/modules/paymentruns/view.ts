/** A payment run's row and its API view. */
import { exactSum } from '../../core/money.js';

export interface RunRow {
  id: string;
  tenant_id: string;
  status: 'scheduled' | 'running' | 'completed' | 'failed';
  after_bill_run_id: string | null;
  schedule: 'daily' | 'after_bill_run' | null;
  run_on: string | null;
  target_date: string | null;
  total_invoices: number;
  processed: number;
  succeeded_count: number;
  failed_count: number;
  pending_count: number;
  /** Exact decimal text of the bigint sum (issue 10 item 8). */
  collected: string;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

export const RUN_COLUMNS = `id, tenant_id, status, after_bill_run_id, schedule, run_on, target_date, total_invoices,
  processed, succeeded_count, failed_count, pending_count, collected::text AS collected, created_at,
  started_at, completed_at`;

export interface RunView {
  id: string;
  status: RunRow['status'];
  after_bill_run_id: string | null;
  /** The tenant setting that started it (0026), or null for an ad hoc run. */
  schedule: RunRow['schedule'];
  run_on: string | null;
  target_date: string | null;
  progress: { processed: number; total: number };
  counts: { succeeded: number; failed: number; pending: number; skipped: number };
  /** What the run collected; null only beyond Number.MAX_SAFE_INTEGER (see collected_exact). */
  collected: number | null;
  /** The same sum as an exact decimal string of minor units, whatever its size. */
  collected_exact: string;
  currency: 'USD';
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
}

export function runView(r: RunRow): RunView {
  return {
    id: r.id,
    status: r.status,
    after_bill_run_id: r.after_bill_run_id,
    schedule: r.schedule,
    run_on: r.run_on,
    target_date: r.target_date,
    progress: { processed: r.processed, total: r.total_invoices },
    counts: {
      succeeded: r.succeeded_count,
      failed: r.failed_count,
      pending: r.pending_count,
      skipped: r.processed - r.succeeded_count - r.failed_count - r.pending_count,
    },
    collected: exactSum(r.collected),
    collected_exact: r.collected,
    currency: 'USD',
    created_at: r.created_at.toISOString(),
    started_at: r.started_at?.toISOString() ?? null,
    completed_at: r.completed_at?.toISOString() ?? null,
  };
}
