/**
 * Portal sessions (A5): a random token in the `billow_portal` cookie, only its sha256 stored;
 * 30 minutes idle and 12 hours absolute, on the installation clock like staff sessions. A session
 * belongs to a login (one per email address) and, once the contact chose one, to an account: a
 * contact of one customer. The contact's status and profile are read on every request, so a
 * revoked contact or a changed profile takes effect at once.
 */
import type { Clock } from '../../core/clock.js';
import { newId, newSecret } from '../../core/ids.js';
import { prepared, type Queryable } from '../../db/db.js';
import { type ContactPermission, normalizePermissions } from '../contacts/model.js';
import type { TenantInfo } from '../context.js';
import { sha256 } from '../staff/service.js';
import { type TenantInfoColumns, tenantInfoOf, tenantInfoSql } from '../tenants/service.js';

export const IDLE_MINUTES = 30;
export const ABSOLUTE_HOURS = 12;
/** last_seen_at is written at most this often, not on every request. */
const TOUCH_MS = 60_000;

export interface PortalAccount {
  tenantId: string;
  /** The account's tenant, read with the session (one query per request, not two). */
  tenant: TenantInfo;
  customerId: string;
  /** Empty in a staff member's "view as customer" session, which has no contact. */
  contactId: string;
  permissions: ContactPermission[];
}

/** The staff member (or API key) behind a read-only "view as customer" session. */
export interface PortalViewer {
  type: 'staff' | 'api_key';
  id: string;
  name: string;
}

export interface PortalSession {
  id: string;
  /** Empty in a "view as customer" session, which belongs to no login. */
  loginId: string;
  email: string;
  account: PortalAccount | null;
  /** Set in a "view as customer" session: every state change is refused (http/auth.ts). */
  viewer: PortalViewer | null;
}

/** What a staff "view as customer" session may see: what a viewing profile sees, no action. */
export const VIEW_AS_PERMISSIONS: ContactPermission[] = [
  'view_invoices',
  'view_payments',
  'view_credits',
  'view_usage',
];
/** A "view as customer" session lasts this long, from when staff open it. */
export const VIEW_AS_MINUTES = 15;

export interface NewSession {
  token: string;
  expiresAt: Date;
}

/** Opens a session for `loginId`, on `account` when given (the contact of a customer). */
export async function openSession(
  q: Queryable,
  clock: Clock,
  loginId: string,
  account?: { tenantId: string; customerId: string; contactId: string } | null,
): Promise<NewSession> {
  const token = newSecret();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + ABSOLUTE_HOURS * 3600_000);
  await q.query(
    `INSERT INTO portal_sessions (id, login_id, token_hash, tenant_id, customer_id, contact_id,
                                  created_at, last_seen_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)`,
    [
      newId('portalSession'),
      loginId,
      sha256(token),
      account?.tenantId ?? null,
      account?.customerId ?? null,
      account?.contactId ?? null,
      now,
      expiresAt,
    ],
  );
  return { token, expiresAt };
}

/** Ends every open session of a login (password set, changed or reset). */
export async function endSessions(q: Queryable, clock: Clock, loginId: string): Promise<void> {
  await q.query(
    'UPDATE portal_sessions SET revoked_at = $2 WHERE login_id = $1 AND revoked_at IS NULL',
    [loginId, clock.now()],
  );
}

export async function endSession(q: Queryable, clock: Clock, token: string): Promise<void> {
  await q.query(
    'UPDATE portal_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL',
    [sha256(token), clock.now()],
  );
}

/**
 * The live session of a cookie token, or undefined: unknown, ended, idle too long, past its
 * absolute expiry, or open on a contact that is no longer active.
 */
export async function resolvePortalSession(
  q: Queryable,
  clock: Clock,
  token: string,
): Promise<PortalSession | undefined> {
  if (token.length > 100) return undefined;
  const now = clock.now();
  const row = await q.maybeOne<
    TenantInfoColumns & {
      id: string;
      kind: 'contact' | 'staff_view';
      login_id: string | null;
      email: string | null;
      tenant_id: string | null;
      customer_id: string | null;
      contact_id: string | null;
      contact_status: string | null;
      has_access: boolean;
      permissions: ContactPermission[] | null;
      viewer_type: 'staff' | 'api_key' | null;
      viewer_id: string | null;
      viewer_name: string | null;
      last_seen_at: Date;
    }
  >(
    prepared(
      `SELECT s.id, s.kind, s.login_id, l.email, s.tenant_id, s.customer_id, s.contact_id,
            c.status AS contact_status, p.permissions, s.last_seen_at, s.viewer_type,
            s.viewer_id, coalesce(su.name, su.email, 'API key') AS viewer_name,
            EXISTS (SELECT 1 FROM portal_access a
                     WHERE a.contact_id = s.contact_id AND a.login_id = s.login_id) AS has_access,
            ${tenantInfoSql('t')}
       FROM portal_sessions s
       LEFT JOIN tenants t ON t.id = s.tenant_id
       LEFT JOIN portal_logins l ON l.id = s.login_id
       LEFT JOIN contacts c ON c.id = s.contact_id
       LEFT JOIN contact_profiles p ON p.tenant_id = c.tenant_id AND p.id = c.profile_id
       LEFT JOIN staff_users su ON s.viewer_type = 'staff' AND su.tenant_id = s.tenant_id
                                AND su.id = s.viewer_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND s.last_seen_at > $2::timestamptz - make_interval(mins => $3)
        AND (s.kind = 'contact' OR s.claimed_at IS NOT NULL)`,
    ),
    [sha256(token), now, IDLE_MINUTES],
  );
  if (!row) return undefined;
  let account: PortalAccount | null = null;
  let viewer: PortalViewer | null = null;
  const tenant = tenantInfoOf(row);
  if (row.kind === 'staff_view' && tenant && row.customer_id && row.viewer_type) {
    account = {
      tenantId: tenant.id,
      tenant,
      customerId: row.customer_id,
      contactId: '',
      permissions: VIEW_AS_PERMISSIONS,
    };
    viewer = { type: row.viewer_type, id: row.viewer_id ?? '', name: row.viewer_name ?? '' };
  } else if (row.contact_id && tenant && row.customer_id) {
    // Access revoked (or the contact given to another login): the session is over.
    if (row.contact_status !== 'active' || !row.has_access) return undefined;
    account = {
      tenantId: tenant.id,
      tenant,
      customerId: row.customer_id,
      contactId: row.contact_id,
      permissions: normalizePermissions(row.permissions ?? []),
    };
  }
  if (now.getTime() - row.last_seen_at.getTime() > TOUCH_MS) {
    await q.query(prepared('UPDATE portal_sessions SET last_seen_at = $2 WHERE id = $1'), [
      row.id,
      now,
    ]);
  }
  return {
    id: row.id,
    loginId: row.login_id ?? '',
    email: row.email ?? '',
    account,
    viewer,
  };
}

/**
 * Opens a staff member's read-only "view as customer" session, unclaimed: the token returned is
 * a one-time link token that claimViewSession exchanges for the cookie's.
 */
export async function openViewSession(
  q: Queryable,
  clock: Clock,
  viewer: { type: 'staff' | 'api_key'; id: string; tenantId: string; customerId: string },
): Promise<NewSession & { id: string }> {
  const token = newSecret();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + VIEW_AS_MINUTES * 60_000);
  const id = newId('portalSession');
  await q.query(
    `INSERT INTO portal_sessions (id, kind, login_id, token_hash, tenant_id, customer_id,
                                  contact_id, viewer_type, viewer_id, created_at, last_seen_at,
                                  expires_at)
     VALUES ($1, 'staff_view', NULL, $2, $3, $4, NULL, $5, $6, $7, $7, $8)`,
    [id, sha256(token), viewer.tenantId, viewer.customerId, viewer.type, viewer.id, now, expiresAt],
  );
  return { id, token, expiresAt };
}

/**
 * Exchanges an unclaimed "view as customer" link token for a new cookie token, once; undefined
 * when the link is unknown, used or expired.
 */
export async function claimViewSession(
  q: Queryable,
  clock: Clock,
  linkToken: string,
): Promise<NewSession | undefined> {
  if (linkToken.length > 100) return undefined;
  const token = newSecret();
  const now = clock.now();
  const row = await q.maybeOne<{ expires_at: Date }>(
    `UPDATE portal_sessions SET token_hash = $2, claimed_at = $3, last_seen_at = $3
      WHERE token_hash = $1 AND kind = 'staff_view' AND claimed_at IS NULL
        AND revoked_at IS NULL AND expires_at > $3
      RETURNING expires_at`,
    [sha256(linkToken), sha256(token), now],
  );
  return row && { token, expiresAt: row.expires_at };
}

export interface AccountChoice {
  tenant_id: string;
  tenant_name: string;
  customer_id: string;
  customer_name: string;
  customer_number: string;
  contact_id: string;
  contact_name: string;
}

/** The accounts a login opens: its active contacts that accepted an invitation. */
export async function accountsOf(q: Queryable, loginId: string): Promise<AccountChoice[]> {
  return q.query<AccountChoice>(
    prepared(
      `SELECT t.id AS tenant_id, t.name AS tenant_name, cu.id AS customer_id,
            cu.name AS customer_name, cu.number AS customer_number, c.id AS contact_id,
            c.name AS contact_name
       FROM portal_access a
       JOIN contacts c ON c.id = a.contact_id AND c.status = 'active'
       JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
       JOIN tenants t ON t.id = c.tenant_id
      WHERE a.login_id = $1
      ORDER BY t.name, cu.name, c.id`,
    ),
    [loginId],
  );
}

/** Points the session at one of the login's accounts; false when it is not one of them. */
export async function chooseAccount(
  q: Queryable,
  session: PortalSession,
  customerId: string,
): Promise<AccountChoice | undefined> {
  const account = (await accountsOf(q, session.loginId)).find((a) => a.customer_id === customerId);
  if (!account) return undefined;
  await q.query(
    `UPDATE portal_sessions SET tenant_id = $2, customer_id = $3, contact_id = $4 WHERE id = $1`,
    [session.id, account.tenant_id, account.customer_id, account.contact_id],
  );
  return account;
}
