/**
 * A typed API client for tests: openapi-fetch over the types generated from the OpenAPI
 * document (generated/api.d.ts, `npm run gen:api`), speaking to the app through Fastify's inject.
 * Paths, bodies, query strings and answers are checked by the typecheck against the document,
 * so a test written with it breaks when the contract changes. The web apps use the same client.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../generated/api.js';
import type { App } from '../../src/http/app.js';
import type { TestTenant } from './app.js';

export type TypedClient = Client<paths>;

/** Hands openapi-fetch's Request to the app in-process and turns the answer into a Response. */
function injectFetch(app: App) {
  return async (request: Request): Promise<Response> => {
    const url = new URL(request.url);
    const payload = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
    const res = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers: Object.fromEntries(request.headers),
      ...(payload && { payload }),
    });
    const headers = new Headers();
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined)
        headers.set(name, Array.isArray(value) ? value.join(', ') : `${value}`);
    }
    const empty = res.statusCode === 204 || res.statusCode === 304;
    return new Response(empty ? null : new Uint8Array(res.rawPayload), {
      status: res.statusCode,
      headers,
    });
  };
}

/** A typed client with the tenant's owner API key (or `key`, another key of the tenant). */
export function typedClient(t: TestTenant, key: string = t.key): TypedClient {
  return createClient<paths>({
    // Any origin: requests never leave the process.
    baseUrl: 'http://billow.test',
    headers: { authorization: `Bearer ${key}` },
    fetch: injectFetch(t.app),
  });
}
