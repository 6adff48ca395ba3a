/**
 * Builds the web apps (web/ → web/dist) with Vite. `--if-stale` builds only when web/dist is
 * missing or was built from other sources: `npm start` runs it first, so a fresh clone serves
 * the apps after `npm install && npm start` with no other step, and a restart costs nothing.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

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
  writeFileSync(STAMP, `${hash}\n`);
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
