-- The journal export (books/journal.ts) reads a range page by page, each page bounded by the
-- instants of its dates, so each page reads about a page of rows instead of everything before
-- it. These indexes serve those bounds: the instant each posting is dated by, per tenant.
--
-- A credit memo records when it was voided, so the journal books the void as a reversing entry
-- on that date rather than dropping the memo from every period, closed ones included. Memos
-- voided before this column existed take the date of their audit record (or their own).
ALTER TABLE credit_memos ADD COLUMN voided_at timestamptz;
UPDATE credit_memos m
   SET voided_at = coalesce(
         (SELECT min(a.at) FROM audit_log a
           WHERE a.tenant_id = m.tenant_id AND a.object_id = m.id
             AND a.action = 'credit_memo.voided'),
         m.created_at)
 WHERE m.status = 'void';
ALTER TABLE credit_memos
  ADD CONSTRAINT credit_memos_voided_at CHECK ((status = 'void') = (voided_at IS NOT NULL));

CREATE INDEX invoices_journal_posted ON invoices (tenant_id, posted_at) WHERE posted_at IS NOT NULL;
CREATE INDEX invoices_journal_voided ON invoices (tenant_id, voided_at) WHERE voided_at IS NOT NULL;
CREATE INDEX invoice_adjustments_journal ON invoice_adjustments (tenant_id, created_at);
CREATE INDEX payments_journal_paid
  ON payments (tenant_id, (coalesce(settled_at, attempted_at, created_at)));
CREATE INDEX payments_journal_returned ON payments (tenant_id, returned_at)
  WHERE returned_at IS NOT NULL;
CREATE INDEX payment_applications_journal ON payment_applications (tenant_id, created_at);
CREATE INDEX refunds_journal ON refunds (tenant_id, created_at);
CREATE INDEX credit_memos_journal ON credit_memos (tenant_id, created_at);
CREATE INDEX credit_memos_journal_voided ON credit_memos (tenant_id, voided_at)
  WHERE voided_at IS NOT NULL;
CREATE INDEX credit_applications_journal ON credit_applications (tenant_id, created_at);
