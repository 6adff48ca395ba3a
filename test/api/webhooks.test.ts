import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { createDb } from '../../src/db/db.js';
import { recordChange } from '../../src/modules/audit/service.js';
import { systemCtx } from '../../src/modules/context.js';
import { loadTenant } from '../../src/modules/tenants/service.js';
import { verifySignature } from '../../src/modules/webhooks/model.js';
import { apiKey, newTenant, type TestTenant, unique } from '../helpers/app.js';
import { countRows, useHarness, type WorkerTuning } from '../helpers/harness.js';
import { useReceiver } from '../helpers/receiver.js';
import { until } from '../helpers/wait.js';

const WEBHOOK_WORKER: WorkerTuning = {
  webhooks: { retryDelaySeconds: 1, retryLimit: 2, timeoutMs: 2000 },
};
// The receiver listens on loopback, so this installation allows private targets
// (BILLOW_WEBHOOKS_ALLOW_PRIVATE); the last describe block is one that refuses them (the default).
const h = useHarness({ webhooksAllowPrivate: true, worker: WEBHOOK_WORKER });
const receiver = useReceiver();
const at = (path: string) => receiver.at(path);

async function endpoint(t: TestTenant, body: Record<string, unknown> = {}) {
  const path = `/hook/${unique()}`;
  const res = await t.api.post('/api/v1/webhook-endpoints', {
    url: `${receiver.url}${path}`,
    ...body,
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, secret: res.body.secret as string, path };
}

const touchTenant = (t: TestTenant) =>
  t.api.patch('/api/v1/tenant', { settings: { payment_terms_days: 15 } });

async function settled(t: TestTenant, endpointId: string) {
  return until(async () => {
    const res = await t.api.get(`/api/v1/webhook-endpoints/${endpointId}/deliveries`);
    const done = res.body.data.filter((d: { status: string }) => d.status !== 'pending');
    return done.length > 0 && done.length === res.body.data.length ? res.body.data : null;
  });
}

describe('webhook endpoints', () => {
  it('delivers a signed event and records the delivery as succeeded', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'], description: 'ERP' });
    expect(e.secret).toMatch(/^whsec_[A-Za-z0-9_-]{40,}$/);
    const shown = await t.api.get(`/api/v1/webhook-endpoints/${e.id}`);
    expect(shown.body).toMatchObject({ id: e.id, status: 'active', description: 'ERP' });
    expect(shown.body.secret).toBeUndefined();

    expect((await touchTenant(t)).status).toBe(200);
    const [got] = await until(() => (at(e.path).length ? at(e.path) : null));
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.body).toMatchObject({
      type: 'tenant.updated',
      object_type: 'tenant',
      object_id: t.id,
      tenant_id: t.id,
    });
    expect(got!.headers['billow-event-id']).toBe(got!.body.id);
    expect(got!.headers['billow-event-type']).toBe('tenant.updated');
    const signature = got!.headers['billow-signature'] as string;
    expect(verifySignature(e.secret, signature, got!.raw, 300, h.clock.now())).toBe(true);
    expect(verifySignature(e.secret, signature, `${got!.raw} `, 300, h.clock.now())).toBe(false);
    expect(verifySignature('whsec_other', signature, got!.raw, 300, h.clock.now())).toBe(false);
    const later = new Date(h.clock.now().getTime() + 301_000);
    expect(verifySignature(e.secret, signature, got!.raw, 300, later)).toBe(false);

    const [delivery] = await settled(t, e.id);
    expect(delivery).toMatchObject({
      event_id: got!.body.id,
      event_type: 'tenant.updated',
      status: 'succeeded',
      attempts: 1,
      last_status_code: 200,
      last_error: null,
    });
    expect(delivery.delivered_at).not.toBeNull();
  });

  it('retries a failed attempt with backoff until the endpoint answers 2xx', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'] });
    receiver.answer(e.path, [500]);
    await touchTenant(t);
    const [delivery] = await settled(t, e.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 2, last_status_code: 200 });
    const attempts = at(e.path);
    expect(attempts).toHaveLength(2);
    expect(attempts[1]!.body.id).toBe(attempts[0]!.body.id);
  });

  it('marks a delivery failed after the last retry', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'] });
    receiver.answer(e.path, [503, 503, 503]);
    await touchTenant(t);
    const [delivery] = await settled(t, e.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 3,
      last_status_code: 503,
      last_error: 'HTTP 503',
      delivered_at: null,
    });
  });

  it('sends only subscribed event types, nothing to disabled endpoints or other tenants', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const other = await endpoint(a, { event_types: ['customer.created'] });
    const disabled = await endpoint(a, { status: 'disabled' });
    const family = await endpoint(a, { event_types: ['tenant.*'] });
    const ofB = await endpoint(b);
    await touchTenant(a);
    await until(() => at(family.path).length > 0);
    await until(() => at(ofB.path).length > 0); // B hears of its own endpoint's creation
    await sleep(1500);
    expect(at(family.path).map((r) => r.body.type)).toEqual(['tenant.updated']);
    expect(at(other.path)).toEqual([]);
    expect(at(disabled.path)).toEqual([]);
    expect(at(ofB.path).map((r) => r.body.tenant_id)).toEqual([b.id]);
    const none = await a.api.get(`/api/v1/webhook-endpoints/${other.id}/deliveries`);
    expect(none.body.data).toEqual([]);
  });

  it("keeps one tenant's endpoints invisible to another", async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const e = await endpoint(a, { event_types: ['customer.created'] });
    const url = `/api/v1/webhook-endpoints/${e.id}`;
    for (const res of [
      await b.api.get(url),
      await b.api.patch(url, { status: 'disabled' }),
      await b.api.delete(url),
      await b.api.post(`${url}/rotate-secret`),
      await b.api.get(`${url}/deliveries`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('webhook_endpoint_not_found');
    }
    expect((await b.api.get('/api/v1/webhook-endpoints')).body.data).toEqual([]);
    expect((await a.api.get(url)).body.status).toBe('active');
  });

  it('sends nothing for a change that rolls back, and exactly one job for one that commits', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['test.probed'] });
    const db = h.testDb.db;
    const ctx = systemCtx(db, h.clock, (await loadTenant(db, t.id))!);
    const change = { action: 'test.probed', objectType: 'tenant', objectId: t.id, after: {} };
    const jobs = async () =>
      (await db.one<{ n: number }>(`SELECT count(*)::int AS n FROM ${h.queue.schema}.job`)).n;
    const before = await jobs();
    await expect(
      db.tx(async (tx) => {
        await recordChange(tx, ctx, change);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await jobs()).toBe(before);
    const rows = await db.query('SELECT id FROM webhook_deliveries WHERE endpoint_id = $1', [e.id]);
    expect(rows).toEqual([]);

    await db.tx((tx) => recordChange(tx, ctx, change));
    expect(await jobs()).toBe(before + 1);
    const [delivery] = await settled(t, e.id);
    expect(delivery.status).toBe('succeeded');
    expect(at(e.path)).toHaveLength(1);
  });

  it('delivers what a process without a queue wrote, through the worker sweep', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['test.swept'] });
    // Another handle on the same database, with no queue started for it (like a CLI command).
    const cli = createDb(h.testDb.db.pool, h.testDb.db.kind);
    const ctx = systemCtx(cli, h.clock, (await loadTenant(cli, t.id))!);
    await cli.tx((tx) =>
      recordChange(tx, ctx, { action: 'test.swept', objectType: 'tenant', objectId: t.id }),
    );
    const [delivery] = await settled(t, e.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(at(e.path).map((r) => r.body.type)).toEqual(['test.swept']);
  });

  it('rotates the secret: later deliveries are signed with the new one only', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'] });
    const rotated = await t.api.post(`/api/v1/webhook-endpoints/${e.id}/rotate-secret`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(e.secret);
    await touchTenant(t);
    const [got] = await until(() => (at(e.path).length ? at(e.path) : null));
    const header = got!.headers['billow-signature'] as string;
    expect(verifySignature(rotated.body.secret, header, got!.raw, 300, h.clock.now())).toBe(true);
    expect(verifySignature(e.secret, header, got!.raw, 300, h.clock.now())).toBe(false);
    const audit = await t.api.get(`/api/v1/audit-log?object=${e.id}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual([
      'webhook_endpoint.secret_rotated',
      'webhook_endpoint.created',
    ]);
    expect(JSON.stringify(audit.body)).not.toContain(e.secret);
    expect(JSON.stringify(audit.body)).not.toContain(rotated.body.secret);
    const events = await t.api.get('/api/v1/events');
    expect(JSON.stringify(events.body)).not.toContain(rotated.body.secret);
  });

  it('lists, updates and deletes endpoints', async () => {
    const t = await newTenant(h);
    const e1 = await endpoint(t, { event_types: ['customer.created'] });
    const e2 = await endpoint(t, { event_types: ['customer.created'] });
    const page1 = await t.api.get('/api/v1/webhook-endpoints?limit=1');
    expect(page1.body.data.map((e: { id: string }) => e.id)).toEqual([e2.id]);
    const page2 = await t.api.get(
      `/api/v1/webhook-endpoints?limit=1&cursor=${page1.body.next_cursor}`,
    );
    expect(page2.body).toEqual({
      data: [expect.objectContaining({ id: e1.id })],
      next_cursor: null,
    });

    const patched = await t.api.patch(`/api/v1/webhook-endpoints/${e1.id}`, {
      url: 'https://hooks.example.com/billow',
      event_types: ['invoice.*', 'payment.succeeded'],
      description: null,
      status: 'disabled',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      url: 'https://hooks.example.com/billow',
      event_types: ['invoice.*', 'payment.succeeded'],
      description: null,
      status: 'disabled',
    });
    expect((await t.api.delete(`/api/v1/webhook-endpoints/${e1.id}`)).status).toBe(204);
    expect((await t.api.get(`/api/v1/webhook-endpoints/${e1.id}`)).status).toBe(404);
    const list = await t.api.get('/api/v1/webhook-endpoints');
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual([e2.id]);
  });

  it('refuses bad URLs, unknown fields and roles without tenant:manage', async () => {
    const t = await newTenant(h);
    const bad = [
      { url: 'ftp://example.com/hook' },
      { url: 'https://user:pass@example.com/hook' },
      { url: 'https://user@example.com/hook' },
      { url: 'not a url' },
      { url: `https://example.com/${'a'.repeat(2048)}` },
      { url: 'https://example.com/hook', secret: 'mine' },
      { url: 'https://example.com/hook', event_types: ['Invoice Posted'] },
      { url: 'https://example.com/hook', status: 'paused' },
    ];
    for (const body of bad) {
      const res = await t.api.post('/api/v1/webhook-endpoints', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const e = await endpoint(t, { event_types: ['customer.created'] });
    const patch = await t.api.patch(`/api/v1/webhook-endpoints/${e.id}`, { secret: 'x' });
    expect(patch.status).toBe(400);
    expect((await t.api.get('/api/v1/webhook-endpoints/whe_nope')).status).toBe(404);

    const { api: billing } = await apiKey(t, 'billing');
    const res = await billing.get('/api/v1/webhook-endpoints');
    expect(res.status).toBe(403);
  });
});

describe('re-sending a webhook delivery', () => {
  it('sends the event again as a new delivery, signed with the current secret, and audits it', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'] });
    receiver.answer(e.path, [500, 500, 500]);
    await touchTenant(t);
    const [failed] = await settled(t, e.id);
    expect(failed).toMatchObject({ status: 'failed', attempts: 3, last_status_code: 500 });
    const rotated = await t.api.post(`/api/v1/webhook-endpoints/${e.id}/rotate-secret`);

    const res = await t.api.post(`/api/v1/webhook-deliveries/${failed.id}/resend`);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body).toMatchObject({
      endpoint_id: e.id,
      event_id: failed.event_id,
      event_type: 'tenant.updated',
      status: 'pending',
      attempts: 0,
      resend_of: failed.id,
    });
    expect(res.body.id).not.toBe(failed.id);
    // Both deliveries are in the log: the failed one keeps its attempts.
    const log = await settled(t, e.id);
    expect(log.map((d: { id: string; status: string }) => [d.id, d.status])).toEqual([
      [res.body.id, 'succeeded'],
      [failed.id, 'failed'],
    ]);
    expect(log[0]).toMatchObject({ attempts: 1, last_status_code: 200 });
    const got = at(e.path);
    expect(got).toHaveLength(4);
    const last = got[3]!;
    expect(last.body.id).toBe(failed.event_id);
    const header = last.headers['billow-signature'] as string;
    expect(verifySignature(rotated.body.secret, header, last.raw, 300, h.clock.now())).toBe(true);
    expect(verifySignature(e.secret, header, last.raw, 300, h.clock.now())).toBe(false);

    const audit = await t.api.get(`/api/v1/audit-log?object=${res.body.id}`);
    expect(audit.body.data.map((a: { action: string }) => a.action)).toEqual([
      'webhook_delivery.resent',
    ]);
    // A re-send is not an event of its own: nothing else reached the endpoint.
    await sleep(500);
    expect(at(e.path)).toHaveLength(4);
  });

  it('refuses a re-send while one is pending, to a disabled endpoint, and for other tenants', async () => {
    const t = await newTenant(h);
    const e = await endpoint(t, { event_types: ['tenant.updated'] });
    await touchTenant(t);
    const [first] = await settled(t, e.id);
    expect(first.status).toBe('succeeded');
    // Two re-sends at once: one is queued, the other refused. The first attempt of the queued
    // one fails, so it stays pending (for its retry) whichever order the two take.
    receiver.answer(e.path, [500]);
    const both = await Promise.all([
      t.api.post(`/api/v1/webhook-deliveries/${first.id}/resend`),
      t.api.post(`/api/v1/webhook-deliveries/${first.id}/resend`),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual([202, 409]);
    const refused = both.find((r) => r.status === 409)!;
    expect(refused.body.error.code).toBe('webhook_delivery_pending');
    const again = await t.api.post(`/api/v1/webhook-deliveries/${first.id}/resend`);
    expect(again.status).toBe(409);
    await settled(t, e.id);
    expect(at(e.path)).toHaveLength(3);

    const other = await newTenant(h);
    const foreign = await other.api.post(`/api/v1/webhook-deliveries/${first.id}/resend`);
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('webhook_delivery_not_found');
    expect((await t.api.post('/api/v1/webhook-deliveries/whd_nope/resend')).status).toBe(404);
    const { api: billing } = await apiKey(t, 'billing');
    expect((await billing.post(`/api/v1/webhook-deliveries/${first.id}/resend`)).status).toBe(403);
    const { api: admin } = await apiKey(t, 'admin');
    const byAdmin = await admin.post(`/api/v1/webhook-deliveries/${first.id}/resend`, {
      extra: 1,
    });
    expect(byAdmin.status).toBe(400);

    await t.api.patch(`/api/v1/webhook-endpoints/${e.id}`, { status: 'disabled' });
    const off = await admin.post(`/api/v1/webhook-deliveries/${first.id}/resend`);
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('webhook_endpoint_disabled');
    const log = await t.api.get(`/api/v1/webhook-endpoints/${e.id}/deliveries`);
    expect(log.body.data).toHaveLength(2);
    expect(at(e.path)).toHaveLength(3);
  });
});

describe('webhook endpoints where private targets are allowed', () => {
  it('delivers to a host name that resolves to loopback', async () => {
    const t = await newTenant(h);
    const path = `/hook/${unique()}`;
    const local = receiver.url.replace('127.0.0.1', 'localhost');
    const res = await t.api.post('/api/v1/webhook-endpoints', {
      url: `${local}${path}`,
      event_types: ['tenant.updated'],
    });
    expect(res.status).toBe(201);
    await touchTenant(t);
    const [delivery] = await settled(t, res.body.id);
    expect(delivery).toMatchObject({ status: 'succeeded', attempts: 1, last_status_code: 200 });
    expect(at(path)).toHaveLength(1);
  });
});

describe('webhook endpoints where private targets are refused (the default)', () => {
  const strict = useHarness({ worker: WEBHOOK_WORKER });

  it('refuses a URL whose host is a private address, storing nothing', async () => {
    const t = await newTenant(strict);
    const port = new URL(receiver.url).port;
    const refused: [url: string, address: string][] = [
      [`http://127.0.0.1:${port}/hook`, '127.0.0.1'],
      ['http://127.1/hook', '127.0.0.1'],
      ['http://2130706433/hook', '127.0.0.1'],
      ['https://10.1.2.3/hook', '10.1.2.3'],
      ['http://172.16.0.1/hook', '172.16.0.1'],
      ['http://192.168.1.10/hook', '192.168.1.10'],
      ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
      ['http://0.0.0.0:3000/hook', '0.0.0.0'],
      ['http://[::1]/hook', '::1'],
      ['http://[fd00::1]/hook', 'fd00::1'],
      ['http://[fe80::1]/hook', 'fe80::1'],
      ['http://[::ffff:127.0.0.1]/hook', '::ffff:7f00:1'],
    ];
    for (const [url, address] of refused) {
      const res = await t.api.post('/api/v1/webhook-endpoints', { url });
      expect(res.status, url).toBe(422);
      expect(res.body.error).toMatchObject({
        code: 'webhook_url_private',
        details: { url, address },
      });
    }
    expect((await t.api.get('/api/v1/webhook-endpoints')).body.data).toEqual([]);
    expect(await countRows(strict, 'webhook_endpoints', t.id)).toBe(0);
    const audit = await t.api.get('/api/v1/audit-log');
    expect(audit.body.data.map((a: { action: string }) => a.action)).not.toContain(
      'webhook_endpoint.created',
    );

    // A public URL is saved; it cannot be moved onto a private address.
    const created = await t.api.post('/api/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/billow',
      event_types: ['test.never'],
    });
    expect(created.status).toBe(201);
    const url = `/api/v1/webhook-endpoints/${created.body.id}`;
    const moved = await t.api.patch(url, { url: 'http://169.254.169.254/latest/meta-data/' });
    expect(moved.status).toBe(422);
    expect(moved.body.error.code).toBe('webhook_url_private');
    expect((await t.api.get(url)).body.url).toBe('https://hooks.example.com/billow');
  });

  it('refuses at delivery a host name that resolves to loopback, once, with the reason', async () => {
    const t = await newTenant(strict);
    const path = `/hook/${unique()}`;
    // Host names are not resolved when saved: what they resolve to can change.
    const res = await t.api.post('/api/v1/webhook-endpoints', {
      url: `${receiver.url.replace('127.0.0.1', 'localhost')}${path}`,
      event_types: ['tenant.updated'],
    });
    expect(res.status).toBe(201);
    await touchTenant(t);
    const [delivery] = await settled(t, res.body.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status_code: null,
      next_attempt_at: null,
      delivered_at: null,
    });
    expect(delivery.last_error).toMatch(
      /^refused: localhost resolves to (127\.0\.0\.1|::1), a private address, and this installation does not deliver to private networks$/,
    );
    // Not retried: a retry would have come after 1 s.
    await sleep(2500);
    const again = await t.api.get(`/api/v1/webhook-endpoints/${res.body.id}/deliveries`);
    expect(again.body.data).toMatchObject([{ status: 'failed', attempts: 1 }]);
    expect(at(path)).toEqual([]);
  });

  it('refuses at delivery a private address saved while the installation allowed it', async () => {
    const t = await newTenant(strict);
    const path = `/hook/${unique()}`;
    const res = await t.api.post('/api/v1/webhook-endpoints', {
      url: 'https://hooks.example.com/billow',
      event_types: ['tenant.updated'],
      status: 'disabled',
    });
    expect(res.status).toBe(201);
    // As if saved before BILLOW_WEBHOOKS_ALLOW_PRIVATE was turned off.
    await strict.testDb.db.query('UPDATE webhook_endpoints SET url = $2 WHERE id = $1', [
      res.body.id,
      `${receiver.url}${path}`,
    ]);
    // Changing anything but the URL is still allowed.
    const enabled = await t.api.patch(`/api/v1/webhook-endpoints/${res.body.id}`, {
      status: 'active',
    });
    expect(enabled.status).toBe(200);
    await touchTenant(t);
    const [delivery] = await settled(t, res.body.id);
    expect(delivery).toMatchObject({
      status: 'failed',
      attempts: 1,
      last_status_code: null,
      last_error:
        'refused: 127.0.0.1 is a private address, and this installation does not deliver to private networks',
    });
    expect(at(path)).toEqual([]);
  });
});
