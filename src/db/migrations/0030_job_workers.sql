-- Liveness of the processes that run jobs (issue 10, item 7). Each process that works on the
-- queue writes its row every few seconds with the ids of the jobs it is running. A job that
-- pg-boss shows as active, started a while ago, and that no live process lists was left by a
-- process that died (kill -9, power loss): it is failed at once, so pg-boss retries it within
-- seconds instead of waiting for the job's expiry (15 minutes).
CREATE TABLE job_workers (
  id uuid PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  active_jobs uuid[] NOT NULL DEFAULT '{}'
);
