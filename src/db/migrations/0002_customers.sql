-- Customers (A3, A6), contact profiles and contacts (A4).

-- The last number handed out per tenant; its row lock serialises automatic numbering.
CREATE TABLE customer_number_counters (
  tenant_id  text PRIMARY KEY REFERENCES tenants (id),
  last_value bigint NOT NULL CHECK (last_value >= 0)
);

CREATE TABLE customers (
  id                  text PRIMARY KEY,
  tenant_id           text NOT NULL REFERENCES tenants (id),
  number              text NOT NULL CHECK (length(number) BETWEEN 1 AND 40),
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  billing_email       text CHECK (billing_email = lower(billing_email)),
  billing_address     jsonb NOT NULL DEFAULT '{}',
  status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),
  archived_at         timestamptz,
  notes               text,
  parent_id           text,
  invoice_only        boolean NOT NULL DEFAULT false,
  credit_limit        bigint CHECK (credit_limit >= 0),
  crm_id              text,
  accounting_id       text,
  gateway_customer_id text,
  created_at          timestamptz NOT NULL,
  updated_at          timestamptz NOT NULL,
  UNIQUE (tenant_id, number),
  -- The target of the same-tenant foreign keys below.
  UNIQUE (tenant_id, id),
  -- A parent is always a customer of the same tenant.
  FOREIGN KEY (tenant_id, parent_id) REFERENCES customers (tenant_id, id),
  CHECK (parent_id IS NULL OR parent_id <> id),
  CHECK ((status = 'archived') = (archived_at IS NOT NULL))
);
CREATE INDEX customers_children ON customers (tenant_id, parent_id, id);
-- Substring search (?q=) on name, number and billing email: trigram indexes serve
-- lower(col) LIKE '%…%' however the term is placed in the value. fastupdate is off so that new
-- customers go straight into the index instead of a pending list that every search scans until
-- a vacuum merges it (PGlite never runs autovacuum); customers are written rarely, read often.
CREATE INDEX customers_name_trgm ON customers
  USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX customers_number_trgm ON customers
  USING gin (lower(number) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX customers_email_trgm ON customers
  USING gin (lower(billing_email) gin_trgm_ops) WITH (fastupdate = off);

CREATE TABLE contact_profiles (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  permissions text[] NOT NULL DEFAULT '{}' CHECK (
    permissions <@ ARRAY['view_invoices', 'view_payments', 'view_credits', 'view_usage',
                         'make_payments', 'manage_payment_methods', 'manage_autopay',
                         'receive_invoice_emails', 'receive_receipts']::text[]
  ),
  is_default  boolean NOT NULL DEFAULT false,
  -- Which built-in profile this row was seeded as; kept through renames and deletion so that
  -- seeding never runs twice for a tenant.
  seed_key    text,
  -- Profiles are deleted softly: revoked contacts keep pointing at the profile they had.
  deleted_at  timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  UNIQUE (tenant_id, seed_key),
  CHECK (NOT (is_default AND deleted_at IS NOT NULL))
);
CREATE UNIQUE INDEX contact_profiles_name ON contact_profiles (tenant_id, lower(name))
  WHERE deleted_at IS NULL;
-- At most one default per tenant; the service keeps at least one.
CREATE UNIQUE INDEX contact_profiles_default ON contact_profiles (tenant_id) WHERE is_default;

CREATE TABLE contacts (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  customer_id text NOT NULL,
  name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  email       text NOT NULL CHECK (email = lower(email)),
  phone       text,
  title       text,
  profile_id  text NOT NULL,
  status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'revoked')),
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL,
  updated_at  timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, profile_id) REFERENCES contact_profiles (tenant_id, id),
  CHECK ((status = 'revoked') = (revoked_at IS NOT NULL))
);
CREATE INDEX contacts_customer ON contacts (tenant_id, customer_id, id);
CREATE INDEX contacts_profile ON contacts (tenant_id, profile_id) WHERE status = 'active';
CREATE INDEX contacts_email ON contacts (tenant_id, email);
CREATE UNIQUE INDEX contacts_customer_email ON contacts (tenant_id, customer_id, email)
  WHERE status = 'active';
