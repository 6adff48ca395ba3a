/**
 * Contacts (A4): the people at a customer, each with a contact profile that decides what the
 * portal shows them. Staff add them, change their profile, and revoke their access. Portal
 * sign-up and invitations (A5) build on these rows later.
 */
import { AppError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { cursorId } from '../../core/schemas.js';
import { pgConstraint, type Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission, tenantNow } from '../context.js';
import { lockActiveCustomer, requireCustomer } from '../customers/service.js';
import {
  type ContactCreate,
  type ContactPatch,
  type ContactPermission,
  type ContactSort,
  type ContactStatus,
  type ContactView,
  decodeContactCursor,
  encodeContactCursor,
  normalizePermissions,
} from './model.js';
import { defaultProfile, findProfile } from './profiles.js';

export { seedContactProfiles } from './profiles.js';

interface ContactRow {
  id: string;
  customer_id: string;
  name: string;
  email: string;
  phone: string | null;
  title: string | null;
  status: ContactStatus;
  revoked_at: Date | null;
  profile_id: string;
  profile_name: string;
  profile_permissions: ContactPermission[];
  created_at: Date;
  updated_at: Date;
}

const SELECT = `SELECT c.id, c.customer_id, c.name, c.email, c.phone, c.title, c.status,
    c.revoked_at, c.profile_id, p.name AS profile_name, p.permissions AS profile_permissions,
    c.created_at, c.updated_at
  FROM contacts c JOIN contact_profiles p ON p.tenant_id = c.tenant_id AND p.id = c.profile_id`;

const EMAIL_CONSTRAINT = 'contacts_customer_email';

function view(row: ContactRow): ContactView {
  const permissions = normalizePermissions(row.profile_permissions);
  return {
    id: row.id,
    customer_id: row.customer_id,
    name: row.name,
    email: row.email,
    phone: row.phone,
    title: row.title,
    status: row.status,
    revoked_at: row.revoked_at?.toISOString() ?? null,
    profile: { id: row.profile_id, name: row.profile_name, permissions },
    can_view_invoices: permissions.includes('view_invoices'),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

async function findRow(db: Queryable, ctx: Ctx, id: string, lock = ''): Promise<ContactRow> {
  const row = await db.maybeOne<ContactRow>(
    `${SELECT} WHERE c.tenant_id = $1 AND c.id = $2 ${lock && `${lock} OF c`}`,
    [ctx.tenant.id, id],
  );
  if (!row) throw new AppError('contact_not_found', { id });
  return row;
}

export async function createContact(
  ctx: Ctx,
  customerId: string,
  input: ContactCreate,
): Promise<ContactView> {
  requirePermission(ctx, 'customers:write');
  return ctx.db.tx(async (tx) => {
    await lockActiveCustomer(tx, ctx, customerId);
    // Share-locked: a profile cannot be deleted while a contact is being given it.
    const profile = input.profile_id
      ? await findProfile(tx, ctx, input.profile_id, 'FOR SHARE')
      : await defaultProfile(tx, ctx);
    const id = newId('contact');
    const now = tenantNow(ctx);
    try {
      await tx.query(
        `INSERT INTO contacts (id, tenant_id, customer_id, name, email, phone, title, profile_id,
           created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
        [
          id,
          ctx.tenant.id,
          customerId,
          input.name,
          input.email,
          input.phone ?? null,
          input.title ?? null,
          profile.id,
          now,
        ],
      );
    } catch (err) {
      if (pgConstraint(err) === EMAIL_CONSTRAINT) {
        throw new AppError('contact_email_taken', { email: input.email });
      }
      throw err;
    }
    const after = view(await findRow(tx, ctx, id));
    await recordChange(tx, ctx, {
      action: 'contact.created',
      objectType: 'contact',
      objectId: id,
      after,
    });
    return after;
  });
}

export async function getContact(ctx: Ctx, id: string): Promise<ContactView> {
  requirePermission(ctx, 'customers:read');
  return view(await findRow(ctx.db, ctx, id));
}

/**
 * A customer's contacts: newest first, or by name or email (case-insensitively, keyset-paged on
 * the sort key and id); `q` matches part of a name or email.
 */
export async function listContacts(
  ctx: Ctx,
  customerId: string,
  query: {
    status?: ContactStatus | undefined;
    q?: string | undefined;
    sort: ContactSort;
    cursor?: string | undefined;
    limit: number;
  },
): Promise<{ data: ContactView[]; next_cursor: string | null }> {
  requirePermission(ctx, 'customers:read');
  await requireCustomer(ctx.db, ctx, customerId);
  const key =
    query.sort === 'name' ? 'lower(c.name)' : query.sort === 'email' ? 'lower(c.email)' : null;
  let after: { key: string; id: string } | undefined;
  if (query.cursor !== undefined) {
    const decoded = key ? decodeContactCursor(query.cursor) : null;
    if (key && !decoded) throw new AppError('invalid_cursor');
    after = decoded ?? { key: '', id: cursorId(query.cursor) as string };
  }
  const pattern = query.q ? `%${query.q.toLowerCase().replace(/[\\%_]/g, '\\$&')}%` : null;
  const params: unknown[] = [ctx.tenant.id, customerId, query.status ?? null, pattern];
  let keyset = '';
  if (after && key) {
    params.push(after.key, after.id);
    keyset = `AND (${key}, c.id) > ($5::text, $6::text)`;
  } else if (after) {
    params.push(after.id);
    keyset = 'AND c.id < $5::text';
  }
  params.push(query.limit + 1);
  const columns = `c.created_at, c.updated_at, ${key ?? 'NULL::text'} AS sort_key`;
  const rows = await ctx.db.query<ContactRow & { sort_key: string | null }>(
    `${SELECT.replace('c.created_at, c.updated_at', columns)}
      WHERE c.tenant_id = $1 AND c.customer_id = $2 AND ($3::text IS NULL OR c.status = $3)
        AND ($4::text IS NULL OR lower(c.name) LIKE $4 OR lower(c.email) LIKE $4) ${keyset}
      ORDER BY ${key ? `${key}, c.id` : 'c.id DESC'} LIMIT $${params.length}`,
    params,
  );
  const data = rows.slice(0, query.limit).map(view);
  const last = rows[query.limit - 1];
  return {
    data,
    next_cursor:
      rows.length > query.limit && last
        ? key
          ? encodeContactCursor(last.sort_key ?? '', last.id)
          : last.id
        : null,
  };
}

export async function updateContact(
  ctx: Ctx,
  id: string,
  patch: ContactPatch,
): Promise<ContactView> {
  requirePermission(ctx, 'customers:write');
  return ctx.db.tx(async (tx) => {
    const row = await findRow(tx, ctx, id, 'FOR NO KEY UPDATE');
    if (row.status === 'revoked') throw new AppError('contact_revoked', { id });
    const profileChanged = patch.profile_id !== undefined && patch.profile_id !== row.profile_id;
    if (profileChanged && patch.profile_id) {
      await findProfile(tx, ctx, patch.profile_id, 'FOR SHARE');
    }
    const pick = <T>(value: T | undefined, current: T) => (value === undefined ? current : value);
    const details = {
      name: patch.name ?? row.name,
      phone: pick(patch.phone, row.phone),
      title: pick(patch.title, row.title),
    };
    const detailsChanged =
      details.name !== row.name || details.phone !== row.phone || details.title !== row.title;
    if (!profileChanged && !detailsChanged) return view(row);
    await tx.query(
      `UPDATE contacts SET name = $3, phone = $4, title = $5, profile_id = $6, updated_at = $7
        WHERE tenant_id = $1 AND id = $2`,
      [
        ctx.tenant.id,
        id,
        details.name,
        details.phone,
        details.title,
        patch.profile_id ?? row.profile_id,
        tenantNow(ctx),
      ],
    );
    const before = view(row);
    const after = view(await findRow(tx, ctx, id));
    // A profile change is an access change (L3): its own event, so it can be found and alerted on.
    if (profileChanged) {
      await recordChange(tx, ctx, {
        action: 'contact.profile_changed',
        objectType: 'contact',
        objectId: id,
        before: { profile: before.profile, can_view_invoices: before.can_view_invoices },
        after: { profile: after.profile, can_view_invoices: after.can_view_invoices },
        event: after,
      });
    }
    if (detailsChanged) {
      await recordChange(tx, ctx, {
        action: 'contact.updated',
        objectType: 'contact',
        objectId: id,
        before,
        after,
      });
    }
    return after;
  });
}

/** Ends a contact's access for good; a new contact restores it. */
export async function revokeContact(ctx: Ctx, id: string): Promise<ContactView> {
  requirePermission(ctx, 'customers:write');
  return ctx.db.tx(async (tx) => {
    const row = await findRow(tx, ctx, id, 'FOR NO KEY UPDATE');
    if (row.status === 'revoked') throw new AppError('contact_revoked', { id });
    const now = tenantNow(ctx);
    await tx.query(
      `UPDATE contacts SET status = 'revoked', revoked_at = $3, updated_at = $3
        WHERE tenant_id = $1 AND id = $2`,
      [ctx.tenant.id, id, now],
    );
    const before = view(row);
    const after = view(await findRow(tx, ctx, id));
    await recordChange(tx, ctx, {
      action: 'contact.revoked',
      objectType: 'contact',
      objectId: id,
      before,
      after,
    });
    return after;
  });
}

/** contactsWithPermission for many customers in one query, by customer id. */
export async function contactsWithPermissionMany(
  q: Queryable,
  tenantId: string,
  customerIds: string[],
  permission: string,
): Promise<Map<string, { id: string; name: string; email: string }[]>> {
  const out = new Map<string, { id: string; name: string; email: string }[]>();
  if (customerIds.length === 0) return out;
  const rows = await q.query<{ customer_id: string; id: string; name: string; email: string }>(
    `SELECT c.customer_id, c.id, c.name, c.email FROM contacts c
       JOIN contact_profiles p ON p.id = c.profile_id
      WHERE c.tenant_id = $1 AND c.customer_id = ANY ($2::text[]) AND c.status = 'active'
        AND $3 = ANY (p.permissions)
      ORDER BY c.customer_id, c.id`,
    [tenantId, [...new Set(customerIds)], permission],
  );
  for (const { customer_id, ...contact } of rows) {
    const list = out.get(customer_id) ?? [];
    list.push(contact);
    out.set(customer_id, list);
  }
  return out;
}

/**
 * The active contacts of a customer whose profile grants `permission` (receive_invoice_emails,
 * receive_receipts, …): who gets an invoice or a receipt.
 */
export async function contactsWithPermission(
  q: Queryable,
  tenantId: string,
  customerId: string,
  permission: string,
): Promise<{ id: string; name: string; email: string }[]> {
  return q.query(
    `SELECT c.id, c.name, c.email FROM contacts c
       JOIN contact_profiles p ON p.id = c.profile_id
      WHERE c.tenant_id = $1 AND c.customer_id = $2 AND c.status = 'active'
        AND $3 = ANY (p.permissions)
      ORDER BY c.id`,
    [tenantId, customerId, permission],
  );
}
