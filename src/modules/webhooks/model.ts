/**
 * Webhook endpoints and deliveries (K3): request and response shapes, which events an endpoint
 * receives, and the signature scheme (docs/webhooks.md), all pure.
 *
 * Signature: `Billow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
 * The timestamp is signed with the body so that a captured delivery cannot be replayed later
 * than the receiver's tolerance.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { systemClock } from '../../core/clock.js';

/** Why a URL cannot be a webhook endpoint, or null when it can. */
export function webhookUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'must be an absolute http or https URL';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    return 'must use http or https';
  }
  // Credentials in a URL end up in logs and in the console; receivers verify the signature.
  if (parsed.username || parsed.password) return 'must not contain a user name or password';
  if (!parsed.hostname) return 'must name a host';
  return null;
}

/**
 * IPv4 networks a webhook must not reach unless the installation allows private targets
 * (BILLOW_WEBHOOKS_ALLOW_PRIVATE): they belong to the machine or network Billow runs on, not to
 * the internet. 169.254.169.254, 100.100.100.200 and 192.0.0.192 are cloud metadata services.
 */
const PRIVATE_V4: readonly [network: string, prefix: number][] = [
  ['0.0.0.0', 8], // "this network"; 0.0.0.0 reaches the local host
  ['10.0.0.0', 8], // RFC 1918
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT, cloud-internal)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata
  ['172.16.0.0', 12], // RFC 1918
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.168.0.0', 16], // RFC 1918
  ['198.18.0.0', 15], // benchmarking
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
];

const PRIVATE_V6: readonly [network: string, prefix: number][] = [
  ['::', 96], // unspecified (::), loopback (::1), IPv4-compatible (deprecated)
  ['fc00::', 7], // unique-local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];

/** "7f00:1" for 127.0.0.1: the two IPv6 groups that carry an IPv4 address. */
function v4Groups(address: string): string {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

const privateNetworks = new BlockList();
for (const [network, prefix] of PRIVATE_V4) {
  // BlockList matches IPv4-mapped IPv6 (::ffff:127.0.0.1) against these rules by itself.
  privateNetworks.addSubnet(network, prefix, 'ipv4');
  // IPv6 addresses that carry an IPv4 one a gateway connects to: NAT64 and 6to4.
  privateNetworks.addSubnet(`64:ff9b::${v4Groups(network)}`, 96 + prefix, 'ipv6');
  privateNetworks.addSubnet(`2002:${v4Groups(network)}::`, 16 + prefix, 'ipv6');
}
for (const [network, prefix] of PRIVATE_V6) privateNetworks.addSubnet(network, prefix, 'ipv6');

/**
 * Whether an IP address lies in a private, loopback, link-local, unique-local or otherwise
 * non-public network. Anything that is not an IP address (a host name) is not.
 */
export function isPrivateAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''); // [::1], fe80::1%eth0
  const family = isIP(bare);
  if (family === 0) return false;
  return privateNetworks.check(bare, family === 4 ? 'ipv4' : 'ipv6');
}

/**
 * The URL's host when it is a literal private address (after the URL parser's normalisation,
 * so 127.1, 0x7f000001 and [::ffff:7f00:1] are caught), otherwise null. Host names are not
 * resolved here: what they resolve to is checked when a delivery connects (egress.ts).
 */
export function privateHostOf(url: string): string | null {
  let host: string;
  try {
    host = new URL(url).hostname;
  } catch {
    return null;
  }
  return isPrivateAddress(host) ? host.replace(/^\[|\]$/g, '') : null;
}

export const WebhookUrl = z
  .string()
  .trim()
  .min(1)
  .max(2048)
  .superRefine((url, ctx) => {
    const problem = webhookUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .describe('Where deliveries are POSTed: http or https, without credentials');

/** 'invoice.posted', or 'invoice.*' for every invoice event. */
export const EventTypePattern = z
  .string()
  .max(100)
  .regex(/^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*(\.\*)?$/, 'an event type such as invoice.posted');

const EventTypes = z
  .array(EventTypePattern)
  .max(100)
  .describe('Event types to receive ("invoice.*" matches a family); empty for every event');

export const EndpointStatus = z.enum(['active', 'disabled']);

export const EndpointCreate = z.strictObject({
  url: WebhookUrl,
  description: z.string().trim().max(500).optional(),
  event_types: EventTypes.default([]),
  status: EndpointStatus.default('active'),
});
export type EndpointCreate = z.infer<typeof EndpointCreate>;

export const EndpointPatch = z.strictObject({
  url: WebhookUrl.optional(),
  description: z.string().trim().max(500).nullable().optional(),
  event_types: EventTypes.optional(),
  status: EndpointStatus.optional(),
});
export type EndpointPatch = z.infer<typeof EndpointPatch>;

export const EndpointView = z.object({
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  event_types: z.array(z.string()),
  status: EndpointStatus,
  created_at: z.string(),
  updated_at: z.string(),
});
export type EndpointView = z.infer<typeof EndpointView>;

/** Only the create and rotate-secret responses carry the signing secret. */
export const EndpointWithSecret = EndpointView.extend({
  secret: z.string().describe('Signing secret whsec_…; keep it to verify Billow-Signature'),
});
export type EndpointWithSecret = z.infer<typeof EndpointWithSecret>;

export const DeliveryStatus = z.enum(['pending', 'succeeded', 'failed']);

export const DeliveryView = z.object({
  id: z.string(),
  endpoint_id: z.string(),
  event_id: z.string(),
  event_type: z.string(),
  status: DeliveryStatus,
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  next_attempt_at: z.string().nullable().describe('Earliest time of the next attempt'),
  delivered_at: z.string().nullable(),
  created_at: z.string(),
  resend_of: z
    .string()
    .nullable()
    .describe('The delivery this one re-sends (POST /webhook-deliveries/{id}/resend), or null'),
});
export type DeliveryView = z.infer<typeof DeliveryView>;

/** The patterns that select an event type: itself and each family above it ('a.*', 'a.b.*'). */
export function eventTypeKeys(type: string): string[] {
  const parts = type.split('.');
  const keys = [type];
  for (let i = 1; i < parts.length; i++) keys.push(`${parts.slice(0, i).join('.')}.*`);
  return keys;
}

/** Whether an endpoint subscribed to `patterns` receives events of `type`. */
export function subscribes(patterns: readonly string[], type: string): boolean {
  return patterns.length === 0 || eventTypeKeys(type).some((k) => patterns.includes(k));
}

/** The delivery body: the event as GET /events shows it, with its tenant. */
export interface WebhookPayload {
  id: string;
  type: string;
  created_at: string;
  data: unknown;
  object_type: string;
  object_id: string;
  tenant_id: string;
}

function hmac(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** The Billow-Signature header for `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

/**
 * Checks a Billow-Signature header against the raw body: a v1 signature must match and its
 * timestamp must lie within `toleranceSec` of `now`. Several v1 values are accepted (any may
 * match), so that a header can carry signatures by an old and a new secret.
 */
export function verifySignature(
  secret: string,
  header: string | null | undefined,
  body: string,
  toleranceSec = 300,
  now: Date = systemClock.now(),
): boolean {
  if (!header) return false;
  let timestamp: number | undefined;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value] = part.trim().split('=', 2);
    if (key === 't' && value && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    if (key === 'v1' && value && /^[0-9a-f]{64}$/.test(value)) signatures.push(value);
  }
  if (timestamp === undefined || signatures.length === 0) return false;
  if (Math.abs(Math.floor(now.getTime() / 1000) - timestamp) > toleranceSec) return false;
  const expected = Buffer.from(hmac(secret, timestamp, body), 'hex');
  return signatures.some((s) => timingSafeEqual(Buffer.from(s, 'hex'), expected));
}
