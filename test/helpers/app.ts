/**
 * Tenants of the harness's installation and a small client that speaks to the app through
 * Fastify's inject (the full HTTP pipeline without a socket).
 */
import { expect } from 'vitest';
import type { App } from '../../src/http/app.js';
import { createTenant } from '../../src/modules/tenants/service.js';
import type { Harness } from './harness.js';
import { scoped } from './scoped.js';

let counter = 0;
/** A unique suffix so tests never collide, in parallel or on a shared server. */
export function unique(): string {
  counter += 1;
  return `${Date.now().toString(36)}${counter}${Math.random().toString(36).slice(2, 6)}`;
}

export interface TestTenant {
  id: string;
  key: string;
  ownerEmail: string;
  password: string;
  /** The owner's API key at work. */
  api: Client;
  /** The app the tenant lives in, for clients of other credentials. */
  app: App;
}

export interface TenantOptions {
  name?: string;
  live?: boolean;
  timeZone?: string;
  /** Delay of each sandbox gateway call: a slow gateway widens the window races need. */
  sandboxLatencyMs?: number;
}

export async function newTenant(h: Harness, options: TenantOptions = {}): Promise<TestTenant> {
  const ownerEmail = `owner-${unique()}@example.com`;
  const password = 'correct horse battery';
  const created = await createTenant(h.testDb.db, h.clock, {
    name: options.name ?? `Tenant ${unique()}`,
    live: options.live,
    timeZone: options.timeZone,
    ownerEmail,
    ownerPassword: password,
  });
  const tenant = {
    id: created.tenant.id,
    key: created.apiKey.secret,
    ownerEmail,
    password,
    api: client(h.app, { authorization: `Bearer ${created.apiKey.secret}` }),
    app: h.app,
  };
  if (options.sandboxLatencyMs !== undefined) {
    const settings = await tenant.api.put('/api/v1/gateway-settings', {
      gateway: 'sandbox',
      sandbox_latency_ms: options.sandboxLatencyMs,
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
  }
  return tenant;
}

/**
 * A tenant for the enclosing block: one for all its tests, or (`each: true`) a new one for each
 * test, with its own clock and nothing left by another test. Reads through like useHarness.
 */
export function useTenant(
  h: Harness,
  options: TenantOptions & { each?: boolean } = {},
): TestTenant {
  return scoped('the tenant', () => newTenant(h, options), { each: options.each });
}

/** A new API key of the tenant with `role`, and a client using it. */
export async function apiKey(t: TestTenant, role: string): Promise<{ id: string; api: Client }> {
  const res = await t.api.post('/api/v1/api-keys', { name: `${role} key`, role });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return {
    id: res.body.id as string,
    api: client(t.app, { authorization: `Bearer ${res.body.secret}` }),
  };
}

/** Moves the tenant's sandbox clock on by whole days. */
export async function advance(t: TestTenant, days: number): Promise<void> {
  const res = await t.api.post('/api/v1/clock/advance', { days });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

/** Moves the tenant's sandbox clock to the start of `date` (its own time zone). */
export async function advanceTo(t: TestTenant, date: string): Promise<void> {
  const res = await t.api.post('/api/v1/clock/advance', { to: date });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  expect(res.body.today).toBe(date);
}

export interface AuditEntry {
  action: string;
  actor_type: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
}

/** The audit log of one object. */
export async function auditOf(t: TestTenant, objectId: string): Promise<AuditEntry[]> {
  const res = await t.api.get(`/api/v1/audit-log?object=${objectId}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data;
}

export interface Reply {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  body: any;
  headers: Record<string, string | string[] | number | undefined>;
}

export interface Client {
  get(url: string): Promise<Reply>;
  post(url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  patch(url: string, body?: unknown): Promise<Reply>;
  put(url: string, body?: unknown): Promise<Reply>;
  delete(url: string): Promise<Reply>;
  /** Sends a raw payload with the given content type. */
  raw(method: string, url: string, payload: string, contentType: string): Promise<Reply>;
}

export function client(app: App, baseHeaders: Record<string, string> = {}): Client {
  const send = async (
    method: string,
    url: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...baseHeaders, ...headers },
      ...(body !== undefined && { payload: body as object }),
    });
    let parsed: unknown = res.body;
    try {
      parsed = res.body ? JSON.parse(res.body) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.statusCode, body: parsed, headers: res.headers };
  };
  return {
    get: (url) => send('GET', url),
    post: (url, body, headers) => send('POST', url, body ?? {}, headers),
    patch: (url, body) => send('PATCH', url, body ?? {}),
    put: (url, body) => send('PUT', url, body ?? {}),
    delete: (url) => send('DELETE', url),
    async raw(method, url, payload, contentType) {
      const res = await app.inject({
        method: method as 'POST',
        url,
        headers: { ...baseHeaders, 'content-type': contentType },
        payload,
      });
      let parsed: unknown = res.body;
      try {
        parsed = JSON.parse(res.body);
      } catch {
        /* keep text */
      }
      return { status: res.statusCode, body: parsed, headers: res.headers };
    },
  };
}
