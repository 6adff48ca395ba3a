#!/usr/bin/env node
// `npm run bench -- <name> [options]` runs bench/<name>.ts (billrun, usage, customer-search, paymentrun, portal, search, loopback).
import { existsSync } from 'node:fs';
import { register } from 'tsx/esm/api';

const [name, ...rest] = process.argv.slice(2);
const file = new URL(`../bench/${name}.ts`, import.meta.url);
if (!name || !existsSync(file)) {
  console.error(
    'usage: npm run bench -- <billrun|usage|customer-search|paymentrun|portal|search|loopback> [options]',
  );
  process.exit(2);
}
process.argv = [process.argv[0], file.pathname, ...rest];
register();
await import(file.href);
