/**
 * "View as customer" (J3): a staff member opens the portal's view of one customer of its own
 * tenant, read-only. It is a short-lived portal session of its own kind (sessions.ts), opened
 * here with a one-time link token the portal page exchanges for its cookie; the staff cookie
 * itself still opens no portal route. Audited as `customer.viewed_as_customer`.
 */
import { AppError } from '../../core/errors.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission } from '../context.js';
import { getCustomer } from '../customers/service.js';
import { openViewSession, VIEW_AS_MINUTES } from './sessions.js';

export interface ViewAsLink {
  customer_id: string;
  /** The portal page that takes the one-time token (in the fragment, never sent to a server). */
  path: string;
  expires_at: string;
}

export async function viewAsCustomer(ctx: Ctx, customerId: string): Promise<ViewAsLink> {
  requirePermission(ctx, 'billing:read');
  const customer = await getCustomer(ctx, customerId);
  const { type, id } = ctx.actor;
  if ((type !== 'staff' && type !== 'api_key') || !id) throw new AppError('forbidden');
  return ctx.db.tx(async (tx) => {
    const session = await openViewSession(tx, ctx.clock, {
      type,
      id,
      tenantId: ctx.tenant.id,
      customerId: customer.id,
    });
    const link = {
      customer_id: customer.id,
      path: `/portal/view-as#${session.token}`,
      expires_at: session.expiresAt.toISOString(),
    };
    await recordChange(tx, ctx, {
      action: 'customer.viewed_as_customer',
      objectType: 'customer',
      objectId: customer.id,
      after: {
        customer_id: customer.id,
        portal_session_id: session.id,
        viewer: { type, id },
        minutes: VIEW_AS_MINUTES,
        expires_at: link.expires_at,
      },
    });
    return link;
  });
}
