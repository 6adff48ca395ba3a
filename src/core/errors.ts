/**
 * Stable error codes: one table maps each code to its HTTP status, a message a user can act
 * on, and when it is thrown. Services throw `AppError(code, details)`; the HTTP layer turns it
 * into `{ error: { code, message, details } }` with the status below.
 */

interface ErrorSpec {
  status: number;
  message: string;
  /** When this error is thrown (docs/api.md is generated from these lines). */
  when: string;
}

export const ERRORS = {
  // --- request shape -------------------------------------------------------------------
  validation_failed: {
    status: 400,
    message: 'The request does not match the expected shape; see details.issues.',
    when: 'a field is missing, of the wrong type, out of range, or not allowed',
  },
  invalid_json: {
    status: 400,
    message: 'The request body is not valid JSON.',
    when: 'the body cannot be parsed',
  },
  unsupported_media_type: {
    status: 415,
    message: 'Send the body as application/json.',
    when: 'the Content-Type is not one the endpoint accepts',
  },
  payload_too_large: {
    status: 413,
    message: 'The request body is too large.',
    when: 'the body exceeds the size limit of the endpoint',
  },
  invalid_cursor: {
    status: 400,
    message: 'The pagination cursor is not valid; start again without it.',
    when: 'a cursor was not produced by this list',
  },
  route_not_found: {
    status: 404,
    message: 'There is no such endpoint.',
    when: 'the method and path match no route',
  },
  // --- access ----------------------------------------------------------------------------
  unauthenticated: {
    status: 401,
    message: 'Sign in or send a valid API key as "Authorization: Bearer <key>".',
    when: 'no credentials, an unknown or revoked key, or an expired session',
  },
  invalid_credentials: {
    status: 401,
    message: 'The email or password is not correct.',
    when: 'a login with a wrong email or password',
  },
  tenant_required: {
    status: 400,
    message: 'This email belongs to several tenants; say which with tenant_id.',
    when: 'a login whose email matches staff users in more than one tenant',
  },
  forbidden: {
    status: 403,
    message: 'Your role does not allow this action.',
    when: 'the caller is authenticated but lacks the permission',
  },
  rate_limited: {
    status: 429,
    message: 'Too many requests; wait and try again.',
    when: 'a rate limit (login attempts) was exceeded',
  },
  // --- idempotency -----------------------------------------------------------------------
  idempotency_key_reused: {
    status: 409,
    message: 'This Idempotency-Key was already used with a different request.',
    when: 'a POST repeats a key with another method, path or body',
  },
  idempotency_key_in_progress: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed; retry shortly.',
    when: 'two requests with one key arrive at the same time',
  },
  invalid_idempotency_key: {
    status: 400,
    message: 'The Idempotency-Key header must be 1 to 255 printable characters.',
    when: 'the header is empty or too long',
  },
  // --- tenants, staff, keys ------------------------------------------------------------
  staff_not_found: { status: 404, message: 'No such staff user.', when: 'unknown staff id' },
  staff_email_taken: {
    status: 409,
    message: 'A staff user with this email already exists in this tenant.',
    when: 'creating a staff user with an email in use',
  },
  last_owner: {
    status: 409,
    message: 'A tenant must keep at least one active owner.',
    when: 'demoting or disabling the last owner',
  },
  api_key_not_found: { status: 404, message: 'No such API key.', when: 'unknown key id' },
  role_too_high: {
    status: 403,
    message: 'You cannot grant a role above your own.',
    when: 'creating a key or staff user with a role above the caller’s',
  },
  invalid_time_zone: {
    status: 400,
    message: 'The time zone is not a known IANA zone such as America/New_York.',
    when: 'tenant settings with an unknown zone',
  },
  // --- clock ---------------------------------------------------------------------------
  clock_not_movable: {
    status: 409,
    message: 'Only sandbox tenants have a movable clock.',
    when: 'advancing the clock of a live tenant',
  },
  clock_cannot_go_back: {
    status: 422,
    message: 'The clock only moves forward; choose a later time.',
    when: 'advancing to a time before the tenant’s current time',
  },
  // --- customers and contacts ----------------------------------------------------------
  customer_not_found: {
    status: 404,
    message: 'No such customer.',
    when: 'an unknown customer id, or one of another tenant',
  },
  customer_number_taken: {
    status: 409,
    message: 'Another customer already has this number.',
    when: 'creating or renumbering a customer with a number in use',
  },
  customer_hierarchy_cycle: {
    status: 422,
    message: 'A customer cannot be its own ancestor; choose another parent.',
    when: 'setting a parent that is the customer or one of its descendants',
  },
  customer_has_children: {
    status: 409,
    message: 'Move or archive the child accounts first.',
    when: 'archiving a customer that still has active children',
  },
  contact_not_found: {
    status: 404,
    message: 'No such contact.',
    when: 'an unknown contact id, or one of another tenant',
  },
  contact_email_taken: {
    status: 409,
    message: 'This customer already has a contact with this email.',
    when: 'adding a second contact with the same email to one customer',
  },
  contact_revoked: {
    status: 409,
    message: 'This contact’s access was revoked; create a new contact to restore it.',
    when: 'changing a revoked contact',
  },
  contact_profile_not_found: {
    status: 404,
    message: 'No such contact profile.',
    when: 'an unknown profile id, or one of another tenant',
  },
  contact_profile_name_taken: {
    status: 409,
    message: 'Another contact profile has this name.',
    when: 'creating or renaming a profile to a name in use',
  },
  contact_profile_in_use: {
    status: 409,
    message: 'Contacts still use this profile; move them to another profile first.',
    when: 'deleting a profile that contacts use',
  },
  contact_profile_is_default: {
    status: 409,
    message: 'This is the default contact profile; make another profile the default first.',
    when: 'deleting the tenant’s default contact profile',
  },
  customer_archived: {
    status: 409,
    message: 'This customer is archived; restore it (status active) before changing it.',
    when: 'changing an archived customer, adding a contact to it, or choosing it as a parent',
  },
  // --- webhooks ------------------------------------------------------------------------
  webhook_endpoint_not_found: {
    status: 404,
    message: 'No such webhook endpoint.',
    when: 'an unknown endpoint id, or one of another tenant',
  },
  // --- catalog, subscriptions, usage ----------------------------------------------------
  product_not_found: {
    status: 404,
    message: 'No such product.',
    when: 'an unknown product id, or one of another tenant',
  },
  price_not_found: {
    status: 404,
    message: 'No such price.',
    when: 'an unknown price id, or one of another tenant',
  },
  price_in_use: {
    status: 409,
    message: 'This price has been used and can no longer change; create a new price instead.',
    when: 'changing the amounts of a price that a subscription or invoice already uses',
  },
  price_inactive: {
    status: 409,
    message: 'This price is archived; choose an active price.',
    when: 'subscribing to or charging an inactive price',
  },
  price_kind_mismatch: {
    status: 422,
    message: 'This kind of price cannot be used here.',
    when: 'subscribing to a one-time price, or charging a recurring price once',
  },
  currency_not_supported: {
    status: 422,
    message: 'Only USD is supported.',
    when: 'a price or payment in a currency other than the tenant’s (USD)',
  },
  subscription_not_found: {
    status: 404,
    message: 'No such subscription.',
    when: 'an unknown subscription id, or one of another tenant',
  },
  subscription_canceled: {
    status: 409,
    message: 'This subscription is canceled.',
    when: 'changing or canceling a canceled subscription',
  },
  billing_not_set_up: {
    status: 422,
    message:
      'This customer has no usable payment method (own or shared by its parent); add and verify ' +
      'one, or put the customer on invoice-only terms, before starting a subscription.',
    when: 'starting a subscription for a customer whose billing is not set up (A7)',
  },
  usage_not_subscribed: {
    status: 422,
    message: 'The customer has no active usage subscription for this unit of measure.',
    when: 'usage for a unit of measure no subscription of the customer prices',
  },
  usage_date_outside_subscription: {
    status: 422,
    message: 'The usage date is outside the subscription’s service dates.',
    when: 'usage dated before the subscription started or after it ended',
  },
  // --- invoices and bill runs ------------------------------------------------------------
  invoice_not_found: {
    status: 404,
    message: 'No such invoice.',
    when: 'an unknown invoice id, or one of another tenant',
  },
  invoice_line_not_found: {
    status: 404,
    message: 'No such line on this invoice.',
    when: 'an unknown line id for the invoice',
  },
  invoice_not_draft: {
    status: 409,
    message: 'A posted invoice changes only through adjustments.',
    when: 'editing, deleting or posting an invoice that is not a draft',
  },
  invoice_not_posted: {
    status: 409,
    message: 'Only a posted invoice can be adjusted, voided or emailed.',
    when: 'adjusting, voiding or emailing a draft or void invoice',
  },
  invoice_empty: {
    status: 422,
    message: 'An invoice needs at least one line before it can be posted.',
    when: 'posting a draft without lines',
  },
  invoice_has_applications: {
    status: 409,
    message: 'Payments or credits are applied to this invoice; reverse them before voiding.',
    when: 'voiding an invoice with applied payments or credits',
  },
  adjustment_exceeds_balance: {
    status: 422,
    message: 'A credit adjustment cannot exceed what is left open on the invoice (or the line).',
    when: 'a credit adjustment larger than the open balance or the adjusted line',
  },
  bill_run_not_found: {
    status: 404,
    message: 'No such bill run.',
    when: 'an unknown bill run id, or one of another tenant',
  },
  bill_run_not_completed: {
    status: 409,
    message: 'The bill run has not finished generating its invoices yet.',
    when: 'posting or emailing a bill run still in progress',
  },
  bill_run_target_in_past: {
    status: 422,
    message: 'The target date is before the target date of the last bill run.',
    when: 'a bill run whose target date is earlier than an earlier run’s',
  },
  bill_run_in_progress: {
    status: 409,
    message: 'Another bill run of this tenant is still generating invoices.',
    when: 'starting a bill run while another one is pending or running',
  },
  // --- email -----------------------------------------------------------------------------
  email_not_found: {
    status: 404,
    message: 'No such email.',
    when: 'an unknown email id, or one of another tenant',
  },
  no_invoice_recipients: {
    status: 422,
    message:
      'No contact of this customer receives invoice emails; give a contact a profile with ' +
      '"receive invoice emails".',
    when: 'emailing an invoice when no active contact’s profile receives invoices',
  },
  // --- fallback ------------------------------------------------------------------------
  internal_error: {
    status: 500,
    message: 'Something went wrong on our side; nothing was changed. Try again.',
    when: 'an unexpected failure (logged with the request id)',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, details?: Record<string, unknown>, message?: string) {
    super(message ?? ERRORS[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.details = details;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
