-- Autopay rules removed from a customer's list stay as rows (payments and payment-run items
-- refer to the rule that chose their method), marked deleted. Positions are unique among the
-- live rules only; the service renumbers 1..n in two steps, so no deferral is needed.
ALTER TABLE autopay_rules ADD COLUMN deleted_at timestamptz;
ALTER TABLE autopay_rules DROP CONSTRAINT autopay_rules_customer_id_position_key;
CREATE UNIQUE INDEX autopay_rules_live_position ON autopay_rules (customer_id, position)
  WHERE deleted_at IS NULL;
CREATE INDEX autopay_rules_method ON autopay_rules (payment_method_id) WHERE deleted_at IS NULL;
CREATE INDEX payment_runs_tenant ON payment_runs (tenant_id, id);
CREATE INDEX payment_runs_waiting ON payment_runs (tenant_id) WHERE status = 'scheduled';
CREATE INDEX payment_run_items_status ON payment_run_items (payment_run_id, status);
