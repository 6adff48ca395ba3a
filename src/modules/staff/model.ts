import { z } from 'zod';
import { ROLES } from './roles.js';

export const Role = z.enum(ROLES);
export const Email = z
  .email()
  .max(320)
  .transform((e) => e.toLowerCase());
export const Password = z
  .string()
  .min(12, 'at least 12 characters')
  .max(200)
  .describe('At least 12 characters');

export const StaffCreate = z.strictObject({
  email: Email,
  name: z.string().trim().min(1).max(200),
  role: Role,
  password: Password,
});
export type StaffCreate = z.input<typeof StaffCreate>;

export const StaffPatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  role: Role.optional(),
  disabled: z.boolean().optional(),
});
export type StaffPatch = z.infer<typeof StaffPatch>;

export const StaffView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  role: Role,
  disabled: z.boolean(),
  created_at: z.string(),
});
export type StaffView = z.infer<typeof StaffView>;

export const Login = z.strictObject({
  email: Email,
  password: z.string().min(1).max(200),
  tenant_id: z.string().max(64).optional(),
});

export const ApiKeyCreate = z.strictObject({
  name: z.string().trim().min(1).max(200),
  role: Role,
});

export const ApiKeyView = z.object({
  id: z.string(),
  name: z.string(),
  role: Role,
  last4: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKeyView = z.infer<typeof ApiKeyView>;
