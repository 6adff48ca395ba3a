-- Portal sign-in (A5): a contact's login, the accounts it opens, single-use links and sessions.
-- No secret is kept in clear: links and sessions are sha256 hashes, passwords argon2id.

-- One login per email address, across tenants: the same person may be a contact of several
-- customers (of several tenants) and chooses the account after signing in.
CREATE TABLE portal_logins (
  id                  text PRIMARY KEY,
  email               text NOT NULL UNIQUE CHECK (email = lower(email)),
  password_hash       text NOT NULL,
  password_changed_at timestamptz NOT NULL,
  created_at          timestamptz NOT NULL
);

-- The contacts a login may act as: written when the contact accepts its invitation. A revoked
-- contact keeps its row but opens nothing (the contact's status is checked on every request).
CREATE TABLE portal_access (
  tenant_id   text NOT NULL REFERENCES tenants (id),
  contact_id  text NOT NULL REFERENCES contacts (id),
  login_id    text NOT NULL REFERENCES portal_logins (id),
  granted_at  timestamptz NOT NULL,
  PRIMARY KEY (contact_id)
);
CREATE INDEX portal_access_login ON portal_access (login_id);

-- Emailed single-use links: invitations (per contact, 72 hours on the tenant clock) and
-- password resets (per login, 1 hour).
CREATE TABLE portal_tokens (
  id          text PRIMARY KEY,
  purpose     text NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
  token_hash  text NOT NULL UNIQUE,
  tenant_id   text REFERENCES tenants (id),
  contact_id  text REFERENCES contacts (id),
  login_id    text REFERENCES portal_logins (id),
  expires_at  timestamptz NOT NULL,
  used_at     timestamptz,
  -- A newer link of the same purpose replaced this one.
  revoked_at  timestamptz,
  created_at  timestamptz NOT NULL,
  CHECK (purpose <> 'invitation' OR (tenant_id IS NOT NULL AND contact_id IS NOT NULL)),
  CHECK (purpose <> 'password_reset' OR login_id IS NOT NULL)
);
CREATE INDEX portal_tokens_contact ON portal_tokens (contact_id) WHERE contact_id IS NOT NULL;
CREATE INDEX portal_tokens_login ON portal_tokens (login_id) WHERE login_id IS NOT NULL;

-- Sessions: the chosen account (tenant, customer, contact) is null until the contact picks one.
-- Idle and absolute expiry use the installation clock, like staff sessions.
CREATE TABLE portal_sessions (
  id           text PRIMARY KEY,
  login_id     text NOT NULL REFERENCES portal_logins (id),
  token_hash   text NOT NULL UNIQUE,
  tenant_id    text REFERENCES tenants (id),
  customer_id  text,
  contact_id   text REFERENCES contacts (id),
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  revoked_at   timestamptz,
  CHECK ((tenant_id IS NULL) = (contact_id IS NULL) AND (tenant_id IS NULL) = (customer_id IS NULL))
);
CREATE INDEX portal_sessions_login ON portal_sessions (login_id) WHERE revoked_at IS NULL;

-- The confirmation a contact gets once its portal password is set.
ALTER TABLE emails DROP CONSTRAINT emails_kind_check;
ALTER TABLE emails ADD CONSTRAINT emails_kind_check CHECK (kind IN
  ('invoice', 'receipt', 'statement', 'question', 'welcome', 'password_reset',
   'payment_failed', 'portal_confirmation', 'other'));
