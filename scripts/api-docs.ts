/**
 * Writes the error-code table of docs/api.md from src/core/errors.ts, between the markers.
 * `npx tsx scripts/api-docs.ts` rewrites it; `--check` exits 1 when it is out of date (CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERRORS } from '../src/core/errors.js';

const FILE = join(import.meta.dirname, '../docs/api.md');
const START = '<!-- errors:start -->';
const END = '<!-- errors:end -->';

export function errorTable(): string {
  const rows = Object.entries(ERRORS).map(
    ([code, spec]) => `| \`${code}\` | ${spec.status} | ${spec.when} | ${spec.message} |`,
  );
  return ['| code | status | thrown when | message |', '|---|---|---|---|', ...rows].join('\n');
}

export function render(doc: string): string {
  const from = doc.indexOf(START);
  const to = doc.indexOf(END);
  if (from < 0 || to < from) throw new Error(`docs/api.md lacks ${START} … ${END}`);
  return `${doc.slice(0, from + START.length)}\n${errorTable()}\n${doc.slice(to)}`;
}

if (process.argv[1]?.endsWith('api-docs.ts')) {
  const doc = readFileSync(FILE, 'utf8');
  const next = render(doc);
  if (process.argv.includes('--check')) {
    if (next !== doc) {
      console.error('docs/api.md is out of date: run npx tsx scripts/api-docs.ts');
      process.exit(1);
    }
  } else {
    writeFileSync(FILE, next);
  }
}
