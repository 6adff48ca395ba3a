-- A refund says what it means for the invoice (E10; issue 10 item 1). 'credit' (the default of
-- the API): the refunded amount is credited by a credit memo linked to the refund and applied in
-- the refund's own transaction, so the invoice stays settled and nothing collects it again.
-- 'reopen': the customer still owes it; the invoice's balance opens by the refunded amount.
-- Refunds made before this migration all reopened.
ALTER TABLE refunds ADD COLUMN outcome text NOT NULL DEFAULT 'reopen'
  CHECK (outcome IN ('credit', 'reopen'));
ALTER TABLE refunds ALTER COLUMN outcome DROP DEFAULT;

-- Which refund a negative application belongs to (NULL for rows written before this migration),
-- so the invoice summary can say which refund touched the invoice and what it meant.
ALTER TABLE payment_applications ADD COLUMN refund_id text REFERENCES refunds (id);
ALTER TABLE payment_applications ADD CONSTRAINT payment_applications_refund_kind
  CHECK (kind = 'refund' OR refund_id IS NULL);

-- The memo that credits a refund: one per refund at most.
ALTER TABLE credit_memos ADD COLUMN refund_id text REFERENCES refunds (id);
CREATE UNIQUE INDEX credit_memos_refund ON credit_memos (refund_id) WHERE refund_id IS NOT NULL;

-- A reopened balance is collected like any other (autopay included): an autopay charge refunded
-- in part no longer holds its invoice, so a later run may charge what the refund reopened. (A
-- charge refunded in whole is 'refunded' and held nothing already.)
DROP INDEX payments_one_live_autopay_per_invoice;
CREATE UNIQUE INDEX payments_one_live_autopay_per_invoice ON payments (autopay_invoice_id)
  WHERE autopay_invoice_id IS NOT NULL AND status IN ('scheduled', 'pending', 'succeeded')
    AND amount_refunded = 0;
