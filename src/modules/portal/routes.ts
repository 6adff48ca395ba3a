/**
 * The portal API under /api/v1/portal (sign-in, the account choice and the account's reads), and
 * the staff endpoint that invites a contact. http/auth.ts lets only the portal session cookie in.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { AppError } from '../../core/errors.js';
import type { App } from '../../http/app.js';
import { PORTAL_COOKIE } from '../../http/auth.js';
import { PORTAL_CSRF_COOKIE, secureCookies, setCsrfCookie } from '../../http/csrf.js';
import { ErrorResponse, IdParams, NoBody } from '../../http/schemas.js';
import { renderInvoicePdf } from '../invoices/service.js';
import {
  PortalUsagePage,
  PortalUsageQuery,
  UsageExportLinkQuery,
  UsageExportLinkView,
  UsageExportRequest,
  UsageExportView,
} from '../usage/model.js';
import { usageExportFile, usageExportLink, XLSX_TYPE } from '../usage/service.js';
import {
  portalAddMethod,
  portalAutopay,
  portalDeleteMethod,
  portalMakeDefault,
  portalMethods,
  portalSetAutopay,
  portalSetAutopayRule,
  portalVerifyMethod,
} from './methods.js';
import {
  AcceptInvitation,
  AccountChoiceView,
  ChangePassword,
  ChooseAccount,
  ForgotPassword,
  InvitationView,
  PortalAccessView,
  PortalAutopay,
  PortalAutopayPut,
  PortalCredits,
  PortalCreditsQuery,
  PortalDashboard,
  PortalInvoicePage,
  PortalInvoiceQuery,
  PortalInvoiceView,
  PortalLogin,
  PortalMe,
  PortalMethodCreate,
  PortalMethodList,
  PortalMethodView,
  PortalPayInput,
  PortalPaymentPage,
  PortalPaymentQuery,
  PortalPayOptions,
  PortalPayPreview,
  PortalPayQuery,
  PortalPayResult,
  PortalUpcoming,
  PortalUpcomingQuery,
  PortalVerifyBody,
  portalErrors,
  ResetPassword,
  SignedIn,
} from './model.js';
import { portalPay, portalPayOptions, portalPayPreview } from './pay.js';
import {
  type PortalCaller,
  portalCredits,
  portalDashboard,
  portalInvoice,
  portalInvoiceDocument,
  portalInvoices,
  portalMe,
  portalPayments,
  portalUpcoming,
  portalUsage,
  portalUsageExport,
} from './service.js';
import {
  type AccountChoice,
  accountsOf,
  chooseAccount,
  claimViewSession,
  endSession,
} from './sessions.js';
import {
  acceptInvitation,
  changePassword,
  contactPortalAccess,
  forgotPassword,
  inviteContact,
  portalLogin,
  resetPassword,
  staffPasswordReset,
} from './signin.js';
import { viewAsCustomer } from './view-as.js';

const tags = ['portal'];
/** The OpenAPI security of portal endpoints: the portal session cookie, nothing else. */
const PORTAL_SECURITY = [{ portalSession: [] }];
const PREFIX = '/portal';

function signIn(
  req: FastifyRequest,
  reply: FastifyReply,
  session: { token: string; expiresAt: Date },
  account: AccountChoice | null,
  accounts: AccountChoice[],
) {
  reply.setCookie(PORTAL_COOKIE, session.token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureCookies(req),
    expires: session.expiresAt,
  });
  const csrf = setCsrfCookie(req, reply, session.token, {
    expires: session.expiresAt,
    sameSite: 'lax',
    cookie: PORTAL_CSRF_COOKIE,
  });
  return { expires_at: session.expiresAt.toISOString(), csrf_token: csrf, account, accounts };
}

/** Where the authorisation came from: the ACH mandate's online acceptance. */
function requestMeta(req: FastifyRequest) {
  const agent = req.headers['user-agent'];
  return { ip: req.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 500) : undefined };
}

/** The error codes every endpoint of the open account can give. */
const ACCOUNT_ERRORS = [
  'portal_session_required',
  'portal_account_required',
  'portal_permission_denied',
  'portal_read_only',
  'csrf_failed',
] as const;

export function caller(req: FastifyRequest): PortalCaller {
  const account = req.portal.account;
  if (!account) throw new AppError('portal_account_required');
  return { ctx: req.ctx, account };
}

export async function portalRoutes(app: App, opts: { loginRateLimit: number }): Promise<void> {
  const limited = {
    rateLimit: { max: opts.loginRateLimit, timeWindow: '1 minute' },
    idempotency: false,
  };
  // --- staff: invitations ---------------------------------------------------------------------
  app.post(
    '/contacts/:id/invitations',
    {
      schema: {
        operationId: 'inviteContact',
        tags: ['contacts'],
        summary:
          'Email the contact a link to set its portal password (72 hours); sending again ' +
          'replaces the earlier link',
        params: IdParams,
        body: NoBody,
        response: {
          201: InvitationView,
          403: ErrorResponse,
          404: ErrorResponse,
          409: ErrorResponse,
        },
      },
    },
    async (req, reply) => reply.code(201).send(await inviteContact(req.ctx, req.params.id)),
  );

  app.post(
    '/contacts/:id/password-reset',
    {
      schema: {
        operationId: 'sendContactPasswordReset',
        errors: ['contact_not_found', 'contact_revoked', 'contact_no_portal_access'],
        tags: ['contacts'],
        summary:
          'Email a contact with portal access a password-reset link (1 hour); earlier links stop',
        params: IdParams,
        body: NoBody,
        response: {
          201: z.object({ contact_id: z.string(), email_id: z.string(), expires_at: z.string() }),
        },
      },
    },
    async (req, reply) => reply.code(201).send(await staffPasswordReset(req.ctx, req.params.id)),
  );

  app.post(
    '/customers/:id/portal-view',
    {
      schema: {
        operationId: 'viewAsCustomer',
        errors: ['customer_not_found'],
        tags: ['customers'],
        summary:
          'Open the portal’s read-only view of this customer (15 minutes, audited): a one-time ' +
          'link for the staff member’s browser',
        params: IdParams,
        body: NoBody,
        response: {
          201: z.object({
            customer_id: z.string(),
            path: z.string().describe('Open it in the browser: /portal/view-as#<one-time token>'),
            expires_at: z.string(),
          }),
        },
      },
    },
    async (req, reply) => reply.code(201).send(await viewAsCustomer(req.ctx, req.params.id)),
  );
  app.post(
    `${PREFIX}/view-as`,
    {
      config: { portal: 'public', ...limited },
      schema: {
        operationId: 'portalClaimViewAs',
        tags,
        summary:
          'Exchange a staff member’s one-time "view as customer" token for a read-only session',
        security: [],
        body: z.strictObject({ token: z.string().min(1).max(200) }),
        response: { 200: SignedIn, 400: ErrorResponse, 410: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const s = await claimViewSession(req.server.db, req.server.clock, req.body.token);
      if (!s) throw new AppError('portal_link_expired', { reason: 'view_as' });
      return signIn(req, reply, s, null, []);
    },
  );

  app.get(
    '/contacts/:id/portal-access',
    {
      schema: {
        operationId: 'getContactPortalAccess',
        tags: ['contacts'],
        summary:
          'Whether the contact can sign in to the portal: none, invited (link valid), ' +
          'expired (re-send), active',
        params: IdParams,
        response: { 200: PortalAccessView, 403: ErrorResponse, 404: ErrorResponse },
      },
    },
    (req) => contactPortalAccess(req.ctx, req.params.id),
  );

  // --- public: sign-in and links ---------------------------------------------------------------
  app.post(
    `${PREFIX}/login`,
    {
      config: { portal: 'public', ...limited },
      schema: {
        operationId: 'portalLogin',
        tags,
        summary: 'Contact sign-in; sets the portal session cookie',
        security: [],
        body: PortalLogin,
        response: { 200: SignedIn, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const s = await portalLogin(req.server.db, req.server.clock, req.body);
      return signIn(req, reply, s, s.account, s.accounts);
    },
  );
  app.post(
    `${PREFIX}/invitations/accept`,
    {
      config: { portal: 'public', ...limited },
      schema: {
        operationId: 'portalAcceptInvitation',
        tags,
        summary:
          'Set the password from an invitation link; sends the confirmation email and signs in',
        security: [],
        body: AcceptInvitation,
        response: { 200: SignedIn, 400: ErrorResponse, 410: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const s = await acceptInvitation(req.server.db, req.server.clock, req.body);
      return signIn(req, reply, s, s.account, [s.account]);
    },
  );
  app.post(
    `${PREFIX}/password/forgot`,
    {
      config: { portal: 'public', ...limited },
      schema: {
        operationId: 'portalForgotPassword',
        tags,
        summary:
          'Email a password-reset link (1 hour) if the address has portal access; the same ' +
          'answer either way',
        security: [],
        body: ForgotPassword,
        response: { 202: z.object({}), 400: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      await forgotPassword(req.server.db, req.server.clock, req.body.email);
      return reply.code(202).send({});
    },
  );
  app.post(
    `${PREFIX}/password/reset`,
    {
      config: { portal: 'public', ...limited },
      schema: {
        operationId: 'portalResetPassword',
        tags,
        summary: 'Set a new password from a reset link; ends every session',
        security: [],
        body: ResetPassword,
        response: { 204: z.null(), 400: ErrorResponse, 410: ErrorResponse, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      await resetPassword(req.server.db, req.server.clock, req.body);
      return reply.code(204).send(null);
    },
  );

  // --- signed in -------------------------------------------------------------------------------
  app.post(
    `${PREFIX}/logout`,
    {
      config: { portal: 'session', idempotency: false },
      schema: {
        operationId: 'portalLogout',
        security: PORTAL_SECURITY,
        tags,
        summary: 'End the portal session',
        response: { 204: z.null(), 401: ErrorResponse, 403: ErrorResponse },
      },
    },
    async (req, reply) => {
      await endSession(req.server.db, req.server.clock, req.portal.token);
      reply.clearCookie(PORTAL_COOKIE, { path: '/' });
      reply.clearCookie(PORTAL_CSRF_COOKIE, { path: '/' });
      return reply.code(204).send(null);
    },
  );
  app.post(
    `${PREFIX}/password/change`,
    {
      config: { portal: 'session', ...limited },
      schema: {
        operationId: 'portalChangePassword',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Change the password (the current one is needed); ends every session and opens a new one',
        body: ChangePassword,
        response: { 200: SignedIn, ...portalErrors, 429: ErrorResponse },
      },
    },
    async (req, reply) => {
      const s = await changePassword(req.server.db, req.server.clock, req.portal, req.body);
      const accounts = await accountsOf(req.server.db, req.portal.loginId);
      const account = accounts.find((a) => a.contact_id === req.portal.account?.contactId) ?? null;
      return signIn(req, reply, s, account, accounts);
    },
  );
  app.get(
    `${PREFIX}/accounts`,
    {
      config: { portal: 'session' },
      schema: {
        operationId: 'portalListAccounts',
        security: PORTAL_SECURITY,
        tags,
        summary: 'The accounts (customers) this sign-in opens, and the one open now',
        response: {
          200: z.object({ data: z.array(AccountChoiceView), current: z.string().nullable() }),
          401: ErrorResponse,
        },
      },
    },
    async (req) => ({
      data: await accountsOf(req.server.db, req.portal.loginId),
      current: req.portal.account?.customerId ?? null,
    }),
  );
  app.post(
    `${PREFIX}/account`,
    {
      config: { portal: 'session', idempotency: false },
      schema: {
        operationId: 'portalChooseAccount',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Open one of the accounts of this sign-in',
        body: ChooseAccount,
        response: { 200: AccountChoiceView, ...portalErrors },
      },
    },
    async (req) => {
      const account = await chooseAccount(req.server.db, req.portal, req.body.customer_id);
      if (!account) throw new AppError('portal_account_not_found', { id: req.body.customer_id });
      return account;
    },
  );

  // --- the open account ----------------------------------------------------------------------
  app.get(
    `${PREFIX}/me`,
    {
      schema: {
        operationId: 'portalGetMe',
        security: PORTAL_SECURITY,
        tags,
        summary: 'The contact, its customer, the tenant (name, time zone, currency), permissions',
        response: { 200: PortalMe, ...portalErrors },
      },
    },
    (req) => portalMe(caller(req), req.portal.email, req.portal.viewer),
  );
  app.get(
    `${PREFIX}/dashboard`,
    {
      schema: {
        operationId: 'portalGetDashboard',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Balance, past due, credits, last payment, last invoice (needs view_invoices)',
        response: { 200: PortalDashboard, ...portalErrors },
      },
    },
    (req) => portalDashboard(caller(req)),
  );
  app.get(
    `${PREFIX}/invoices`,
    {
      schema: {
        operationId: 'portalListInvoices',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Posted invoices of the account, newest first (needs view_invoices)',
        querystring: PortalInvoiceQuery,
        response: { 200: PortalInvoicePage, ...portalErrors },
      },
    },
    (req) => portalInvoices(caller(req), req.query),
  );
  app.get(
    `${PREFIX}/invoices/:id`,
    {
      schema: {
        operationId: 'portalGetInvoice',
        security: PORTAL_SECURITY,
        tags,
        summary: 'An invoice with its lines, payments and credits applied, pending and scheduled',
        params: IdParams,
        response: { 200: PortalInvoiceView, ...portalErrors },
      },
    },
    (req) => portalInvoice(caller(req), req.params.id),
  );
  app.get(
    `${PREFIX}/invoices/:id/pdf`,
    {
      schema: {
        operationId: 'portalGetInvoicePdf',
        security: PORTAL_SECURITY,
        tags,
        summary: 'The invoice as a PDF',
        params: IdParams,
        response: {
          200: z.any().describe('application/pdf'),
          ...portalErrors,
        },
      },
    },
    async (req, reply) => {
      const doc = await portalInvoiceDocument(caller(req), req.params.id);
      const pdf = await renderInvoicePdf(doc);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `inline; filename="${doc.invoice.number ?? 'invoice'}.pdf"`)
        .send(pdf);
    },
  );
  app.get(
    `${PREFIX}/payments`,
    {
      schema: {
        operationId: 'portalListPayments',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Payments of the account, newest first (needs view_payments)',
        querystring: PortalPaymentQuery,
        response: { 200: PortalPaymentPage, ...portalErrors },
      },
    },
    (req) => portalPayments(caller(req), req.query),
  );
  app.get(
    `${PREFIX}/credits`,
    {
      schema: {
        operationId: 'portalListCredits',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Credit memos and unapplied payments with what remains (needs view_credits)',
        querystring: PortalCreditsQuery,
        response: { 200: PortalCredits, ...portalErrors },
      },
    },
    (req) => portalCredits(caller(req), req.query),
  );
  app.get(
    `${PREFIX}/upcoming`,
    {
      schema: {
        operationId: 'portalGetUpcomingInvoice',
        security: PORTAL_SECURITY,
        tags,
        summary: 'An estimate of the next invoice, as of now (needs view_invoices)',
        querystring: PortalUpcomingQuery,
        response: { 200: PortalUpcoming, ...portalErrors },
      },
    },
    (req) => portalUpcoming(caller(req), req.query),
  );

  // --- usage (H3) ------------------------------------------------------------------------------
  app.get(
    `${PREFIX}/usage`,
    {
      schema: {
        operationId: 'portalListUsage',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Usage records of the account, newest first, by date range, text and invoiced ' +
          '(needs view_usage)',
        querystring: PortalUsageQuery,
        response: { 200: PortalUsagePage, ...portalErrors },
      },
    },
    (req) => portalUsage(caller(req), req.query),
  );
  app.post(
    `${PREFIX}/usage/exports`,
    {
      schema: {
        operationId: 'portalExportUsage',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Export the most recent usage records (up to 1,000) matching the filters, with these ' +
          'columns, to an .xlsx file; made in the background, the link (24 hours, this file ' +
          'only) comes by email (needs view_usage)',
        body: UsageExportRequest,
        response: { 202: UsageExportView, ...portalErrors },
      },
    },
    async (req, reply) => reply.code(202).send(await portalUsageExport(caller(req), req.body)),
  );
  app.get(
    `${PREFIX}/usage-exports/link`,
    {
      config: { portal: 'public' },
      schema: {
        operationId: 'portalGetUsageExportLink',
        tags,
        summary:
          'What an emailed usage export link opens (no session needed: the token is the ' +
          'credential); 404 when unknown or past its 24 hours',
        security: [],
        querystring: UsageExportLinkQuery,
        response: { 200: UsageExportLinkView, 400: ErrorResponse, 404: ErrorResponse },
      },
    },
    (req) => usageExportLink(req.server.db, req.server.clock, req.query.token),
  );
  app.get(
    `${PREFIX}/usage-exports/file`,
    {
      config: { portal: 'public' },
      schema: {
        operationId: 'portalDownloadUsageExport',
        tags,
        summary: 'Download the .xlsx file of an emailed usage export link',
        security: [],
        querystring: UsageExportLinkQuery,
        response: {
          200: z.any().describe(XLSX_TYPE),
          400: ErrorResponse,
          404: ErrorResponse,
        },
      },
    },
    async (req, reply) => {
      const { name, file } = await usageExportFile(
        req.server.db,
        req.server.clock,
        req.query.token,
      );
      return reply
        .header('content-type', XLSX_TYPE)
        .header('content-disposition', `attachment; filename="${name}"`)
        .header('cache-control', 'no-store')
        .send(file);
    },
  );
  // --- make a payment (E1, E2, E3, E5) ---------------------------------------------------------
  const payErrors = [
    'portal_permission_denied',
    'portal_not_found',
    'amount_exceeds_balance',
    'invoice_not_payable',
    'invoice_payment_pending',
    'payment_method_not_found',
    'payment_method_unverified',
    'card_expired',
    'scheduled_date_in_past',
  ] as const;
  app.get(
    `${PREFIX}/pay`,
    {
      schema: {
        operationId: 'portalGetPayOptions',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'What the account can pay (open invoices, pending bank debits) and with what (usable ' +
          'methods, the one used last preselected); needs make_payments',
        querystring: PortalPayQuery,
        response: { 200: PortalPayOptions, ...portalErrors },
      },
    },
    (req) => portalPayOptions(caller(req), req.query),
  );
  app.post(
    `${PREFIX}/payments/preview`,
    {
      config: { idempotency: false },
      schema: {
        operationId: 'portalPreviewPayment',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Review a payment before making it: per invoice, the total and the scheduled or ' +
          'autopay payments it would lower (E3); charges nothing',
        body: PortalPayInput,
        errors: [...payErrors],
        response: { 200: PortalPayPreview, ...portalErrors },
      },
    },
    (req) => portalPayPreview(caller(req), req.body),
  );
  app.post(
    `${PREFIX}/payments`,
    {
      schema: {
        operationId: 'portalCreatePayment',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Pay invoices of the account now, or on a later date, with a saved method or a new ' +
          'card or account (saved for later if asked); send an Idempotency-Key per attempt. A ' +
          'decline is payment_declined with the gateway’s reason',
        body: PortalPayInput,
        errors: [
          ...payErrors,
          'payment_declined',
          'payment_method_duplicate',
          'authorization_required',
          'gateway_error',
          'token_not_found',
          'token_used',
          'token_expired',
        ],
        response: { 201: PortalPayResult, ...portalErrors },
      },
    },
    async (req, reply) => {
      const agent = req.headers['user-agent'];
      const meta = {
        ip: req.ip,
        userAgent: typeof agent === 'string' ? agent.slice(0, 500) : undefined,
      };
      return reply.code(201).send(await portalPay(caller(req), req.body, meta));
    },
  );
  // --- payment methods and autopay (I3, D, G1) -------------------------------------------------
  app.get(
    `${PREFIX}/payment-methods`,
    {
      schema: {
        operationId: 'portalListPaymentMethods',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'The account’s payment methods and those its parent shares, the kinds contacts may ' +
          'add, and the gateway (needs manage_payment_methods or make_payments)',
        errors: [...ACCOUNT_ERRORS],
        response: { 200: PortalMethodList },
      },
    },
    (req) => portalMethods(caller(req)),
  );
  app.post(
    `${PREFIX}/payment-methods`,
    {
      schema: {
        operationId: 'portalCreatePaymentMethod',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Save a card or bank account from the gateway token the browser got (authorisation ' +
          'tick required; needs manage_payment_methods)',
        description:
          'Card and bank numbers never come to this endpoint: the browser sends them to the ' +
          'gateway’s tokenization (POST /sandbox/portal-tokens for the sandbox) and gives only ' +
          'the token. A bank account gets two micro-deposits to verify. Edit = delete and add again.',
        errors: [
          ...ACCOUNT_ERRORS,
          'authorization_required',
          'customer_archived',
          'gateway_error',
          'gateway_not_configured',
          'payment_method_duplicate',
          'payment_method_kind_not_accepted',
          'token_expired',
          'token_not_found',
          'token_used',
        ],
        body: PortalMethodCreate,
        response: { 201: PortalMethodView },
      },
    },
    async (req, reply) =>
      reply.code(201).send(await portalAddMethod(caller(req), req.body, requestMeta(req))),
  );
  app.post(
    `${PREFIX}/payment-methods/:id/default`,
    {
      config: { idempotency: false },
      schema: {
        operationId: 'portalSetDefaultPaymentMethod',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Make one of the account’s usable methods its default (needs manage_payment_methods)',
        errors: [
          ...ACCOUNT_ERRORS,
          'portal_not_found',
          'card_expired',
          'payment_method_unverified',
        ],
        params: IdParams,
        response: { 200: PortalMethodView },
      },
    },
    (req) => portalMakeDefault(caller(req), req.params.id),
  );
  app.delete(
    `${PREFIX}/payment-methods/:id`,
    {
      schema: {
        operationId: 'portalDeletePaymentMethod',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Delete one of the account’s methods; refused while an autopay rule or a scheduled ' +
          'payment uses it (needs manage_payment_methods)',
        errors: [...ACCOUNT_ERRORS, 'portal_not_found', 'payment_method_in_use'],
        params: IdParams,
        response: { 200: PortalMethodView },
      },
    },
    (req) => portalDeleteMethod(caller(req), req.params.id),
  );
  app.post(
    `${PREFIX}/payment-methods/:id/verify`,
    {
      config: { idempotency: false },
      schema: {
        operationId: 'portalVerifyPaymentMethod',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Verify a bank account with its two micro-deposit amounts, 3 attempts (needs ' +
          'manage_payment_methods)',
        errors: [
          ...ACCOUNT_ERRORS,
          'portal_not_found',
          'gateway_error',
          'verification_failed',
          'verification_locked',
          'verification_not_needed',
        ],
        params: IdParams,
        body: PortalVerifyBody,
        response: { 200: PortalMethodView },
      },
    },
    (req) => portalVerifyMethod(caller(req), req.params.id, req.body.amounts),
  );
  app.get(
    `${PREFIX}/autopay`,
    {
      schema: {
        operationId: 'portalGetAutopay',
        security: PORTAL_SECURITY,
        tags,
        summary: 'Whether future invoices are paid automatically, and whether it can change (G1)',
        errors: [...ACCOUNT_ERRORS],
        response: { 200: PortalAutopay },
      },
    },
    (req) => portalAutopay(caller(req)),
  );
  app.put(
    `${PREFIX}/autopay`,
    {
      schema: {
        operationId: 'portalSetAutopay',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Turn autopay of future invoices on (needs a usable method) or off (needs manage_autopay)',
        errors: [...ACCOUNT_ERRORS, 'autopay_locked', 'autopay_needs_method'],
        body: PortalAutopayPut,
        response: { 200: PortalAutopay },
      },
    },
    (req) => portalSetAutopay(caller(req), req.body.enabled),
  );
  app.put(
    `${PREFIX}/autopay-rules/:id`,
    {
      schema: {
        operationId: 'portalSetAutopayRule',
        security: PORTAL_SECURITY,
        tags,
        summary:
          'Turn one of the account’s autopay rules on or off (needs manage_autopay); a rule the ' +
          'billing team locked is refused',
        errors: [
          ...ACCOUNT_ERRORS,
          'portal_not_found',
          'autopay_rule_locked',
          'autopay_rule_invalid',
        ],
        params: IdParams,
        body: PortalAutopayPut,
        response: { 200: PortalAutopay },
      },
    },
    (req) => portalSetAutopayRule(caller(req), req.params.id, req.body.enabled),
  );
}
