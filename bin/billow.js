#!/usr/bin/env node
// The `billow` command. Billow runs its TypeScript sources directly through tsx, so there is no
// build step between a checkout and `npm start`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
