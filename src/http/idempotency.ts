/**
 * Idempotency-Key on every POST (K3, E11). The first request with a key claims it; its response
 * (status and body) is stored when it completes, and a repeat with the same method, path and
 * body gets that response back without running again. A repeat with anything different is a 409,
 * as is a repeat while the first is still running. A 5xx releases the key so the client can retry.
 */
import type { FastifyInstance } from 'fastify';
import { AppError } from '../core/errors.js';
import type { Db } from '../db/db.js';
import { sha256 } from '../modules/staff/service.js';

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKey?: string;
  }
}

/** Response fields never kept at rest: a replay shows them redacted (they are shown once). */
const SECRET_FIELDS = new Set(['secret', 'password', 'token']);

function redact(payload: unknown): string {
  const text = String(payload ?? '');
  try {
    return JSON.stringify(JSON.parse(text), (key, value) =>
      SECRET_FIELDS.has(key) && typeof value === 'string' ? '[shown only once]' : value,
    );
  } catch {
    return text;
  }
}

/** A claimed key whose request never finished (its process died) is released after this. */
const STALE_MS = 5 * 60_000;

export function registerIdempotency(app: FastifyInstance, db: Db): void {
  app.addHook('preHandler', async (req, reply) => {
    // Routes that take card or bank numbers opt out: not even a hash of such a body is kept.
    if (req.method !== 'POST' || !req.ctx || req.routeOptions.config.idempotency === false) return;
    const header = req.headers['idempotency-key'];
    if (header === undefined) return;
    const key = Array.isArray(header) ? header[0] : header;
    if (!key || key.length > 255 || !/^[\x21-\x7e]+$/.test(key)) {
      throw new AppError('invalid_idempotency_key');
    }
    const tenantId = req.ctx.tenant.id;
    const requestHash = sha256(`${req.method} ${req.url}\n${JSON.stringify(req.body ?? null)}`);
    const now = req.ctx.clock.now();
    const claimed = await db.query(
      `INSERT INTO idempotency_keys (tenant_id, key, request_hash, created_at)
       VALUES ($1, $2, $3, $4)
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET request_hash = excluded.request_hash, created_at = excluded.created_at
         WHERE idempotency_keys.completed_at IS NULL
           AND idempotency_keys.created_at < $5
       RETURNING key`,
      [tenantId, key, requestHash, now, new Date(now.getTime() - STALE_MS)],
    );
    if (claimed.length === 1) {
      req.idempotencyKey = key;
      return;
    }
    const prior = await db.one<{
      request_hash: string;
      response_status: number | null;
      response_body: string | null;
    }>(
      `SELECT request_hash, response_status, response_body FROM idempotency_keys
        WHERE tenant_id = $1 AND key = $2`,
      [tenantId, key],
    );
    if (prior.request_hash !== requestHash) throw new AppError('idempotency_key_reused');
    if (prior.response_status === null) throw new AppError('idempotency_key_in_progress');
    reply
      .code(prior.response_status)
      .header('content-type', 'application/json; charset=utf-8')
      .header('idempotent-replayed', 'true');
    return reply.send(prior.response_body);
  });

  app.addHook('onSend', async (req, reply, payload) => {
    const key = req.idempotencyKey;
    if (!key) return payload;
    if (reply.statusCode >= 500) {
      await db.query('DELETE FROM idempotency_keys WHERE tenant_id = $1 AND key = $2', [
        req.ctx.tenant.id,
        key,
      ]);
    } else {
      await db.query(
        `UPDATE idempotency_keys SET response_status = $3, response_body = $4, completed_at = $5
          WHERE tenant_id = $1 AND key = $2`,
        [req.ctx.tenant.id, key, reply.statusCode, redact(payload), req.ctx.clock.now()],
      );
    }
    return payload;
  });
}
