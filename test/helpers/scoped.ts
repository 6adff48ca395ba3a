/**
 * The life of a test resource (an installation, a tenant, a receiver) tied to the enclosing block:
 * started before its first test (or before each test), stopped after its last. What it returns
 * reads through to the resource of the moment, so a file keeps it in a `const` at top level.
 * It is a proxy: read its fields or pass it on; spreading or serialising it gives nothing.
 */
import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest';

export function scoped<T extends object>(
  what: string,
  start: () => Promise<T>,
  options: {
    each?: boolean;
    stop?: (resource: T) => Promise<void>;
    /** How long starting or stopping may take (default: the configured hook timeout). */
    timeoutMs?: number;
  } = {},
): T {
  let current: T | undefined;
  (options.each ? beforeEach : beforeAll)(async () => {
    current = await start();
  }, options.timeoutMs);
  const { stop } = options;
  if (stop) {
    (options.each ? afterEach : afterAll)(async () => {
      const done = current;
      current = undefined;
      if (done) await stop(done);
    }, options.timeoutMs);
  }
  return new Proxy({} as T, {
    get(_, key) {
      if (!current) throw new Error(`${what} exists only inside tests and their hooks`);
      const value = Reflect.get(current, key, current);
      // Methods run on the resource itself, whose private fields a proxy does not have.
      return typeof value === 'function' ? value.bind(current) : value;
    },
  });
}
