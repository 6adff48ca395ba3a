-- Global search (J1, issue 12 item 2): GET /search looks for a term in customers (their own
-- trigram indexes, 0002), contacts, invoices and payments. Substring matches use trigram indexes
-- on lower(col), as the customers list does; fastupdate is off for the same reason (PGlite runs
-- no autovacuum, so a pending list would be scanned by every search until a vacuum).
CREATE INDEX contacts_name_trgm ON contacts
  USING gin (lower(name) gin_trgm_ops) WITH (fastupdate = off);
-- Contact emails are stored lower-cased (a CHECK), so the column itself is indexed.
CREATE INDEX contacts_email_trgm ON contacts
  USING gin (email gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX invoices_number_trgm ON invoices
  USING gin (lower(number) gin_trgm_ops) WITH (fastupdate = off);
CREATE INDEX invoices_po_number_trgm ON invoices
  USING gin (lower(po_number) gin_trgm_ops) WITH (fastupdate = off);
-- A check number, wire or gateway reference, typed in part.
CREATE INDEX payments_reference_trgm ON payments
  USING gin (lower(reference) gin_trgm_ops) WITH (fastupdate = off);
-- An amount typed exactly ("116.37"), newest first.
CREATE INDEX payments_amount ON payments (tenant_id, amount, id);
-- The last four digits of a card or account, then the payments made with those methods.
CREATE INDEX payment_methods_last4 ON payment_methods (tenant_id, last4);
CREATE INDEX payments_method ON payments (tenant_id, payment_method_id, id)
  WHERE payment_method_id IS NOT NULL;
