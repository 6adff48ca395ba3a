/**
 * What every service call carries: the database, the tenant it acts for, who acts, what that
 * actor may do, and the tenant's clock. Built by the HTTP layer from the credentials, by the CLI
 * for its commands, and by workers for the tenant whose job they run.
 */
import { type Clock, offsetClock } from '../core/clock.js';
import { businessDate } from '../core/dates.js';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/db.js';
import { type Permission, permissionsOf, type Role } from './staff/roles.js';

export interface TenantInfo {
  id: string;
  name: string;
  mode: 'sandbox' | 'live';
  timeZone: string;
  currency: 'USD';
  clockOffsetMs: number;
}

export interface Actor {
  type: 'staff' | 'api_key' | 'system' | 'contact';
  id: string | null;
}

export interface Ctx {
  db: Db;
  tenant: TenantInfo;
  actor: Actor;
  role: Role;
  permissions: ReadonlySet<Permission>;
  /** The installation's clock; use tenantNow(ctx) for the tenant's own time. */
  clock: Clock;
  requestId?: string | undefined;
}

/** The tenant's "now": the installation clock plus the sandbox offset. */
export function tenantNow(ctx: Pick<Ctx, 'clock' | 'tenant'>): Date {
  return offsetClock(ctx.clock, ctx.tenant.clockOffsetMs).now();
}

/** Today's business date in the tenant's time zone. */
export function tenantToday(ctx: Pick<Ctx, 'clock' | 'tenant'>): string {
  return businessDate(tenantNow(ctx), ctx.tenant.timeZone);
}

export function requirePermission(ctx: Ctx, permission: Permission): void {
  if (!ctx.permissions.has(permission)) {
    throw new AppError('forbidden', { required: permission, role: ctx.role });
  }
}

/** A context for work the system does on a tenant's behalf (jobs, CLI commands). */
export function systemCtx(db: Db, clock: Clock, tenant: TenantInfo): Ctx {
  return {
    db,
    clock,
    tenant,
    actor: { type: 'system', id: null },
    role: 'owner',
    permissions: permissionsOf('owner'),
  };
}
