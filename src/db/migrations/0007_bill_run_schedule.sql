-- Scheduled bill runs (C2): the last business date the tenant's schedule was checked through,
-- so each scheduled date fires once, whether the real clock or a sandbox clock moved past it.
ALTER TABLE tenants ADD COLUMN bill_runs_scheduled_through date;
