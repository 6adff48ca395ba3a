-- Issue 10 item 2: a payment run collects the autopay invoices due on or before its target date
-- (the calendar projects autopay on the due date). Null until the run starts when no date was
-- given: it is then the business date the run started on.
ALTER TABLE payment_runs ADD COLUMN target_date date;
