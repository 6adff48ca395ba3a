import { describe, expect, it } from 'vitest';
import type { Queryable } from '../../src/db/db.js';
import { methodUsages, registerMethodUsage } from '../../src/modules/methods/usage.js';

// Module checkers a previous file in this worker wired may run too: they find no rows here.
const none = async () => [];
const q = {
  query: none,
  one: none,
  maybeOne: async () => undefined,
  exec: async () => {},
} as unknown as Queryable;

describe('registerMethodUsage', () => {
  it('puts back the checker it replaced when removed, and removes only its own', async () => {
    const offOwn = registerMethodUsage('test_rules', async () => ['own_1']);
    const offStandIn = registerMethodUsage('test_rules', async () => ['stand_in_1']);
    expect((await methodUsages(q, 'ten_1', 'pm_1')).test_rules).toEqual(['stand_in_1']);
    offStandIn();
    expect((await methodUsages(q, 'ten_1', 'pm_1')).test_rules).toEqual(['own_1']);
    // A remover called a second time, or after another replacement, changes nothing.
    offStandIn();
    expect((await methodUsages(q, 'ten_1', 'pm_1')).test_rules).toEqual(['own_1']);
    offOwn();
    expect((await methodUsages(q, 'ten_1', 'pm_1')).test_rules).toBeUndefined();
  });
});
