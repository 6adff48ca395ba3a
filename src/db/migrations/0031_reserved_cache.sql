-- Cached reserved amount (issue 11, portal speed): what payments in flight hold on an invoice,
-- kept beside paid and credited (0027_applied_cache.sql) by the same triggers, so that reading an
-- invoice with its figures reads its row only (the portal's invoice list looked up every
-- listed invoice's applications and their payments for it: most of that query's buffers).
--
--   invoices.reserved_amount = sum(payment_applications.amount) of the invoice whose payment is
--                              in flight (status 'pending': RESERVING_PAYMENT_STATUSES)
--
-- books_refresh_paid recomputes it with paid_amount (the same applications, split by their
-- payment's status), and a payment that starts or stops reserving (pending → succeeded, pending →
-- returned or failed) refreshes its invoices as one that starts or stops counting does. Only the
-- triggers write it; `billow verify` checks it.

ALTER TABLE invoices ADD COLUMN reserved_amount bigint NOT NULL DEFAULT 0;

-- Backfill, set-based.
UPDATE invoices i SET reserved_amount = s.reserved
  FROM (SELECT pa.invoice_id, sum(pa.amount) AS reserved
          FROM payment_applications pa JOIN payments p ON p.id = pa.payment_id
         WHERE p.status IN ('pending')
         GROUP BY pa.invoice_id) s
 WHERE i.id = s.invoice_id;

-- Recomputes paid_amount and reserved_amount of the invoices `ids`, which the caller has locked
-- (in id order).
CREATE OR REPLACE FUNCTION books_refresh_paid(ids text[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  UPDATE invoices i SET paid_amount = d.paid, reserved_amount = d.reserved
    FROM (SELECT x.id,
                 coalesce(sum(pa.amount) FILTER (WHERE p.status IN ('succeeded', 'refunded')), 0)
                   AS paid,
                 coalesce(sum(pa.amount) FILTER (WHERE p.status IN ('pending')), 0) AS reserved
            FROM unnest(ids) AS x(id)
            LEFT JOIN payment_applications pa ON pa.invoice_id = x.id
            LEFT JOIN payments p ON p.id = pa.payment_id
           GROUP BY x.id) d
   WHERE i.id = d.id AND (i.paid_amount <> d.paid OR i.reserved_amount <> d.reserved);
END
$$;

-- Payments that move between counting ('succeeded', 'refunded'), reserving ('pending') and
-- neither: their invoices' paid and reserved amounts. A payment is in the set when its
-- (id, counts) pair among the counting and reserving rows differs before and after.
CREATE OR REPLACE FUNCTION books_payments_counting_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  changed text[];
  invoice_ids text[];
BEGIN
  -- Set operations rather than a join of the transition tables (which the planner takes for
  -- one row each, and would loop over).
  SELECT array_agg(DISTINCT id) INTO changed FROM (
    (SELECT id, status IN ('succeeded', 'refunded') AS counts FROM new_rows
      WHERE status IN ('succeeded', 'refunded', 'pending')
     EXCEPT SELECT id, status IN ('succeeded', 'refunded') FROM old_rows
      WHERE status IN ('succeeded', 'refunded', 'pending'))
    UNION ALL
    (SELECT id, status IN ('succeeded', 'refunded') AS counts FROM old_rows
      WHERE status IN ('succeeded', 'refunded', 'pending')
     EXCEPT SELECT id, status IN ('succeeded', 'refunded') FROM new_rows
      WHERE status IN ('succeeded', 'refunded', 'pending'))) c;
  IF changed IS NULL THEN RETURN NULL; END IF;
  SELECT array_agg(DISTINCT invoice_id ORDER BY invoice_id) INTO invoice_ids
    FROM payment_applications WHERE payment_id = ANY (changed);
  IF invoice_ids IS NULL THEN RETURN NULL; END IF;
  PERFORM 1 FROM invoices WHERE id = ANY (invoice_ids) ORDER BY id FOR NO KEY UPDATE;
  PERFORM books_refresh_paid(invoice_ids);
  RETURN NULL;
END
$$;

-- Only the triggers write it, as the other cached figures.
DROP TRIGGER invoices_books_cache_insert ON invoices;
CREATE TRIGGER invoices_books_cache_insert BEFORE INSERT ON invoices FOR EACH ROW
  WHEN (NEW.paid_amount <> 0 OR NEW.credited_amount <> 0 OR NEW.reserved_amount <> 0)
  EXECUTE FUNCTION books_cache_written();
DROP TRIGGER invoices_books_cache_update ON invoices;
CREATE TRIGGER invoices_books_cache_update
  BEFORE UPDATE OF paid_amount, credited_amount, reserved_amount ON invoices
  FOR EACH ROW WHEN (pg_trigger_depth() = 0) EXECUTE FUNCTION books_cache_written();
