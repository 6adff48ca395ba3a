-- A failed payment is charged again at most once (F2): one retry per failed payment that is not
-- cancelled, whatever its outcome. A failed retry is itself the failure to retry next (the chain
-- goes on from the newest failure), so two retries of the same payment are never needed, and two
-- staff requests (or a staff request and the automatic retry) racing on one failed payment cannot
-- both reserve and charge: the second insert waits for the first to commit and then fails here.
-- Also the index for the "has it been retried?" lookups (retry_of = … AND status <> 'cancelled').
CREATE UNIQUE INDEX payments_one_retry_per_payment ON payments (retry_of)
  WHERE retry_of IS NOT NULL AND status <> 'cancelled';
