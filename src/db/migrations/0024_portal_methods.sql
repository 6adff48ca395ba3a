-- The portal's payment methods and autopay toggle (I3, D, G1).
-- Which kinds of payment method a contact may add in the portal: cards, bank accounts or both
-- (the tenant decides; staff can still add either kind through the API).
ALTER TABLE gateway_settings
  ADD COLUMN portal_method_kinds text[] NOT NULL DEFAULT ARRAY['card', 'bank_account']::text[]
    CHECK (cardinality(portal_method_kinds) BETWEEN 1 AND 2
           AND portal_method_kinds <@ ARRAY['card', 'bank_account']::text[]);

-- Staff can lock simple autopay (G1): the portal then shows the toggle disabled, with the reason.
ALTER TABLE customers ADD COLUMN autopay_locked boolean NOT NULL DEFAULT false;
