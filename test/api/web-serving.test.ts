/**
 * How the server serves the web apps: deep links under /console/ and /portal/ get the app's
 * index.html (with a fresh CSP nonce, never cached), assets are immutable and go out compressed
 * as the browser accepts, everything else keeps the JSON 404. The apps here are a small stand-in directory shaped like web/dist, so the API
 * suite needs no Vite build; the browser suite (npm run test:browser) serves the real build.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compressAssets } from '../../scripts/build-web.js';
import { client } from '../helpers/app.js';
import { useHarness } from '../helpers/harness.js';

const dist = mkdtempSync(join(tmpdir(), 'billow-web-'));
for (const name of ['console', 'portal']) {
  mkdirSync(join(dist, name));
  writeFileSync(
    join(dist, name, 'index.html'),
    `<html><head><meta property="csp-nonce" nonce="__BILLOW_CSP_NONCE__">` +
      `<script type="module" src="/assets/${name}-abc123.js" nonce="__BILLOW_CSP_NONCE__">` +
      `</script></head><body>${name} app</body></html>`,
  );
}
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'assets', 'console-abc123.js'), 'console.log("hi")');
// A bundle-sized script, compressed as the build compresses web/dist/assets.
const bundle = Array.from({ length: 400 }, (_, i) => `export const v${i} = "value ${i}";`).join(
  '\n',
);
writeFileSync(join(dist, 'assets', 'portal-def456.js'), bundle);
const compressed = compressAssets(join(dist, 'assets'));

const h = useHarness({ webDir: dist });
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('serving the web apps', () => {
  it('sends / to the console and serves each app with a fresh nonce, uncached', async () => {
    const root = await client(h.app).get('/');
    expect(root.status).toBe(302);
    expect(root.headers.location).toBe('/console/');
    expect((await client(h.app).get('/portal')).headers.location).toBe('/portal/');

    const a = await client(h.app, html).get('/console/');
    const b = await client(h.app, html).get('/console/');
    expect(a.status).toBe(200);
    expect(a.headers['content-type']).toMatch(/^text\/html/);
    expect(a.headers['cache-control']).toBe('no-cache');
    expect(a.headers['x-content-type-options']).toBe('nosniff');
    expect(a.headers['referrer-policy']).toBe('no-referrer');
    const csp = String(a.headers['content-security-policy']);
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toMatch(/^[A-Za-z0-9+/=]{20,}$/);
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(a.body).toContain(`nonce="${nonce}"`);
    expect(a.body).not.toContain('__BILLOW_CSP_NONCE__');
    expect(b.headers['content-security-policy']).not.toBe(csp);
  });

  it('answers a deep link with the app that owns it, and a non-HTML miss with JSON 404', async () => {
    const deep = await client(h.app, html).get('/console/customers?q=acme');
    expect(deep.status).toBe(200);
    expect(deep.body).toContain('console app');
    const portal = await client(h.app, html).get('/portal/reset-password?token=x');
    expect(portal.body).toContain('portal app');
    // A script or fetch asking for something that is not there gets the API's error shape.
    const missing = await client(h.app, { accept: '*/*' }).get('/console/nope.js');
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('route_not_found');
    const elsewhere = await client(h.app, html).get('/elsewhere');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.body.error.code).toBe('route_not_found');
    // The API is untouched: an unknown API path is still JSON, even for a browser.
    const api = await client(h.app, html).get('/api/v1/nope');
    expect(api.body.error.code).toBe('route_not_found');
  });

  it('serves hashed assets as immutable, and nothing outside the build', async () => {
    const asset = await client(h.app).get('/assets/console-abc123.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    expect(asset.headers['x-content-type-options']).toBe('nosniff');
    expect((await client(h.app).get('/assets/../console/index.html')).status).toBe(404);
    expect((await client(h.app).get('/assets/missing-123.js')).status).toBe(404);
  });

  it('sends an asset compressed as the browser accepts it, Brotli first, and as it is otherwise', async () => {
    // Only the bundle: a file under 1 kB is not worth a copy.
    expect(compressed.raw).toBe(bundle.length);
    expect(compressed.br).toBeLessThan(bundle.length / 4);
    const get = (encoding?: string) =>
      h.app.inject({
        method: 'GET',
        url: '/assets/portal-def456.js',
        headers: encoding === undefined ? {} : { 'accept-encoding': encoding },
      });
    const br = await get('gzip, deflate, br');
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toMatch(/accept-encoding/i);
    expect(br.headers['cache-control']).toMatch(/immutable/);
    expect(br.rawPayload.length).toBe(compressed.br);
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(bundle);
    const gz = await get('gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.rawPayload).toString()).toBe(bundle);
    const plain = await get();
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.vary).toMatch(/accept-encoding/i);
    expect(plain.body).toBe(bundle);
    // The small file has no copies and goes out as it is, whatever is accepted.
    const small = await h.app.inject({
      method: 'GET',
      url: '/assets/console-abc123.js',
      headers: { 'accept-encoding': 'br' },
    });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.body).toBe('console.log("hi")');
  });
});
