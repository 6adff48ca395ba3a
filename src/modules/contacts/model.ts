/** Contacts and contact profiles (A4): request and response shapes, the built-in profiles. */
import { z } from 'zod';
import { ListQuery } from '../../core/schemas.js';
import { Email } from '../staff/model.js';

/** What a contact profile can allow, in the order the console lists them. */
export const CONTACT_PERMISSIONS = [
  'view_invoices',
  'view_payments',
  'view_credits',
  'view_usage',
  'make_payments',
  'manage_payment_methods',
  'manage_autopay',
  'receive_invoice_emails',
  'receive_receipts',
] as const;
export type ContactPermission = (typeof CONTACT_PERMISSIONS)[number];

/** Puts permissions in the canonical order, once each. */
export function normalizePermissions(list: readonly ContactPermission[]): ContactPermission[] {
  return CONTACT_PERMISSIONS.filter((p) => list.includes(p));
}

/** The profiles every tenant starts with; seed_key marks them through renames. */
export const SEED_PROFILES: readonly {
  seedKey: string;
  name: string;
  permissions: readonly ContactPermission[];
  isDefault: boolean;
}[] = [
  {
    seedKey: 'billing_admin',
    name: 'Billing admin',
    permissions: CONTACT_PERMISSIONS,
    isDefault: true,
  },
  {
    seedKey: 'viewer',
    name: 'Viewer',
    permissions: CONTACT_PERMISSIONS.filter((p) => p.startsWith('view_')),
    isDefault: false,
  },
  { seedKey: 'no_access', name: 'No access', permissions: [], isDefault: false },
];

const Permissions = z
  .array(z.enum(CONTACT_PERMISSIONS))
  .max(CONTACT_PERMISSIONS.length * 2)
  .describe('What contacts with this profile may see and do in the portal');
const ProfileName = z.string().trim().min(1).max(100);

export const ProfileCreate = z.strictObject({
  name: ProfileName,
  permissions: Permissions,
  is_default: z.boolean().optional().describe('Make this the profile new contacts get'),
});
export type ProfileCreate = z.output<typeof ProfileCreate>;

export const ProfilePatch = z.strictObject({
  name: ProfileName.optional(),
  permissions: Permissions.optional().describe('Replaces the whole set'),
  is_default: z
    .literal(true)
    .optional()
    .describe('Make this the default; the previous default stops being one'),
});
export type ProfilePatch = z.output<typeof ProfilePatch>;

export const ProfileView = z.object({
  id: z.string(),
  name: z.string(),
  permissions: z.array(z.enum(CONTACT_PERMISSIONS)),
  is_default: z.boolean(),
  active_contacts: z.number().int().describe('Active contacts with this profile'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ProfileView = z.infer<typeof ProfileView>;

export const CONTACT_STATUSES = ['active', 'revoked'] as const;
export type ContactStatus = (typeof CONTACT_STATUSES)[number];

const Name = z.string().trim().min(1).max(200);
const Phone = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[0-9+()./ x-]+$/i, 'digits, spaces and + ( ) - . / x only');
const Title = z.string().trim().min(1).max(200);
const ProfileId = z.string().min(1).max(64);

export const ContactCreate = z.strictObject({
  name: Name,
  email: Email,
  phone: Phone.nullable().optional(),
  title: Title.nullable().optional(),
  profile_id: ProfileId.optional().describe('Defaults to the tenant’s default profile'),
});
export type ContactCreate = z.output<typeof ContactCreate>;

export const ContactPatch = z.strictObject({
  name: Name.optional(),
  phone: Phone.nullable().optional(),
  title: Title.nullable().optional(),
  profile_id: ProfileId.optional(),
});
export type ContactPatch = z.output<typeof ContactPatch>;

export const CONTACT_SORTS = ['newest', 'name', 'email'] as const;
export type ContactSort = (typeof CONTACT_SORTS)[number];

export const ContactListQuery = ListQuery.extend({
  status: z.enum(CONTACT_STATUSES).optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Part of a name or email'),
  sort: z
    .enum(CONTACT_SORTS)
    .default('newest')
    .describe('Order of the list (name and email case-insensitively); the cursor belongs to one'),
  cursor: z.string().max(600).optional().describe('next_cursor of the previous page'),
});

/** The cursor of a list sorted by name or email: the last row's sort key and id (keyset). */
export function encodeContactCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id])).toString('base64url');
}

/** Null when the text is not a cursor this API issued. */
export function decodeContactCursor(text: string): { key: string; id: string } | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      value[0].length <= 320 &&
      /^con_[0-9a-z]{26}$/.test(value[1])
    ) {
      return { key: value[0], id: value[1] };
    }
  } catch {
    // not JSON: refused by the caller
  }
  return null;
}

export const ContactView = z.object({
  id: z.string(),
  customer_id: z.string(),
  name: z.string(),
  email: z.string(),
  phone: z.string().nullable(),
  title: z.string().nullable(),
  status: z.enum(CONTACT_STATUSES),
  revoked_at: z.string().nullable(),
  profile: z.object({
    id: z.string(),
    name: z.string(),
    permissions: z.array(z.enum(CONTACT_PERMISSIONS)),
  }),
  can_view_invoices: z
    .boolean()
    .describe('False explains "I can’t see my invoices": the profile lacks view_invoices'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ContactView = z.infer<typeof ContactView>;
