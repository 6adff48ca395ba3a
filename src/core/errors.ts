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
  setup_done: {
    status: 409,
    message: 'This installation is already set up; sign in instead.',
    when: 'a first-run setup (POST /setup) once the installation has a tenant',
  },
  csrf_failed: {
    status: 403,
    message:
      'This request needs the X-CSRF-Token of your session from the same origin; reload the page.',
    when: 'a state-changing request with a session cookie lacks the CSRF token or comes from another origin',
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
  contact_no_portal_access: {
    status: 409,
    message: 'This contact has not set a portal password yet; send the welcome email instead.',
    when: 'a staff password reset for a contact that never accepted its invitation',
  },
  no_statement_recipients: {
    status: 409,
    message: 'This customer has no billing contact and no billing email to send a statement to.',
    when: 'emailing a statement to a customer without billing contacts or billing email',
  },
  portal_read_only: {
    status: 403,
    message: 'This is a staff member’s read-only view of the portal; nothing can be changed here.',
    when: 'a state-changing portal request in a "view as customer" session',
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
  webhook_delivery_not_found: {
    status: 404,
    message: 'No such webhook delivery.',
    when: 'an unknown delivery id, or one of another tenant',
  },
  webhook_delivery_pending: {
    status: 409,
    message:
      'This event is still being delivered to this endpoint; wait for the attempts to finish ' +
      'before re-sending it.',
    when: 're-sending a delivery while a delivery of the same event to the same endpoint is pending',
  },
  webhook_endpoint_disabled: {
    status: 409,
    message: 'This endpoint is disabled; enable it before re-sending to it.',
    when: 're-sending a delivery to a disabled endpoint',
  },
  webhook_url_private: {
    status: 422,
    message:
      'This URL points at a private, loopback or link-local address, which this installation ' +
      'does not deliver webhooks to; use a public address.',
    when:
      'creating or changing an endpoint whose URL host is a private, loopback or link-local IP ' +
      'address (10.0.0.1, 127.0.0.1, 169.254.169.254, [fd00::1]…), unless the installation sets ' +
      'BILLOW_WEBHOOKS_ALLOW_PRIVATE',
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
  usage_subscription_overlap: {
    status: 409,
    message:
      'The customer already has a usage subscription for this unit of measure over these ' +
      'dates (details.subscription_id); cancel it, or start the new one when it ends.',
    when: 'starting a usage subscription whose unit of measure and dates overlap another one of the customer',
  },
  charge_not_found: {
    status: 404,
    message: 'No such one-time charge.',
    when: 'an unknown charge id, or one of another tenant',
  },
  charge_invoiced: {
    status: 409,
    message:
      'This charge is already on an invoice (details.invoice_id); remove the line from the ' +
      'draft invoice, or adjust the posted invoice, instead.',
    when: 'deleting a one-time charge a bill run or invoice has taken',
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
  email_link_dead: {
    status: 409,
    message: 'This email’s link no longer works, so a copy would not work either.',
    when: 'resending an email whose single-use link was used, replaced or has expired (details.link, details.reason; the message says what to send instead)',
  },
  no_invoice_recipients: {
    status: 422,
    message:
      'No contact of this customer receives invoice emails; give a contact a profile with ' +
      '"receive invoice emails".',
    when: 'emailing an invoice when no active contact’s profile receives invoices',
  },
  email_template_not_found: {
    status: 404,
    message: 'No such email template.',
    when: 'a template key that is not one of the built-in keys (see GET /email-templates)',
  },
  email_template_invalid: {
    status: 400,
    message: 'The template uses a placeholder this template does not know.',
    when: 'saving, previewing or test-sending a template with an unknown {{placeholder}}, a lone {{ or }}, or a {{#section}} that is not closed in order',
  },
  // --- payment methods and gateways ----------------------------------------------------
  card_number_invalid: {
    status: 422,
    message:
      'The card number is not valid: enter 12 to 19 digits of a Visa, Mastercard, American ' +
      'Express or Discover card, without spaces.',
    when: 'a card number with letters, a wrong length, a failed Luhn check or an unsupported brand',
  },
  card_expiry_invalid: {
    status: 422,
    message: 'Enter the expiry date as MM/YY, for example 04/29.',
    when: 'a card expiry that is not MM/YY with a month from 01 to 12',
  },
  card_expired: {
    status: 422,
    message: 'This card has expired; use a card whose expiry date is this month or later.',
    when: 'a card whose expiry month is before the tenant’s current month',
  },
  cvc_invalid: {
    status: 422,
    message: 'The security code (CVC) must be 3 digits, or 4 digits for American Express.',
    when: 'a CVC of the wrong length for the card’s brand, or with letters',
  },
  routing_number_invalid: {
    status: 422,
    message: 'The routing number must be 9 digits with a valid ABA checksum.',
    when: 'a routing number that is not 9 digits or fails the ABA checksum',
  },
  account_number_invalid: {
    status: 422,
    message: 'The account number must be 4 to 17 digits.',
    when: 'a bank account number with letters or fewer than 4 or more than 17 digits',
  },
  authorization_required: {
    status: 422,
    message:
      'Tick the authorisation: the customer must authorise charges to this payment method ' +
      '(send "authorized": true).',
    when: 'adding or replacing a payment method without "authorized": true',
  },
  payment_method_not_found: {
    status: 404,
    message: 'No such payment method.',
    when: 'an unknown or deleted method id, one of another tenant, or one not shared with this customer',
  },
  payment_method_duplicate: {
    status: 409,
    message:
      'This card or bank account is already saved for this customer (details.existing_id); ' +
      'replace that method to change its details.',
    when: 'saving a card or bank account whose fingerprint matches a saved method of the customer',
  },
  payment_method_unverified: {
    status: 409,
    message:
      'This bank account is not verified yet; enter the two micro-deposit amounts first ' +
      '(POST /payment-methods/{id}/verify).',
    when: 'making an unverified bank account the default, or using it to pay',
  },
  payment_method_kind_mismatch: {
    status: 422,
    message:
      'A card is replaced by a card and a bank account by a bank account; add the new kind ' +
      'as a new method instead.',
    when: 'replacing a method with a token of the other kind',
  },
  payment_method_kind_not_accepted: {
    status: 422,
    message:
      'This kind of payment method cannot be added here; details.accepted lists the kinds ' +
      'the billing team accepts.',
    when: 'a contact adding (or tokenizing) a card or bank account the tenant does not accept in the portal',
  },
  payment_method_in_use: {
    status: 409,
    message:
      'Autopay rules or scheduled payments use this method (details.used_by); reassign or ' +
      'cancel them first.',
    when: 'deleting a method that an autopay rule or a scheduled payment refers to',
  },
  verification_not_needed: {
    status: 409,
    message:
      'This method needs no micro-deposit verification (a card, or an already verified account).',
    when: 'verifying a card, or a bank account that is already verified',
  },
  verification_failed: {
    status: 422,
    message:
      'The amounts do not match the two micro-deposits; check the bank statement and try ' +
      'again (details.attempts_left).',
    when: 'a verification with wrong amounts, or for an account whose micro-deposits failed',
  },
  verification_locked: {
    status: 409,
    message:
      'Too many wrong verification attempts: this bank account is locked. Delete it and add ' +
      'it again to receive new micro-deposits.',
    when: 'verifying a bank account after its attempts are used up or its deposits failed',
  },
  token_not_found: {
    status: 404,
    message: 'No such gateway token; tokenize the card or bank account again.',
    when: 'an unknown token, or one created for another tenant',
  },
  token_used: {
    status: 409,
    message: 'This token was already used; tokenize the card or bank account again.',
    when: 'a gateway token presented a second time (tokens are single-use)',
  },
  token_expired: {
    status: 409,
    message:
      'This token has expired (tokens last 30 minutes); tokenize the card or bank account again.',
    when: 'a sandbox token older than 30 minutes on the tenant clock',
  },
  gateway_error: {
    status: 502,
    message:
      'The payment gateway could not be reached or refused the request; nothing was saved. ' +
      'Try again in a moment.',
    when: 'the gateway is unreachable, rejects the credentials, or answers unexpectedly',
  },
  gateway_not_configured: {
    status: 409,
    message:
      'No payment gateway is configured for this tenant; set one up with PUT /gateway-settings.',
    when: 'a live tenant without Stripe credentials adding or using a payment method',
  },
  sandbox_only: {
    status: 409,
    message:
      'The sandbox gateway serves sandbox tenants only; a live tenant tokenizes card and bank ' +
      'data with its gateway’s client library (Stripe.js).',
    when: 'a live tenant calling a /sandbox endpoint or choosing the sandbox gateway',
  },
  stripe_key_invalid: {
    status: 422,
    message:
      'Give a Stripe secret key (sk_… or rk_…): a test-mode key for a sandbox tenant, a ' +
      'live-mode key for a live tenant.',
    when: 'gateway settings with a malformed Stripe key, or one whose mode does not match the tenant',
  },
  // --- credits -------------------------------------------------------------------------
  credit_memo_not_found: {
    status: 404,
    message: 'No such credit memo.',
    when: 'an unknown credit memo id, or one of another tenant',
  },
  credit_memo_void: {
    status: 409,
    message: 'This credit memo is void; it cannot be applied or voided again.',
    when: 'applying or voiding a void credit memo',
  },
  credit_memo_applied: {
    status: 409,
    message: 'This credit memo is already applied to invoices; a memo is voided only while unused.',
    when: 'voiding a credit memo that has applications',
  },
  credit_exceeds_remaining: {
    status: 422,
    message: 'The allocations add up to more than what remains on the credit memo.',
    when: 'applying a credit memo beyond its remaining amount',
  },
  credit_exceeds_invoice_balance: {
    status: 422,
    message:
      'An allocation is larger than what is open on the invoice (its balance less payments in flight).',
    when: 'applying a credit to an invoice beyond its available amount',
  },
  credit_invoice_other_customer: {
    status: 422,
    message: 'A credit applies only to invoices of the customer it was issued to.',
    when: 'a credit memo issued or applied to an invoice of another customer',
  },
  credit_nothing_to_apply: {
    status: 409,
    message: 'Nothing to apply: the memo is used up or the customer has no open invoice.',
    when: 'applying a fully used credit memo, or with no open invoice to apply it to',
  },
  // --- autopay / payment runs -------------------------------------------------------------
  autopay_rule_not_found: {
    status: 404,
    message: 'No such autopay rule.',
    when: 'an unknown or deleted autopay rule id, or one of another tenant',
  },
  autopay_rule_invalid: {
    status: 422,
    message:
      'An autopay rule is not valid; details.rules lists each rule and criteria row at fault ' +
      'and what to change.',
    when: 'saving a rule with an unknown field, an operator the field does not take, values of the wrong type or none, or a method the customer cannot use',
  },
  autopay_rule_locked: {
    status: 409,
    message:
      'This autopay rule is locked; unlock it (PATCH {"locked": false}) before changing or removing it.',
    when: 'changing or removing a locked rule other than unlocking it',
  },
  autopay_rules_mismatch: {
    status: 422,
    message: 'Give every rule of the customer exactly once, in the new order (details.expected).',
    when: 'a reorder whose ids are not exactly the customer’s rules, or a replace naming a rule of another customer twice or unknown',
  },
  autopay_locked: {
    status: 409,
    message: 'The billing team has locked autopay for this account; ask them to change it.',
    when: 'a contact turning simple autopay on or off while staff have locked it',
  },
  autopay_needs_method: {
    status: 422,
    message:
      'Autopay needs a usable payment method: add (and verify) one for the customer, or have ' +
      'its parent share one.',
    when: 'turning autopay on for a customer without a usable own or inherited method',
  },
  payment_run_not_found: {
    status: 404,
    message: 'No such payment run.',
    when: 'an unknown payment run id, or one of another tenant',
  },
  payment_run_target_date_ahead: {
    status: 422,
    message:
      'A payment run collects what is due by the day it runs: give a target date on or before ' +
      'the run date (details.latest). To collect earlier, make a payment by hand.',
    when: 'a payment run whose target_date is after its run_on date (or after today for a run that starts now)',
  },
  payment_run_not_finished: {
    status: 409,
    message: 'The payment run is still running; retry its failed payments when it has completed.',
    when: 'retrying the failed payments of a scheduled or running payment run',
  },
  payment_not_retryable: {
    status: 409,
    message:
      'Only a failed payment made through a saved method, not yet retried, can be retried ' +
      '(details.payments lists why for each).',
    when: 'retrying a payment that did not fail, was already retried, or was not a gateway charge',
  },
  payment_has_live_retry: {
    status: 409,
    message:
      'This failed payment already has a retry that is pending or succeeded (details.payments ' +
      'names it); a failed payment is charged again at most once, so follow that retry instead.',
    when: 'retrying a failed payment whose retry is pending or succeeded, including one started by a concurrent request',
  },
  calendar_range_invalid: {
    status: 400,
    message: 'Give from ≤ to, at most 366 days apart.',
    when: 'a calendar range that is reversed or longer than 366 days',
  },
  // --- payments ------------------------------------------------------------------------
  payment_not_found: {
    status: 404,
    message: 'No such payment.',
    when: 'an unknown payment id, or one of another tenant',
  },
  invoice_not_payable: {
    status: 409,
    message: 'Only a posted invoice of this customer can be paid (not a draft or a void one).',
    when: 'allocating a payment to a draft or void invoice, or to another customer’s invoice',
  },
  amount_exceeds_balance: {
    status: 422,
    message:
      'The payment is larger than what is open on the invoices (details.available); lower it, ' +
      'or mark it as a prepayment to keep the rest as an unapplied payment.',
    when: 'an allocation above an invoice’s available amount, allocations above the amount, or a remainder without prepayment',
  },
  payment_not_cancellable: {
    status: 409,
    message: 'Only a scheduled payment can be rescheduled or cancelled.',
    when: 'rescheduling or cancelling a payment that is no longer scheduled',
  },
  payment_not_refundable: {
    status: 409,
    message: 'This payment has been refunded in full.',
    when: 'refunding a payment that is already refunded in full',
  },
  refund_in_return_window: {
    status: 409,
    message:
      'This bank debit may still be returned by the bank; it can be refunded once the return window has passed.',
    when: 'refunding a bank debit within the tenant’s refund_guard_days (default 60) of its settlement (details.refundable_from, details.refund_guard_days)',
  },
  payment_returned_not_refundable: {
    status: 409,
    message:
      'The bank returned this payment: the money already went back to the payer, so there is ' +
      'nothing to refund.',
    when: 'refunding a payment whose bank debit came back (returned)',
  },
  payment_not_collected: {
    status: 409,
    message:
      'This payment collected no money (details.status), so there is nothing to refund; cancel ' +
      'a scheduled payment instead.',
    when: 'refunding a payment that is scheduled, failed or cancelled',
  },
  payment_not_settled: {
    status: 409,
    message: 'This payment has not settled yet; refund it once it has succeeded.',
    when: 'refunding a pending payment (a bank debit or a card charge not yet settled)',
  },
  refund_exceeds_payment: {
    status: 422,
    message: 'A refund cannot exceed what is left of the payment (details.refundable).',
    when: 'a refund larger than the amount minus what was already refunded',
  },
  invoice_payment_pending: {
    status: 422,
    message:
      'Part of this balance is held by a payment still in flight (a bank debit that has not settled; details.pending lists each with its amount and expected settlement date). Wait until it settles or fails, or pay less; a prepayment keeps any rest as an unapplied payment.',
    when: 'a payment larger than what is available on invoices because a pending bank debit holds part of their balance',
  },
  amount_too_large: {
    status: 422,
    message:
      'This amount, or an amount computed from it (quantity × unit amount, a total, the customer’s open balance), would exceed the largest amount Billow holds (details.field, details.max); nothing was changed.',
    when: 'a computed line amount, invoice total or charge above 10^13 minor units (details.field names the input), or posting an invoice that takes the customer’s open balance above 10^15 (details.field "balance", details.customer_id); a balance read whose exact sum is beyond 2^53 − 1',
  },
  refund_failed: {
    status: 502,
    message: 'The gateway refused the refund (details.message); nothing was changed.',
    when: 'the gateway declines a refund',
  },
  scheduled_date_in_past: {
    status: 422,
    message: 'A scheduled payment needs a business date after today (tenant time zone).',
    when: 'scheduling or rescheduling a payment for today or a past date',
  },
  payment_nothing_unapplied: {
    status: 422,
    message:
      'The allocations add up to more than the payment’s unapplied remainder (details.unapplied).',
    when: 'applying more than a payment’s unapplied remainder, or applying a payment that does not count',
  },
  // --- accounting sync -------------------------------------------------------------------
  accounting_record_not_found: {
    status: 404,
    message:
      'Some results name records that do not exist (details.records lists each type and id); ' +
      'nothing was changed.',
    when: 'sync results naming an unknown invoice, payment or credit memo id, one of another tenant, or one of another type',
  },
  accounting_record_not_syncable: {
    status: 409,
    message:
      'Some results name records that are not sent to accounting (details.records lists each ' +
      'with its status): draft invoices, and payments that moved no money. Nothing was changed.',
    when: 'sync results for a draft invoice, or a payment that is scheduled, pending, failed, cancelled or returned before it settled',
  },
  // --- CSRF and the customer portal -------------------------------------------------------
  portal_session_required: {
    status: 401,
    message: 'Sign in to the portal. Staff sessions and API keys do not open portal endpoints.',
    when: 'a portal endpoint without a valid portal session (none, expired, ended, or staff credentials)',
  },
  portal_account_required: {
    status: 409,
    message: 'Choose which account to open first (POST /portal/account).',
    when: 'a portal endpoint that reads an account, before the contact chose one',
  },
  portal_account_not_found: {
    status: 404,
    message: 'You have no portal access to this account.',
    when: 'choosing an account the signed-in contact does not belong to (or whose access was revoked)',
  },
  portal_permission_denied: {
    status: 403,
    message: 'Your contact profile does not allow this; ask the billing team to change it.',
    when: 'a portal read or action the contact profile does not grant (details.permission names it)',
  },
  portal_link_expired: {
    status: 410,
    message: 'This link has expired or was already used. Ask for a new one.',
    when: 'an invitation or password-reset link that is unknown, used, replaced by a newer one, or past its expiry',
  },
  portal_password_weak: {
    status: 400,
    message:
      'Choose a password of at least 10 characters that does not contain your name or the ' +
      'first part of your email address.',
    when: 'a new portal password that is too short or contains the contact’s name or email name (details.reason)',
  },
  portal_password_wrong: {
    status: 403,
    message: 'The current password is not correct.',
    when: 'changing the portal password with a wrong current password',
  },
  payment_declined: {
    status: 402,
    message: 'The payment was declined; nothing was charged. Use another card or account.',
    when: 'a portal payment the gateway declined (details.decline_code; the message is the gateway’s reason; the failed payment is details.payment_id)',
  },
  portal_not_found: {
    status: 404,
    message: 'Not found in this account.',
    when: 'an invoice (or other record) id that does not belong to the open account',
  },
  usage_export_not_found: {
    status: 404,
    message:
      'This download link has expired or is not valid. Export the usage again from the ' +
      'portal to get a new link.',
    when: 'a usage export link that is unknown, for a file not made yet, or past its 24 hours',
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
