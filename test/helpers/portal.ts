/**
 * Builders for the customer portal: invite a contact, read the link's token out of its email
 * (opened as delivery opens it: the outbox keeps it sealed), accept it, and a client that carries
 * the portal cookie and the CSRF token like a browser page would.
 */
import { expect } from 'vitest';
import { openSecret } from '../../src/modules/methods/secrets.js';
import { type Client, client, type TestTenant, unique } from './app.js';
import { contact, newCustomer } from './billing.js';
import type { Harness } from './harness.js';

export const PASSWORD = 'purple tractor umbrella';

/** The cookie pairs (name=value) a reply sets. */
export function cookiesOf(headers: Record<string, unknown>): Record<string, string> {
  const raw = headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [String(raw)];
  const out: Record<string, string> = {};
  for (const c of list) {
    const [pair] = String(c).split(';');
    const at = (pair ?? '').indexOf('=');
    out[(pair ?? '').slice(0, at)] = (pair ?? '').slice(at + 1);
  }
  return out;
}

export interface PortalClient extends Client {
  /** The session cookie token (to check what the tables keep). */
  token: string;
  csrf: string;
  /** The same session without the X-CSRF-Token header. */
  withoutCsrf: Client;
}

/** A client of the portal session a sign-in reply opened. */
export function portalClient(
  t: { app: TestTenant['app'] },
  reply: { headers: Record<string, unknown>; body: { csrf_token: string } },
): PortalClient {
  const cookies = cookiesOf(reply.headers);
  const token = cookies.billow_portal as string;
  expect(token, 'billow_portal cookie').toBeTruthy();
  const cookie = `billow_portal=${token}; billow_portal_csrf=${cookies.billow_portal_csrf}`;
  const csrf = reply.body.csrf_token;
  return {
    ...client(t.app, { cookie, 'x-csrf-token': csrf }),
    token,
    csrf,
    withoutCsrf: client(t.app, { cookie }),
  };
}

/** The token of the link in an email (invitation or reset), unsealed as delivery does. */
export async function linkToken(h: Harness, emailId: string): Promise<string> {
  const row = await h.testDb.db.one<{ tenant_id: string; body_text: string }>(
    'SELECT tenant_id, body_text FROM emails WHERE id = $1',
    [emailId],
  );
  const sealed = /token=\[\[sealed:[a-z_]+:([A-Za-z0-9_.-]+)\]\]/.exec(row.body_text)?.[1];
  if (!sealed) throw new Error(`no sealed link in email ${emailId}`);
  return openSecret(h.testDb.db, row.tenant_id, sealed);
}

export async function invite(t: TestTenant, contactId: string) {
  const res = await t.api.post(`/api/v1/contacts/${contactId}/invitations`);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { contact_id: string; email_id: string; expires_at: string };
}

/** Accepts the invitation; the raw reply. */
export async function accept(t: TestTenant, token: string, password = PASSWORD) {
  return client(t.app).post('/api/v1/portal/invitations/accept', { token, password });
}

/**
 * A customer with a contact (the default profile unless `profile_id` is given) that accepted
 * its invitation: the customer, the contact and a signed-in portal client.
 */
export async function portalContact(
  h: Harness,
  t: TestTenant,
  options: { customerId?: string; profile_id?: string; email?: string } = {},
) {
  const customerId = options.customerId ?? (await newCustomer(t)).id;
  const c = await contact(t, customerId, {
    name: 'Robin Quinn',
    email: options.email ?? `robin-${unique()}@example.com`,
    ...(options.profile_id && { profile_id: options.profile_id }),
  });
  const sent = await invite(t, c.id);
  const res = await accept(t, await linkToken(h, sent.email_id));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { customerId, contact: c, portal: portalClient(t, res) };
}
