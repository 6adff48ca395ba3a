/**
 * Jobs left by a process that died are taken up again in seconds (issue 10, item 7).
 *
 * pg-boss marks a job `active` when a process fetches it, and only its expiry (15 minutes by
 * default) returns the job of a process that died to the queue. Meanwhile a bill run stays
 * `running` and a new one is refused. Expiry cannot simply be short: a long job would be failed
 * while it still runs.
 *
 * So each process that works on the queue says it is alive: when it starts a job and every few
 * seconds it writes its row in `job_workers` with the ids of the jobs it is running. Every few seconds, each such process also
 * looks for jobs that pg-boss shows as active, that started longer ago than the stale limit, and
 * that no process with a fresh heartbeat lists. Their process is gone; they are failed at once
 * (one attempt used), and pg-boss hands them to the next poll. The job handlers are safe to run
 * again: a bill-run batch claims its customers in its own transaction, a payment run item and a
 * payment are reserved before any charge and reconciled with the gateway after a crash.
 *
 * Several processes reclaim at once without failing a job twice: each locks the rows it takes
 * (FOR UPDATE SKIP LOCKED) and fails them in the same transaction.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type PgBoss from 'pg-boss';
import type { Db, Queryable } from '../db/db.js';

export interface LivenessOptions {
  /** How often this process writes its heartbeat, in seconds (default 5). */
  heartbeatSeconds?: number | undefined;
  /**
   * A process whose heartbeat is older than this is gone, and an active job no live process
   * lists after this long is orphaned (seconds, default 30).
   */
  staleSeconds?: number | undefined;
  /** How often this process looks for orphaned jobs, in seconds (default 10). */
  reclaimSeconds?: number | undefined;
}

export interface Liveness {
  readonly workerId: string;
  /** Records that this process now runs the job, and writes the heartbeat that lists it. */
  running(jobId: string): void;
  done(jobId: string): void;
  /** Writes the heartbeat now. */
  beat(): Promise<void>;
  /** Fails the orphaned jobs now; returns how many. */
  reclaim(): Promise<number>;
  /** Stops the timers and removes this process's row. */
  stop(): Promise<void>;
}

export function startLiveness(
  db: Db,
  boss: PgBoss,
  jobSchema: string,
  executor: (q: Queryable) => PgBoss.Db,
  onError: (err: Error) => void,
  options: LivenessOptions = {},
): Liveness {
  const workerId = randomUUID();
  const heartbeatMs = (options.heartbeatSeconds ?? 5) * 1000;
  const staleSeconds = options.staleSeconds ?? 30;
  const reclaimMs = (options.reclaimSeconds ?? 10) * 1000;
  const active = new Set<string>();
  let stopped = false;

  const write = async () => {
    await db.query(
      `INSERT INTO job_workers (id, host, pid, active_jobs) VALUES ($1, $2, $3, $4::uuid[])
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now(), active_jobs = EXCLUDED.active_jobs`,
      [workerId, hostname(), process.pid, [...active]],
    );
  };
  // One write at a time; asked for meanwhile, one more follows with the set as it is then.
  let writing: Promise<void> | undefined;
  let again = false;
  const beat = async (): Promise<void> => {
    if (writing) {
      again = true;
      return writing;
    }
    writing = (async () => {
      try {
        do {
          again = false;
          await write();
        } while (again);
      } finally {
        writing = undefined;
      }
    })();
    return writing;
  };

  const reclaim = async () => {
    const orphans = await db.tx(async (tx) => {
      const rows = await tx.query<{ id: string; name: string }>(
        `SELECT j.id, j.name FROM ${jobSchema}.job j
          WHERE j.state = 'active'
            AND j.started_on < now() - make_interval(secs => $1)
            AND NOT EXISTS (
              SELECT 1 FROM job_workers w
               WHERE w.heartbeat_at > now() - make_interval(secs => $1)
                 AND j.id = ANY (w.active_jobs))
          FOR UPDATE OF j SKIP LOCKED`,
        [staleSeconds],
      );
      for (const r of rows) {
        await boss.fail(
          r.name,
          r.id,
          { message: 'the process running this job stopped; it is retried' },
          { db: executor(tx) },
        );
      }
      // Rows of processes gone for a day are of no further use.
      await tx.query(`DELETE FROM job_workers WHERE heartbeat_at < now() - interval '1 day'`);
      return rows.length;
    });
    return orphans;
  };

  const guard = (work: () => Promise<unknown>) => () => {
    if (stopped) return;
    work().catch((err: Error) => {
      if (!stopped) onError(err);
    });
  };
  const beating = setInterval(guard(beat), heartbeatMs);
  const reclaiming = setInterval(guard(reclaim), reclaimMs);
  beating.unref();
  reclaiming.unref();
  // The first heartbeat and look-around at once: a restarted process takes up what it left.
  guard(async () => {
    await beat();
    await reclaim();
  })();

  return {
    workerId,
    running: (id) => {
      active.add(id);
      // Listed at once, not at the next beat: who runs what is always known.
      guard(beat)();
    },
    done: (id) => active.delete(id),
    beat,
    reclaim,
    async stop() {
      stopped = true;
      clearInterval(beating);
      clearInterval(reclaiming);
      await db.query('DELETE FROM job_workers WHERE id = $1', [workerId]).catch(() => undefined);
    },
  };
}
