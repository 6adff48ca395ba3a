/**
 * A running Billow API on a fresh database, with builders for tenants and a small client that
 * speaks to it through Fastify's inject (the full HTTP pipeline without a socket).
 */
import { ManualClock } from '../../src/core/clock.js';
import { type App, buildApp } from '../../src/http/app.js';
import { createTenant } from '../../src/modules/tenants/service.js';
import { openTestDb, type TestDb } from './db.js';

export interface Harness {
  app: App;
  testDb: TestDb;
  clock: ManualClock;
  close(): Promise<void>;
}

export async function startHarness(
  options: { loginRateLimit?: number; webhooksAllowPrivate?: boolean } = {},
): Promise<Harness> {
  const testDb = await openTestDb();
  const clock = new ManualClock('2026-11-22T15:00:00Z');
  const app = await buildApp({
    db: testDb.db,
    clock,
    logLevel: false,
    loginRateLimit: options.loginRateLimit ?? 1000,
    webhooksAllowPrivate: options.webhooksAllowPrivate ?? false,
  });
  await app.ready();
  return {
    app,
    testDb,
    clock,
    async close() {
      await app.close();
      await testDb.close();
    },
  };
}

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
  api: Client;
}

export async function newTenant(
  h: Harness,
  options: { name?: string; live?: boolean; timeZone?: string } = {},
): Promise<TestTenant> {
  const ownerEmail = `owner-${unique()}@example.com`;
  const password = 'correct horse battery';
  const created = await createTenant(h.testDb.db, h.clock, {
    name: options.name ?? `Tenant ${unique()}`,
    live: options.live,
    timeZone: options.timeZone,
    ownerEmail,
    ownerPassword: password,
  });
  return {
    id: created.tenant.id,
    key: created.apiKey.secret,
    ownerEmail,
    password,
    api: client(h.app, { authorization: `Bearer ${created.apiKey.secret}` }),
  };
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
