/**
 * Ends a scenario: runs `billow verify` over the tenant's books and fails listing every
 * violation (DESIGN.md invariants, src/modules/verify/service.ts).
 */
import { expect } from 'vitest';
import { verifyTenant } from '../../src/modules/verify/service.js';
import type { Harness } from './harness.js';

export async function expectBooksBalance(h: Harness, tenantId: string): Promise<void> {
  const violations = await verifyTenant(h.testDb.db, tenantId);
  const listed = violations.map((v) => `${v.check}: ${v.object_id} ${v.detail}`);
  expect(listed, `books do not balance:\n${listed.join('\n')}`).toEqual([]);
}
