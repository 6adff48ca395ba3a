/**
 * D1 and DESIGN principle 6: after a run of card and bank operations through the API, valid and
 * invalid, no full card number, no CVC and no bank account number is in any column of any of
 * Billow's tables, in the server's logs, or in any response. Only the sandbox_vault_* tables (the
 * gateway's side) may hold them, and they hold them encrypted.
 */
import { describe, expect, it } from 'vitest';
import { TEST_BANK_ACCOUNTS, TEST_CARDS } from '../../src/gateways/sandbox/testdata.js';
import { type Client, newTenant, type Reply, type TestTenant } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';
import { bankBody, cardBody } from '../helpers/payment-methods.js';
import { portalContact } from '../helpers/portal.js';

const h = useHarness({ captureLogs: true });

const PANS = [...TEST_CARDS.map((c) => c.number), '4242424242424241', '4111111111111112'];
const CVCS = ['737', '7373', '9461', '846'];
const ACCOUNTS = [...TEST_BANK_ACCOUNTS.map((b) => b.accountNumber), '000987654321', '0001234x'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;

/** Every problem found in a value: a full number, an account number, or a CVC on its own. */
function findings(where: string, value: unknown, out: string[]): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) findings(`${where}.${k}`, v, out);
    return;
  }
  let text = String(value);
  if (text.startsWith('\\x')) text += ` ${Buffer.from(text.slice(2), 'hex').toString('latin1')}`;
  const squeezed = text.replace(/[\s-]/g, '');
  for (const secret of [...PANS, ...ACCOUNTS]) {
    if (text.includes(secret) || squeezed.includes(secret)) out.push(`${where}: ${secret}`);
  }
  if (typeof value === 'number' && CVCS.includes(String(value))) out.push(`${where}: CVC`);
  if (typeof value === 'string' && !ISO_INSTANT.test(value)) {
    for (const part of value.split(/[^0-9A-Za-z]+/)) {
      if (CVCS.includes(part)) out.push(`${where}: CVC ${part}`);
    }
  }
}

const replies: Reply[] = [];
async function call(p: Promise<Reply>): Promise<Reply> {
  const reply = await p;
  replies.push(reply);
  return reply;
}

async function tok(api: Client, body: object): Promise<Reply> {
  return call(
    api.post('/api/v1/sandbox/tokens', body, { 'idempotency-key': `k-${Math.random()}` }),
  );
}

async function save(api: Client, customerId: string, gatewayToken: string, extra = {}) {
  return call(
    api.post(`/api/v1/customers/${customerId}/payment-methods`, {
      gateway_token: gatewayToken,
      authorized: true,
      ...extra,
    }),
  );
}

/** No number, account number or CVC in any of Billow's tables, the logs or any response. */
async function expectNoSecrets(minLogLines = 50) {
  const found: string[] = [];
  const tables = await h.testDb.db.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'
        AND table_name NOT LIKE 'sandbox\\_vault\\_%'`,
  );
  expect(tables.map((r) => r.name)).toEqual(
    expect.arrayContaining(['payment_methods', 'audit_log', 'events', 'idempotency_keys']),
  );
  for (const { name } of tables) {
    const rows = await h.testDb.db.query<{ row: unknown }>(
      `SELECT to_jsonb(t) AS row FROM "${name}" t`,
    );
    for (const { row } of rows) findings(name, row, found);
  }
  const lines = h.logs.split('\n').filter(Boolean);
  expect(lines.length).toBeGreaterThan(minLogLines);
  for (const line of lines) findings('log', JSON.parse(line), found);
  for (const reply of replies) findings('response', reply.body, found);
  expect(found).toEqual([]);
}

describe('no card data in Billow', () => {
  it('keeps full numbers, CVCs and account numbers out of every table, log and response', async () => {
    const t = await newTenant(h);
    const api = t.api;
    const customer = async () =>
      (await call(api.post('/api/v1/customers', { name: `C ${Math.random()}` }))).body.id as string;

    // Cards: every test number saved (once twice, a duplicate), then declined forms.
    const c1 = await customer();
    for (const card of TEST_CARDS) {
      const cvc = card.brand === 'amex' ? '7373' : '737';
      const res = await tok(api, cardBody(card.number, { cvc }));
      expect(res.status).toBe(201);
      expect((await save(api, c1, res.body.id)).status).toBe(201);
    }
    const again = await tok(api, cardBody(TEST_CARDS[0]!.number, { cvc: '737' }));
    expect((await save(api, c1, again.body.id)).status).toBe(409);
    for (const body of [
      cardBody('4242424242424241', { cvc: '737' }),
      cardBody('4111111111111112', { cvc: '737' }),
      cardBody('4242 4242 4242 4242', { cvc: '9461' }),
      cardBody('378282246310005', { cvc: '846' }),
      cardBody('4242424242424242', { cvc: '737', expiry: '01/20' }),
      cardBody('4242424242424242', { cvc: '737', expiry: '13/30' }),
    ]) {
      expect((await tok(api, body)).status).toBe(422);
    }
    // A client mistaking the card number for a token.
    expect((await save(api, c1, '4242424242424242')).status).toBe(404);
    // Bank accounts: saved, verified wrongly and rightly, replaced, deleted; invalid forms.
    const c2 = await customer();
    const banks: string[] = [];
    for (const account of TEST_BANK_ACCOUNTS) {
      const res = await tok(api, bankBody(account.accountNumber));
      const pm = await save(api, c2, res.body.id);
      expect(pm.status).toBe(201);
      banks.push(pm.body.id);
    }
    const first = banks[0]!;
    await call(api.post(`/api/v1/payment-methods/${first}/verify`, { amounts: [1, 2] }));
    const amounts = await call(api.get(`/api/v1/sandbox/payment-methods/${first}/micro-deposits`));
    await call(api.post(`/api/v1/payment-methods/${first}/verify`, amounts.body));
    const replacement = await tok(api, bankBody('000987654321'));
    await call(
      api.post(`/api/v1/payment-methods/${first}/replace`, {
        gateway_token: replacement.body.id,
        authorized: true,
      }),
    );
    await call(api.delete(`/api/v1/payment-methods/${banks[1]}`));
    for (const body of [
      bankBody('0001234x'),
      bankBody('000123456789', { routing_number: '110000001' }),
      bankBody('000123456789', { routing_number: '11000000' }),
    ]) {
      expect((await tok(api, body)).status).toBe(422);
    }
    await call(api.get(`/api/v1/customers/${c1}/payment-methods`));
    await call(api.get(`/api/v1/customers/${c2}/payment-methods`));
    await call(api.get('/api/v1/audit-log?limit=100'));
    await call(api.get('/api/v1/events?limit=100'));

    await expectNoSecrets();

    // The vault (the gateway's side) has them, sealed: not one in the clear.
    const vault = await h.testDb.db.query<{ row: unknown }>(
      `SELECT to_jsonb(v) AS row FROM sandbox_vault_methods v WHERE account_id = $1`,
      [t.id],
    );
    expect(vault.length).toBeGreaterThan(10);
    const inVault: string[] = [];
    for (const { row } of vault) findings('vault', row, inVault);
    expect(inVault).toEqual([]);
  });
});

describe('paths around the vault', () => {
  it('keeps no trace of a tokenization request, not even a hash, under an Idempotency-Key', async () => {
    const t = await newTenant(h);
    const res = await t.api.post('/api/v1/sandbox/tokens', cardBody(), {
      'idempotency-key': 'tok-1',
    });
    expect(res.status).toBeLessThan(300);
    const kept = await h.testDb.db.query('SELECT key FROM idempotency_keys WHERE tenant_id = $1', [
      t.id,
    ]);
    expect(kept).toEqual([]);
  });

  it('masks a card number typed into a query string before it is logged', async () => {
    const t = await newTenant(h);
    await t.api.get('/api/v1/customers?q=4242%204242%204242%204242');
    await t.api.get('/api/v1/customers?q=4000000000009995');
    expect(h.logs).toContain('[redacted]');
    expect(h.logs).not.toContain('4000000000009995');
    expect(h.logs).not.toContain('4242%204242%204242%204242');
  });
});

/** The raw-data fields a portal endpoint must never take (the gateway's tokenization does). */
const RAW_FIELDS =
  /^(number|card_number|cvc|cvv|cvv2|expiry|account_number|routing_number|card|bank_account)$/i;

/** Property names anywhere under a part of the OpenAPI document (following its local $refs). */
function propertyNames(
  node: unknown,
  doc: Record<string, unknown>,
  out: Set<string>,
  seen = new Set<unknown>(),
): void {
  if (!node || typeof node !== 'object' || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const item of node) propertyNames(item, doc, out, seen);
    return;
  }
  const n = node as Record<string, unknown>;
  if (typeof n.$ref === 'string') {
    let target: unknown = doc;
    for (const part of n.$ref.replace(/^#\//, '').split('/')) {
      target = (target as Record<string, unknown> | undefined)?.[part];
    }
    propertyNames(target, doc, out, seen);
  }
  if (n.properties && typeof n.properties === 'object') {
    for (const name of Object.keys(n.properties)) out.add(name);
  }
  for (const value of Object.values(n)) propertyNames(value, doc, out, seen);
}

describe('the portal and card data', () => {
  it('has no portal endpoint that takes a card number, CVC or account number field', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/openapi.json' });
    const doc = res.json() as Record<string, unknown>;
    const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
    const portal = Object.entries(paths).filter(([p]) => p.startsWith('/api/v1/portal'));
    expect(portal.length).toBeGreaterThan(15);
    expect(Object.keys(paths)).toContain('/api/v1/portal/payment-methods');
    const taking: string[] = [];
    let checked = 0;
    for (const [path, ops] of portal) {
      for (const [method, op] of Object.entries(ops)) {
        const names = new Set<string>();
        propertyNames(op.requestBody, doc, names);
        for (const param of (op.parameters ?? []) as { name: string }[]) names.add(param.name);
        checked += names.size;
        for (const name of names)
          if (RAW_FIELDS.test(name)) taking.push(`${method} ${path}: ${name}`);
      }
    }
    expect(taking).toEqual([]);
    expect(checked, 'field names found in portal requests').toBeGreaterThan(20);
    // The one place a contact's browser sends them is the gateway's own tokenization.
    const tokenize = new Set<string>();
    propertyNames(paths['/api/v1/sandbox/portal-tokens']?.post?.requestBody, doc, tokenize);
    expect([...tokenize]).toEqual(expect.arrayContaining(['number', 'cvc', 'account_number']));
  });

  it('keeps them out of every table, log and response when a contact adds methods', async () => {
    const t: TestTenant = await newTenant(h);
    const { portal } = await portalContact(h, t);
    for (const body of [cardBody(TEST_CARDS[0]!.number, { cvc: '737' }), bankBody()]) {
      const token = await call(portal.post('/api/v1/sandbox/portal-tokens', body));
      expect(token.status, JSON.stringify(token.body)).toBe(201);
      const saved = await call(
        portal.post('/api/v1/portal/payment-methods', {
          gateway_token: token.body.id,
          authorized: true,
        }),
      );
      expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    }
    // Numbers sent to a portal endpoint are refused as unknown fields, and not kept.
    const wrong = await call(
      portal.post('/api/v1/portal/payment-methods', { ...cardBody(), authorized: true }),
    );
    expect([wrong.status, wrong.body.error.code]).toEqual([400, 'validation_failed']);
    await call(portal.get('/api/v1/portal/payment-methods'));
    await expectNoSecrets(10);
  });
});
