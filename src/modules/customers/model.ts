/** Customers (A3) and their external links (A6): request and response shapes, pure rules. */
import { z } from 'zod';
import { Address, ListQuery, MinorAmount } from '../../core/schemas.js';
import { Email } from '../staff/model.js';

export const CUSTOMER_STATUSES = ['active', 'archived'] as const;
export type CustomerStatus = (typeof CUSTOMER_STATUSES)[number];

/** The external systems a customer can be linked to, in the order the console shows them. */
export const LINK_KINDS = ['crm', 'accounting', 'gateway'] as const;
export type LinkKind = (typeof LINK_KINDS)[number];

const Number_ = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[^\p{C}]+$/u, 'must not contain control characters')
  .describe('Customer number, unique in the tenant; assigned (C-000001, …) when omitted');
const Name = z.string().trim().min(1).max(200);
const Notes = z.string().max(5000);
const LinkId = z.string().trim().min(1).max(200);
const ParentId = z.string().min(1).max(64).describe('A customer of the same tenant');

export const Links = z.strictObject({
  crm: LinkId.nullable().optional().describe('CRM company id'),
  accounting: LinkId.nullable().optional().describe('Accounting-system customer id'),
  gateway: LinkId.nullable().optional().describe('Payment gateway customer id'),
});

export const CustomerCreate = z.strictObject({
  number: Number_.optional(),
  name: Name,
  billing_email: Email.nullable().optional(),
  billing_address: Address.optional(),
  notes: Notes.nullable().optional(),
  parent_id: ParentId.nullable().optional(),
  invoice_only: z.boolean().optional().describe('Billed on invoice terms, no payment method'),
  credit_limit: MinorAmount.nullable().optional(),
  links: Links.optional(),
});
export type CustomerCreate = z.output<typeof CustomerCreate>;

export const CustomerPatch = z.strictObject({
  number: Number_.optional(),
  name: Name.optional(),
  billing_email: Email.nullable().optional(),
  billing_address: Address.optional().describe('Replaces the whole address'),
  notes: Notes.nullable().optional(),
  parent_id: ParentId.nullable().optional(),
  invoice_only: z.boolean().optional(),
  credit_limit: MinorAmount.nullable().optional(),
  links: Links.optional().describe('Only the links given change; null removes one'),
  status: z
    .enum(CUSTOMER_STATUSES)
    .optional()
    .describe('archived archives (as DELETE does); active restores an archived customer'),
});
export type CustomerPatch = z.output<typeof CustomerPatch>;

export const CUSTOMER_SORTS = [
  'newest',
  'oldest',
  'name_asc',
  'name_desc',
  'number_asc',
  'number_desc',
] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];

export const CustomerListQuery = ListQuery.extend({
  q: z.string().trim().min(1).max(200).optional().describe('Part of a name, number or email'),
  parent: z.string().min(1).max(64).optional().describe('Only the children of this customer'),
  status: z.enum(CUSTOMER_STATUSES).optional(),
  sort: z
    .enum(CUSTOMER_SORTS)
    .default('newest')
    .describe('Order of the list (names case-insensitively); the cursor belongs to one order'),
  has_open_invoices: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .describe('true: only customers with a posted invoice still open; false: only without'),
  cursor: z.string().max(1200).optional().describe('next_cursor of the previous page'),
});

/**
 * The cursor of a list sorted by name or number: the last row's sort key and id, so the next
 * page starts after it (keyset). Newest and oldest page by id alone, as every list does.
 */
export interface SortCursor {
  key: string;
  id: string;
}

export function encodeSortCursor(c: SortCursor): string {
  return Buffer.from(JSON.stringify([c.key, c.id])).toString('base64url');
}

/** Null when the text is not a cursor this API issued. */
export function decodeSortCursor(text: string): SortCursor | null {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      typeof value[1] === 'string' &&
      value[0].length <= 200 &&
      /^cus_[0-9a-z]{26}$/.test(value[1])
    ) {
      return { key: value[0], id: value[1] };
    }
  } catch {
    // not JSON: refused below
  }
  return null;
}

export const ChildrenQuery = ListQuery.extend({ status: z.enum(CUSTOMER_STATUSES).optional() });

export const CustomerView = z.object({
  id: z.string(),
  number: z.string(),
  name: z.string(),
  billing_email: z.string().nullable(),
  billing_address: Address,
  status: z.enum(CUSTOMER_STATUSES),
  archived_at: z.string().nullable(),
  notes: z.string().nullable(),
  parent_id: z.string().nullable(),
  invoice_only: z.boolean(),
  credit_limit: z.number().int().nullable(),
  currency: z.literal('USD'),
  links: z.object({
    crm: z.string().nullable(),
    accounting: z.string().nullable(),
    gateway: z
      .string()
      .nullable()
      .describe('Set by itself when the first payment method is saved, unless staff set one'),
  }),
  missing_links: z.array(z.enum(LINK_KINDS)).describe('Links not set: the console warns'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type CustomerView = z.infer<typeof CustomerView>;

const HierarchyNode = z.object({
  id: z.string(),
  parent_id: z.string().nullable(),
  number: z.string(),
  name: z.string(),
  status: z.enum(CUSTOMER_STATUSES),
  depth: z.number().int().describe('0 for the customer asked for, 1 for its children, …'),
});

export const HierarchyView = z.object({
  customer_id: z.string(),
  ancestors: z.array(HierarchyNode.omit({ depth: true })).describe('Root first'),
  nodes: z.array(HierarchyNode).describe('The subtree, depth first, children by age'),
  descendant_count: z.number().int(),
  truncated: z.boolean().describe('True when the subtree has more nodes than were returned'),
});
export type HierarchyView = z.infer<typeof HierarchyView>;

/** The number given to the n-th customer numbered automatically. */
export function formatCustomerNumber(n: number): string {
  return `C-${String(n).padStart(6, '0')}`;
}

export function missingLinks(links: Record<LinkKind, string | null>): LinkKind[] {
  return LINK_KINDS.filter((kind) => links[kind] === null);
}

/** A LIKE pattern matching `text` anywhere, with LIKE's own wildcards taken literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
