-- Webhooks (K3): endpoints a tenant registers, and one delivery per endpoint and event.
CREATE TABLE webhook_endpoints (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  url         text NOT NULL CHECK (length(url) <= 2048 AND url ~ '^https?://'),
  description text CHECK (length(description) <= 500),
  -- Event types to send ('invoice.posted', or 'invoice.*'); empty means every event.
  event_types text[] NOT NULL DEFAULT '{}',
  -- The signing secret is kept in clear, unlike API keys: Billow needs it to sign every
  -- delivery (HMAC), so a hash would be useless. It never leaves through the API except in the
  -- create and rotate-secret responses, and never enters the audit log or events.
  secret      text NOT NULL,
  status      text NOT NULL CHECK (status IN ('active', 'disabled')),
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id, id);

CREATE TABLE webhook_deliveries (
  id               text PRIMARY KEY,
  tenant_id        text NOT NULL REFERENCES tenants (id),
  -- Deleting an endpoint deletes its delivery history; the audit log keeps the endpoint.
  endpoint_id      text NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
  event_id         text NOT NULL REFERENCES events (id),
  status           text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
  attempts         integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_status_code integer,
  last_error       text,
  -- Earliest time of the next attempt (the queue adds jitter); null once settled.
  next_attempt_at  timestamptz,
  delivered_at     timestamptz,
  -- The queue job that delivers it; null when the writer had no queue (the worker's sweep
  -- enqueues those).
  job_id           uuid,
  created_at       timestamptz NOT NULL,
  UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_unqueued ON webhook_deliveries (created_at)
  WHERE status = 'pending' AND job_id IS NULL;
