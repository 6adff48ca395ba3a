-- Accounting sync (E8, K2): what the adapter reported for each invoice, payment and credit memo,
-- and the rule that puts a record back to 'pending' when it changes after it was sent.
--
--   sync_state        pending (never sent, or changed since) | synced | failed (retried)
--   sync_revision     bumped on every change the accounting system must see; the adapter passes
--                     it back with its result, and a result for an older revision is ignored
--                     (the record changed while the adapter was sending it)
--   synced_at         when the adapter last confirmed the record (kept when it changes again)
--   sync_error        the adapter's message for its last failure; cleared when it reports synced
--   sync_external_id  the record's id in the accounting system

ALTER TABLE invoices
  ADD COLUMN sync_revision integer NOT NULL DEFAULT 0,
  ADD COLUMN synced_at timestamptz,
  ADD COLUMN sync_error text CHECK (length(sync_error) <= 1000),
  ADD COLUMN sync_external_id text CHECK (length(sync_external_id) <= 200),
  ADD CONSTRAINT invoices_synced_at CHECK (sync_state <> 'synced' OR synced_at IS NOT NULL);
ALTER TABLE payments
  ADD COLUMN sync_revision integer NOT NULL DEFAULT 0,
  ADD COLUMN synced_at timestamptz,
  ADD COLUMN sync_error text CHECK (length(sync_error) <= 1000),
  ADD COLUMN sync_external_id text CHECK (length(sync_external_id) <= 200),
  ADD CONSTRAINT payments_synced_at CHECK (sync_state <> 'synced' OR synced_at IS NOT NULL);
ALTER TABLE credit_memos
  ADD COLUMN sync_revision integer NOT NULL DEFAULT 0,
  ADD COLUMN synced_at timestamptz,
  ADD COLUMN sync_error text CHECK (length(sync_error) <= 1000),
  ADD COLUMN sync_external_id text CHECK (length(sync_external_id) <= 200),
  ADD CONSTRAINT credit_memos_synced_at CHECK (sync_state <> 'synced' OR synced_at IS NOT NULL);

-- The adapter's queue: records still to send. The predicates are those of
-- modules/accounting/service.ts (SYNCABLE): posted or void invoices (never drafts), payments that
-- moved money (succeeded, refunded, or returned after they had settled), every credit memo.
-- Failed, cancelled and scheduled payments stay 'pending' forever and are in no index.
CREATE INDEX invoices_sync_queue ON invoices (tenant_id, id)
  WHERE sync_state <> 'synced' AND status <> 'draft';
CREATE INDEX payments_sync_queue ON payments (tenant_id, id)
  WHERE sync_state <> 'synced'
    AND (status IN ('succeeded', 'refunded') OR (status = 'returned' AND settled_at IS NOT NULL));
CREATE INDEX credit_memos_sync_queue ON credit_memos (tenant_id, id) WHERE sync_state <> 'synced';

-- A record that changes goes back to 'pending' with a new revision, whichever code path changed
-- it (voids, adjustments, settlements, returns, refunds, applications — services owned by other
-- modules, some run by jobs): a trigger is the one place that sees them all. Only the columns an
-- accounting system records count; the sync columns themselves, updated_at, retry bookkeeping and
-- scheduling do not, so the adapter's own confirmation never re-queues a record.
CREATE FUNCTION accounting_record_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.sync_state := 'pending';
  NEW.sync_revision := OLD.sync_revision + 1;
  RETURN NEW;
END
$$;

CREATE TRIGGER invoices_accounting_changed
  BEFORE UPDATE OF status, number, customer_id, invoice_date, due_date, po_number, memo, total
  ON invoices FOR EACH ROW
  WHEN ((OLD.status, OLD.number, OLD.customer_id, OLD.invoice_date, OLD.due_date, OLD.po_number,
         OLD.memo, OLD.total)
        IS DISTINCT FROM
        (NEW.status, NEW.number, NEW.customer_id, NEW.invoice_date, NEW.due_date, NEW.po_number,
         NEW.memo, NEW.total))
  EXECUTE FUNCTION accounting_record_changed();

CREATE TRIGGER payments_accounting_changed
  BEFORE UPDATE OF status, amount, amount_refunded, customer_id, method_type, reference,
                   settled_at, returned_at, return_code
  ON payments FOR EACH ROW
  WHEN ((OLD.status, OLD.amount, OLD.amount_refunded, OLD.customer_id, OLD.method_type,
         OLD.reference, OLD.settled_at, OLD.returned_at, OLD.return_code)
        IS DISTINCT FROM
        (NEW.status, NEW.amount, NEW.amount_refunded, NEW.customer_id, NEW.method_type,
         NEW.reference, NEW.settled_at, NEW.returned_at, NEW.return_code))
  EXECUTE FUNCTION accounting_record_changed();

CREATE TRIGGER credit_memos_accounting_changed
  BEFORE UPDATE OF status, amount, customer_id, invoice_id, reason
  ON credit_memos FOR EACH ROW
  WHEN ((OLD.status, OLD.amount, OLD.customer_id, OLD.invoice_id, OLD.reason)
        IS DISTINCT FROM (NEW.status, NEW.amount, NEW.customer_id, NEW.invoice_id, NEW.reason))
  EXECUTE FUNCTION accounting_record_changed();

-- New applications (a payment or credit applied later, a refund's negative row) change what the
-- accounting system records for the payment or memo. One UPDATE per statement, set-based. Rows
-- of these tables are never updated or deleted.
CREATE FUNCTION payment_applications_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Only payments an adapter may have read (listed or synced): a payment reserved in this very
  -- transaction is not, and rewriting every new payment row would double a payment run's writes.
  UPDATE payments SET sync_state = 'pending', sync_revision = sync_revision + 1
   WHERE id IN (SELECT DISTINCT payment_id FROM added)
     AND (sync_state <> 'pending' OR status IN ('succeeded', 'refunded', 'returned'));
  RETURN NULL;
END
$$;
CREATE TRIGGER payment_applications_accounting AFTER INSERT ON payment_applications
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION payment_applications_added();

CREATE FUNCTION credit_applications_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE credit_memos SET sync_state = 'pending', sync_revision = sync_revision + 1
   WHERE id IN (SELECT DISTINCT credit_memo_id FROM added);
  RETURN NULL;
END
$$;
CREATE TRIGGER credit_applications_accounting AFTER INSERT ON credit_applications
  REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION credit_applications_added();
