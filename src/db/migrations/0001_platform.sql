-- Platform: tenants, staff access, idempotency, audit log and event outbox.
CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;

CREATE TABLE tenants (
  id              text PRIMARY KEY,
  name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  mode            text NOT NULL CHECK (mode IN ('sandbox', 'live')),
  time_zone       text NOT NULL DEFAULT 'America/New_York',
  currency        text NOT NULL DEFAULT 'USD' CHECK (currency = 'USD'),
  settings        jsonb NOT NULL DEFAULT '{}',
  -- A sandbox tenant's clock runs this far ahead of the installation's; live tenants stay at 0.
  clock_offset_ms bigint NOT NULL DEFAULT 0 CHECK (clock_offset_ms >= 0),
  created_at      timestamptz NOT NULL,
  updated_at      timestamptz NOT NULL
);

CREATE TABLE staff_users (
  id            text PRIMARY KEY,
  tenant_id     text NOT NULL REFERENCES tenants (id),
  email         text NOT NULL CHECK (email = lower(email)),
  name          text NOT NULL,
  role          text NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'read_only')),
  password_hash text NOT NULL,
  disabled_at   timestamptz,
  created_at    timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL,
  UNIQUE (tenant_id, email)
);
CREATE INDEX staff_users_email ON staff_users (email);

CREATE TABLE staff_sessions (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id),
  staff_id     text NOT NULL REFERENCES staff_users (id),
  token_hash   text NOT NULL UNIQUE,
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE api_keys (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id),
  name         text NOT NULL,
  role         text NOT NULL CHECK (role IN ('owner', 'admin', 'billing', 'read_only')),
  -- sha256 of the secret: keys are 256-bit random, so a fast hash is enough to make a stolen
  -- table useless; the secret itself is shown once at creation.
  secret_hash  text NOT NULL UNIQUE,
  last4        text NOT NULL,
  created_by   text,
  created_at   timestamptz NOT NULL,
  last_used_at timestamptz,
  revoked_at   timestamptz
);
CREATE INDEX api_keys_tenant ON api_keys (tenant_id, id);

CREATE TABLE idempotency_keys (
  tenant_id       text NOT NULL REFERENCES tenants (id),
  key             text NOT NULL,
  request_hash    text NOT NULL,
  response_status integer,
  response_body   text,
  created_at      timestamptz NOT NULL,
  completed_at    timestamptz,
  PRIMARY KEY (tenant_id, key)
);

CREATE TABLE audit_log (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  at          timestamptz NOT NULL,
  actor_type  text NOT NULL CHECK (actor_type IN ('staff', 'api_key', 'system', 'contact')),
  actor_id    text,
  action      text NOT NULL,
  object_type text NOT NULL,
  object_id   text NOT NULL,
  before      jsonb,
  after       jsonb,
  request_id  text
);
CREATE INDEX audit_log_tenant ON audit_log (tenant_id, id);
CREATE INDEX audit_log_object ON audit_log (tenant_id, object_id, id);

CREATE TABLE events (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  type        text NOT NULL,
  object_type text NOT NULL,
  object_id   text NOT NULL,
  data        jsonb,
  created_at  timestamptz NOT NULL
);
CREATE INDEX events_tenant ON events (tenant_id, id);
