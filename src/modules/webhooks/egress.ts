/**
 * Where webhook deliveries may connect. Unless the installation allows private targets
 * (BILLOW_WEBHOOKS_ALLOW_PRIVATE), a delivery refuses a host that is, or resolves to, a private,
 * loopback or link-local address: a tenant admin must not be able to make Billow's worker POST
 * into the network it runs in (cloud metadata at 169.254.169.254, internal services).
 *
 * The check sits in the socket's own DNS lookup, so the address that was checked is the one
 * connected to: a name that answers a public address to a first query and a private one to a
 * second (DNS rebinding) gets no second query. A literal IP in the URL is never looked up, so
 * it is checked before the request.
 */
import { type LookupAddress, type LookupAllOptions, type LookupOptions, lookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent } from 'undici';
import { isPrivateAddress, privateHostOf } from './model.js';

/** A delivery target refused by the installation's policy: a permanent failure, not retried. */
export class PrivateTargetError extends Error {
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `refused: ${address} is a private address, and this installation does not deliver to private networks`
        : `refused: ${host} resolves to ${address}, a private address, and this installation does not deliver to private networks`,
    );
    this.name = 'PrivateTargetError';
  }
}

/**
 * A `lookup` for net.connect that resolves every address of the host and fails when any is
 * private, so that no address of the answer can be connected to. Node asks for all addresses
 * (`all: true`) when it tries several in turn (autoSelectFamily), one otherwise.
 */
export const publicOnlyLookup = ((
  hostname: string,
  options: LookupOptions,
  callback: (err: Error | null, address: string | LookupAddress[], family?: number) => void,
) => {
  const all: LookupAllOptions = { ...options, all: true };
  lookup(hostname, all, (err, addresses) => {
    if (err) return callback(err, []);
    const refused = addresses.find((a) => isPrivateAddress(a.address));
    if (refused) return callback(new PrivateTargetError(hostname, refused.address), []);
    if (options.all) return callback(null, addresses);
    const first = addresses[0];
    if (!first)
      return callback(
        Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }),
        [],
      );
    callback(null, first.address, first.family);
  });
}) as LookupFunction;

let publicOnly: Agent | undefined;
let anyTarget: Agent | undefined;

/**
 * The dispatcher a delivery is sent through. Always an explicit one: undici's default global
 * dispatcher may be the one bundled with Node, of another version.
 */
export function deliveryDispatcher(allowPrivate: boolean): Agent {
  if (allowPrivate) {
    anyTarget ??= new Agent();
    return anyTarget;
  }
  publicOnly ??= new Agent({ connect: { lookup: publicOnlyLookup } });
  return publicOnly;
}

/** The refusal of a URL whose host is a literal private address, checked before connecting. */
export function literalTargetRefusal(url: string): PrivateTargetError | null {
  const host = privateHostOf(url);
  return host ? new PrivateTargetError(host, host) : null;
}

/** The policy refusal inside an error thrown by fetch (its cause chain), if that is what it is. */
export function privateTargetRefusal(err: unknown): PrivateTargetError | null {
  for (let e: unknown = err, depth = 0; e && depth < 5; depth++) {
    if (e instanceof PrivateTargetError) return e;
    e = (e as { cause?: unknown }).cause;
  }
  return null;
}
