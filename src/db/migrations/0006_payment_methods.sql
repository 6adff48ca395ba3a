-- Payment methods and gateways (D1–D8, K1, A3, A7).
--
-- Two sides live in this migration, and they must stay apart (DESIGN principle 6):
--   * Billow's own tables (installation_keys, gateway_settings, gateway_customers,
--     payment_methods) keep gateway references and display data only: token / gateway method id,
--     brand, last four, expiry, fingerprint. Never a full card number, a CVC or a bank account
--     number.
--   * The sandbox_vault_* tables stand for the sandbox gateway's own side, as if they lived in a
--     payment processor's data centre. Billow's code reaches them only through
--     src/gateways/sandbox. They hold full numbers encrypted (AES-256-GCM) and never a CVC.

-- Per-installation secret keys of Billow itself (purpose 'secrets' encrypts gateway credentials
-- such as a tenant's Stripe secret key), unless BILLOW_SECRETS_KEY provides one.
CREATE TABLE installation_keys (
  purpose    text PRIMARY KEY,
  key_b64    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Which gateway a tenant uses. No row: the sandbox gateway for a sandbox tenant, none for live.
CREATE TABLE gateway_settings (
  tenant_id               text PRIMARY KEY REFERENCES tenants (id),
  gateway                 text NOT NULL CHECK (gateway IN ('sandbox', 'stripe')),
  -- AES-256-GCM under the installation's secrets key, bound to the tenant id; never returned.
  stripe_secret_key_enc   text,
  stripe_secret_key_last4 text,
  stripe_publishable_key  text,
  sandbox_latency_ms      integer NOT NULL DEFAULT 0 CHECK (sandbox_latency_ms BETWEEN 0 AND 10000),
  updated_at              timestamptz NOT NULL,
  CHECK (gateway <> 'stripe' OR stripe_secret_key_enc IS NOT NULL)
);

-- The customer object at each gateway that Billow created for a customer.
CREATE TABLE gateway_customers (
  tenant_id           text NOT NULL REFERENCES tenants (id),
  customer_id         text NOT NULL,
  gateway             text NOT NULL CHECK (gateway IN ('sandbox', 'stripe')),
  gateway_customer_id text NOT NULL,
  created_at          timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, customer_id, gateway),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id)
);

CREATE TABLE payment_methods (
  id                      text PRIMARY KEY,
  tenant_id               text NOT NULL REFERENCES tenants (id),
  customer_id             text NOT NULL,
  kind                    text NOT NULL CHECK (kind IN ('card', 'bank_account')),
  gateway                 text NOT NULL CHECK (gateway IN ('sandbox', 'stripe')),
  gateway_customer_id     text NOT NULL,
  gateway_method_id       text NOT NULL,
  -- The gateway's handle on the micro-deposit verification (a Stripe SetupIntent).
  gateway_verification_id text,
  -- The gateway's keyed hash of the number: the same card or account saved twice is detected
  -- without Billow ever holding the number.
  fingerprint             text NOT NULL,
  last4                   text NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
  brand                   text CHECK (brand IN ('visa', 'mastercard', 'amex', 'discover')),
  exp_month               smallint CHECK (exp_month BETWEEN 1 AND 12),
  exp_year                smallint CHECK (exp_year BETWEEN 2000 AND 2200),
  account_type            text CHECK (account_type IN ('checking', 'savings')),
  holder_type             text CHECK (holder_type IN ('personal', 'business')),
  routing_last4           text CHECK (routing_last4 ~ '^[0-9]{4}$'),
  bank_name               text,
  name                    text,
  billing_address         jsonb NOT NULL DEFAULT '{}',
  friendly_name           text CHECK (length(friendly_name) <= 100),
  shared_with_children    boolean NOT NULL DEFAULT false,
  is_default              boolean NOT NULL DEFAULT false,
  -- Whether the method should become the default once it is usable (a bank account, verified).
  wants_default           boolean NOT NULL DEFAULT true,
  -- Cards are verified by the gateway when attached; bank accounts by micro-deposits.
  verified_at             timestamptz,
  micro_deposits_sent_at  timestamptz,
  verification_attempts   smallint NOT NULL DEFAULT 0 CHECK (verification_attempts >= 0),
  verification_locked_at  timestamptz,
  -- The customer's authorisation tick (D7), and who recorded it.
  authorized_at           timestamptz NOT NULL,
  authorized_by_type      text NOT NULL,
  authorized_by_id        text,
  replaced_at             timestamptz,
  deleted_at              timestamptz,
  -- When the gateway confirmed it forgot the method (after deleted_at or a replacement).
  gateway_detached_at     timestamptz,
  created_at              timestamptz NOT NULL,
  updated_at              timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  CHECK ((kind = 'card') = (brand IS NOT NULL AND exp_month IS NOT NULL AND exp_year IS NOT NULL)),
  CHECK ((kind = 'bank_account') = (account_type IS NOT NULL AND holder_type IS NOT NULL)),
  CHECK (kind = 'bank_account' OR verified_at IS NOT NULL),
  CHECK (NOT (is_default AND (deleted_at IS NOT NULL OR verified_at IS NULL)))
);
-- One default per customer (D4).
CREATE UNIQUE INDEX payment_methods_one_default ON payment_methods (tenant_id, customer_id)
  WHERE is_default;
-- The same card or account is saved at most once per customer (duplicates are refused).
CREATE UNIQUE INDEX payment_methods_fingerprint
  ON payment_methods (tenant_id, customer_id, gateway, fingerprint) WHERE deleted_at IS NULL;
CREATE INDEX payment_methods_customer ON payment_methods (tenant_id, customer_id, id)
  WHERE deleted_at IS NULL;
-- A parent's methods offered to its children (A3).
CREATE INDEX payment_methods_shared ON payment_methods (tenant_id, customer_id)
  WHERE shared_with_children AND deleted_at IS NULL;

-- ===========================================================================================
-- The sandbox gateway's side. These tables stand for a payment processor's systems: Billow's
-- modules never read them, and the no-card-data test excludes only them from its scan.
-- account_id is the sandbox merchant account, which is the Billow tenant id (no foreign key:
-- the gateway does not share Billow's schema in spirit, only in storage).
-- ===========================================================================================

-- The vault's master key when BILLOW_SANDBOX_VAULT_KEY is not set (see docs/gateways.md).
CREATE TABLE sandbox_vault_keys (
  id         text PRIMARY KEY,
  key_b64    text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Single-use tokens from POST /sandbox/tokens. number_sealed is cleared once the token is used.
CREATE TABLE sandbox_vault_tokens (
  id             text PRIMARY KEY,
  account_id     text NOT NULL,
  kind           text NOT NULL CHECK (kind IN ('card', 'bank_account')),
  number_sealed  text,
  fingerprint    text NOT NULL,
  last4          text NOT NULL,
  brand          text,
  exp_month      smallint,
  exp_year       smallint,
  routing_number text,
  account_type   text,
  holder_type    text,
  name           text,
  address        jsonb NOT NULL DEFAULT '{}',
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  used_at        timestamptz
);
CREATE INDEX sandbox_vault_tokens_account ON sandbox_vault_tokens (account_id, id);

CREATE TABLE sandbox_vault_customers (
  id         text PRIMARY KEY,
  account_id text NOT NULL,
  reference  text,
  name       text,
  email      text,
  created_at timestamptz NOT NULL
);

CREATE TABLE sandbox_vault_methods (
  id                    text PRIMARY KEY,
  account_id            text NOT NULL,
  customer_id           text NOT NULL REFERENCES sandbox_vault_customers (id),
  kind                  text NOT NULL CHECK (kind IN ('card', 'bank_account')),
  number_sealed         text NOT NULL,
  fingerprint           text NOT NULL,
  last4                 text NOT NULL,
  brand                 text,
  exp_month             smallint,
  exp_year              smallint,
  routing_number        text,
  account_type          text,
  holder_type           text,
  name                  text,
  address               jsonb NOT NULL DEFAULT '{}',
  -- The two micro-deposits in cents, once sent.
  deposit_1             integer,
  deposit_2             integer,
  deposits_sent_at      timestamptz,
  deposits_failed_at    timestamptz,
  verified_at           timestamptz,
  detached_at           timestamptz,
  created_at            timestamptz NOT NULL
);
CREATE INDEX sandbox_vault_methods_account ON sandbox_vault_methods (account_id, id);

CREATE TABLE sandbox_vault_charges (
  id              text PRIMARY KEY,
  account_id      text NOT NULL,
  customer_id     text NOT NULL,
  method_id       text NOT NULL REFERENCES sandbox_vault_methods (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  currency        text NOT NULL CHECK (currency = 'USD'),
  status          text NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed', 'returned')),
  decline_code    text,
  message         text,
  -- Business dates (tenant zone) on which a pending debit settles and a return arrives.
  settles_on      date,
  returns_on      date,
  return_code     text,
  amount_refunded bigint NOT NULL DEFAULT 0 CHECK (amount_refunded BETWEEN 0 AND amount),
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL,
  settled_at      timestamptz,
  returned_at     timestamptz,
  UNIQUE (account_id, idempotency_key)
);
CREATE INDEX sandbox_vault_charges_due ON sandbox_vault_charges (account_id)
  WHERE status = 'pending' OR (status = 'succeeded' AND returns_on IS NOT NULL);

CREATE TABLE sandbox_vault_refunds (
  id              text PRIMARY KEY,
  account_id      text NOT NULL,
  charge_id       text NOT NULL REFERENCES sandbox_vault_charges (id),
  amount          bigint NOT NULL CHECK (amount > 0),
  status          text NOT NULL CHECK (status IN ('succeeded', 'failed')),
  message         text,
  idempotency_key text NOT NULL,
  created_at      timestamptz NOT NULL,
  UNIQUE (account_id, idempotency_key)
);
