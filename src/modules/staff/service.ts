/** Staff users, login sessions and API keys (A2). */
import { createHash } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import type { Clock } from '../../core/clock.js';
import { AppError } from '../../core/errors.js';
import { newId, newSecret } from '../../core/ids.js';
import { type Db, pgConstraint, type Queryable, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission } from '../context.js';
import type { ApiKeyView, StaffPatch, StaffView } from './model.js';
import { canGrant, type Role } from './roles.js';

const SESSION_HOURS = 12;

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// argon2id with the library's defaults (19 MiB, 2 passes), the OWASP-recommended minimum.
export const hashPassword = (password: string) => hash(password, { algorithm: 2 });

// A hash of a random password: verified against when the email is unknown, so that a wrong
// email costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;

/**
 * Who hears of billing events staff must act on (a customer's question, a bank return after a
 * refund): the tenant's active owners, admins and billing users, or the tenant's sender address
 * when none of them can receive it.
 */
export async function billingStaffEmails(q: Queryable, tenantId: string): Promise<string[]> {
  const staff = await q.query<{ email: string }>(
    `SELECT email FROM staff_users WHERE tenant_id = $1 AND disabled_at IS NULL
        AND role IN ('owner', 'admin', 'billing') ORDER BY id`,
    [tenantId],
  );
  if (staff.length > 0) return staff.map((s) => s.email);
  const sender = await q.one<{ email: string | null }>(
    `SELECT settings->>'email_from_address' AS email FROM tenants WHERE id = $1`,
    [tenantId],
  );
  return sender.email ? [sender.email] : [];
}

interface StaffRow {
  id: string;
  tenant_id: string;
  email: string;
  name: string;
  role: Role;
  password_hash: string;
  disabled_at: Date | null;
  created_at: Date;
}

function staffView(row: StaffRow): StaffView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    disabled: row.disabled_at !== null,
    created_at: row.created_at.toISOString(),
  };
}

const STAFF_COLUMNS = 'id, tenant_id, email, name, role, password_hash, disabled_at, created_at';

export async function createStaffIn(
  tx: Tx,
  ctx: Ctx,
  input: { email: string; name: string; role: Role; password: string },
): Promise<StaffView> {
  const passwordHash = await hashPassword(input.password);
  const now = ctx.clock.now();
  let row: StaffRow;
  try {
    row = await tx.one<StaffRow>(
      `INSERT INTO staff_users (id, tenant_id, email, name, role, password_hash, created_at,
                                updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ${STAFF_COLUMNS}`,
      [
        newId('staff'),
        ctx.tenant.id,
        input.email.toLowerCase(),
        input.name,
        input.role,
        passwordHash,
        now,
      ],
    );
  } catch (err) {
    if (pgConstraint(err) === 'staff_users_tenant_id_email_key') {
      throw new AppError('staff_email_taken', { email: input.email });
    }
    throw err;
  }
  const view = staffView(row);
  await recordChange(tx, ctx, {
    action: 'staff.created',
    objectType: 'staff',
    objectId: row.id,
    after: view,
  });
  return view;
}

export async function createStaff(
  ctx: Ctx,
  input: { email: string; name: string; role: Role; password: string },
): Promise<StaffView> {
  requirePermission(ctx, 'staff:manage');
  if (!canGrant(ctx.role, input.role)) throw new AppError('role_too_high', { role: input.role });
  return ctx.db.tx((tx) => createStaffIn(tx, ctx, input));
}

export async function listStaff(ctx: Ctx): Promise<StaffView[]> {
  requirePermission(ctx, 'staff:manage');
  const rows = await ctx.db.query<StaffRow>(
    `SELECT ${STAFF_COLUMNS} FROM staff_users WHERE tenant_id = $1 ORDER BY id`,
    [ctx.tenant.id],
  );
  return rows.map(staffView);
}

export async function updateStaff(ctx: Ctx, id: string, patch: StaffPatch): Promise<StaffView> {
  requirePermission(ctx, 'staff:manage');
  if (patch.role && !canGrant(ctx.role, patch.role)) {
    throw new AppError('role_too_high', { role: patch.role });
  }
  return ctx.db.tx(async (tx) => {
    // Lock the tenant's owners so two demotions cannot both see "another owner remains".
    await tx.query(
      `SELECT id FROM staff_users WHERE tenant_id = $1 AND role = 'owner' FOR NO KEY UPDATE`,
      [ctx.tenant.id],
    );
    const row = await tx.maybeOne<StaffRow>(
      `SELECT ${STAFF_COLUMNS} FROM staff_users WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`,
      [ctx.tenant.id, id],
    );
    if (!row) throw new AppError('staff_not_found', { id });
    if (row.role === 'owner' && !canGrant(ctx.role, 'owner')) {
      throw new AppError('role_too_high', { role: 'owner' });
    }
    const losesOwner =
      row.role === 'owner' &&
      row.disabled_at === null &&
      ((patch.role && patch.role !== 'owner') || patch.disabled === true);
    if (losesOwner) {
      const others = await tx.one<{ n: number }>(
        `SELECT count(*) AS n FROM staff_users
          WHERE tenant_id = $1 AND role = 'owner' AND disabled_at IS NULL AND id <> $2`,
        [ctx.tenant.id, id],
      );
      if (others.n === 0) throw new AppError('last_owner');
    }
    const now = ctx.clock.now();
    const disabledAt =
      patch.disabled === undefined
        ? row.disabled_at
        : patch.disabled
          ? (row.disabled_at ?? now)
          : null;
    const updated = await tx.one<StaffRow>(
      `UPDATE staff_users SET name = $3, role = $4, disabled_at = $5, updated_at = $6
        WHERE tenant_id = $1 AND id = $2 RETURNING ${STAFF_COLUMNS}`,
      [ctx.tenant.id, id, patch.name ?? row.name, patch.role ?? row.role, disabledAt, now],
    );
    if (disabledAt) {
      await tx.query(
        `UPDATE staff_sessions SET revoked_at = $2 WHERE staff_id = $1 AND revoked_at IS NULL`,
        [id, now],
      );
    }
    const after = staffView(updated);
    await recordChange(tx, ctx, {
      action: 'staff.updated',
      objectType: 'staff',
      objectId: id,
      before: staffView(row),
      after,
    });
    return after;
  });
}

// --- sessions ------------------------------------------------------------------------------

export interface Principal {
  tenantId: string;
  role: Role;
  actor: { type: 'staff' | 'api_key'; id: string };
}

/** Checks a password and opens a session; the token goes to the caller's cookie only. */
export async function login(
  db: Db,
  clock: Clock,
  input: { email: string; password: string; tenant_id?: string | undefined },
): Promise<{ token: string; staff: StaffView; tenantId: string; expiresAt: Date }> {
  const rows = await db.query<StaffRow>(
    `SELECT ${STAFF_COLUMNS} FROM staff_users
      WHERE email = $1 AND disabled_at IS NULL AND ($2::text IS NULL OR tenant_id = $2)`,
    [input.email.toLowerCase(), input.tenant_id ?? null],
  );
  if (rows.length > 1) throw new AppError('tenant_required');
  const row = rows[0];
  if (!row) {
    dummyHash ??= hashPassword(newSecret());
    await verify(await dummyHash, input.password);
    throw new AppError('invalid_credentials');
  }
  if (!(await verify(row.password_hash, input.password))) {
    throw new AppError('invalid_credentials');
  }
  const token = newSecret();
  const now = clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3600_000);
  await db.query(
    `INSERT INTO staff_sessions (id, tenant_id, staff_id, token_hash, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)`,
    [newId('session'), row.tenant_id, row.id, sha256(token), now, expiresAt],
  );
  return { token, staff: staffView(row), tenantId: row.tenant_id, expiresAt };
}

export async function logout(db: Db, clock: Clock, token: string): Promise<void> {
  await db.query(
    'UPDATE staff_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL',
    [sha256(token), clock.now()],
  );
}

export async function resolveSession(
  db: Db,
  clock: Clock,
  token: string,
): Promise<Principal | undefined> {
  const row = await db.maybeOne<{ tenant_id: string; staff_id: string; role: Role }>(
    `SELECT s.tenant_id, s.staff_id, u.role
       FROM staff_sessions s JOIN staff_users u ON u.id = s.staff_id
      WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2
        AND u.disabled_at IS NULL`,
    [sha256(token), clock.now()],
  );
  return (
    row && { tenantId: row.tenant_id, role: row.role, actor: { type: 'staff', id: row.staff_id } }
  );
}

// --- API keys ------------------------------------------------------------------------------

interface ApiKeyRow {
  id: string;
  name: string;
  role: Role;
  last4: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'id, name, role, last4, created_at, last_used_at, revoked_at';

function keyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    last4: row.last4,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

export async function createApiKeyIn(
  tx: Tx,
  ctx: Ctx,
  input: { name: string; role: Role },
): Promise<ApiKeyView & { secret: string }> {
  const secret = `bk_${ctx.tenant.mode === 'live' ? 'live' : 'test'}_${newSecret()}`;
  const row = await tx.one<ApiKeyRow>(
    `INSERT INTO api_keys (id, tenant_id, name, role, secret_hash, last4, created_by, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${KEY_COLUMNS}`,
    [
      newId('apiKey'),
      ctx.tenant.id,
      input.name,
      input.role,
      sha256(secret),
      secret.slice(-4),
      ctx.actor.id,
      ctx.clock.now(),
    ],
  );
  const view = keyView(row);
  await recordChange(tx, ctx, {
    action: 'api_key.created',
    objectType: 'api_key',
    objectId: row.id,
    after: view,
  });
  return { ...view, secret };
}

export async function createApiKey(
  ctx: Ctx,
  input: { name: string; role: Role },
): Promise<ApiKeyView & { secret: string }> {
  requirePermission(ctx, 'tenant:manage');
  if (!canGrant(ctx.role, input.role)) throw new AppError('role_too_high', { role: input.role });
  return ctx.db.tx((tx) => createApiKeyIn(tx, ctx, input));
}

export async function listApiKeys(ctx: Ctx): Promise<ApiKeyView[]> {
  requirePermission(ctx, 'tenant:manage');
  const rows = await ctx.db.query<ApiKeyRow>(
    `SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 ORDER BY id DESC`,
    [ctx.tenant.id],
  );
  return rows.map(keyView);
}

export async function revokeApiKey(ctx: Ctx, id: string): Promise<ApiKeyView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    const row = await tx.maybeOne<ApiKeyRow>(
      `SELECT ${KEY_COLUMNS} FROM api_keys WHERE tenant_id = $1 AND id = $2 FOR NO KEY UPDATE`,
      [ctx.tenant.id, id],
    );
    if (!row) throw new AppError('api_key_not_found', { id });
    if (!canGrant(ctx.role, row.role)) throw new AppError('role_too_high', { role: row.role });
    const updated = await tx.one<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = coalesce(revoked_at, $3)
        WHERE tenant_id = $1 AND id = $2 RETURNING ${KEY_COLUMNS}`,
      [ctx.tenant.id, id, ctx.clock.now()],
    );
    const after = keyView(updated);
    await recordChange(tx, ctx, {
      action: 'api_key.revoked',
      objectType: 'api_key',
      objectId: id,
      before: keyView(row),
      after,
    });
    return after;
  });
}

export async function resolveApiKey(
  db: Db,
  clock: Clock,
  secret: string,
): Promise<Principal | undefined> {
  if (!/^bk_(test|live)_[A-Za-z0-9_-]{43}$/.test(secret)) return undefined;
  const row = await db.maybeOne<{ id: string; tenant_id: string; role: Role; stale: boolean }>(
    `SELECT id, tenant_id, role,
            (last_used_at IS NULL OR last_used_at < $2::timestamptz - interval '1 minute') AS stale
       FROM api_keys WHERE secret_hash = $1 AND revoked_at IS NULL`,
    [sha256(secret), clock.now()],
  );
  if (!row) return undefined;
  if (row.stale) {
    await db.query('UPDATE api_keys SET last_used_at = $2 WHERE id = $1', [row.id, clock.now()]);
  }
  return { tenantId: row.tenant_id, role: row.role, actor: { type: 'api_key', id: row.id } };
}

/** The signed-in staff member (none for an API key), for GET /auth/me. */
export async function currentStaff(ctx: Ctx): Promise<StaffView | null> {
  if (ctx.actor.type !== 'staff' || !ctx.actor.id) return null;
  const row = await ctx.db.maybeOne<StaffRow>(
    `SELECT ${STAFF_COLUMNS} FROM staff_users WHERE tenant_id = $1 AND id = $2`,
    [ctx.tenant.id, ctx.actor.id],
  );
  return row ? staffView(row) : null;
}
