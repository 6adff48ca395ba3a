/**
 * Contact sign-in (A5): invitations, setting the password, login, forgot / reset / change
 * password. Links are single-use tokens whose sha256 is stored; the email carrying one keeps it
 * sealed in the outbox (sealForEmail), so no table holds a token or a password in clear.
 * Invitations last 72 hours on the tenant's clock (a sandbox tenant's moved clock expires them);
 * password resets 1 hour on the installation clock, like sessions.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { verify } from '@node-rs/argon2';
import { Temporal } from 'temporal-polyfill';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId, newSecret } from '../../core/ids.js';
import type { Db, Queryable, Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, type TenantInfo, tenantNow } from '../context.js';
import type { DeadLink, TemplateKey } from '../email/service.js';
import { queueEmail, renderTemplate, sealForEmail } from '../email/service.js';
import { hashPassword, sha256 } from '../staff/service.js';
import { loadTenant } from '../tenants/service.js';
import { portalUrl } from './links.js';
import { checkPassword } from './passwords.js';
import {
  type AccountChoice,
  accountsOf,
  endSessions,
  type NewSession,
  openSession,
  type PortalSession,
} from './sessions.js';

export const INVITATION_HOURS = 72;
export const RESET_MINUTES = 60;

/** Who acts when a contact does something: the contact, with no staff permission. */
export function contactCtx(db: Db, clock: Clock, tenant: TenantInfo, contactId: string): Ctx {
  return {
    db,
    clock,
    tenant,
    actor: { type: 'contact', id: contactId },
    role: 'read_only',
    permissions: new Set(),
  };
}

interface ContactRow {
  id: string;
  tenant_id: string;
  customer_id: string;
  name: string;
  email: string;
  status: string;
  customer_name: string;
  customer_number: string;
}

async function loadContact(q: Queryable, tenantId: string, id: string, lock = false) {
  return q.maybeOne<ContactRow>(
    `SELECT c.id, c.tenant_id, c.customer_id, c.name, c.email, c.status,
            cu.name AS customer_name, cu.number AS customer_number
       FROM contacts c JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
      WHERE c.tenant_id = $1 AND c.id = $2 ${lock ? 'FOR NO KEY UPDATE OF c' : ''}`,
    [tenantId, id],
  );
}

/** An instant as people read it in the tenant's zone: "2026-11-25 10:00 (America/New_York)". */
function readable(at: Date, zone: string): string {
  const z = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(zone);
  return `${z.toPlainDate().toString()} ${z.toPlainTime().toString({ smallestUnit: 'minute' })} (${zone})`;
}

async function queuePortalEmail(
  tx: Tx,
  ctx: Ctx,
  kind: TemplateKey & ('welcome' | 'password_reset' | 'portal_confirmation'),
  contact: ContactRow,
  to: string,
  vars: Record<string, string | Record<string, string>>,
): Promise<string> {
  const text = await renderTemplate(tx, ctx, kind, {
    customer: { name: contact.customer_name, number: contact.customer_number },
    contact: { name: contact.name },
    portal_url: portalUrl(),
    ...vars,
  });
  const email = await queueEmail(tx, ctx, {
    kind,
    to,
    subject: text.subject,
    bodyText: text.text,
    bodyHtml: text.html,
    customerId: contact.customer_id,
    contactId: contact.id,
  });
  return email.id;
}

// --- invitations ---------------------------------------------------------------------------

export interface InvitationView {
  contact_id: string;
  email_id: string;
  expires_at: string;
}

/**
 * Emails a contact a link to set its portal password, valid 72 hours on the tenant's clock.
 * Sending again is allowed (a lost or expired link): the earlier links stop working.
 */
export async function inviteContact(ctx: Ctx, contactId: string): Promise<InvitationView> {
  requirePermission(ctx, 'customers:write');
  const token = newSecret();
  const sealed = await sealForEmail(ctx.db, ctx.tenant.id, token, 'portal_invitation');
  return ctx.db.tx(async (tx) => {
    const contact = await loadContact(tx, ctx.tenant.id, contactId, true);
    if (!contact) throw new AppError('contact_not_found', { id: contactId });
    if (contact.status !== 'active') throw new AppError('contact_revoked', { id: contactId });
    const now = tenantNow(ctx);
    const expiresAt = new Date(now.getTime() + INVITATION_HOURS * 3600_000);
    await tx.query(
      `UPDATE portal_tokens SET revoked_at = $2
        WHERE contact_id = $1 AND purpose = 'invitation' AND used_at IS NULL
          AND revoked_at IS NULL`,
      [contactId, now],
    );
    const id = newId('portalToken');
    await tx.query(
      `INSERT INTO portal_tokens (id, purpose, token_hash, tenant_id, contact_id, expires_at,
                                  created_at)
       VALUES ($1, 'invitation', $2, $3, $4, $5, $6)`,
      [id, sha256(token), ctx.tenant.id, contactId, expiresAt, now],
    );
    const emailId = await queuePortalEmail(tx, ctx, 'welcome', contact, contact.email, {
      invite_url: portalUrl(`/accept?token=${sealed}`),
      invite: { expires_at: readable(expiresAt, ctx.tenant.timeZone) },
    });
    const view = { contact_id: contactId, email_id: emailId, expires_at: expiresAt.toISOString() };
    await recordChange(tx, ctx, {
      action: 'contact.invited',
      objectType: 'contact',
      objectId: contactId,
      after: { invitation_id: id, ...view },
    });
    return view;
  });
}

/** What staff see of a contact's portal access (the console's "invited", "re-send"). */
export async function contactPortalAccess(ctx: Ctx, contactId: string) {
  requirePermission(ctx, 'customers:read');
  const contact = await loadContact(ctx.db, ctx.tenant.id, contactId);
  if (!contact) throw new AppError('contact_not_found', { id: contactId });
  const access = await ctx.db.maybeOne<{ granted_at: Date }>(
    'SELECT granted_at FROM portal_access WHERE tenant_id = $1 AND contact_id = $2',
    [ctx.tenant.id, contactId],
  );
  const latest = await ctx.db.maybeOne<{
    created_at: Date;
    expires_at: Date;
    used_at: Date | null;
  }>(
    `SELECT created_at, expires_at, used_at FROM portal_tokens
      WHERE tenant_id = $1 AND contact_id = $2 AND purpose = 'invitation'
      ORDER BY id DESC LIMIT 1`,
    [ctx.tenant.id, contactId],
  );
  const status =
    contact.status !== 'active'
      ? 'revoked'
      : access
        ? 'active'
        : !latest
          ? 'none'
          : latest.expires_at > tenantNow(ctx)
            ? 'invited'
            : 'expired';
  return {
    contact_id: contactId,
    status,
    invitation: latest
      ? {
          sent_at: latest.created_at.toISOString(),
          expires_at: latest.expires_at.toISOString(),
          used: latest.used_at !== null,
        }
      : null,
    granted_at: access?.granted_at.toISOString() ?? null,
  } as const;
}

interface TokenRow {
  id: string;
  purpose: 'invitation' | 'password_reset';
  tenant_id: string | null;
  contact_id: string | null;
  login_id: string | null;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

const TOKEN_COLUMNS =
  'id, purpose, tenant_id, contact_id, login_id, expires_at, used_at, revoked_at';

type DeadReason = 'unknown' | 'used' | 'replaced' | 'expired';

/** Why the link cannot be used at `now`, or undefined when it can. */
function deadReason(row: TokenRow | undefined, now: Date): DeadReason | undefined {
  return !row
    ? 'unknown'
    : row.used_at
      ? 'used'
      : row.revoked_at
        ? 'replaced'
        : row.expires_at <= now
          ? 'expired'
          : undefined;
}

/** The link's row if it can still be used at `now`; otherwise the plain "ask for a new one". */
function usable(row: TokenRow | undefined, now: Date): TokenRow {
  const reason = deadReason(row, now);
  if (reason || !row) throw new AppError('portal_link_expired', { reason });
  return row;
}

/**
 * Whether an invitation email's link still works, for a resend from the outbox (registered in
 * wiring.ts): on the tenant clock, as accepting it is.
 */
export async function invitationLinkCheck(ctx: Ctx, token: string): Promise<DeadLink | undefined> {
  const row = await findToken(ctx.db, 'invitation', token);
  const reason = row?.tenant_id === ctx.tenant.id ? deadReason(row, tenantNow(ctx)) : 'unknown';
  if (!reason) return undefined;
  if (reason === 'used') {
    return {
      reason: 'the invitation was accepted',
      remedy:
        'The contact has set a password; if it is forgotten, send a password-reset link from the contact.',
    };
  }
  return {
    reason: reason === 'replaced' ? 'a newer invitation was sent' : `the invitation is ${reason}`,
    remedy: 'Send a new invitation from the contact instead.',
  };
}

/** Whether a password-reset email's link still works (its hour, on the installation clock). */
export async function resetLinkCheck(ctx: Ctx, token: string): Promise<DeadLink | undefined> {
  const reason = deadReason(await findToken(ctx.db, 'password_reset', token), ctx.clock.now());
  if (!reason) return undefined;
  return {
    reason:
      reason === 'used'
        ? 'the link was used'
        : reason === 'replaced'
          ? 'a newer link was sent'
          : `the link is ${reason}`,
    remedy: 'Send a new password-reset link from the contact instead.',
  };
}

async function findToken(q: Queryable, purpose: TokenRow['purpose'], token: string, lock = false) {
  if (token.length > 100) return undefined;
  return q.maybeOne<TokenRow>(
    `SELECT ${TOKEN_COLUMNS} FROM portal_tokens WHERE token_hash = $1 AND purpose = $2
      ${lock ? 'FOR UPDATE' : ''}`,
    [sha256(token), purpose],
  );
}

/** Every name the person goes by among its contacts, for the password rule. */
async function namesOf(q: Queryable, email: string): Promise<string[]> {
  const rows = await q.query<{ name: string }>(
    'SELECT DISTINCT name FROM contacts WHERE email = $1',
    [email],
  );
  return rows.map((r) => r.name);
}

/**
 * Accepts an invitation: sets the password of the email's login (made now if it is the
 * person's first), gives it access to the contact's account, ends the login's other sessions,
 * sends the confirmation email and opens a session on that account.
 */
export async function acceptInvitation(
  db: Db,
  clock: Clock,
  input: { token: string; password: string },
): Promise<NewSession & { account: AccountChoice }> {
  const found = await findToken(db, 'invitation', input.token);
  const tenant = found?.tenant_id ? await loadTenant(db, found.tenant_id) : undefined;
  if (!found || !tenant || !found.contact_id) throw new AppError('portal_link_expired', {});
  const ctx = contactCtx(db, clock, tenant, found.contact_id);
  usable(found, tenantNow(ctx));
  const contact = await loadContact(db, tenant.id, found.contact_id);
  if (contact?.status !== 'active') {
    throw new AppError('portal_link_expired', { reason: 'access_revoked' });
  }
  checkPassword(input.password, contact.email, await namesOf(db, contact.email));
  const passwordHash = await hashPassword(input.password);
  return db.tx(async (tx) => {
    const now = tenantNow(ctx);
    usable(await findToken(tx, 'invitation', input.token, true), now);
    const login = await tx.one<{ id: string }>(
      `INSERT INTO portal_logins (id, email, password_hash, password_changed_at, created_at)
       VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (email) DO UPDATE
         SET password_hash = EXCLUDED.password_hash, password_changed_at = EXCLUDED.created_at
       RETURNING id`,
      [newId('portalLogin'), contact.email, passwordHash, clock.now()],
    );
    await endSessions(tx, clock, login.id);
    await tx.query(
      `INSERT INTO portal_access (tenant_id, contact_id, login_id, granted_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (contact_id) DO UPDATE SET login_id = EXCLUDED.login_id`,
      [tenant.id, contact.id, login.id, now],
    );
    await tx.query('UPDATE portal_tokens SET used_at = $2 WHERE id = $1', [found.id, now]);
    await queuePortalEmail(tx, ctx, 'portal_confirmation', contact, contact.email, {});
    await recordChange(tx, ctx, {
      action: 'contact.portal_access_granted',
      objectType: 'contact',
      objectId: contact.id,
      after: { contact_id: contact.id, login_id: login.id, invitation_id: found.id },
    });
    const account = (await accountsOf(tx, login.id)).find((a) => a.contact_id === contact.id);
    if (!account) throw new Error('the access just granted is not listed');
    const session = await openSession(tx, clock, login.id, {
      tenantId: tenant.id,
      customerId: contact.customer_id,
      contactId: contact.id,
    });
    return { ...session, account };
  });
}

// --- login -------------------------------------------------------------------------------

interface LoginRow {
  id: string;
  email: string;
  password_hash: string;
}

// Verified against when the email is unknown, so both answers take as long.
let dummyHash: Promise<string> | undefined;

/**
 * Checks the password and opens a session, on the account itself when the login has only one.
 * An unknown email, a wrong password and a login without any active access get one answer.
 */
export async function portalLogin(
  db: Db,
  clock: Clock,
  input: { email: string; password: string },
): Promise<NewSession & { accounts: AccountChoice[]; account: AccountChoice | null }> {
  const row = await db.maybeOne<LoginRow>(
    'SELECT id, email, password_hash FROM portal_logins WHERE email = $1',
    [input.email.toLowerCase()],
  );
  if (!row) {
    dummyHash ??= hashPassword(newSecret());
    await verify(await dummyHash, input.password);
    throw new AppError('invalid_credentials');
  }
  if (!(await verify(row.password_hash, input.password))) {
    throw new AppError('invalid_credentials');
  }
  const accounts = await accountsOf(db, row.id);
  if (accounts.length === 0) throw new AppError('invalid_credentials');
  const only = accounts.length === 1 ? (accounts[0] as AccountChoice) : null;
  const session = await openSession(
    db,
    clock,
    row.id,
    only && {
      tenantId: only.tenant_id,
      customerId: only.customer_id,
      contactId: only.contact_id,
    },
  );
  return { ...session, accounts, account: only };
}

// --- passwords ------------------------------------------------------------------------------

/** Writes an audit row in every tenant where the login is a contact (the login spans them). */
async function auditLogin(
  tx: Tx,
  db: Db,
  clock: Clock,
  loginId: string,
  action: string,
): Promise<void> {
  for (const account of await accountsOf(tx, loginId)) {
    const tenant = await loadTenant(tx, account.tenant_id);
    if (!tenant) continue;
    await recordChange(tx, contactCtx(db, clock, tenant, account.contact_id), {
      action,
      objectType: 'contact',
      objectId: account.contact_id,
      after: { contact_id: account.contact_id },
    });
  }
}

/**
 * How long a forgot-password request takes at least (real time, not the tenant clock). An address
 * with a login costs a few more statements than one without (a token, an email queued), and an
 * answer that came back sooner for unknown addresses would tell which emails exist; both answer
 * after this floor instead.
 */
export const FORGOT_ANSWER_MS = 250;

/**
 * Emails a password-reset link (1 hour) when the address belongs to a login with an active
 * account; answers nothing either way, and not sooner than FORGOT_ANSWER_MS either way, so the
 * caller cannot tell which emails exist.
 */
export async function forgotPassword(db: Db, clock: Clock, email: string): Promise<void> {
  const started = performance.now();
  try {
    await sendResetIfKnown(db, clock, email);
  } finally {
    const left = FORGOT_ANSWER_MS - (performance.now() - started);
    if (left > 0) await sleep(left);
  }
}

async function sendResetIfKnown(db: Db, clock: Clock, email: string): Promise<void> {
  const login = await db.maybeOne<{ id: string; email: string }>(
    'SELECT id, email FROM portal_logins WHERE email = $1',
    [email.toLowerCase()],
  );
  const account = login && (await accountsOf(db, login.id))[0];
  const tenant = account && (await loadTenant(db, account.tenant_id));
  if (!login || !account || !tenant) return;
  // One email a minute at most, whatever the number of clients asking: a mailbox is not flooded,
  // and the link already sent still works.
  const recent = await db.maybeOne(
    `SELECT 1 FROM portal_tokens WHERE login_id = $1 AND purpose = 'password_reset'
        AND created_at > $2::timestamptz - interval '1 minute' AND used_at IS NULL`,
    [login.id, clock.now()],
  );
  if (recent) return;
  const ctx = contactCtx(db, clock, tenant, account.contact_id);
  await sendResetLink(ctx, login, account.contact_id);
}

/**
 * Issues a reset link (1 hour on the installation clock) for `login`, replacing earlier ones, and
 * emails it to the login's address naming `contactId`'s customer; returns the email's id.
 */
async function sendResetLink(
  ctx: Ctx,
  login: { id: string; email: string },
  contactId: string,
  audit?: (tx: Tx, emailId: string, expiresAt: Date) => Promise<void>,
): Promise<string | undefined> {
  const { db, clock, tenant } = ctx;
  const token = newSecret();
  const sealed = await sealForEmail(db, tenant.id, token, 'portal_password_reset');
  return db.tx(async (tx) => {
    const contact = await loadContact(tx, tenant.id, contactId);
    if (!contact) return undefined;
    const now = clock.now();
    const expiresAt = new Date(now.getTime() + RESET_MINUTES * 60_000);
    await tx.query(
      `UPDATE portal_tokens SET revoked_at = $2
        WHERE login_id = $1 AND purpose = 'password_reset' AND used_at IS NULL
          AND revoked_at IS NULL`,
      [login.id, now],
    );
    await tx.query(
      `INSERT INTO portal_tokens (id, purpose, token_hash, login_id, expires_at, created_at)
       VALUES ($1, 'password_reset', $2, $3, $4, $5)`,
      [newId('portalToken'), sha256(token), login.id, expiresAt, now],
    );
    const emailId = await queuePortalEmail(tx, ctx, 'password_reset', contact, login.email, {
      reset_url: portalUrl(`/reset?token=${sealed}`),
      reset: { expires_at: readable(expiresAt, tenant.timeZone) },
    });
    await audit?.(tx, emailId, expiresAt);
    return emailId;
  });
}

/**
 * Staff send a contact a password-reset link (the contact called: "I forgot my password"). Only
 * for a contact that has set a password (accepted its invitation); otherwise the welcome email
 * is what to send.
 */
export async function staffPasswordReset(
  ctx: Ctx,
  contactId: string,
): Promise<{ contact_id: string; email_id: string; expires_at: string }> {
  requirePermission(ctx, 'customers:write');
  const contact = await loadContact(ctx.db, ctx.tenant.id, contactId);
  if (!contact) throw new AppError('contact_not_found', { id: contactId });
  if (contact.status !== 'active') throw new AppError('contact_revoked', { id: contactId });
  const login = await ctx.db.maybeOne<{ id: string; email: string }>(
    `SELECT l.id, l.email FROM portal_access a JOIN portal_logins l ON l.id = a.login_id
      WHERE a.tenant_id = $1 AND a.contact_id = $2`,
    [ctx.tenant.id, contactId],
  );
  if (!login) throw new AppError('contact_no_portal_access', { id: contactId });
  let result: { contact_id: string; email_id: string; expires_at: string } | undefined;
  await sendResetLink(ctx, login, contactId, async (tx, emailId, expiresAt) => {
    result = { contact_id: contactId, email_id: emailId, expires_at: expiresAt.toISOString() };
    await recordChange(tx, ctx, {
      action: 'contact.password_reset_sent',
      objectType: 'contact',
      objectId: contactId,
      after: result,
    });
  });
  if (!result) throw new AppError('contact_not_found', { id: contactId });
  return result;
}

async function setPassword(
  tx: Tx,
  db: Db,
  clock: Clock,
  loginId: string,
  passwordHash: string,
  action: string,
): Promise<void> {
  await tx.query(
    'UPDATE portal_logins SET password_hash = $2, password_changed_at = $3 WHERE id = $1',
    [loginId, passwordHash, clock.now()],
  );
  await endSessions(tx, clock, loginId);
  await auditLogin(tx, db, clock, loginId, action);
}

/** Sets a new password from a reset link and ends every session of the login. */
export async function resetPassword(
  db: Db,
  clock: Clock,
  input: { token: string; password: string },
): Promise<void> {
  const found = usable(await findToken(db, 'password_reset', input.token), clock.now());
  const login = await db.one<{ id: string; email: string }>(
    'SELECT id, email FROM portal_logins WHERE id = $1',
    [found.login_id],
  );
  checkPassword(input.password, login.email, await namesOf(db, login.email));
  const passwordHash = await hashPassword(input.password);
  await db.tx(async (tx) => {
    usable(await findToken(tx, 'password_reset', input.token, true), clock.now());
    await tx.query('UPDATE portal_tokens SET used_at = $2 WHERE id = $1', [found.id, clock.now()]);
    await setPassword(tx, db, clock, login.id, passwordHash, 'contact.portal_password_reset');
  });
}

/**
 * Changes the password (the current one is needed), ends every session of the login, and opens
 * a new one on the same account for the caller.
 */
export async function changePassword(
  db: Db,
  clock: Clock,
  session: PortalSession,
  input: { current_password: string; new_password: string },
): Promise<NewSession> {
  const login = await db.one<LoginRow>(
    'SELECT id, email, password_hash FROM portal_logins WHERE id = $1',
    [session.loginId],
  );
  if (!(await verify(login.password_hash, input.current_password))) {
    throw new AppError('portal_password_wrong');
  }
  checkPassword(input.new_password, login.email, await namesOf(db, login.email));
  const passwordHash = await hashPassword(input.new_password);
  return db.tx(async (tx) => {
    await setPassword(tx, db, clock, login.id, passwordHash, 'contact.portal_password_changed');
    return openSession(tx, clock, login.id, session.account);
  });
}
