/**
 * Staff roles and what each may do (A2). Only roles with the billing privilege see or change
 * invoices, payments and payment methods; read-only sees customers and contacts.
 */
export const ROLES = ['owner', 'admin', 'billing', 'read_only'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'tenant:manage', // settings, API keys, webhook endpoints
  'staff:manage',
  'customers:read',
  'customers:write',
  'billing:read',
  'billing:write',
  'events:read',
  'audit:read',
  'clock:advance',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const GRANTS: Record<Role, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: PERMISSIONS,
  billing: [
    'customers:read',
    'customers:write',
    'billing:read',
    'billing:write',
    'events:read',
    'clock:advance',
  ],
  read_only: ['customers:read'],
};

const RANK: Record<Role, number> = { owner: 4, admin: 3, billing: 2, read_only: 1 };

export function permissionsOf(role: Role): ReadonlySet<Permission> {
  return new Set(GRANTS[role]);
}

/** Whether `granter` may hand out `role` (to a staff user or an API key). */
export function canGrant(granter: Role, role: Role): boolean {
  return RANK[granter] >= RANK[role];
}
