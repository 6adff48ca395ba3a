-- Email (C6, J4, L4): the outbox of every message with its delivery status, and the tenant's
-- edited templates (built-in defaults live in code).

CREATE TABLE emails (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  customer_id text,
  contact_id  text REFERENCES contacts (id),
  -- Emails about a draft are not expected, but deleting a draft must not fail because of one:
  -- the message stays in the history without the link.
  invoice_id  text,
  kind        text NOT NULL CHECK (kind IN
                ('invoice', 'receipt', 'statement', 'question', 'welcome', 'password_reset',
                 'payment_failed', 'other')),
  to_address  text NOT NULL CHECK (length(to_address) BETWEEN 3 AND 320),
  cc          text[] NOT NULL DEFAULT '{}',
  subject     text NOT NULL CHECK (length(subject) BETWEEN 1 AND 998),
  body_text   text NOT NULL,
  body_html   text,
  -- Descriptors such as {"type": "invoice_pdf", "invoice_id": "inv_…"}; the files are rendered
  -- when the message is sent, never stored.
  attachments jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(attachments) = 'array'),
  status      text NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
  attempts    integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  last_error  text,
  sent_at     timestamptz,
  message_id  text,
  -- The message this one is a copy of (POST /emails/{id}/resend).
  resent_from text REFERENCES emails (id),
  -- The queue job that sends it; null when the writer had no queue, or when a worker without
  -- SMTP set it aside. A worker with SMTP configured sweeps those.
  job_id      uuid,
  created_at  timestamptz NOT NULL,
  UNIQUE (tenant_id, id),
  FOREIGN KEY (tenant_id, customer_id) REFERENCES customers (tenant_id, id),
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
    ON DELETE SET NULL (invoice_id),
  CHECK ((status = 'sent') = (sent_at IS NOT NULL))
);
CREATE INDEX emails_tenant ON emails (tenant_id, id);
CREATE INDEX emails_customer ON emails (tenant_id, customer_id, id) WHERE customer_id IS NOT NULL;
CREATE INDEX emails_contact ON emails (tenant_id, contact_id, id) WHERE contact_id IS NOT NULL;
CREATE INDEX emails_invoice ON emails (tenant_id, invoice_id, id) WHERE invoice_id IS NOT NULL;
CREATE INDEX emails_unqueued ON emails (created_at) WHERE status = 'queued' AND job_id IS NULL;

CREATE TABLE email_templates (
  tenant_id  text NOT NULL REFERENCES tenants (id),
  key        text NOT NULL,
  subject    text NOT NULL CHECK (length(subject) BETWEEN 1 AND 998),
  body_text  text NOT NULL CHECK (length(body_text) BETWEEN 1 AND 20000),
  updated_by text,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (tenant_id, key)
);
