-- Questions about an invoice from a customer's contact (C9): recorded, and emailed to staff.
CREATE TABLE invoice_questions (
  id          text PRIMARY KEY,
  tenant_id   text NOT NULL REFERENCES tenants (id),
  invoice_id  text NOT NULL,
  contact_id  text,
  message     text NOT NULL CHECK (length(message) BETWEEN 1 AND 5000),
  created_at  timestamptz NOT NULL,
  FOREIGN KEY (tenant_id, invoice_id) REFERENCES invoices (tenant_id, id)
);
CREATE INDEX invoice_questions_invoice ON invoice_questions (invoice_id, id);
