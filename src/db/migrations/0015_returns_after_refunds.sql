-- A bank debit refunded (in part or whole) and then returned by the bank (E10; issue 10 item 4):
-- the customer got the refunded money without having paid. The return is recorded on the
-- payment as any return (status 'returned', its applications stop counting) and what was
-- refunded is billed back on a posted invoice that names the payment, so the balance shows it.
ALTER TABLE invoices ADD COLUMN returned_payment_id text REFERENCES payments (id);
CREATE INDEX invoices_returned_payment ON invoices (returned_payment_id)
  WHERE returned_payment_id IS NOT NULL;
