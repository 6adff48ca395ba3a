/** The portal API's request and response shapes (A5, I1–I4). */
import { z } from 'zod';
import { ErrorResponse, ListQuery } from '../../core/schemas.js';
import { CONTACT_PERMISSIONS } from '../contacts/model.js';
import { CREDIT_TYPES, CreditsView } from '../credits/model.js';
import { AdjustmentView, INVOICE_STATUSES, InvoiceSummary, LineView } from '../invoices/model.js';
import { CardSummary } from '../methods/model.js';
import { Email } from '../staff/model.js';
import { MAX_PASSWORD_LENGTH } from './passwords.js';

// The rule itself (length, name, email) is checked by the service, so the answer can say why.
const Password = z.string().min(1).max(MAX_PASSWORD_LENGTH);
const LinkToken = z.string().min(1).max(100).describe('The token of the emailed link');

export const PortalLogin = z.strictObject({ email: Email, password: Password });
export const AcceptInvitation = z.strictObject({ token: LinkToken, password: Password });
export const ForgotPassword = z.strictObject({ email: Email });
export const ResetPassword = z.strictObject({ token: LinkToken, password: Password });
export const ChangePassword = z.strictObject({
  current_password: Password,
  new_password: Password,
});
export const ChooseAccount = z.strictObject({ customer_id: z.string().min(1).max(64) });

export const AccountChoiceView = z.object({
  tenant_id: z.string(),
  tenant_name: z.string(),
  customer_id: z.string(),
  customer_name: z.string(),
  customer_number: z.string(),
  contact_id: z.string(),
  contact_name: z.string(),
});

export const SignedIn = z.object({
  expires_at: z.string(),
  csrf_token: z
    .string()
    .describe(
      'Send in X-CSRF-Token with every POST of this session (also in the billow_portal_csrf cookie)',
    ),
  account: AccountChoiceView.nullable().describe('The open account; null until one is chosen'),
  accounts: z.array(AccountChoiceView),
});

export const InvitationView = z.object({
  contact_id: z.string(),
  email_id: z.string().describe('The invitation email in the outbox (GET /emails/{id})'),
  expires_at: z.string().describe('When the link stops working (72 hours, tenant clock)'),
});

export const PortalAccessView = z.object({
  contact_id: z.string(),
  status: z
    .enum(['none', 'invited', 'expired', 'active', 'revoked'])
    .describe('active: has set a password; invited: a link is valid; expired: re-send it'),
  invitation: z
    .object({ sent_at: z.string(), expires_at: z.string(), used: z.boolean() })
    .nullable()
    .describe('The latest invitation'),
  granted_at: z.string().nullable().describe('When the contact set its password'),
});

export const PortalMe = z.object({
  view_as: z
    .object({ staff_name: z.string() })
    .nullable()
    .describe('Set in a staff member’s read-only "view as customer" session'),
  login_email: z.string(),
  contact: z.object({ id: z.string(), name: z.string(), email: z.string() }),
  customer: z.object({ id: z.string(), name: z.string(), number: z.string() }),
  children: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        number: z.string(),
        parent_id: z.string().nullable(),
      }),
    )
    .describe('Child accounts whose records this account sees (customer_id filters)'),
  tenant: z.object({
    name: z.string(),
    time_zone: z.string(),
    currency: z.literal('USD'),
    mode: z.enum(['sandbox', 'live']),
  }),
  permissions: z.array(z.enum(CONTACT_PERMISSIONS)),
  has_usage: z
    .boolean()
    .describe('The customer has usage (records or a usage subscription): show the Usage tab'),
});

export const PortalDashboard = z.object({
  currency: z.literal('USD'),
  time_zone: z.string().describe('The tenant’s time zone, in which every date is given'),
  balance: z.number().describe('Open balance of the account’s own posted invoices'),
  past_due: z.number(),
  open_invoice_count: z.number(),
  children: z
    .object({ count: z.number(), balance: z.number(), past_due: z.number() })
    .describe('The child accounts rolled up (A3); their records are under customer_id filters'),
  credits_available: z
    .number()
    .nullable()
    .describe('Unapplied credits; null when the profile lacks view_credits'),
  payable: z.boolean().describe('Something is open and the contact may pay'),
  last_invoice_id: z.string().nullable(),
  last_payment: z
    .object({ id: z.string(), amount: z.number(), at: z.string() })
    .nullable()
    .describe('The last succeeded payment; null when none or the profile lacks view_payments'),
});

const PORTAL_STATUSES = INVOICE_STATUSES.filter((s) => s !== 'draft') as [
  Exclude<(typeof INVOICE_STATUSES)[number], 'draft'>,
  ...Exclude<(typeof INVOICE_STATUSES)[number], 'draft'>[],
];

const ChildFilter = z
  .string()
  .min(1)
  .max(64)
  .optional()
  .describe(
    'A child account of the open account (see children in /portal/me); default the account itself',
  );

export const PortalInvoiceQuery = ListQuery.extend({
  status: z.enum(PORTAL_STATUSES).optional(),
  customer_id: ChildFilter,
});
export const PortalPaymentQuery = ListQuery.extend({ customer_id: ChildFilter });
export const PortalUpcomingQuery = z.strictObject({ customer_id: ChildFilter });

// Accounting-sync and bill-run bookkeeping are the tenant's business, not the customer's.
export const PortalInvoiceSummary = InvoiceSummary.omit({
  bill_run_id: true,
  sync_state: true,
  synced_at: true,
  sync_error: true,
});

export const PortalInvoicePage = z.object({
  data: z.array(PortalInvoiceSummary),
  next_cursor: z.string().nullable(),
});

export const PortalInvoiceView = PortalInvoiceSummary.extend({
  void_reason: z.string().nullable(),
  lines: z.array(LineView),
  adjustments: z.array(AdjustmentView),
  summary: z.object({
    payment_pending: z.boolean().describe('A payment is on its way (a bank debit settling)'),
    payment_scheduled: z.array(
      z.object({ id: z.string(), scheduled_for: z.string(), amount: z.number() }),
    ),
    payments: z.array(
      z.object({
        payment_id: z.string(),
        status: z.string(),
        method_type: z.string(),
        amount: z.number(),
        date: z.string(),
      }),
    ),
    credits: z.array(
      z.object({
        credit_memo_id: z.string(),
        refund_id: z.string().nullable().describe('The refund this credit comes from, if any'),
        amount: z.number(),
        date: z.string(),
      }),
    ),
    refunds: z
      .array(
        z.object({
          refund_id: z.string(),
          payment_id: z.string(),
          amount: z.number(),
          outcome: z
            .enum(['credit', 'reopen'])
            .describe(
              'credit: the refunded amount was credited and nothing more is owed for it; reopen: it is owed again',
            ),
          credit_memo_id: z.string().nullable(),
          date: z.string(),
        }),
      )
      .describe('Refunds that took money back from this invoice, and what each meant'),
    autopay_rule: z.object({ id: z.string(), name: z.string() }).nullable(),
  }),
});

export const PortalPayment = z.object({
  id: z.string(),
  status: z.string(),
  amount: z.number(),
  currency: z.literal('USD'),
  method_type: z.string(),
  reference: z.string().nullable(),
  scheduled_for: z.string().nullable(),
  failure_message: z.string().nullable(),
  amount_refunded: z.number(),
  unapplied: z.number(),
  applications: z.array(z.object({ invoice_id: z.string(), amount: z.number() })),
  expected_settlement_date: z.string().nullable(),
  attempted_at: z.string().nullable(),
  settled_at: z.string().nullable(),
  created_at: z.string(),
});

export const PortalPaymentPage = z.object({
  data: z.array(PortalPayment),
  next_cursor: z.string().nullable(),
});

export const PortalCreditsQuery = ListQuery.extend({
  type: z.enum(CREDIT_TYPES).default('all'),
  customer_id: ChildFilter,
});
export const PortalCredits = CreditsView;

export const PortalUpcoming = z.object({
  estimate: z.literal(true),
  as_of: z.string(),
  billing_date: z.string(),
  currency: z.literal('USD'),
  lines: z.array(LineView.omit({ id: true })),
  total: z.number(),
  account_credits: z
    .array(LineView.omit({ id: true }))
    .describe(
      'Credits for prepaid days of canceled subscriptions that no charge on this invoice absorbs: credited to the account by the bill run',
    ),
  account_credit_total: z.number().describe('What the account will be credited (positive)'),
});

/** The error answers a portal endpoint gives, by status. */
export const portalErrors = {
  400: ErrorResponse,
  401: ErrorResponse,
  403: ErrorResponse,
  404: ErrorResponse,
  409: ErrorResponse,
};

// --- Make a payment (E1, E2, E3, E5) -------------------------------------------------------
export { PortalPayInput } from './pay-schema.js';

export const PortalPayQuery = z.strictObject({
  customer_id: z.string().min(1).max(64).optional().describe('A child account; default the own'),
});

const PayableInvoiceView = z.object({
  id: z.string(),
  number: z.string().nullable(),
  invoice_date: z.string(),
  due_date: z.string().nullable(),
  total: z.number().int(),
  balance: z.number().int().describe('Open: total − paid − credited'),
  pending: z.number().int().describe('Held by a bank debit not yet settled: do not pay it again'),
  available: z.number().int().describe('What can be paid now: balance − pending'),
});

const PayMethodView = z.object({
  id: z.string(),
  kind: z.enum(['card', 'bank_account']),
  label: z.string().describe('"Visa ending 4242"'),
  expires: z.string().nullable().describe('MM/YYYY of a card'),
  is_default: z.boolean(),
  inherited: z.boolean().describe('Shared by a parent account'),
});

export const PortalPayOptions = z.object({
  customer_id: z.string(),
  currency: z.literal('USD'),
  time_zone: z.string(),
  today: z.string().describe('The tenant’s business date: a later pay_on schedules the payment'),
  invoices: z
    .array(PayableInvoiceView)
    .describe(
      'Posted invoices with an open balance, oldest first: as many as one payment may pay (100)',
    ),
  total_available: z.number().int().describe('What all open invoices leave to pay, listed or not'),
  payable_count: z
    .number()
    .int()
    .describe('Open invoices with something left to pay, listed or not'),
  unlisted_count: z.number().int().describe('Open invoices left off the list (the newest)'),
  methods: z.array(PayMethodView).describe('Usable saved methods (own, then shared by a parent)'),
  preselected_method_id: z.string().nullable().describe('The method used last, else the default'),
  last_used_method_id: z.string().nullable(),
  new_method: z
    .object({
      gateway: z.enum(['sandbox', 'stripe']).nullable(),
      kinds: z.array(z.enum(['card', 'bank_account'])),
    })
    .describe(
      'What a new card or bank account can be: the gateway whose tokenization the browser uses, and the kinds the tenant accepts in the portal',
    ),
});

export const PortalPayPreview = z.object({
  customer_id: z.string(),
  currency: z.literal('USD'),
  lines: z.array(
    z.object({
      invoice_id: z.string(),
      number: z.string().nullable(),
      due_date: z.string().nullable(),
      balance: z.number().int(),
      pending: z.number().int(),
      amount: z.number().int(),
      remaining: z.number().int().describe('Left to pay on the invoice after this payment'),
    }),
  ),
  total: z.number().int().describe('What will be charged'),
  pay_on: z.string().nullable().describe('null: charged now'),
  today: z.string(),
  method: PayMethodView.nullable().describe('The saved method; null for a new one'),
  new_method: z.object({ save: z.boolean() }).nullable(),
  reduces: z
    .array(
      z.object({
        id: z.string(),
        scheduled_for: z.string().nullable(),
        source: z.string().describe('scheduled, autopay, …'),
        old_amount: z.number().int(),
        new_amount: z.number().int().nullable().describe('null: it would be cancelled'),
      }),
    )
    .describe('Scheduled or autopay payments this payment would lower (E3)'),
});

export const PortalPayResult = z.object({
  payment: z.object({
    id: z.string(),
    status: z.enum(['succeeded', 'pending', 'scheduled']),
    amount: z.number().int(),
    currency: z.literal('USD'),
    scheduled_for: z.string().nullable(),
    expected_settlement_date: z.string().nullable(),
    created_at: z.string(),
    method_label: z.string(),
  }),
  invoices: z.array(
    z.object({ invoice_id: z.string(), number: z.string().nullable(), amount: z.number().int() }),
  ),
  reduced_scheduled: z.array(
    z.object({
      id: z.string(),
      old_amount: z.number().int(),
      new_amount: z.number().int().nullable(),
    }),
  ),
  receipt_emailed_to: z.array(z.string()).describe('Where the receipt was sent (succeeded only)'),
  saved_method_id: z
    .string()
    .nullable()
    .describe('The new method, when "save for later" was ticked'),
});

// --- payment methods and autopay (I3, D, G1) -----------------------------------------------------

export const PortalMethodCreate = z.strictObject({
  gateway_token: z
    .string()
    .trim()
    .min(1)
    .max(255)
    .describe(
      'The token the gateway’s tokenization gave the browser (POST /sandbox/portal-tokens); ' +
        'card and bank numbers never come here',
    ),
  authorized: z
    .boolean()
    .describe('The contact’s authorisation tick: must be true to save the method (D7)'),
  shared_with_children: z
    .boolean()
    .optional()
    .describe('Available to child accounts; only for an account that has child accounts'),
  make_default: z
    .boolean()
    .optional()
    .describe('Default true: the new method (a bank account once verified) becomes the default'),
});
export type PortalMethodCreate = z.infer<typeof PortalMethodCreate>;

export const PortalVerifyBody = z.strictObject({
  amounts: z
    .tuple([z.number().int().min(1).max(99), z.number().int().min(1).max(99)])
    .describe('The two micro-deposits in cents (1–99), in any order'),
});

export const PortalMethodView = z.object({
  id: z.string(),
  kind: z.enum(['card', 'bank_account']),
  status: z.enum(['usable', 'unverified', 'verification_locked', 'expired', 'deleted']),
  usable: z.boolean().describe('Can pay now (verified, not expired)'),
  card: CardSummary.nullable(),
  bank_account: z
    .object({
      last4: z.string(),
      bank_name: z.string().nullable(),
      account_type: z.enum(['checking', 'savings']),
      holder_type: z.enum(['personal', 'business']),
    })
    .nullable(),
  name: z.string().nullable(),
  is_default: z.boolean(),
  inherited: z
    .boolean()
    .describe('Shared by the parent account ("available to child accounts"); read-only here'),
  shared_with_children: z.boolean(),
  verification: z
    .object({ attempts_left: z.number().int(), locked: z.boolean(), verified: z.boolean() })
    .nullable()
    .describe('Micro-deposit verification of a bank account; null for a card'),
  created_at: z.string(),
});
export type PortalMethodView = z.infer<typeof PortalMethodView>;

export const PortalMethodList = z.object({
  data: z.array(PortalMethodView).describe('The account’s own methods, then the parent’s shared'),
  default_method_id: z
    .string()
    .nullable()
    .describe('The method payments use: the own default, else one the parent shares'),
  accepted_kinds: z
    .array(z.enum(['card', 'bank_account']))
    .describe('The kinds the billing team lets contacts add here'),
  gateway: z
    .enum(['sandbox', 'stripe'])
    .nullable()
    .describe('Whose tokenization the browser uses: the sandbox’s endpoint, or Stripe.js'),
  can_share_with_children: z.boolean().describe('The account has child accounts'),
});

export const PortalAutopay = z.object({
  enabled: z.boolean().describe('Autopay future invoices with the default method'),
  locked: z.boolean().describe('The billing team locked autopay: the contact cannot change it'),
  method: PortalMethodView.nullable().describe('The method autopay uses (the default)'),
  blocked_reason: z
    .enum(['locked', 'no_usable_method'])
    .nullable()
    .describe('Why the contact cannot turn autopay on now; null when it can change it'),
  rules: z
    .array(
      z.object({
        id: z.string(),
        name: z.string(),
        enabled: z.boolean(),
        locked: z
          .boolean()
          .describe('The billing team locked the rule: the contact cannot turn it on or off'),
        method: PortalMethodView.nullable().describe('The method the rule pays with'),
      }),
    )
    .describe('The autopay rules the billing team set, in the order they are tried (G2–G4)'),
});
export const PortalAutopayPut = z.strictObject({ enabled: z.boolean() });
