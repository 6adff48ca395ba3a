-- Issue 10 item 3: a proration credit (a subscription canceled inside a period it had paid in
-- advance) that no charge on the bill run's invoice absorbs becomes a credit memo on the
-- customer's account at once, instead of waiting for a later invoice that may never come. The
-- memo names the subscription period it credits, so the period is credited once (the bill run
-- adds memo credits to the proration lines already on invoices), and the bill run that issued it.
ALTER TABLE credit_memos
  ADD COLUMN subscription_id text,
  ADD COLUMN period_start date,
  ADD COLUMN period_end date,
  ADD COLUMN bill_run_id text,
  ADD CONSTRAINT credit_memos_proration_period
    CHECK ((subscription_id IS NULL) = (period_start IS NULL) AND (period_start IS NULL) = (period_end IS NULL));
CREATE INDEX credit_memos_subscription ON credit_memos (subscription_id, period_start)
  WHERE subscription_id IS NOT NULL;
