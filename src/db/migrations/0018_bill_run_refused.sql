-- Customers a bill-run batch did not bill because their invoice would exceed the largest amount
-- Billow holds (issue 10, item 8): [{customer_id, code, details}], shown on the run as `refused`.
-- Their usage and pending charges stay unbilled for a later run.
ALTER TABLE bill_run_batches ADD COLUMN refused jsonb NOT NULL DEFAULT '[]'::jsonb;
