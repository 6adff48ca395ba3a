-- What a scheduled payment means to pay (E2, E3): [{"invoice_id": …, "amount": …}]. A scheduled
-- payment reserves nothing and has no applications until it runs; this plan is what a new payment
-- reduces when it would otherwise let the scheduled one overpay, and what the run re-allocates
-- against the invoices' balances of that day. Null for payments that are not scheduled (and for
-- a scheduled autopay charge, whose plan is its autopay_invoice_id).
ALTER TABLE payments ADD COLUMN planned_allocations jsonb;
