/**
 * Who uses a payment method. Autopay rules and scheduled payments (built by other modules) refer
 * to methods; a method they use must not vanish silently (D4). Each such module registers a
 * checker here, and deleting a method asks all of them, in the deleting transaction, naming
 * what refers to it in the refusal.
 *
 * A checker receives the transaction, the tenant id and the method id, and returns the ids of
 * its objects that use the method (empty when none). Writers that start using a method should
 * lock it with usableMethodFor(tx, …, 'FOR SHARE'), so that a use and a deletion serialise.
 */
import type { Queryable } from '../../db/db.js';

export type MethodUsageChecker = (
  q: Queryable,
  tenantId: string,
  methodId: string,
) => Promise<string[]>;

const checkers = new Map<string, MethodUsageChecker>();

/**
 * Registers (or replaces) the checker named `name` (e.g. 'autopay_rules', 'scheduled_payments').
 * Returns a function that removes it again, putting back the checker it replaced, if any (a test
 * that stands in for a module's checker leaves the module's own in place afterwards).
 */
export function registerMethodUsage(name: string, checker: MethodUsageChecker): () => void {
  const replaced = checkers.get(name);
  checkers.set(name, checker);
  return () => {
    if (checkers.get(name) !== checker) return;
    if (replaced) checkers.set(name, replaced);
    else checkers.delete(name);
  };
}

/** Every registered use of the method, by checker name; empty when nothing uses it. */
export async function methodUsages(
  q: Queryable,
  tenantId: string,
  methodId: string,
): Promise<Record<string, string[]>> {
  const used: Record<string, string[]> = {};
  for (const [name, checker] of checkers) {
    const ids = await checker(q, tenantId, methodId);
    if (ids.length > 0) used[name] = ids;
  }
  return used;
}
