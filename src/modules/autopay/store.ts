/**
 * Reading autopay state set-based: a customer's live rules, the facts of many invoices at once,
 * and for each invoice the method autopay would charge (first matching rule, else the simple
 * flag's default method). Payment runs, the calendar and the invoice summary use these.
 */
import { daysBetween } from '../../core/dates.js';
import type { Queryable } from '../../db/db.js';
import { type Ctx, tenantToday } from '../context.js';
import { effectiveMethodIds } from '../methods/service.js';
import { type Criterion, firstMatchingRule, type InvoiceFacts, type RuleForEval } from './model.js';

export interface RuleRow extends RuleForEval {
  tenant_id: string;
  customer_id: string;
  locked: boolean;
  created_at: Date;
  updated_at: Date;
}

export const RULE_COLUMNS = `id, tenant_id, customer_id, position, name, payment_method_id, criteria,
  enabled, locked, created_at, updated_at`;

/** Live rules of the given customers, in precedence order. */
export async function liveRules(
  q: Queryable,
  tenantId: string,
  customerIds: string[],
): Promise<RuleRow[]> {
  if (customerIds.length === 0) return [];
  return q.query<RuleRow>(
    `SELECT ${RULE_COLUMNS} FROM autopay_rules
      WHERE tenant_id = $1 AND customer_id = ANY ($2::text[]) AND deleted_at IS NULL
      ORDER BY customer_id, position`,
    [tenantId, customerIds],
  );
}

interface FactRow {
  id: string;
  customer_id: string;
  total: number;
  invoice_date: string;
  po_number: string | null;
  customer_number: string | null;
  autopay: boolean;
}

/** The facts of each invoice (its lines, age on the tenant's today), with its customer. */
export async function invoiceFacts(
  q: Queryable,
  ctx: Ctx,
  invoiceIds: string[],
): Promise<Map<string, InvoiceFacts & { customerId: string; simpleAutopay: boolean }>> {
  const out = new Map<string, InvoiceFacts & { customerId: string; simpleAutopay: boolean }>();
  if (invoiceIds.length === 0) return out;
  const today = tenantToday(ctx);
  const rows = await q.query<FactRow>(
    `SELECT i.id, i.customer_id, i.total, i.invoice_date, i.po_number, c.number AS customer_number,
            c.autopay
       FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
      WHERE i.tenant_id = $1 AND i.id = ANY ($2::text[])`,
    [ctx.tenant.id, invoiceIds],
  );
  const lines = await q.query<{
    invoice_id: string;
    subscription_id: string | null;
    price_id: string | null;
    description: string;
  }>(
    `SELECT invoice_id, subscription_id, price_id, description FROM invoice_lines
      WHERE tenant_id = $1 AND invoice_id = ANY ($2::text[])`,
    [ctx.tenant.id, invoiceIds],
  );
  for (const r of rows) {
    out.set(r.id, {
      invoiceId: r.id,
      customerId: r.customer_id,
      simpleAutopay: r.autopay,
      total: r.total,
      ageDays: Math.max(0, daysBetween(r.invoice_date, today)),
      customerNumber: r.customer_number,
      poNumber: r.po_number,
      subscriptions: [],
      lineDescriptions: [],
    });
  }
  for (const l of lines) {
    const f = out.get(l.invoice_id);
    if (!f) continue;
    if (l.subscription_id) f.subscriptions.push(l.subscription_id);
    if (l.price_id) f.subscriptions.push(l.price_id);
    f.lineDescriptions.push(l.description);
  }
  return out;
}

export interface AutopayChoice {
  customerId: string;
  /** The rule that chose the method; null when the simple autopay flag did (default method). */
  rule: { id: string; name: string } | null;
  methodId: string;
}

/**
 * For each invoice, what autopay would charge it with, or null when autopay does not apply
 * (no rule matches and the customer's simple autopay is off, or it has no usable method).
 */
export async function autopayChoices(
  q: Queryable,
  ctx: Ctx,
  invoiceIds: string[],
): Promise<Map<string, AutopayChoice | null>> {
  const facts = await invoiceFacts(q, ctx, invoiceIds);
  const customers = [...new Set([...facts.values()].map((f) => f.customerId))];
  const rules = await liveRules(q, ctx.tenant.id, customers);
  const byCustomer = new Map<string, RuleRow[]>();
  for (const r of rules) {
    const list = byCustomer.get(r.customer_id) ?? [];
    list.push({ ...r, criteria: r.criteria as Criterion[] });
    byCustomer.set(r.customer_id, list);
  }
  const defaults = await effectiveMethodIds(
    q,
    ctx,
    [...facts.values()].filter((f) => f.simpleAutopay).map((f) => f.customerId),
  );
  const out = new Map<string, AutopayChoice | null>();
  for (const id of invoiceIds) {
    const f = facts.get(id);
    if (!f) {
      out.set(id, null);
      continue;
    }
    const rule = firstMatchingRule(byCustomer.get(f.customerId) ?? [], f);
    if (rule) {
      out.set(id, {
        customerId: f.customerId,
        rule: { id: rule.id, name: rule.name },
        methodId: rule.payment_method_id,
      });
      continue;
    }
    if (!f.simpleAutopay) {
      out.set(id, null);
      continue;
    }
    const methodId = defaults.get(f.customerId);
    out.set(id, methodId ? { customerId: f.customerId, rule: null, methodId } : null);
  }
  return out;
}

/** SQL condition: customer `c` is on autopay (the simple flag or any enabled live rule). */
export const ON_AUTOPAY_SQL = `(c.autopay OR EXISTS (
  SELECT 1 FROM autopay_rules r
   WHERE r.tenant_id = c.tenant_id AND r.customer_id = c.id AND r.enabled AND r.deleted_at IS NULL))`;
