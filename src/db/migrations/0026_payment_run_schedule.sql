-- Payment runs on the tenant's schedule (F1, F3): `schedule` says which setting started a run
-- (null for one staff or the API started). With the setting payment_run_daily, one run per
-- business day of the tenant; with payment_run_after_bill_run, one per posted bill run. The
-- unique indexes make a second such run for the same day or bill run impossible.
ALTER TABLE payment_runs
  ADD COLUMN schedule text CHECK (schedule IN ('daily', 'after_bill_run'));
CREATE UNIQUE INDEX payment_runs_daily ON payment_runs (tenant_id, run_on)
  WHERE schedule = 'daily';
CREATE UNIQUE INDEX payment_runs_after_bill_run ON payment_runs (tenant_id, after_bill_run_id)
  WHERE schedule = 'after_bill_run';
