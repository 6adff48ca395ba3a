/** Tenants: creation with their first owner and key, settings, and loading for requests. */
import type { Clock } from '../../core/clock.js';
import { DEFAULT_TIME_ZONE } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type Db, prepared, type Queryable, type Tx } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { seedContactProfiles } from '../contacts/service.js';
import { type Ctx, requirePermission, systemCtx, type TenantInfo } from '../context.js';
import { createApiKeyIn, createStaffIn } from '../staff/service.js';
import { DEFAULT_SETTINGS, type TenantPatch, TenantSettings, type TenantView } from './model.js';

interface TenantRow {
  id: string;
  name: string;
  mode: 'sandbox' | 'live';
  time_zone: string;
  currency: 'USD';
  settings: Partial<TenantSettings>;
  clock_offset_ms: number;
  created_at: Date;
}

const COLUMNS = 'id, name, mode, time_zone, currency, settings, clock_offset_ms, created_at';

export function tenantInfo(
  row: Pick<TenantRow, 'id' | 'name' | 'mode' | 'time_zone' | 'currency' | 'clock_offset_ms'>,
): TenantInfo {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    timeZone: row.time_zone,
    currency: row.currency,
    clockOffsetMs: row.clock_offset_ms,
  };
}

function view(row: TenantRow): TenantView {
  return {
    id: row.id,
    name: row.name,
    mode: row.mode,
    time_zone: row.time_zone,
    currency: row.currency,
    settings: TenantSettings.parse({ ...DEFAULT_SETTINGS, ...row.settings }),
    created_at: row.created_at.toISOString(),
  };
}

const LOAD_SQL = prepared(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`);

/**
 * What tenantInfo reads, from tenants `alias`, as `tenant_*` columns: for a query that reads a
 * request's tenant beside its credential (a portal session), one round trip instead of two.
 */
export function tenantInfoSql(alias: string): string {
  return `${alias}.id AS tenant_info_id, ${alias}.name AS tenant_info_name,
          ${alias}.mode AS tenant_info_mode, ${alias}.time_zone AS tenant_info_time_zone,
          ${alias}.currency AS tenant_info_currency,
          ${alias}.clock_offset_ms AS tenant_info_clock_offset_ms`;
}

/** The columns tenantInfoSql names; null when the join found no tenant. */
export interface TenantInfoColumns {
  tenant_info_id: string | null;
  tenant_info_name: string | null;
  tenant_info_mode: TenantRow['mode'] | null;
  tenant_info_time_zone: string | null;
  tenant_info_currency: TenantRow['currency'] | null;
  tenant_info_clock_offset_ms: number | null;
}

/** The tenant of a row read with tenantInfoSql, or undefined when it has none. */
export function tenantInfoOf(row: TenantInfoColumns): TenantInfo | undefined {
  if (
    row.tenant_info_id === null ||
    row.tenant_info_name === null ||
    row.tenant_info_mode === null ||
    row.tenant_info_time_zone === null ||
    row.tenant_info_currency === null ||
    row.tenant_info_clock_offset_ms === null
  ) {
    return undefined;
  }
  return tenantInfo({
    id: row.tenant_info_id,
    name: row.tenant_info_name,
    mode: row.tenant_info_mode,
    time_zone: row.tenant_info_time_zone,
    currency: row.tenant_info_currency,
    clock_offset_ms: row.tenant_info_clock_offset_ms,
  });
}

export async function loadTenant(db: Queryable, id: string): Promise<TenantInfo | undefined> {
  const row = await db.maybeOne<TenantRow>(LOAD_SQL, [id]);
  return row && tenantInfo(row);
}

export interface NewTenant {
  name: string;
  live?: boolean;
  timeZone?: string;
  ownerEmail: string;
  ownerName?: string;
  ownerPassword: string;
}

export interface CreatedTenant {
  tenant: TenantView;
  owner: { id: string; email: string };
  apiKey: { id: string; secret: string };
}

/** The first run's tenant: an API key only when the caller asked for one. */
export type FirstTenant = Omit<CreatedTenant, 'apiKey'> & {
  apiKey: CreatedTenant['apiKey'] | null;
};

/**
 * Creates a tenant, its owner and a first owner API key in one transaction. The key is what
 * `billow tenant create` and `billow demo` print for scripts (the README's tour uses it).
 */
export async function createTenant(db: Db, clock: Clock, input: NewTenant): Promise<CreatedTenant> {
  return db.tx(async (tx) => {
    const created = await createTenantIn(tx, db, clock, input, 'Owner key');
    return { ...created, apiKey: created.apiKey as CreatedTenant['apiKey'] };
  });
}

/** Whether the installation has no tenant yet: the console then offers its first run (A1). */
export async function setupNeeded(db: Queryable): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM tenants LIMIT 1');
  return rows.length === 0;
}

/**
 * The first run: creates the installation's first tenant, and only while there is none. The
 * table lock serialises racing calls (the second waits, then sees the first one's tenant and is
 * refused with setup_done), so two simultaneous requests create one tenant. The owner signs in
 * with a password, so no API key is made unless `keyName` asks for one (the demo data's loader).
 */
export async function createFirstTenant(
  db: Db,
  clock: Clock,
  input: NewTenant,
  options: { keyName?: string } = {},
): Promise<FirstTenant> {
  return db.tx(async (tx) => {
    await tx.query('LOCK TABLE tenants IN SHARE ROW EXCLUSIVE MODE');
    const found = await tx.query('SELECT 1 FROM tenants LIMIT 1');
    if (found.length > 0) throw new AppError('setup_done');
    return createTenantIn(tx, db, clock, input, options.keyName ?? null);
  });
}

async function createTenantIn(
  tx: Tx,
  db: Db,
  clock: Clock,
  input: NewTenant,
  keyName: string | null,
): Promise<FirstTenant> {
  const now = clock.now();
  const row = await tx.one<TenantRow>(
    `INSERT INTO tenants (id, name, mode, time_zone, settings, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ${COLUMNS}`,
    [
      newId('tenant'),
      input.name,
      input.live ? 'live' : 'sandbox',
      input.timeZone ?? DEFAULT_TIME_ZONE,
      JSON.stringify(DEFAULT_SETTINGS),
      now,
    ],
  );
  const ctx = systemCtx(db, clock, tenantInfo(row));
  await recordChange(tx, ctx, {
    action: 'tenant.created',
    objectType: 'tenant',
    objectId: row.id,
    after: view(row),
  });
  const owner = await createStaffIn(tx, ctx, {
    email: input.ownerEmail,
    name: input.ownerName ?? 'Owner',
    role: 'owner',
    password: input.ownerPassword,
  });
  const key =
    keyName === null ? null : await createApiKeyIn(tx, ctx, { name: keyName, role: 'owner' });
  await seedContactProfiles(tx, ctx);
  return {
    tenant: view(row),
    owner: { id: owner.id, email: owner.email },
    apiKey: key && { id: key.id, secret: key.secret },
  };
}

export async function getTenant(ctx: Ctx): Promise<TenantView> {
  const row = await ctx.db.one<TenantRow>(`SELECT ${COLUMNS} FROM tenants WHERE id = $1`, [
    ctx.tenant.id,
  ]);
  return view(row);
}

export async function updateTenant(ctx: Ctx, patch: TenantPatch): Promise<TenantView> {
  requirePermission(ctx, 'tenant:manage');
  return ctx.db.tx(async (tx) => {
    const row = await tx.one<TenantRow>(
      `SELECT ${COLUMNS} FROM tenants WHERE id = $1 FOR NO KEY UPDATE`,
      [ctx.tenant.id],
    );
    const before = view(row);
    const settings = { ...before.settings, ...patch.settings };
    const updated = await tx.one<TenantRow>(
      `UPDATE tenants SET name = $2, time_zone = $3, settings = $4, updated_at = $5
        WHERE id = $1 RETURNING ${COLUMNS}`,
      [
        ctx.tenant.id,
        patch.name ?? row.name,
        patch.time_zone ?? row.time_zone,
        JSON.stringify(settings),
        ctx.clock.now(),
      ],
    );
    const after = view(updated);
    await recordChange(tx, ctx, {
      action: 'tenant.updated',
      objectType: 'tenant',
      objectId: ctx.tenant.id,
      before,
      after,
    });
    return after;
  });
}

/** Every tenant, for installation-level commands (`billow tenant list`). */
/** A sandbox tenant's clock offset, set by the clock module in its advancing transaction. */
export async function setClockOffset(tx: Tx, tenantId: string, offsetMs: number): Promise<void> {
  await tx.query('UPDATE tenants SET clock_offset_ms = $2 WHERE id = $1', [tenantId, offsetMs]);
}

/** The date through which the bill run schedule has started runs (billruns/schedule.ts). */
export async function setBillRunsScheduledThrough(
  tx: Tx,
  tenantId: string,
  through: string,
): Promise<void> {
  await tx.query('UPDATE tenants SET bill_runs_scheduled_through = $2 WHERE id = $1', [
    tenantId,
    through,
  ]);
}

export async function listTenants(db: Queryable): Promise<TenantView[]> {
  return (await db.query<TenantRow>(`SELECT ${COLUMNS} FROM tenants ORDER BY id`)).map(view);
}
