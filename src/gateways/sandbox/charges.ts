/**
 * Sandbox charges and refunds. The outcome follows the test number (testdata.ts): cards approve
 * or decline at once (or settle a few business days later); bank debits start pending and settle
 * or come back with a return code a given number of business days later on the tenant clock.
 *
 * A charge's status is derived from its dates and the tenant's business date (effectiveStatus),
 * so it is right whenever it is read; settleDue() writes the transitions down when the sandbox
 * clock moves, and tells whoever listens (the payments module) what changed.
 */
import { Temporal } from 'temporal-polyfill';
import { newId } from '../../core/ids.js';
import type { Db, Queryable } from '../../db/db.js';
import type { DeclineCode } from '../codes.js';
import {
  type ChargeRequest,
  type ChargeResult,
  type ChargeStatus,
  GatewayError,
  type RefundRequest,
  type RefundResult,
} from '../types.js';
import type { VaultKeys } from './keys.js';
import { bankBehaviour, cardBehaviour, SANDBOX_DECLINE_MESSAGES } from './testdata.js';
import { isExpired } from './validate.js';
import { findMethod, openNumber } from './vault.js';

export interface ChargeRow {
  id: string;
  account_id: string;
  customer_id: string;
  method_id: string;
  amount: number;
  currency: 'USD';
  status: ChargeStatus['status'];
  decline_code: DeclineCode | null;
  message: string | null;
  settles_on: string | null;
  returns_on: string | null;
  return_code: string | null;
  amount_refunded: number;
}

/** `days` business days (Monday to Friday) after `date`; bank holidays are not modelled. */
export function addBusinessDays(date: string, days: number): string {
  let d = Temporal.PlainDate.from(date);
  for (let left = days; left > 0; ) {
    d = d.add({ days: 1 });
    if (d.dayOfWeek <= 5) left -= 1;
  }
  return d.toString();
}

/** The status of a charge on business date `today`: a pending debit settles, a return arrives. */
export function effectiveStatus(row: ChargeRow, today: string): ChargeStatus['status'] {
  if (row.status === 'failed' || row.status === 'returned') return row.status;
  if (row.returns_on && today >= row.returns_on) return 'returned';
  if (row.status === 'pending' && row.settles_on && today >= row.settles_on) return 'succeeded';
  return row.status;
}

export function statusView(row: ChargeRow, today: string): ChargeStatus {
  const status = effectiveStatus(row, today);
  return {
    gatewayChargeId: row.id,
    status,
    amount: row.amount,
    amountRefunded: row.amount_refunded,
    currency: row.currency,
    declineCode: row.decline_code,
    message: row.message,
    returnCode: status === 'returned' ? row.return_code : null,
  };
}

function resultOf(row: ChargeRow): ChargeResult {
  if (row.status === 'failed') {
    return {
      status: 'failed',
      gatewayChargeId: row.id,
      declineCode: row.decline_code ?? 'processing_error',
      message: row.message ?? '',
    };
  }
  if (row.status === 'succeeded') return { status: 'succeeded', gatewayChargeId: row.id };
  return {
    status: 'pending',
    gatewayChargeId: row.id,
    expectedSettlementDate: row.settles_on ?? row.returns_on,
  };
}

interface Plan {
  status: 'succeeded' | 'pending' | 'failed';
  decline?: DeclineCode;
  settlesOn?: string;
  returnsOn?: string;
  returnCode?: string;
}

export interface SandboxScope {
  db: Db;
  accountId: string;
  now: Date;
  today: string;
  keys: { current: VaultKeys; byId(id: string): VaultKeys };
}

function plan(kind: string, number: string, today: string, expired: boolean): Plan {
  if (kind === 'card') {
    if (expired) return { status: 'failed', decline: 'expired_card' };
    const card = cardBehaviour(number);
    if (card.outcome !== 'approve') return { status: 'failed', decline: card.outcome };
    if (card.settleDays === 0) return { status: 'succeeded' };
    return { status: 'pending', settlesOn: addBusinessDays(today, card.settleDays) };
  }
  const [, accountNumber = ''] = number.split(':');
  const { debit } = bankBehaviour(accountNumber);
  if (debit.outcome === 'declined') return { status: 'failed', decline: debit.decline };
  return {
    status: 'pending',
    ...(debit.settleDays !== null && { settlesOn: addBusinessDays(today, debit.settleDays) }),
    ...(debit.outcome === 'returns' && {
      returnsOn: addBusinessDays(today, debit.returnDays),
      returnCode: debit.returnCode,
    }),
  };
}

export async function sandboxCharge(s: SandboxScope, req: ChargeRequest): Promise<ChargeResult> {
  if (req.currency !== 'USD') {
    throw new GatewayError('sandbox', 'invalid_request', 'The sandbox charges USD only.');
  }
  if (!Number.isSafeInteger(req.amount) || req.amount <= 0) {
    throw new GatewayError('sandbox', 'invalid_request', 'The amount must be a positive integer.');
  }
  // A repeated key answers with the first charge, whatever became of the method since; the
  // usual first call costs two round trips (the method, then the insert), a repeat one more.
  const prior = () =>
    s.db.maybeOne<ChargeRow>(
      'SELECT * FROM sandbox_vault_charges WHERE account_id = $1 AND idempotency_key = $2',
      [s.accountId, req.idempotencyKey],
    );
  let method: Awaited<ReturnType<typeof findMethod>>;
  try {
    method = await findMethod(s.db, s.accountId, req.gatewayMethodId);
    if (method.customer_id !== req.gatewayCustomerId) {
      throw new GatewayError(
        'sandbox',
        'invalid_request',
        'The method belongs to another customer.',
      );
    }
    if (method.kind === 'bank_account' && !method.verified_at) {
      throw new GatewayError('sandbox', 'invalid_request', 'The bank account is not verified.');
    }
  } catch (err) {
    const first = await prior();
    if (first) return resultOf(first);
    throw err;
  }
  const number = openNumber(s.keys, s.accountId, method);
  const expired =
    method.kind === 'card' && isExpired(method.exp_month ?? 0, method.exp_year ?? 0, s.today);
  const p = plan(method.kind, number, s.today, expired);
  const row = await s.db.maybeOne<ChargeRow>(
    `INSERT INTO sandbox_vault_charges (id, account_id, customer_id, method_id, amount, currency,
       status, decline_code, message, settles_on, returns_on, return_code, idempotency_key,
       created_at, settled_at)
     VALUES ($1, $2, $3, $4, $5, 'USD', $6, $7, $8, $9, $10, $11, $12, $13, $14)
     ON CONFLICT (account_id, idempotency_key) DO NOTHING
     RETURNING *`,
    [
      newId('sandboxCharge'),
      s.accountId,
      req.gatewayCustomerId,
      method.id,
      req.amount,
      p.status,
      p.decline ?? null,
      p.decline ? SANDBOX_DECLINE_MESSAGES[p.decline] : null,
      p.settlesOn ?? null,
      p.returnsOn ?? null,
      p.returnCode ?? null,
      req.idempotencyKey,
      s.now,
      p.status === 'succeeded' ? s.now : null,
    ],
  );
  if (row) return resultOf(row);
  // The key was used before (a repeat, or a request racing this one): answer with its charge.
  return resultOf((await prior()) as ChargeRow);
}

async function findCharge(
  q: Queryable,
  accountId: string,
  id: string,
  lock = '',
): Promise<ChargeRow> {
  const row = await q.maybeOne<ChargeRow>(
    `SELECT * FROM sandbox_vault_charges WHERE id = $1 AND account_id = $2 ${lock}`,
    [id, accountId],
  );
  if (!row) throw new GatewayError('sandbox', 'charge_not_found', `No such charge: ${id}`);
  return row;
}

export async function sandboxStatus(s: SandboxScope, chargeId: string): Promise<ChargeStatus> {
  return statusView(await findCharge(s.db, s.accountId, chargeId), s.today);
}

export async function sandboxRefund(s: SandboxScope, req: RefundRequest): Promise<RefundResult> {
  if (req.currency !== 'USD' || !Number.isSafeInteger(req.amount) || req.amount <= 0) {
    throw new GatewayError('sandbox', 'invalid_request', 'Refund a positive amount of USD.');
  }
  return s.db.tx(async (tx) => {
    // The charge's row lock serialises refunds of one charge, retries with one key included.
    const charge = await findCharge(tx, s.accountId, req.gatewayChargeId, 'FOR NO KEY UPDATE');
    const prior = await tx.maybeOne<{ id: string; status: string; message: string | null }>(
      `SELECT id, status, message FROM sandbox_vault_refunds
        WHERE account_id = $1 AND idempotency_key = $2`,
      [s.accountId, req.idempotencyKey],
    );
    if (prior) return refundResult(prior);
    let problem: string | null = null;
    if (effectiveStatus(charge, s.today) !== 'succeeded') {
      problem = 'Only a charge that succeeded (and, for a bank debit, settled) can be refunded.';
    } else if (req.amount > charge.amount - charge.amount_refunded) {
      problem = 'The refund is larger than what is left of the charge.';
    }
    const refund = await tx.one<{ id: string; status: string; message: string | null }>(
      `INSERT INTO sandbox_vault_refunds (id, account_id, charge_id, amount, status, message,
         idempotency_key, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, status, message`,
      [
        newId('sandboxRefund'),
        s.accountId,
        charge.id,
        req.amount,
        problem ? 'failed' : 'succeeded',
        problem,
        req.idempotencyKey,
        s.now,
      ],
    );
    if (!problem) {
      await tx.query(
        'UPDATE sandbox_vault_charges SET amount_refunded = amount_refunded + $2 WHERE id = $1',
        [charge.id, req.amount],
      );
    }
    return refundResult(refund);
  });
}

function refundResult(row: { id: string; status: string; message: string | null }): RefundResult {
  return row.status === 'succeeded'
    ? { status: 'succeeded', gatewayRefundId: row.id }
    : {
        status: 'failed',
        gatewayRefundId: row.id,
        declineCode: 'processing_error',
        message: row.message ?? '',
      };
}

export interface ChargeUpdate {
  gatewayChargeId: string;
  status: 'succeeded' | 'returned';
  returnCode: string | null;
}

/** Writes down the settlements and returns due by `today`, in that order, and lists them. */
export async function settleDue(
  q: Queryable,
  accountId: string,
  today: string,
  now: Date,
): Promise<ChargeUpdate[]> {
  const settled = await q.query<{ id: string }>(
    `UPDATE sandbox_vault_charges SET status = 'succeeded', settled_at = $3
      WHERE account_id = $1 AND status = 'pending' AND settles_on <= $2
      RETURNING id`,
    [accountId, today, now],
  );
  const returned = await q.query<{ id: string; return_code: string }>(
    `UPDATE sandbox_vault_charges SET status = 'returned', returned_at = $3
      WHERE account_id = $1 AND status IN ('pending', 'succeeded') AND returns_on <= $2
      RETURNING id, return_code`,
    [accountId, today, now],
  );
  return [
    ...settled.map((r) => ({
      gatewayChargeId: r.id,
      status: 'succeeded' as const,
      returnCode: null,
    })),
    ...returned.map((r) => ({
      gatewayChargeId: r.id,
      status: 'returned' as const,
      returnCode: r.return_code,
    })),
  ];
}
