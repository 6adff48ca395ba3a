-- Cached applied amounts (issue 11, portal speed). The figures are the books module's
-- (src/modules/books/service.ts: paidSql, creditedSql, memoRemainingSql, paymentRemainingSql);
-- the rows they sit on belong to invoices, payments and credits. The DATABASE keeps them, with the
-- triggers below, so no writer (single payments, the payment run's batched inserts, refunds, ACH
-- settlements and returns, credit applications, memo voids, bill runs, SQL seeders) can forget
-- them; `billow verify` checks each against its derivation (principle 3).
--
--   invoices.paid_amount       = sum(payment_applications.amount) of the invoice whose payment
--                                counts (status 'succeeded' or 'refunded': COUNTING_PAYMENT_STATUSES)
--   invoices.credited_amount   = sum(credit_applications.amount) of the invoice whose memo counts
--                                (status 'open': COUNTING_MEMO_STATUSES)
--   payments.applied_amount    = sum(payment_applications.amount) of the payment, every row (refund
--                                rows are negative), whatever its status
--   credit_memos.applied_amount = sum(credit_applications.amount) of the memo, whatever its status
--
-- The triggers recompute a figure from the rows rather than add deltas: a recomputation is right
-- whichever triggers of one statement fire first (a statement that both inserts applications and
-- changes a payment's status cannot count them twice). Each first locks the rows it rewrites in id
-- order, invoices before payments and memos (the lock order of applying money, books
-- lockInvoices): under READ COMMITTED the recomputation that follows then sees every transaction
-- that changed those rows before, and one that changes them later waits and recomputes after it.
-- Reserved (pending payments) stays derived.

ALTER TABLE invoices
  ADD COLUMN paid_amount bigint NOT NULL DEFAULT 0,
  ADD COLUMN credited_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN applied_amount bigint NOT NULL DEFAULT 0;
ALTER TABLE credit_memos ADD COLUMN applied_amount bigint NOT NULL DEFAULT 0;

-- Backfill, set-based.
UPDATE invoices i SET paid_amount = s.paid
  FROM (SELECT pa.invoice_id, sum(pa.amount) AS paid
          FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
         WHERE p.status IN ('succeeded', 'refunded')
         GROUP BY pa.invoice_id) s
 WHERE i.id = s.invoice_id;
UPDATE invoices i SET credited_amount = s.credited
  FROM (SELECT ca.invoice_id, sum(ca.amount) AS credited
          FROM credit_applications ca JOIN credit_memos m ON m.id = ca.credit_memo_id
         WHERE m.status IN ('open')
         GROUP BY ca.invoice_id) s
 WHERE i.id = s.invoice_id;
UPDATE payments p SET applied_amount = s.applied
  FROM (SELECT payment_id, sum(amount) AS applied FROM payment_applications GROUP BY payment_id) s
 WHERE p.id = s.payment_id;
UPDATE credit_memos m SET applied_amount = s.applied
  FROM (SELECT credit_memo_id, sum(amount) AS applied FROM credit_applications GROUP BY credit_memo_id) s
 WHERE m.id = s.credit_memo_id;

-- Recomputes paid_amount of the invoices `ids`, which the caller has locked (in id order).
CREATE FUNCTION books_refresh_paid(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET paid_amount = d.paid
    FROM (SELECT x.id, coalesce(sum(pa.amount) FILTER (WHERE p.status IN ('succeeded', 'refunded')), 0)
                         AS paid
            FROM unnest(ids) AS x(id)
            LEFT JOIN payment_applications pa ON pa.invoice_id = x.id
            LEFT JOIN payments p ON p.id = pa.payment_id
           GROUP BY x.id) d
   WHERE i.id = d.id AND i.paid_amount <> d.paid;
END
$$;

-- Recomputes credited_amount of the invoices `ids`, which the caller has locked (in id order).
CREATE FUNCTION books_refresh_credited(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET credited_amount = d.credited
    FROM (SELECT x.id, coalesce(sum(ca.amount) FILTER (WHERE m.status IN ('open')), 0) AS credited
            FROM unnest(ids) AS x(id)
            LEFT JOIN credit_applications ca ON ca.invoice_id = x.id
            LEFT JOIN credit_memos m ON m.id = ca.credit_memo_id
           GROUP BY x.id) d
   WHERE i.id = d.id AND i.credited_amount <> d.credited;
END
$$;

-- Payment applications inserted, updated (amount, invoice or payment) or deleted: the payments'
-- applied amounts, then the invoices' paid amounts. One run per statement (a payment run's
-- batched insert is one statement), over the transition tables.
CREATE FUNCTION books_payment_applications_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  invoice_ids text[];
  payment_ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT payment_id ORDER BY payment_id)
      INTO invoice_ids, payment_ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT payment_id ORDER BY payment_id)
      INTO invoice_ids, payment_ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT payment_id ORDER BY payment_id)
      INTO invoice_ids, payment_ids
      FROM (SELECT invoice_id, payment_id FROM new_rows
            UNION ALL SELECT invoice_id, payment_id FROM old_rows) r;
  END IF;
  IF payment_ids IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM invoices WHERE id = ANY (invoice_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM 1 FROM payments WHERE id = ANY (payment_ids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE payments p SET applied_amount = d.applied
    FROM (SELECT x.id, coalesce(sum(pa.amount), 0) AS applied
            FROM unnest(payment_ids) AS x(id)
            LEFT JOIN payment_applications pa ON pa.payment_id = x.id
           GROUP BY x.id) d
   WHERE p.id = d.id AND p.applied_amount <> d.applied;
  PERFORM books_refresh_paid(invoice_ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER payment_applications_books_insert AFTER INSERT ON payment_applications
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_payment_applications_changed();
CREATE TRIGGER payment_applications_books_update AFTER UPDATE ON payment_applications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_payment_applications_changed();
CREATE TRIGGER payment_applications_books_delete AFTER DELETE ON payment_applications
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_payment_applications_changed();

-- Credit applications: the memos' applied amounts, then the invoices' credited amounts.
CREATE FUNCTION books_credit_applications_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  invoice_ids text[];
  memo_ids text[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT credit_memo_id ORDER BY credit_memo_id)
      INTO invoice_ids, memo_ids FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT credit_memo_id ORDER BY credit_memo_id)
      INTO invoice_ids, memo_ids FROM old_rows;
  ELSE
    SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id),
           array_agg(DISTINCT credit_memo_id ORDER BY credit_memo_id)
      INTO invoice_ids, memo_ids
      FROM (SELECT invoice_id, credit_memo_id FROM new_rows
            UNION ALL SELECT invoice_id, credit_memo_id FROM old_rows) r;
  END IF;
  IF memo_ids IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM invoices WHERE id = ANY (invoice_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM 1 FROM credit_memos WHERE id = ANY (memo_ids) ORDER BY id FOR NO KEY UPDATE;
  UPDATE credit_memos m SET applied_amount = d.applied
    FROM (SELECT x.id, coalesce(sum(ca.amount), 0) AS applied
            FROM unnest(memo_ids) AS x(id)
            LEFT JOIN credit_applications ca ON ca.credit_memo_id = x.id
           GROUP BY x.id) d
   WHERE m.id = d.id AND m.applied_amount <> d.applied;
  PERFORM books_refresh_credited(invoice_ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER credit_applications_books_insert AFTER INSERT ON credit_applications
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_credit_applications_changed();
CREATE TRIGGER credit_applications_books_update AFTER UPDATE ON credit_applications
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_credit_applications_changed();
CREATE TRIGGER credit_applications_books_delete AFTER DELETE ON credit_applications
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_credit_applications_changed();

-- Payments that start or stop counting (pending → succeeded, succeeded → returned, …): their
-- invoices' paid amounts. Per statement, over the transition tables (a payment run records a
-- batch's answers with one UPDATE); a column list (UPDATE OF status) cannot go with transition
-- tables, so it runs for every UPDATE of payments and finds nothing to do for most.
CREATE FUNCTION books_payments_counting_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text[];
  invoice_ids text[];
BEGIN
  -- Set operations rather than a join of the transition tables (which the planner takes for
  -- one row each, and would loop over).
  SELECT array_agg(id) INTO changed FROM (
    (SELECT id FROM new_rows WHERE status IN ('succeeded', 'refunded')
     EXCEPT SELECT id FROM old_rows WHERE status IN ('succeeded', 'refunded'))
    UNION ALL
    (SELECT id FROM old_rows WHERE status IN ('succeeded', 'refunded')
     EXCEPT SELECT id FROM new_rows WHERE status IN ('succeeded', 'refunded'))) c;
  IF changed IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id) INTO invoice_ids
    FROM payment_applications WHERE payment_id = ANY (changed);
  IF invoice_ids IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM invoices WHERE id = ANY (invoice_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM books_refresh_paid(invoice_ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER payments_books_counting AFTER UPDATE ON payments
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_payments_counting_changed();

-- Memos that start or stop counting (open → void): their invoices' credited amounts.
CREATE FUNCTION books_memos_counting_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text[];
  invoice_ids text[];
BEGIN
  SELECT array_agg(id) INTO changed FROM (
    (SELECT id FROM new_rows WHERE status IN ('open') EXCEPT SELECT id FROM old_rows WHERE status IN ('open'))
    UNION ALL
    (SELECT id FROM old_rows WHERE status IN ('open') EXCEPT SELECT id FROM new_rows WHERE status IN ('open'))) c;
  IF changed IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id) INTO invoice_ids
    FROM credit_applications WHERE credit_memo_id = ANY (changed);
  IF invoice_ids IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM invoices WHERE id = ANY (invoice_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM books_refresh_credited(invoice_ids);
  RETURN NULL;
END
$$;
CREATE TRIGGER credit_memos_books_counting AFTER UPDATE ON credit_memos
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION books_memos_counting_changed();

-- Only the triggers above write the cached columns: a row inserted with a figure already in it
-- (a copied row) or an UPDATE from code is refused, so the cache cannot be set by hand.
CREATE FUNCTION books_cache_written() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'cached applied amounts on % are kept by the books triggers (0027_applied_cache.sql)',
    TG_TABLE_NAME USING ERRCODE = 'check_violation';
END
$$;
CREATE TRIGGER invoices_books_cache_insert BEFORE INSERT ON invoices FOR EACH ROW
  WHEN (NEW.paid_amount <> 0 OR NEW.credited_amount <> 0) EXECUTE FUNCTION books_cache_written();
CREATE TRIGGER invoices_books_cache_update BEFORE UPDATE OF paid_amount, credited_amount ON invoices
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION books_cache_written();
CREATE TRIGGER payments_books_cache_insert BEFORE INSERT ON payments FOR EACH ROW
  WHEN (NEW.applied_amount <> 0) EXECUTE FUNCTION books_cache_written();
CREATE TRIGGER payments_books_cache_update BEFORE UPDATE OF applied_amount ON payments
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION books_cache_written();
CREATE TRIGGER credit_memos_books_cache_insert BEFORE INSERT ON credit_memos FOR EACH ROW
  WHEN (NEW.applied_amount <> 0) EXECUTE FUNCTION books_cache_written();
CREATE TRIGGER credit_memos_books_cache_update BEFORE UPDATE OF applied_amount ON credit_memos
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION books_cache_written();

-- The portal dashboard (balances customerBalance) and the customers' "has open invoices" filter
-- read the invoices that are owed; the unapplied sum reads the memos and payments with a
-- remainder. The predicates are the books' expressions (openSql > 0, memoRemainingSql,
-- paymentRemainingSql), so the planner matches them.
-- invoices_owed carries what the dashboard reads, so that it is an index-only scan where the
-- visibility map allows (older invoices, once vacuumed).
CREATE INDEX invoices_owed ON invoices (tenant_id, customer_id)
  INCLUDE (id, number, invoice_date, due_date, total, paid_amount, credited_amount)
  WHERE status = 'posted' AND total - paid_amount - credited_amount > 0;
CREATE INDEX credit_memos_unapplied ON credit_memos (tenant_id, customer_id)
  WHERE status IN ('open') AND amount - applied_amount > 0;
CREATE INDEX payments_unapplied ON payments (tenant_id, customer_id)
  WHERE status IN ('succeeded', 'refunded') AND amount - amount_refunded - applied_amount > 0;
