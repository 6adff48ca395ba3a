-- "View as customer" (J3): a staff member opens the portal's view of one customer, read-only.
-- Such a session is a portal session of its own kind: no login and no contact, the staff member
-- (actor type and id) who opened it, and claimed_at once the portal page exchanged its one-time
-- link token for the cookie (the token then changes). Every state-changing portal request in it
-- is refused (http/auth.ts).
ALTER TABLE portal_sessions ADD COLUMN kind text NOT NULL DEFAULT 'contact'
  CHECK (kind IN ('contact', 'staff_view'));
ALTER TABLE portal_sessions ADD COLUMN viewer_type text;
ALTER TABLE portal_sessions ADD COLUMN viewer_id text;
ALTER TABLE portal_sessions ADD COLUMN claimed_at timestamptz;
ALTER TABLE portal_sessions ALTER COLUMN login_id DROP NOT NULL;
ALTER TABLE portal_sessions DROP CONSTRAINT portal_sessions_check;
ALTER TABLE portal_sessions ADD CONSTRAINT portal_sessions_kind_shape CHECK (
  (kind = 'contact' AND login_id IS NOT NULL AND viewer_type IS NULL
    AND (tenant_id IS NULL) = (contact_id IS NULL) AND (tenant_id IS NULL) = (customer_id IS NULL))
  OR (kind = 'staff_view' AND login_id IS NULL AND viewer_type IS NOT NULL
    AND tenant_id IS NOT NULL AND customer_id IS NOT NULL AND contact_id IS NULL));
