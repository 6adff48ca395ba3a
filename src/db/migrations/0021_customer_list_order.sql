-- The customers list sorted by name (case-insensitively) or number (issue 12 item 3, J2): each
-- order pages by keyset on (key, id), so a page is an index range scan, not a sort of the tenant.
-- Numbers are unique per tenant, so (tenant_id, number) already serves that order.
CREATE INDEX customers_name_order ON customers (tenant_id, lower(name), id);
