-- Re-sending a webhook delivery (issue 13): a new delivery of the same event to the same
-- endpoint, so the first one keeps its attempts in the log. Fan-out writes one original per
-- endpoint and event (webhook_deliveries_original, the index its ON CONFLICT names); a re-send
-- points at the delivery it repeats. At most one delivery of an event to an endpoint is being
-- attempted at a time, so two clicks on "Re-send" queue one.
ALTER TABLE webhook_deliveries
  ADD COLUMN resend_of text REFERENCES webhook_deliveries (id) ON DELETE CASCADE;
ALTER TABLE webhook_deliveries DROP CONSTRAINT webhook_deliveries_endpoint_id_event_id_key;
CREATE UNIQUE INDEX webhook_deliveries_original ON webhook_deliveries (endpoint_id, event_id)
  WHERE resend_of IS NULL;
CREATE UNIQUE INDEX webhook_deliveries_one_pending ON webhook_deliveries (endpoint_id, event_id)
  WHERE status = 'pending';
