/**
 * Contact profiles (A4): the access levels a tenant defines for its customers' contacts. Every
 * tenant starts with three (seeded at tenant creation, or on first use for older tenants), and
 * always has exactly one default, the profile a new contact gets when none is named.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { pgConstraint, type Queryable, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import {
  type ContactPermission,
  normalizePermissions,
  type ProfileCreate,
  type ProfilePatch,
  type ProfileView,
  SEED_PROFILES,
} from './model.js';

export interface ProfileRow {
  id: string;
  name: string;
  permissions: ContactPermission[];
  is_default: boolean;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  active_contacts: number;
}

const COLUMNS = `p.id, p.name, p.permissions, p.is_default, p.deleted_at, p.created_at,
  p.updated_at, (SELECT count(*) FROM contacts c WHERE c.tenant_id = p.tenant_id
                   AND c.profile_id = p.id AND c.status = 'active') AS active_contacts`;
const NAME_CONSTRAINT = 'contact_profiles_name';

function view(row: ProfileRow): ProfileView {
  return {
    id: row.id,
    name: row.name,
    permissions: normalizePermissions(row.permissions),
    is_default: row.is_default,
    active_contacts: row.active_contacts,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

/**
 * Gives a tenant the built-in profiles, once: the seed keys stay on renamed and deleted
 * profiles, so a tenant that changed them never gets them back. Safe to call concurrently.
 * Tenant creation calls it; services that need profiles call it too, for tenants created earlier.
 */
export async function seedContactProfiles(tx: Tx, ctx: Ctx): Promise<void> {
  const now = tenantNow(ctx);
  const seeds = SEED_PROFILES.map((s) => ({ ...s, id: newId('contactProfile') }));
  const inserted = await tx.query<ProfileRow>(
    `INSERT INTO contact_profiles
       (id, tenant_id, name, permissions, is_default, seed_key, created_at, updated_at)
     SELECT s.id, $1, s.name, s.permissions, s.is_default, s.seed_key, $3, $3
       FROM jsonb_to_recordset($2::jsonb)
              AS s (id text, name text, permissions text[], is_default boolean, seed_key text)
      WHERE NOT EXISTS (SELECT 1 FROM contact_profiles
                         WHERE tenant_id = $1 AND seed_key IS NOT NULL)
     ON CONFLICT DO NOTHING
     RETURNING id, name, permissions, is_default, deleted_at, created_at, updated_at,
               0 AS active_contacts`,
    [
      ctx.tenant.id,
      JSON.stringify(
        seeds.map((s) => ({
          id: s.id,
          name: s.name,
          permissions: s.permissions,
          is_default: s.isDefault,
          seed_key: s.seedKey,
        })),
      ),
      now,
    ],
  );
  // Seeding is the system's doing, whoever's request first needed the profiles.
  const system: Ctx = { ...ctx, actor: { type: 'system', id: null } };
  for (const row of inserted) {
    await recordChange(tx, system, {
      action: 'contact_profile.created',
      objectType: 'contact_profile',
      objectId: row.id,
      after: view(row),
    });
  }
}

/** Serialises profile changes of one tenant: one default at a time, names checked in order. */
async function lockProfiles(tx: Tx, ctx: Ctx): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('cpr:' || $1::text))`, [ctx.tenant.id]);
}

/** A live profile of this tenant; share-locked when `lock`, so it cannot be deleted meanwhile. */
export async function findProfile(
  db: Queryable,
  ctx: Ctx,
  id: string,
  lock: '' | 'FOR SHARE' | 'FOR NO KEY UPDATE' = '',
): Promise<ProfileRow> {
  const row = await db.maybeOne<ProfileRow>(
    `SELECT ${COLUMNS} FROM contact_profiles p
      WHERE p.tenant_id = $1 AND p.id = $2 AND p.deleted_at IS NULL ${lock && `${lock} OF p`}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('contact_profile_not_found', { field: 'profile_id', id });
  return row;
}

/** The tenant's default profile, share-locked. */
export async function defaultProfile(tx: Tx, ctx: Ctx): Promise<ProfileRow> {
  await seedContactProfiles(tx, ctx);
  return tx.one<ProfileRow>(
    `SELECT ${COLUMNS} FROM contact_profiles p
      WHERE p.tenant_id = $1 AND p.is_default FOR SHARE OF p`,
    [ctx.tenant.id],
  );
}

export async function listProfiles(ctx: Ctx): Promise<ProfileView[]> {
  requirePermission(ctx, 'customers:read');
  return ctx.db.tx(async (tx) => {
    await seedContactProfiles(tx, ctx);
    const rows = await tx.query<ProfileRow>(
      `SELECT ${COLUMNS} FROM contact_profiles p
        WHERE p.tenant_id = $1 AND p.deleted_at IS NULL
        ORDER BY p.is_default DESC, lower(p.name), p.id`,
      [ctx.tenant.id],
    );
    return rows.map(view);
  });
}

async function clearDefault(tx: Tx, ctx: Ctx, now: Date): Promise<void> {
  const old = await tx.maybeOne<ProfileRow>(
    `SELECT ${COLUMNS} FROM contact_profiles p WHERE p.tenant_id = $1 AND p.is_default`,
    [ctx.tenant.id],
  );
  if (!old) return;
  await tx.query(
    'UPDATE contact_profiles SET is_default = false, updated_at = $3 WHERE tenant_id = $1 AND id = $2',
    [ctx.tenant.id, old.id, now],
  );
  await recordChange(tx, ctx, {
    action: 'contact_profile.updated',
    objectType: 'contact_profile',
    objectId: old.id,
    before: view(old),
    after: { ...view(old), is_default: false, updated_at: now.toISOString() },
  });
}

function nameTaken(err: unknown, name: string | undefined): never {
  if (pgConstraint(err) === NAME_CONSTRAINT) {
    throw new AppError('contact_profile_name_taken', { name });
  }
  throw err;
}

export async function createProfile(ctx: Ctx, input: ProfileCreate): Promise<ProfileView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    await seedContactProfiles(tx, ctx);
    await lockProfiles(tx, ctx);
    const now = tenantNow(ctx);
    if (input.is_default) await clearDefault(tx, ctx, now);
    const id = newId('contactProfile');
    try {
      await tx.query(
        `INSERT INTO contact_profiles
           (id, tenant_id, name, permissions, is_default, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)`,
        [
          id,
          ctx.tenant.id,
          input.name,
          normalizePermissions(input.permissions),
          !!input.is_default,
          now,
        ],
      );
    } catch (err) {
      nameTaken(err, input.name);
    }
    const after = view(await findProfile(tx, ctx, id));
    await recordChange(tx, ctx, {
      action: 'contact_profile.created',
      objectType: 'contact_profile',
      objectId: id,
      after,
    });
    return after;
  });
}

export async function updateProfile(
  ctx: Ctx,
  id: string,
  patch: ProfilePatch,
): Promise<ProfileView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    await seedContactProfiles(tx, ctx);
    await lockProfiles(tx, ctx);
    const row = await findProfile(tx, ctx, id, 'FOR NO KEY UPDATE');
    const now = tenantNow(ctx);
    if (patch.is_default && !row.is_default) await clearDefault(tx, ctx, now);
    try {
      await tx.query(
        `UPDATE contact_profiles SET name = $3, permissions = $4, is_default = $5, updated_at = $6
          WHERE tenant_id = $1 AND id = $2`,
        [
          ctx.tenant.id,
          id,
          patch.name ?? row.name,
          normalizePermissions(patch.permissions ?? row.permissions),
          row.is_default || !!patch.is_default,
          now,
        ],
      );
    } catch (err) {
      nameTaken(err, patch.name);
    }
    const before = view(row);
    const after = view(await findProfile(tx, ctx, id));
    await recordChange(tx, ctx, {
      action: 'contact_profile.updated',
      objectType: 'contact_profile',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

export async function deleteProfile(ctx: Ctx, id: string): Promise<ProfileView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    await seedContactProfiles(tx, ctx);
    await lockProfiles(tx, ctx);
    // The row lock waits for contacts being added with this profile (they share-lock it).
    const row = await findProfile(tx, ctx, id, 'FOR NO KEY UPDATE');
    if (row.is_default) throw new AppError('contact_profile_is_default', { id });
    // Counted after the lock, in a statement of its own, so that it sees those contacts.
    const { n } = await tx.one<{ n: number }>(
      `SELECT count(*) AS n FROM contacts
        WHERE tenant_id = $1 AND profile_id = $2 AND status = 'active'`,
      [ctx.tenant.id, id],
    );
    if (n > 0) throw new AppError('contact_profile_in_use', { id, active_contacts: n });
    const now = tenantNow(ctx);
    await tx.query(
      'UPDATE contact_profiles SET deleted_at = $3, updated_at = $3 WHERE tenant_id = $1 AND id = $2',
      [ctx.tenant.id, id, now],
    );
    const before = view(row);
    await recordChange(tx, ctx, {
      action: 'contact_profile.deleted',
      objectType: 'contact_profile',
      objectId: id,
      before,
      event: before,
    });
    return before;
  });
}
