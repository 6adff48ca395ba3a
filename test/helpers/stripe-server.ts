/**
 * A local HTTP server speaking the few Stripe API endpoints Billow's adapter uses, with Stripe's
 * request encoding (form bodies with bracketed keys), object shapes, error bodies and
 * idempotency-key replays. It records every request so contract tests can check what the SDK
 * sent. It is a stand-in for api.stripe.com in tests, not a Stripe emulator: only what the
 * adapter needs, behaving as Stripe documents it.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scoped } from './scoped.js';

type Json = Record<string, unknown>;

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  params: Json;
}

/** Parses `a[b][0]=x&a[b][1]=y` into nested objects and arrays, as Stripe's API does. */
export function parseForm(text: string): Json {
  const out: Json = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const parts = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = out;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) {
        node[part] = value;
        return;
      }
      const nextIsIndex = /^\d+$/.test(parts[i + 1] ?? '');
      node[part] ??= nextIsIndex ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return out;
}

export interface FakeCard {
  brand?: string;
  last4?: string;
  exp_month?: number;
  exp_year?: number;
  /** A Stripe decline_code every charge gets (insufficient_funds, …), or a card error code. */
  decline?: { code: string; decline_code?: string; message: string };
}

export class FakeStripe {
  readonly requests: Recorded[] = [];
  readonly methods = new Map<string, Json & { decline?: FakeCard['decline'] }>();
  readonly intents = new Map<string, Json>();
  readonly setups = new Map<string, Json & { attempts: number }>();
  /** Responses for the next requests, whatever they are (a 500, a 401), before anything else. */
  readonly failures: { status: number; body: Json }[] = [];
  #server: Server | undefined;
  #seq = 0;
  #replays = new Map<string, { status: number; body: Json }>();
  url = '';

  id(prefix: string): string {
    this.#seq += 1;
    return `${prefix}_fake${String(this.#seq).padStart(6, '0')}`;
  }

  addCard(card: FakeCard = {}): string {
    const id = this.id('pm');
    this.methods.set(id, {
      id,
      object: 'payment_method',
      type: 'card',
      customer: null,
      billing_details: {
        name: 'Dana Lee',
        address: {
          line1: '1 Main St',
          country: 'US',
          state: 'NY',
          city: null,
          line2: null,
          postal_code: '10001',
        },
      },
      card: {
        brand: card.brand ?? 'visa',
        last4: card.last4 ?? '4242',
        exp_month: card.exp_month ?? 12,
        exp_year: card.exp_year ?? 2030,
        fingerprint: `fp_${card.last4 ?? '4242'}_${card.brand ?? 'visa'}`,
      },
      decline: card.decline,
    });
    return id;
  }

  addBank(last4 = '6789'): string {
    const id = this.id('pm');
    this.methods.set(id, {
      id,
      object: 'payment_method',
      type: 'us_bank_account',
      customer: null,
      billing_details: { name: 'Globex Corporation', address: null },
      us_bank_account: {
        account_holder_type: 'company',
        account_type: 'checking',
        bank_name: 'STRIPE TEST BANK',
        fingerprint: `fpb_${last4}`,
        last4,
        routing_number: '110000000',
      },
    });
    return id;
  }

  /** The next `times` requests answer `status` with a Stripe error body. */
  fail(status: number, error: Json, times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push({ status, body: { error } });
  }

  async start(): Promise<this> {
    this.#server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const params = parseForm(req.method === 'GET' ? url.search.slice(1) : body);
        this.requests.push({
          method: req.method ?? '',
          path: url.pathname,
          headers: req.headers,
          params,
        });
        const key = req.headers['idempotency-key'];
        const replayKey =
          typeof key === 'string' ? `${req.method} ${url.pathname} ${key}` : undefined;
        let answer =
          this.failures.shift() ?? (replayKey ? this.#replays.get(replayKey) : undefined);
        if (!answer) {
          answer = this.#route(req.method ?? '', url.pathname, params);
          if (replayKey && answer.status < 500) this.#replays.set(replayKey, answer);
        }
        res.writeHead(answer.status, {
          'content-type': 'application/json',
          'request-id': 'req_fake',
        });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((ok) => this.#server!.listen(0, '127.0.0.1', ok));
    this.url = `http://127.0.0.1:${(this.#server!.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    await new Promise<void>((ok) => this.#server?.close(() => ok()) ?? ok());
  }

  #route(method: string, path: string, p: Json): { status: number; body: Json } {
    const ok = (body: Json) => ({ status: 200, body });
    const error = (status: number, e: Json) => ({ status, body: { error: e } });
    const missing = (what: string, id: string) =>
      error(404, {
        type: 'invalid_request_error',
        code: 'resource_missing',
        message: `No such ${what}: '${id}'`,
      });
    const seg = path.split('/').filter(Boolean);
    if (method === 'POST' && path === '/v1/customers') {
      return ok({
        id: this.id('cus'),
        object: 'customer',
        name: p.name,
        email: p.email ?? null,
        metadata: p.metadata ?? {},
      });
    }
    if (method === 'POST' && path === '/v1/payment_methods') {
      const token = (p.card as Json | undefined)?.token;
      if (token === 'tok_visa') {
        const id = this.addCard();
        return ok(this.#public(this.methods.get(id)!));
      }
      if (token === 'tok_used') {
        return error(400, {
          type: 'invalid_request_error',
          code: 'token_already_used',
          message: 'You cannot use a Stripe token more than once.',
        });
      }
      return missing('token', String(token));
    }
    if (seg[1] === 'payment_methods' && seg[2]) {
      const pm = this.methods.get(seg[2]);
      if (!pm) return missing('PaymentMethod', seg[2]);
      if (seg[3] === 'attach') {
        if (pm.customer) {
          return error(400, {
            type: 'invalid_request_error',
            message: 'The payment method you provided has already been attached to a customer.',
          });
        }
        pm.customer = p.customer;
      } else if (seg[3] === 'detach') {
        pm.customer = null;
      }
      return ok(this.#public(pm));
    }
    if (method === 'POST' && path === '/v1/setup_intents') {
      const id = this.id('seti');
      const si = {
        id,
        object: 'setup_intent',
        status: 'requires_action',
        customer: p.customer,
        payment_method: p.payment_method,
        next_action: {
          type: 'verify_with_microdeposits',
          verify_with_microdeposits: { microdeposit_type: 'amounts' },
        },
        last_setup_error: null,
        attempts: 0,
      };
      this.setups.set(id, si);
      return ok(si);
    }
    if (seg[1] === 'setup_intents' && seg[3] === 'verify_microdeposits') {
      const si = this.setups.get(seg[2] ?? '');
      if (!si) return missing('setup_intent', seg[2] ?? '');
      if (si.attempts >= 10) {
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_method_microdeposit_verification_attempts_exceeded',
          message: 'You have exceeded the number of allowed verification attempts.',
        });
      }
      const amounts = ((p.amounts as string[]) ?? []).map(Number).sort((a, b) => a - b);
      if (amounts[0] !== 32 || amounts[1] !== 45) {
        si.attempts += 1;
        return error(400, {
          type: 'invalid_request_error',
          code: 'payment_method_microdeposit_verification_amounts_mismatch',
          message:
            'The amounts provided do not match the amounts that were sent to the bank account.',
        });
      }
      si.status = 'succeeded';
      si.next_action = null;
      return ok(si);
    }
    if (method === 'POST' && path === '/v1/payment_intents') {
      const pm = this.methods.get(String(p.payment_method));
      if (!pm) return missing('PaymentMethod', String(p.payment_method));
      const ach = pm.type === 'us_bank_account';
      const id = this.id('pi');
      const charge = {
        id: this.id('ch'),
        object: 'charge',
        amount_refunded: 0,
        disputed: false,
        failure_code: null,
      };
      const intent: Json = {
        id,
        object: 'payment_intent',
        amount: Number(p.amount),
        currency: p.currency,
        customer: p.customer,
        payment_method: pm.id,
        payment_method_types: [pm.type],
        status: ach ? 'processing' : 'succeeded',
        latest_charge: charge,
        last_payment_error: null,
      };
      this.intents.set(id, intent);
      if (pm.decline) {
        intent.status = 'requires_payment_method';
        intent.last_payment_error = { type: 'card_error', ...pm.decline };
        return error(402, {
          type: 'card_error',
          ...pm.decline,
          charge: charge.id,
          payment_intent: intent,
        });
      }
      return ok({ ...intent, latest_charge: charge.id });
    }
    if (method === 'GET' && seg[1] === 'payment_intents' && seg[2]) {
      const intent = this.intents.get(seg[2]);
      return intent ? ok(intent) : missing('payment_intent', seg[2]);
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = this.intents.get(String(p.payment_intent));
      if (!intent) return missing('payment_intent', String(p.payment_intent));
      const charge = intent.latest_charge as Json;
      const left = Number(intent.amount) - Number(charge.amount_refunded);
      if (left <= 0) {
        return error(400, {
          type: 'invalid_request_error',
          code: 'charge_already_refunded',
          message: `Charge ${charge.id} has already been refunded.`,
        });
      }
      const amount = p.amount === undefined ? left : Number(p.amount);
      if (amount > left) {
        return error(400, {
          type: 'invalid_request_error',
          code: 'amount_too_large',
          message: `Refund amount ($${amount / 100}) is greater than unrefunded amount on charge ($${left / 100})`,
        });
      }
      charge.amount_refunded = Number(charge.amount_refunded) + amount;
      return ok({
        id: this.id('re'),
        object: 'refund',
        amount,
        payment_intent: intent.id,
        status: 'succeeded',
      });
    }
    return error(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  #public(pm: Json): Json {
    const { decline: _decline, ...rest } = pm;
    return rest;
  }
}

/** A FakeStripe listening for the enclosing block. */
export function useFakeStripe(): FakeStripe {
  return scoped('the fake Stripe', () => new FakeStripe().start(), { stop: (f) => f.close() });
}
