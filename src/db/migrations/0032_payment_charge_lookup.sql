-- A gateway's report about one of its charges (a bank debit settled or returned: the sandbox's
-- charge updates, the daily settlement check, ACH returns) finds its payment by the charge id
-- (payments/ach.ts applyChargeUpdate). Without an index that read every payment of the tenant:
-- 101 ms per report at 500,000 payments (docs/performance.md), for each of the thousands of
-- debits a payment run settles.
CREATE INDEX payments_gateway_charge ON payments (tenant_id, gateway_charge_id)
  WHERE gateway_charge_id IS NOT NULL;
