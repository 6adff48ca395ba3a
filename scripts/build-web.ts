/**
 * Builds the web apps (web/ → web/dist) with Vite. `--if-stale` builds only when web/dist is
 * missing or was built from other sources: `npm start` runs it first, so a fresh clone serves
 * the apps after `npm install && npm start` with no other step, and a restart costs nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
const WEB = join(ROOT, 'web');
const DIST = join(WEB, 'dist');
const STAMP = join(DIST, '.source-hash');
/** Files outside web/ that the apps import (each imports zod only). */
const SHARED_WITH_SERVER = ['src/modules/portal/pay-schema.ts'];

/** A hash of every source the build reads: web/ (not dist/) and the locked dependencies. */
export function sourceHash(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (path === DIST || name === 'node_modules') continue;
      if (statSync(path).isDirectory()) walk(path);
      else hash.update(relative(ROOT, path)).update('\0').update(readFileSync(path)).update('\0');
    }
  };
  walk(WEB);
  // Server files the apps bundle too: the zod schemas a form shares with its endpoint.
  for (const file of SHARED_WITH_SERVER) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  }
  hash.update(readFileSync(join(ROOT, 'package-lock.json')));
  // And how the build runs (this file: a change here, such as compressing, builds again).
  hash.update(readFileSync(import.meta.filename));
  return hash.digest('hex');
}

export function isStale(): boolean {
  if (!existsSync(STAMP)) return true;
  return readFileSync(STAMP, 'utf8').trim() !== sourceHash();
}

export async function buildWeb(options: { logLevel?: 'info' | 'warn' | 'silent' } = {}) {
  const { build } = await import('vite');
  const hash = sourceHash();
  // Always the production build (React's, minified): Vite keeps a NODE_ENV already set, and the
  // browser suite builds from inside Vitest, which sets NODE_ENV=test — React's development
  // build there made every page slower, and a web/dist built by the suite would then be served
  // by `npm start` as it was.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(WEB, 'vite.config.ts'),
      mode: 'production',
      logLevel: options.logLevel ?? 'warn',
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  compressAssets(join(DIST, 'assets'));
  writeFileSync(STAMP, `${hash}\n`);
}

/** Text assets worth compressing; images and fonts are compressed already. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.json', '.html', '.txt', '.map']);

/**
 * Writes a Brotli (.br) and a gzip (.gz) copy beside each text asset of `dir` over 1 kB, once at
 * build time at the highest settings, so the server sends the smaller copy a browser accepts
 * (@fastify/static's preCompressed) without compressing on every request: the portal's first
 * page is about a quarter of its size over the wire. Returns the bytes before and after (Brotli).
 */
export function compressAssets(dir: string): { raw: number; br: number; gz: number } {
  const total = { raw: 0, br: 0, gz: 0 };
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (!COMPRESSIBLE.has(extname(name)) || !statSync(path).isFile()) continue;
    const content = readFileSync(path);
    if (content.length < 1024) continue;
    const br = brotliCompressSync(content, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_SIZE_HINT]: content.length,
      },
    });
    const gz = gzipSync(content, { level: 9 });
    writeFileSync(`${path}.br`, br);
    writeFileSync(`${path}.gz`, gz);
    total.raw += content.length;
    total.br += br.length;
    total.gz += gz.length;
  }
  return total;
}

if (process.argv[1]?.endsWith('build-web.ts')) {
  const ifStale = process.argv.includes('--if-stale');
  if (ifStale && !isStale()) {
    console.log('web apps are up to date (web/dist)');
  } else {
    console.log('building the web apps (web/ → web/dist)…');
    await buildWeb();
    console.log('built web/dist');
  }
}
