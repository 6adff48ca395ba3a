import { describe, expect, it } from 'vitest';
import { apiKey, auditOf, client, newTenant, unique } from '../helpers/app.js';
import { newCustomer } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';

const h = useHarness();

const CUSTOMERS = '/api/v1/customers';

describe('creating customers', () => {
  it('numbers customers C-000001, C-000002, … per tenant, with defaults and missing links', async () => {
    const t = await newTenant(h);
    const a = await t.api.post(CUSTOMERS, { name: 'Acme Corp' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({
      number: 'C-000001',
      name: 'Acme Corp',
      billing_email: null,
      billing_address: {},
      status: 'active',
      archived_at: null,
      parent_id: null,
      invoice_only: false,
      credit_limit: null,
      currency: 'USD',
      links: { crm: null, accounting: null, gateway: null },
      missing_links: ['crm', 'accounting', 'gateway'],
      created_at: '2026-11-22T15:00:00.000Z',
    });
    expect(a.body.id).toMatch(/^cus_[0-9a-z]{26}$/);
    expect((await newCustomer(t)).number).toBe('C-000002');
    const other = await newTenant(h);
    expect((await newCustomer(other)).number).toBe('C-000001');
  });

  it('keeps every field given, lower-cases the email, and shows the links as chips', async () => {
    const t = await newTenant(h);
    const res = await t.api.post(CUSTOMERS, {
      number: 'ACME-7',
      name: '  Acme Corp  ',
      billing_email: 'Billing@ACME.example',
      billing_address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      notes: 'Key account',
      invoice_only: true,
      credit_limit: 500_000,
      links: { crm: 'hs-123', gateway: 'cus_stripe_1' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number: 'ACME-7',
      name: 'Acme Corp',
      billing_email: 'billing@acme.example',
      billing_address: { line1: '1 Main St', city: 'Springfield', country: 'US' },
      notes: 'Key account',
      invoice_only: true,
      credit_limit: 500_000,
      links: { crm: 'hs-123', accounting: null, gateway: 'cus_stripe_1' },
      missing_links: ['accounting'],
    });
    const got = await t.api.get(`${CUSTOMERS}/${res.body.id}`);
    expect(got.body).toEqual(res.body);
  });

  it('writes an audit row and a customer.created event', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const entries = await auditOf(t, c.id);
    expect(entries.map((e) => e.action)).toEqual(['customer.created']);
    expect(entries[0]?.after.id).toBe(c.id);
    expect(entries[0]?.actor_type).toBe('api_key');
    const events = await t.api.get('/api/v1/events?type=customer.created');
    expect(events.body.data.map((e: { object_id: string }) => e.object_id)).toContain(c.id);
  });

  it('refuses a number in use, and automatic numbering skips numbers taken by hand', async () => {
    const t = await newTenant(h);
    await newCustomer(t, { number: 'C-000002' });
    const dup = await t.api.post(CUSTOMERS, { name: 'Dup', number: 'C-000002' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('customer_number_taken');
    expect((await newCustomer(t)).number).toBe('C-000001');
    expect((await newCustomer(t)).number).toBe('C-000003');
  });

  it('gives concurrent creations distinct numbers', async () => {
    const t = await newTenant(h);
    const made = await Promise.all(Array.from({ length: 8 }, () => newCustomer(t)));
    const numbers = made.map((c) => c.number).sort();
    expect(numbers).toEqual(Array.from({ length: 8 }, (_, i) => `C-00000${i + 1}`));
  });

  it('replays a POST with the same Idempotency-Key instead of creating twice', async () => {
    const t = await newTenant(h);
    const key = { 'idempotency-key': unique() };
    const first = await t.api.post(CUSTOMERS, { name: 'Once' }, key);
    const again = await t.api.post(CUSTOMERS, { name: 'Once' }, key);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect((await t.api.get(`${CUSTOMERS}?q=once`)).body.data).toHaveLength(1);
  });

  it.each([
    ['an unknown field', { name: 'X', colour: 'red' }],
    ['a missing name', {}],
    ['a blank name', { name: '   ' }],
    ['an oversize name', { name: 'x'.repeat(201) }],
    ['oversize notes', { name: 'X', notes: 'x'.repeat(5001) }],
    ['a bad email', { name: 'X', billing_email: 'not-an-email' }],
    ['a negative credit limit', { name: 'X', credit_limit: -1 }],
    ['a fractional credit limit', { name: 'X', credit_limit: 10.5 }],
    ['a credit limit as a string', { name: 'X', credit_limit: '100' }],
    ['invoice_only as a string', { name: 'X', invoice_only: 'yes' }],
    ['an unknown address field', { name: 'X', billing_address: { street: 'Main' } }],
    ['a bad country', { name: 'X', billing_address: { country: 'usa' } }],
    ['an unknown link', { name: 'X', links: { erp: 'e-1' } }],
    ['an oversize number', { name: 'X', number: 'N'.repeat(41) }],
  ])('refuses %s with validation_failed', async (_label, body) => {
    const t = await newTenant(h);
    const res = await t.api.post(CUSTOMERS, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect((await t.api.get(CUSTOMERS)).body.data).toHaveLength(0);
  });
});

describe('changing and archiving customers', () => {
  it('changes fields, clears nullable ones, patches links one by one, audited before/after', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t, {
      billing_email: 'a@example.com',
      credit_limit: 100,
      links: { crm: 'crm-1', accounting: 'acc-1' },
    });
    const res = await t.api.patch(`${CUSTOMERS}/${c.id}`, {
      name: 'Renamed',
      billing_email: null,
      credit_limit: null,
      links: { crm: null, gateway: 'gw-1' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Renamed',
      billing_email: null,
      credit_limit: null,
      links: { crm: null, accounting: 'acc-1', gateway: 'gw-1' },
      missing_links: ['crm'],
    });
    const [entry] = await auditOf(t, c.id);
    expect(entry?.action).toBe('customer.updated');
    expect(entry?.before).toMatchObject({ name: c.name, billing_email: 'a@example.com' });
    expect(entry?.after).toMatchObject({ name: 'Renamed', billing_email: null });
  });

  it('refuses renumbering onto a number in use', async () => {
    const t = await newTenant(h);
    const a = await newCustomer(t);
    const b = await newCustomer(t);
    const res = await t.api.patch(`${CUSTOMERS}/${b.id}`, { number: a.number });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('customer_number_taken');
    expect((await t.api.get(`${CUSTOMERS}/${b.id}`)).body.number).toBe(b.number);
  });

  it('refuses bad patches: unknown fields, wrong types, negative credit limit', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    for (const body of [{ nmae: 'x' }, { invoice_only: 1 }, { credit_limit: -5 }, { name: '' }]) {
      const res = await t.api.patch(`${CUSTOMERS}/${c.id}`, body);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect(await auditOf(t, c.id)).toHaveLength(1);
  });

  it('archives with DELETE, freezes the customer, and restores with status active', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const del = await t.api.delete(`${CUSTOMERS}/${c.id}`);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ status: 'archived', archived_at: '2026-11-22T15:00:00.000Z' });
    expect((await t.api.delete(`${CUSTOMERS}/${c.id}`)).status).toBe(200);
    const edit = await t.api.patch(`${CUSTOMERS}/${c.id}`, { name: 'Nope' });
    expect(edit.status).toBe(409);
    expect(edit.body.error.code).toBe('customer_archived');
    const restored = await t.api.patch(`${CUSTOMERS}/${c.id}`, { status: 'active', name: 'Back' });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ status: 'active', archived_at: null, name: 'Back' });
    const actions = (await auditOf(t, c.id)).map((e) => e.action);
    expect(actions).toEqual(['customer.restored', 'customer.archived', 'customer.created']);
  });

  it('unknown customers are 404 customer_not_found', async () => {
    const t = await newTenant(h);
    const id = 'cus_0000000000000000000000000a';
    for (const res of [
      await t.api.get(`${CUSTOMERS}/${id}`),
      await t.api.patch(`${CUSTOMERS}/${id}`, { name: 'x' }),
      await t.api.delete(`${CUSTOMERS}/${id}`),
      await t.api.get(`${CUSTOMERS}/${id}/children`),
      await t.api.get(`${CUSTOMERS}/${id}/hierarchy`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('customer_not_found');
    }
  });
});

describe('access', () => {
  it('a read-only key reads customers but cannot change them', async () => {
    const t = await newTenant(h);
    const c = await newCustomer(t);
    const ro = (await apiKey(t, 'read_only')).api;
    expect((await ro.get(CUSTOMERS)).status).toBe(200);
    expect((await ro.get(`${CUSTOMERS}/${c.id}`)).status).toBe(200);
    expect((await ro.get(`${CUSTOMERS}/${c.id}/hierarchy`)).status).toBe(200);
    for (const res of [
      await ro.post(CUSTOMERS, { name: 'No' }),
      await ro.patch(`${CUSTOMERS}/${c.id}`, { name: 'No' }),
      await ro.delete(`${CUSTOMERS}/${c.id}`),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    expect((await t.api.get(`${CUSTOMERS}/${c.id}`)).body).toMatchObject({
      name: c.name,
      status: 'active',
    });
  });

  it('a billing key can create customers', async () => {
    const t = await newTenant(h);
    const billing = (await apiKey(t, 'billing')).api;
    expect((await billing.post(CUSTOMERS, { name: 'Ok' })).status).toBe(201);
  });

  it('no credentials, no customers', async () => {
    const res = await client(h.app).get(CUSTOMERS);
    expect(res.status).toBe(401);
  });
});

describe('tenant isolation', () => {
  it('tenant B can neither see nor change tenant A’s customers', async () => {
    const a = await newTenant(h);
    const b = await newTenant(h);
    const parent = await newCustomer(a, {
      name: `Isolated ${unique()}`,
      billing_email: 'x@a.test',
    });
    const child = await newCustomer(a, { parent_id: parent.id });
    const before = (await a.api.get(`${CUSTOMERS}/${parent.id}`)).body;
    for (const res of [
      await b.api.get(`${CUSTOMERS}/${parent.id}`),
      await b.api.patch(`${CUSTOMERS}/${parent.id}`, { name: 'Stolen' }),
      await b.api.delete(`${CUSTOMERS}/${child.id}`),
      await b.api.get(`${CUSTOMERS}/${parent.id}/children`),
      await b.api.get(`${CUSTOMERS}/${parent.id}/hierarchy`),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('customer_not_found');
    }
    const asParent = await b.api.post(CUSTOMERS, { name: 'Sneaky', parent_id: parent.id });
    expect(asParent.status).toBe(404);
    expect(asParent.body.error).toMatchObject({
      code: 'customer_not_found',
      details: { field: 'parent_id' },
    });
    const own = await newCustomer(b);
    const reparent = await b.api.patch(`${CUSTOMERS}/${own.id}`, { parent_id: parent.id });
    expect(reparent.status).toBe(404);
    expect((await b.api.get(CUSTOMERS)).body.data.map((c: { id: string }) => c.id)).toEqual([
      own.id,
    ]);
    expect((await b.api.get(`${CUSTOMERS}?q=isolated`)).body.data).toEqual([]);
    expect((await b.api.get(`${CUSTOMERS}?q=x@a.test`)).body.data).toEqual([]);
    expect((await b.api.get(`${CUSTOMERS}?parent=${parent.id}`)).body.data).toEqual([]);
    expect((await a.api.get(`${CUSTOMERS}/${parent.id}`)).body).toEqual(before);
    expect((await a.api.get(`${CUSTOMERS}/${child.id}`)).body.status).toBe('active');
    expect((await a.api.get(`${CUSTOMERS}/${parent.id}/children`)).body.data).toHaveLength(1);
    expect(await auditOf(a, parent.id)).toHaveLength(1);
  });
});

describe('parent and child accounts', () => {
  it('lists children, shows the subtree with its descendant count and the ancestors', async () => {
    const t = await newTenant(h);
    const root = await newCustomer(t, { name: 'Root' });
    const mid = await newCustomer(t, { name: 'Mid', parent_id: root.id });
    const leaf = await newCustomer(t, { name: 'Leaf', parent_id: mid.id });
    const sibling = await newCustomer(t, { name: 'Sibling', parent_id: root.id });
    expect(mid.parent_id).toBe(root.id);
    const children = await t.api.get(`${CUSTOMERS}/${root.id}/children`);
    expect(children.body.data.map((c: { id: string }) => c.id)).toEqual([sibling.id, mid.id]);
    const byParent = await t.api.get(`${CUSTOMERS}?parent=${mid.id}`);
    expect(byParent.body.data.map((c: { id: string }) => c.id)).toEqual([leaf.id]);

    const tree = await t.api.get(`${CUSTOMERS}/${root.id}/hierarchy`);
    expect(tree.status).toBe(200);
    expect(tree.body).toMatchObject({
      customer_id: root.id,
      descendant_count: 3,
      truncated: false,
    });
    expect(tree.body.ancestors).toEqual([]);
    expect(tree.body.nodes.map((n: { name: string; depth: number }) => [n.name, n.depth])).toEqual([
      ['Root', 0],
      ['Mid', 1],
      ['Leaf', 2],
      ['Sibling', 1],
    ]);
    const sub = await t.api.get(`${CUSTOMERS}/${leaf.id}/hierarchy`);
    expect(sub.body.descendant_count).toBe(0);
    expect(sub.body.ancestors.map((a: { name: string }) => a.name)).toEqual(['Root', 'Mid']);
  });

  it('refuses an unknown parent with customer_not_found on parent_id', async () => {
    const t = await newTenant(h);
    const res = await t.api.post(CUSTOMERS, {
      name: 'Orphan',
      parent_id: 'cus_0000000000000000000000000a',
    });
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({
      code: 'customer_not_found',
      details: { field: 'parent_id' },
    });
  });

  it('refuses cycles: itself, its child, and an indirect A→B→C→A', async () => {
    const t = await newTenant(h);
    const a = await newCustomer(t);
    const b = await newCustomer(t, { parent_id: a.id });
    const c = await newCustomer(t, { parent_id: b.id });
    for (const parent of [a.id, b.id, c.id]) {
      const res = await t.api.patch(`${CUSTOMERS}/${a.id}`, { parent_id: parent });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('customer_hierarchy_cycle');
    }
    expect((await t.api.get(`${CUSTOMERS}/${a.id}`)).body.parent_id).toBeNull();
    const moved = await t.api.patch(`${CUSTOMERS}/${c.id}`, { parent_id: a.id });
    expect(moved.status).toBe(200);
    expect((await t.api.get(`${CUSTOMERS}/${a.id}/hierarchy`)).body.descendant_count).toBe(2);
    const detached = await t.api.patch(`${CUSTOMERS}/${b.id}`, { parent_id: null });
    expect(detached.body.parent_id).toBeNull();
  });

  it('two concurrent re-parentings cannot build a cycle together', async () => {
    const t = await newTenant(h);
    for (let round = 0; round < 3; round++) {
      const x = await newCustomer(t);
      const y = await newCustomer(t);
      const results = await Promise.all([
        t.api.patch(`${CUSTOMERS}/${x.id}`, { parent_id: y.id }),
        t.api.patch(`${CUSTOMERS}/${y.id}`, { parent_id: x.id }),
      ]);
      expect(results.map((r) => r.status).sort()).toEqual([200, 422]);
    }
  });

  it('refuses to archive a parent with active children, and an archived parent', async () => {
    const t = await newTenant(h);
    const parent = await newCustomer(t);
    const child = await newCustomer(t, { parent_id: parent.id });
    const refused = await t.api.delete(`${CUSTOMERS}/${parent.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'customer_has_children',
      details: { children: 1 },
    });
    expect((await t.api.get(`${CUSTOMERS}/${parent.id}`)).body.status).toBe('active');
    expect((await t.api.delete(`${CUSTOMERS}/${child.id}`)).status).toBe(200);
    expect((await t.api.delete(`${CUSTOMERS}/${parent.id}`)).status).toBe(200);
    const under = await t.api.post(CUSTOMERS, { name: 'Late', parent_id: parent.id });
    expect(under.status).toBe(409);
    expect(under.body.error).toMatchObject({
      code: 'customer_archived',
      details: { field: 'parent_id' },
    });
    const restoreChild = await t.api.patch(`${CUSTOMERS}/${child.id}`, { status: 'active' });
    expect(restoreChild.body.error.code).toBe('customer_archived');
    const archivedKids = await t.api.get(`${CUSTOMERS}/${parent.id}/children?status=archived`);
    expect(archivedKids.body.data).toHaveLength(1);
  });
});

describe('search and pagination', () => {
  it('finds by part of the name, number or email, case-insensitively', async () => {
    const t = await newTenant(h);
    const acme = await newCustomer(t, {
      name: 'Acme Rocket Works',
      billing_email: 'ap@acme.example',
    });
    const globex = await newCustomer(t, { name: 'Globex', number: 'GLX-42' });
    const pct = await newCustomer(t, { name: '100% Pure_Water' });
    const ids = async (q: string) =>
      (await t.api.get(`${CUSTOMERS}?q=${encodeURIComponent(q)}`)).body.data.map(
        (c: { id: string }) => c.id,
      );
    expect(await ids('rOCKet')).toEqual([acme.id]);
    expect(await ids('glx-4')).toEqual([globex.id]);
    expect(await ids('AP@ACME')).toEqual([acme.id]);
    expect(await ids(acme.number)).toEqual([acme.id]);
    expect(await ids('C-00000')).toEqual([pct.id, acme.id]);
    expect(await ids('0% P')).toEqual([pct.id]);
    expect(await ids('e_w')).toEqual([pct.id]);
    expect(await ids('%')).toEqual([pct.id]);
    expect(await ids('nothing like it')).toEqual([]);
  });

  it('filters by status and pages newest first with a cursor', async () => {
    const t = await newTenant(h);
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await newCustomer(t));
    await t.api.delete(`${CUSTOMERS}/${made[0]?.id}`);
    const seen: string[] = [];
    let url = `${CUSTOMERS}?limit=2`;
    for (;;) {
      const res = await t.api.get(url);
      expect(res.status).toBe(200);
      seen.push(...res.body.data.map((c: { id: string }) => c.id));
      if (!res.body.next_cursor) break;
      url = `${CUSTOMERS}?limit=2&cursor=${res.body.next_cursor}`;
    }
    expect(seen).toEqual(made.map((c) => c.id).reverse());
    const active = await t.api.get(`${CUSTOMERS}?status=active`);
    expect(active.body.data).toHaveLength(4);
    const archived = await t.api.get(`${CUSTOMERS}?status=archived`);
    expect(archived.body.data.map((c: { id: string }) => c.id)).toEqual([made[0]?.id]);
  });

  it('refuses a bad cursor, unknown query parameters and bad limits', async () => {
    const t = await newTenant(h);
    expect((await t.api.get(`${CUSTOMERS}?cursor=nope`)).body.error.code).toBe('invalid_cursor');
    for (const qs of [
      'colour=red',
      'limit=0',
      'limit=101',
      'status=deleted',
      `q=${'x'.repeat(201)}`,
    ]) {
      const res = await t.api.get(`${CUSTOMERS}?${qs}`);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
  });
});
