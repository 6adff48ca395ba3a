/**
 * The portal's payment methods and autopay toggle (I3, D1–D7, G1). Every call is scoped to the
 * open account (the contact's customer) and allowed by the contact's profile; the work itself
 * is done by the methods and autopay services, so the portal follows exactly the rules staff do
 * (one default, refusals while a rule or a scheduled payment uses a method, three verification
 * attempts). Card and bank numbers never come here: the browser sends them to the gateway's
 * tokenization endpoint and gives this module only the token.
 */
import { AppError } from '../../core/errors.js';
import type { TokenCreate } from '../../gateways/sandbox/model.js';
import { tokenize } from '../../gateways/sandbox/tokens.js';
import { getAutopay, setSimpleAutopay, updateRule } from '../autopay/service.js';
import type { ContactPermission } from '../contacts/model.js';
import type { Ctx } from '../context.js';
import { customerHierarchy } from '../customers/service.js';
import type { MethodView } from '../methods/model.js';
import {
  addPaymentMethod,
  deletePaymentMethod,
  getPaymentMethod,
  listPaymentMethods,
  makeDefault,
  portalMethodSettings,
  type RequestMeta,
  verifyPaymentMethod,
} from '../methods/service.js';
import type { PortalMethodCreate, PortalMethodView } from './model.js';
import { type PortalCaller, requireContactPermission } from './service.js';

/** The staff services check billing permissions; the portal has checked the profile instead. */
function writer(ctx: Ctx): Ctx {
  return { ...ctx, permissions: new Set([...ctx.permissions, 'billing:write']) };
}

function requireAny(caller: PortalCaller, permissions: ContactPermission[]) {
  if (!permissions.some((p) => caller.account.permissions.includes(p))) {
    throw new AppError('portal_permission_denied', { permission: permissions[0] });
  }
}

/** The portal's view of a method: what a customer recognises it by, nothing of the gateway. */
export function portalMethodView(m: MethodView): PortalMethodView {
  return {
    id: m.id,
    kind: m.kind,
    status: m.status,
    usable: m.usable,
    card: m.card,
    bank_account: m.bank_account && {
      last4: m.bank_account.last4,
      bank_name: m.bank_account.bank_name,
      account_type: m.bank_account.account_type,
      holder_type: m.bank_account.holder_type,
    },
    name: m.name,
    is_default: m.is_default,
    inherited: m.inherited,
    shared_with_children: m.shared_with_children,
    verification: m.verification && {
      attempts_left: m.verification.attempts_left,
      locked: m.verification.locked_at !== null,
      verified: m.verification.verified_at !== null,
    },
    created_at: m.created_at,
  };
}

async function hasChildren(caller: PortalCaller): Promise<boolean> {
  const tree = await customerHierarchy(caller.ctx, caller.account.customerId);
  return tree.nodes.some((n) => n.parent_id === caller.account.customerId);
}

/**
 * The account's methods (and those a parent shares with it), what the portal may add, and the
 * gateway whose tokenization the browser uses. Readable by contacts who manage methods or pay.
 */
export async function portalMethods(caller: PortalCaller) {
  requireAny(caller, ['manage_payment_methods', 'make_payments']);
  const { ctx, account } = caller;
  const list = await listPaymentMethods(ctx, account.customerId);
  const settings = await portalMethodSettings(ctx);
  return {
    data: list.data.map(portalMethodView),
    default_method_id: list.default_method_id,
    accepted_kinds: settings.kinds,
    gateway: settings.gateway,
    can_share_with_children: await hasChildren(caller),
  };
}

/** A live method of the account itself; anything else (another customer's, a parent's) is not. */
async function ownMethod(caller: PortalCaller, id: string): Promise<MethodView> {
  requireContactPermission(caller, 'manage_payment_methods');
  let m: MethodView;
  try {
    m = await getPaymentMethod(caller.ctx, id);
  } catch (err) {
    if (err instanceof AppError && err.code === 'payment_method_not_found') {
      throw new AppError('portal_not_found', { id });
    }
    throw err;
  }
  if (m.customer_id !== caller.account.customerId || m.deleted_at !== null) {
    throw new AppError('portal_not_found', { id });
  }
  return m;
}

export async function portalAddMethod(
  caller: PortalCaller,
  input: PortalMethodCreate,
  meta: RequestMeta,
) {
  requireContactPermission(caller, 'manage_payment_methods');
  if (input.shared_with_children && !(await hasChildren(caller))) {
    throw new AppError('validation_failed', {
      issues: [
        {
          in: 'body',
          path: 'shared_with_children',
          message: 'Only an account with child accounts can share a method with them',
        },
      ],
    });
  }
  const { kinds } = await portalMethodSettings(caller.ctx);
  const saved = await addPaymentMethod(
    writer(caller.ctx),
    caller.account.customerId,
    {
      gateway_token: input.gateway_token,
      authorized: input.authorized,
      shared_with_children: input.shared_with_children ?? false,
      make_default: input.make_default,
    },
    { ...meta, kinds },
  );
  return portalMethodView(saved);
}

export async function portalMakeDefault(caller: PortalCaller, id: string) {
  await ownMethod(caller, id);
  return portalMethodView(await makeDefault(writer(caller.ctx), id));
}

export async function portalDeleteMethod(caller: PortalCaller, id: string) {
  await ownMethod(caller, id);
  return portalMethodView(await deletePaymentMethod(writer(caller.ctx), id));
}

export async function portalVerifyMethod(
  caller: PortalCaller,
  id: string,
  amounts: [number, number],
) {
  await ownMethod(caller, id);
  return portalMethodView(await verifyPaymentMethod(writer(caller.ctx), id, { amounts }));
}

/**
 * The sandbox gateway's tokenization for a contact's browser: allowed to contacts who may add
 * methods or pay, for the kinds the tenant accepts in the portal. The numbers go to the sandbox
 * vault exactly as through POST /sandbox/tokens; only the token comes back.
 */
export async function portalTokenize(caller: PortalCaller, input: TokenCreate) {
  requireAny(caller, ['manage_payment_methods', 'make_payments']);
  const { kinds, gateway } = await portalMethodSettings(caller.ctx);
  if (gateway !== 'sandbox') throw new AppError('sandbox_only');
  const kind = input.card ? 'card' : 'bank_account';
  if (!kinds.includes(kind)) {
    throw new AppError('payment_method_kind_not_accepted', { kind, accepted: kinds });
  }
  return tokenize(caller.ctx, input);
}

// --- autopay (G1) ------------------------------------------------------------------------------

/** Simple autopay as the contact sees it: on or off, whether it can change, and why not. */
export async function portalAutopay(caller: PortalCaller) {
  requireContactPermission(caller, 'manage_autopay');
  const a = await getAutopay(caller.ctx, caller.account.customerId);
  const method = a.default_payment_method_id
    ? portalMethodView(await getPaymentMethod(caller.ctx, a.default_payment_method_id))
    : null;
  const blocked: 'locked' | 'no_usable_method' | null = a.locked
    ? 'locked'
    : !a.enabled && !method?.usable
      ? 'no_usable_method'
      : null;
  // The rules staff set (G2–G4), in the order they are tried; a locked one the contact cannot
  // switch, an unlocked one it can turn on or off.
  const methods = a.rules.length > 0 ? await listPaymentMethods(caller.ctx, a.customer_id) : null;
  const rules = a.rules.map((r) => {
    const m = methods?.data.find((x) => x.id === r.payment_method_id);
    return {
      id: r.id,
      name: r.name,
      enabled: r.enabled,
      locked: r.locked,
      method: m ? portalMethodView(m) : null,
    };
  });
  return { enabled: a.enabled, locked: a.locked, method, blocked_reason: blocked, rules };
}

/** A contact turns one of the account's unlocked rules on or off; a locked rule is refused. */
export async function portalSetAutopayRule(caller: PortalCaller, id: string, enabled: boolean) {
  requireContactPermission(caller, 'manage_autopay');
  const a = await getAutopay(caller.ctx, caller.account.customerId);
  if (!a.rules.some((r) => r.id === id)) throw new AppError('portal_not_found', { id });
  await updateRule(writer(caller.ctx), id, { enabled });
  return portalAutopay(caller);
}

export async function portalSetAutopay(caller: PortalCaller, enabled: boolean) {
  requireContactPermission(caller, 'manage_autopay');
  await setSimpleAutopay(writer(caller.ctx), caller.account.customerId, enabled);
  return portalAutopay(caller);
}
