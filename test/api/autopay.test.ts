/**
 * Autopay (G1–G4): the pure evaluation, the simple flag, and the ordered rules API — validation
 * per row, locks, reorder, a method in use, tenant isolation.
 */
import { describe, expect, it } from 'vitest';
import { firstMatchingRule, type InvoiceFacts } from '../../src/modules/autopay/model.js';
import { useTenant } from '../helpers/app.js';
import { newCustomer } from '../helpers/billing.js';
import { useHarness } from '../helpers/harness.js';
import { cardBody, MASTERCARD, saveMethod } from '../helpers/payment-methods.js';

const facts: InvoiceFacts = {
  invoiceId: 'inv_x',
  total: 28_000,
  ageDays: 10,
  customerNumber: 'C-1001',
  poNumber: 'PO-77',
  subscriptions: ['sub_01knzzzzzzzzzzzzzzzzzzzzzz'],
  lineDescriptions: ['Hosting (monthly)', 'Support plan'],
};
const rule = (id: string, position: number, criteria: unknown[], enabled = true) => ({
  id,
  name: id,
  position,
  payment_method_id: `pm_${id}`,
  criteria: criteria as never,
  enabled,
});

describe('firstMatchingRule', () => {
  it('tries enabled rules top to bottom; all rows must hold; no rows matches all', () => {
    const big = rule('big', 1, [
      { field: 'invoice_total', operator: 'gte', values: [25_000] },
      { field: 'invoice_age_days', operator: 'gte', values: [15] },
    ]);
    const hosting = rule('hosting', 2, [
      { field: 'invoice_line_item', operator: 'contains', values: ['hosting'] },
    ]);
    const any = rule('any', 3, []);
    expect(firstMatchingRule([any, hosting, big], facts)?.id).toBe('hosting');
    expect(firstMatchingRule([big, any], { ...facts, ageDays: 15 })?.id).toBe('big');
    expect(firstMatchingRule([{ ...hosting, enabled: false }, any], facts)?.id).toBe('any');
    expect(firstMatchingRule([big], facts)).toBeNull();
  });

  it('knows each operator', () => {
    const one = (c: unknown) => firstMatchingRule([rule('r', 1, [c])], facts) !== null;
    expect(one({ field: 'po_number', operator: 'eq', values: ['po-77'] })).toBe(true);
    expect(one({ field: 'customer_number', operator: 'in', values: ['C-1', 'C-1001'] })).toBe(true);
    expect(one({ field: 'customer_number', operator: 'neq', values: ['C-1001'] })).toBe(false);
    expect(one({ field: 'invoice_total', operator: 'lt', values: [28_000] })).toBe(false);
    expect(one({ field: 'invoice_total', operator: 'lte', values: [28_000] })).toBe(true);
    expect(one({ field: 'invoice_age_days', operator: 'gt', values: [9] })).toBe(true);
    expect(one({ field: 'subscription', operator: 'eq', values: facts.subscriptions })).toBe(true);
    expect(one({ field: 'subscription', operator: 'neq', values: facts.subscriptions })).toBe(
      false,
    );
    expect(one({ field: 'invoice_line_item', operator: 'eq', values: ['support plan'] })).toBe(
      true,
    );
  });
});

const h = useHarness();
const t = useTenant(h);
const other = useTenant(h);

describe('simple autopay', () => {
  it('needs a usable method, then uses the default', async () => {
    const cus = await newCustomer(t);
    const refused = await t.api.patch(`/api/v1/customers/${cus.id}/autopay`, { enabled: true });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('autopay_needs_method');
    const pm = await saveMethod(t, cus.id, cardBody());
    const on = await t.api.patch(`/api/v1/customers/${cus.id}/autopay`, { enabled: true });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ enabled: true, default_payment_method_id: pm.id });
    const foreign = await other.api.patch(`/api/v1/customers/${cus.id}/autopay`, {
      enabled: false,
    });
    expect(foreign.status).toBe(404);
  });
});

describe('autopay rules', () => {
  it('refuses invalid rules with details per row, and changes nothing', async () => {
    const cus = await newCustomer(t);
    const pm = await saveMethod(t, cus.id, cardBody());
    const elsewhere = await newCustomer(t);
    const foreignPm = await saveMethod(t, elsewhere.id, cardBody(MASTERCARD));
    const bad = await t.api.put(`/api/v1/customers/${cus.id}/autopay-rules`, {
      rules: [
        {
          name: 'Broken',
          payment_method_id: pm.id,
          criteria: [
            { field: 'colour', operator: 'eq', values: ['red'] },
            { field: 'invoice_total', operator: 'contains', values: [5] },
            { field: 'invoice_total', operator: 'gte', values: ['100'] },
            { field: 'po_number', operator: 'eq', values: [] },
            { field: 'po_number', operator: 'eq', values: ['a', 'b'] },
          ],
        },
        { name: 'Not theirs', payment_method_id: foreignPm.id, criteria: [] },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('autopay_rule_invalid');
    const [first, second] = bad.body.error.details.rules;
    expect(first.index).toBe(0);
    expect(first.problems.map((p: { row: number }) => p.row)).toEqual([0, 1, 2, 3, 4]);
    expect(second.problems[0]).toMatchObject({ field: 'payment_method_id' });
    const list = await t.api.get(`/api/v1/customers/${cus.id}/autopay-rules`);
    expect(list.body.rules).toEqual([]);
  });

  it('replaces, patches, locks, reorders; a method in use cannot be deleted', async () => {
    const cus = await newCustomer(t);
    const card = await saveMethod(t, cus.id, cardBody());
    const card2 = await saveMethod(t, cus.id, cardBody(MASTERCARD));
    const put = await t.api.put(`/api/v1/customers/${cus.id}/autopay-rules`, {
      rules: [
        {
          name: 'Large invoices',
          payment_method_id: card.id,
          criteria: [{ field: 'invoice_total', operator: 'gte', values: [50_000] }],
        },
        { name: 'Everything else', payment_method_id: card2.id },
      ],
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    const [large, rest] = put.body.rules;
    expect([large.position, rest.position]).toEqual([1, 2]);

    const locked = await t.api.patch(`/api/v1/autopay-rules/${large.id}`, { locked: true });
    expect(locked.body.locked).toBe(true);
    const frozen = await t.api.patch(`/api/v1/autopay-rules/${large.id}`, { enabled: false });
    expect(frozen.status).toBe(409);
    expect(frozen.body.error.code).toBe('autopay_rule_locked');
    const dropLocked = await t.api.put(`/api/v1/customers/${cus.id}/autopay-rules`, {
      rules: [{ id: rest.id, name: 'Everything else', payment_method_id: card2.id }],
    });
    expect(dropLocked.body.error.code).toBe('autopay_rule_locked');

    const wrongOrder = await t.api.post(`/api/v1/customers/${cus.id}/autopay-rules/reorder`, {
      ids: [rest.id],
    });
    expect(wrongOrder.status).toBe(422);
    const reordered = await t.api.post(`/api/v1/customers/${cus.id}/autopay-rules/reorder`, {
      ids: [rest.id, large.id],
    });
    expect(reordered.status).toBe(200);
    expect(reordered.body.rules.map((r: { id: string }) => r.id)).toEqual([rest.id, large.id]);

    const del = await t.api.delete(`/api/v1/payment-methods/${card.id}`);
    expect(del.status).toBe(409);
    expect(del.body.error.code).toBe('payment_method_in_use');

    const unlockAndEdit = await t.api.patch(`/api/v1/autopay-rules/${large.id}`, {
      locked: false,
      enabled: false,
    });
    expect(unlockAndEdit.body).toMatchObject({ locked: false, enabled: false });
    const foreign = await other.api.patch(`/api/v1/autopay-rules/${large.id}`, { enabled: true });
    expect(foreign.status).toBe(404);
    expect((await other.api.get(`/api/v1/customers/${cus.id}/autopay-rules`)).status).toBe(404);

    const replaced = await t.api.put(`/api/v1/customers/${cus.id}/autopay-rules`, { rules: [] });
    expect(replaced.body.rules).toEqual([]);
    expect((await t.api.delete(`/api/v1/payment-methods/${card.id}`)).status).toBeLessThan(300);
  });
});
