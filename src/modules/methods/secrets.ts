/**
 * Billow's own secrets at rest (a tenant's Stripe secret key): sealed with AES-256-GCM under the
 * installation's secrets key, bound to the tenant id so a sealed key cannot be moved to another
 * tenant's row. The key is BILLOW_SECRETS_KEY when set (kept outside the database: the safer
 * choice in production), or a random key made on first use and kept in installation_keys (so a
 * fresh installation works without set-up; a database dump then holds both, see
 * docs/gateways.md).
 */
import type { Queryable } from '../../db/db.js';
import {
  parseKey,
  randomKey,
  type SealingKey,
  seal,
  sealedKeyId,
  unseal,
} from '../../gateways/crypto.js';

const ENV = 'BILLOW_SECRETS_KEY';
const cache = new WeakMap<object, Promise<Buffer>>();

async function dbKey(db: Queryable): Promise<Buffer> {
  await db.query(
    `INSERT INTO installation_keys (purpose, key_b64) VALUES ('secrets', $1)
     ON CONFLICT (purpose) DO NOTHING`,
    [randomKey().toString('base64')],
  );
  const row = await db.one<{ key_b64: string }>(
    `SELECT key_b64 FROM installation_keys WHERE purpose = 'secrets'`,
  );
  return Buffer.from(row.key_b64, 'base64');
}

async function keyFor(db: Queryable, id: string): Promise<SealingKey> {
  if (id === 'env') {
    const env = process.env[ENV];
    if (!env) throw new Error(`${ENV} sealed this secret but is not set`);
    return { id, key: parseKey(env, ENV) };
  }
  let pending = cache.get(db);
  if (!pending) {
    pending = dbKey(db);
    cache.set(db, pending);
    pending.catch(() => cache.delete(db));
  }
  return { id: 'db', key: await pending };
}

/** Seals a secret of a tenant. Call outside a transaction (the first call may create the key). */
export async function sealSecret(db: Queryable, tenantId: string, secret: string): Promise<string> {
  const key = await keyFor(db, process.env[ENV] ? 'env' : 'db');
  return seal(key, secret, `billow-secret:${tenantId}`);
}

export async function openSecret(db: Queryable, tenantId: string, sealed: string): Promise<string> {
  const key = await keyFor(db, sealedKeyId(sealed) ?? 'db');
  return unseal(key, sealed, `billow-secret:${tenantId}`);
}
