/** Waiting for what a worker or a server does in the background. */
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it gives a truthy value and returns that value; fails naming `what` after
 * `timeoutMs` (generous by default: the machine's cores are shared with other test runs).
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  options: { what?: string; timeoutMs?: number; intervalMs?: number } = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'it'}`);
    await sleep(options.intervalMs ?? 100);
  }
}
