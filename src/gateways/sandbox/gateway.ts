/**
 * The built-in sandbox gateway: the Gateway interface over the sandbox vault (its own tables),
 * with deterministic outcomes by test number and time taken from the tenant's clock. It is a
 * fake in the sense of STYLE 10: it implements the real interface, end to end, in the database.
 *
 * Each call works in its own short transaction on the gateway's side, so Billow must call it
 * outside its own transactions, as it would a remote gateway. `latencyMs` delays every call, to
 * let benchmarks feel a network round trip.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { businessDate } from '../../core/dates.js';
import type { Db } from '../../db/db.js';
import {
  type AttachedMethod,
  type ChargeRequest,
  type ChargeResult,
  type ChargeStatus,
  type Gateway,
  GatewayError,
  type MicroDepositStart,
  type RefundRequest,
  type RefundResult,
  type VerifyResult,
} from '../types.js';
import { type SandboxScope, sandboxCharge, sandboxRefund, sandboxStatus } from './charges.js';
import { vaultKeys } from './keys.js';
import { bankBehaviour } from './testdata.js';
import {
  attachedView,
  attachToken,
  depositAmounts,
  findMethod,
  insertCustomer,
  openNumber,
} from './vault.js';

export interface SandboxOptions {
  db: Db;
  /** The merchant account: the Billow tenant id. */
  accountId: string;
  /** The tenant's clock. */
  now(): Date;
  timeZone: string;
  latencyMs?: number;
}

export class SandboxGateway implements Gateway {
  readonly name = 'sandbox' as const;
  readonly #o: SandboxOptions;

  constructor(options: SandboxOptions) {
    this.#o = options;
  }

  /** The sandbox lives in Billow's own database: it always answers. */
  async checkConnection(): Promise<{ livemode: boolean | null }> {
    await this.#scope();
    return { livemode: false };
  }

  async #scope(): Promise<SandboxScope> {
    if (this.#o.latencyMs) await sleep(this.#o.latencyMs);
    const now = this.#o.now();
    const keys = await vaultKeys(this.#o.db);
    return {
      db: this.#o.db,
      accountId: this.#o.accountId,
      now,
      today: businessDate(now, this.#o.timeZone),
      keys,
    };
  }

  async createCustomer(input: {
    billowCustomerId: string;
    name: string;
    email: string | null;
  }): Promise<{ gatewayCustomerId: string }> {
    const s = await this.#scope();
    const id = await insertCustomer(
      s.db,
      s.accountId,
      { reference: input.billowCustomerId, name: input.name, email: input.email },
      s.now,
    );
    return { gatewayCustomerId: id };
  }

  async attachMethod(input: { gatewayCustomerId: string; token: string }): Promise<AttachedMethod> {
    const s = await this.#scope();
    const method = await s.db.tx((tx) =>
      attachToken(tx, s.accountId, input.gatewayCustomerId, input.token, s.now),
    );
    return attachedView(method);
  }

  async detachMethod(input: { gatewayMethodId: string }): Promise<void> {
    const s = await this.#scope();
    await s.db.query(
      `UPDATE sandbox_vault_methods SET detached_at = $3
        WHERE id = $1 AND account_id = $2 AND detached_at IS NULL`,
      [input.gatewayMethodId, s.accountId, s.now],
    );
  }

  async startMicroDeposits(input: {
    gatewayCustomerId: string;
    gatewayMethodId: string;
  }): Promise<MicroDepositStart> {
    const s = await this.#scope();
    const method = await findMethod(s.db, s.accountId, input.gatewayMethodId);
    if (method.kind !== 'bank_account' || method.customer_id !== input.gatewayCustomerId) {
      throw new GatewayError('sandbox', 'invalid_request', 'Micro-deposits go to bank accounts.');
    }
    const number = openNumber(s.keys, s.accountId, method);
    const fails = bankBehaviour(number.split(':')[1] ?? '').verification === 'fails';
    const [a, b] = depositAmounts(s.keys.current.deposits, method.id);
    await s.db.query(
      `UPDATE sandbox_vault_methods
          SET deposit_1 = $2, deposit_2 = $3, deposits_sent_at = $4, deposits_failed_at = $5
        WHERE id = $1`,
      [method.id, a, b, s.now, fails ? s.now : null],
    );
    return { verificationId: method.id, verified: false };
  }

  async verifyMicroDeposits(input: {
    verificationId: string;
    amounts: readonly [number, number];
  }): Promise<VerifyResult> {
    const s = await this.#scope();
    const method = await findMethod(s.db, s.accountId, input.verificationId);
    if (method.verified_at) return { verified: true };
    if (method.deposits_failed_at || method.deposit_1 === null || method.deposit_2 === null) {
      return {
        verified: false,
        reason: 'deposits_failed',
        message:
          'The micro-deposits were returned by the bank (R03: no account / unable to locate).',
      };
    }
    const expected = [method.deposit_1, method.deposit_2].sort((x, y) => x - y);
    const given = [...input.amounts].sort((x, y) => x - y);
    if (expected[0] !== given[0] || expected[1] !== given[1]) {
      return {
        verified: false,
        reason: 'amounts_mismatch',
        message:
          'The amounts provided do not match the amounts that were sent to the bank account.',
      };
    }
    await s.db.query('UPDATE sandbox_vault_methods SET verified_at = $2 WHERE id = $1', [
      method.id,
      s.now,
    ]);
    return { verified: true };
  }

  async charge(input: ChargeRequest): Promise<ChargeResult> {
    return sandboxCharge(await this.#scope(), input);
  }

  async refund(input: RefundRequest): Promise<RefundResult> {
    return sandboxRefund(await this.#scope(), input);
  }

  async fetchStatus(input: { gatewayChargeId: string }): Promise<ChargeStatus> {
    return sandboxStatus(await this.#scope(), input.gatewayChargeId);
  }

  /** The two amounts sent to a bank account (what a test reads off the "statement"). */
  async microDeposits(
    gatewayMethodId: string,
  ): Promise<{ amounts: [number, number]; sentAt: Date; failed: boolean } | null> {
    const s = await this.#scope();
    const method = await findMethod(s.db, s.accountId, gatewayMethodId);
    if (method.deposit_1 === null || method.deposit_2 === null || !method.deposits_sent_at) {
      return null;
    }
    return {
      amounts: [method.deposit_1, method.deposit_2],
      sentAt: method.deposits_sent_at,
      failed: method.deposits_failed_at !== null,
    };
  }
}
