/**
 * Serves the built web apps (web/dist, made by `npm run build:web` or `npm start`): the staff
 * console at /console/ and the customer portal at /portal/, their hashed assets at /assets/.
 * An HTML GET anywhere under an app's prefix gets that app's index.html (the app's router shows
 * the page, or its own not-found page), so deep links and reloads work; anything else unknown
 * keeps the API's JSON 404. Each index.html answer carries a fresh CSP nonce. Assets go out
 * Brotli- or gzip-compressed when the browser accepts it, from copies the build made.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../core/errors.js';
import type { App } from './app.js';

export const WEB_APPS = ['console', 'portal'] as const;
/** Where `npm run build:web` writes the apps. */
export const DEFAULT_WEB_DIR = join(import.meta.dirname, '../../web/dist');
const NONCE_PLACEHOLDER = /__BILLOW_CSP_NONCE__/g;

export function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}'`,
    // Mantine writes its CSS variables in <style> tags; they carry the nonce (getStyleNonce).
    `style-src 'self' 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function wantsHtml(req: FastifyRequest): boolean {
  return (
    (req.method === 'GET' || req.method === 'HEAD') &&
    (req.headers.accept ?? '').includes('text/html')
  );
}

export async function registerWeb(app: App, options: { dir: string }): Promise<void> {
  const pages = new Map<string, string>();
  for (const name of WEB_APPS) {
    const file = join(options.dir, name, 'index.html');
    if (existsSync(file)) pages.set(name, readFileSync(file, 'utf8'));
  }
  if (pages.size < WEB_APPS.length) {
    app.log.warn(
      { dir: options.dir },
      'the web apps are not built: run `npm run build:web` (npm start does it)',
    );
  }

  // Every answer, API included: no MIME sniffing, no Referer leaving with a token in the URL.
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    return payload;
  });

  if (existsSync(join(options.dir, 'assets'))) {
    await app.register(fastifyStatic, {
      root: join(options.dir, 'assets'),
      prefix: '/assets/',
      index: false,
      // File names carry a content hash: a changed file is a new name.
      immutable: true,
      maxAge: '365d',
      // The build writes .br and .gz copies (scripts/build-web.ts compressAssets): the smaller
      // one the browser accepts is sent, with Vary: Accept-Encoding.
      preCompressed: true,
      decorateReply: false,
    });
  }

  const serve = (name: (typeof WEB_APPS)[number]) => (req: FastifyRequest, reply: FastifyReply) => {
    if (!wantsHtml(req)) throw new AppError('route_not_found');
    const page = pages.get(name);
    if (!page) {
      return reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          'The web apps are not built yet. Run `npm run build:web`, or start with `npm start`.',
        );
    }
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('content-security-policy', contentSecurityPolicy(nonce))
      .send(page.replace(NONCE_PLACEHOLDER, nonce));
  };

  const hide = { schema: { hide: true } };
  app.get('/', hide, (_req, reply) => reply.redirect('/console/'));
  for (const name of WEB_APPS) {
    app.get(`/${name}`, hide, (_req, reply) => reply.redirect(`/${name}/`));
    app.get(`/${name}/`, hide, serve(name));
    app.get(`/${name}/*`, hide, serve(name));
  }
}
