-- Usage exports (H3): a contact's .xlsx of its usage records, made by a background job and
-- fetched through an emailed link. The link's token is kept only as its sha256; the link
-- works for this one file until expires_at (24 hours after the file was made, tenant clock).
CREATE TABLE usage_exports (
  id           text PRIMARY KEY,
  tenant_id    text NOT NULL REFERENCES tenants (id),
  customer_id  text NOT NULL,
  contact_id   text NOT NULL REFERENCES contacts (id),
  -- What the contact asked for: the list's filters and the columns it showed.
  filters      jsonb NOT NULL CHECK (jsonb_typeof(filters) = 'object'),
  columns      text[] NOT NULL CHECK (cardinality(columns) >= 1),
  status       text NOT NULL CHECK (status IN ('queued', 'ready', 'failed')),
  row_count    integer CHECK (row_count >= 0),
  file         bytea,
  token_hash   text UNIQUE,
  email_id     text,
  created_at   timestamptz NOT NULL,
  ready_at     timestamptz,
  expires_at   timestamptz,
  CHECK ((status = 'ready') = (file IS NOT NULL AND token_hash IS NOT NULL AND expires_at IS NOT NULL))
);
CREATE INDEX usage_exports_contact ON usage_exports (tenant_id, contact_id, created_at);
