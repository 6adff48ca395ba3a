/**
 * The sandbox vault's keys. One 32-byte master key, from which HKDF derives the sealing key
 * (AES-256-GCM for stored numbers), the fingerprint key (HMAC of numbers) and the micro-deposit
 * key (the deterministic deposit amounts).
 *
 * Where the master key comes from, and why:
 * - BILLOW_SANDBOX_VAULT_KEY (64 hex digits or base64 of 32 bytes) when set: the key then lives
 *   outside the database, so a dump of the database alone cannot open the vault.
 * - Otherwise a random key made on first use and kept in sandbox_vault_keys. The sandbox holds
 *   test numbers only, and "npm start" must work with no set-up, so a key beside the data is an
 *   acceptable default: it still keeps numbers out of plain sight (query results, logs, a copy of
 *   one table) and makes every installation's fingerprints different.
 * Sealed values name their key ('env' or 'db'), so changing the setting is detected, never
 * silently misread.
 */
import type { Queryable } from '../../db/db.js';
import { deriveKey, parseKey, randomKey, type SealingKey } from '../crypto.js';

export interface VaultKeys {
  sealing: SealingKey;
  fingerprint: Buffer;
  deposits: Buffer;
}

const ENV = 'BILLOW_SANDBOX_VAULT_KEY';
const cache = new WeakMap<object, Promise<Map<string, Buffer>>>();
const derivedCache = new WeakMap<Map<string, Buffer>, Map<string, VaultKeys>>();

async function masters(db: Queryable): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  const env = process.env[ENV];
  if (env) found.set('env', parseKey(env, ENV));
  await db.query(
    `INSERT INTO sandbox_vault_keys (id, key_b64) VALUES ('db', $1) ON CONFLICT (id) DO NOTHING`,
    [randomKey().toString('base64')],
  );
  const row = await db.one<{ key_b64: string }>(
    `SELECT key_b64 FROM sandbox_vault_keys WHERE id = 'db'`,
  );
  found.set('db', Buffer.from(row.key_b64, 'base64'));
  return found;
}

function keysFrom(id: string, master: Buffer): VaultKeys {
  return {
    sealing: { id, key: deriveKey(master, 'sandbox-vault-seal') },
    fingerprint: deriveKey(master, 'sandbox-vault-fingerprint'),
    deposits: deriveKey(master, 'sandbox-vault-deposits'),
  };
}

/**
 * The current keys (the environment's when set) and a lookup of any key by id, for opening
 * older sealed values. Call outside a transaction the first time: it may insert the db key.
 */
export async function vaultKeys(
  db: Queryable,
): Promise<{ current: VaultKeys; byId(id: string): VaultKeys }> {
  let pending = cache.get(db);
  if (!pending) {
    pending = masters(db);
    cache.set(db, pending);
    pending.catch(() => cache.delete(db));
  }
  const all = await pending;
  const currentId = all.has('env') ? 'env' : 'db';
  const derived = derivedCache.get(all) ?? new Map<string, VaultKeys>();
  derivedCache.set(all, derived);
  const byId = (id: string) => {
    const master = all.get(id);
    if (!master) throw new Error(`the sandbox vault key "${id}" is not configured`);
    // HKDF on every charge showed in the payment-run profile: derive once per master key.
    let keys = derived.get(id);
    if (!keys) {
      keys = keysFrom(id, master);
      derived.set(id, keys);
    }
    return keys;
  };
  return { current: byId(currentId), byId };
}
