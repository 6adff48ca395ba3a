/**
 * Autopay rules (G2, G3): the criteria a rule's rows may use, their validation, and the pure
 * evaluation "first enabled rule whose rows all hold pays". No I/O here: the service loads the
 * invoice facts and the rules, and this decides.
 */
import { z } from 'zod';

export const CRITERIA_FIELDS = [
  'subscription',
  'invoice_total',
  'invoice_line_item',
  'invoice_age_days',
  'customer_number',
  'po_number',
] as const;
export type CriteriaField = (typeof CRITERIA_FIELDS)[number];

export const OPERATORS = ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'contains', 'in'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Which operators each field takes, and whether its values are numbers or strings. */
export const FIELD_RULES: Record<CriteriaField, { type: 'number' | 'string'; ops: Operator[] }> = {
  subscription: { type: 'string', ops: ['eq', 'neq', 'in'] },
  invoice_total: { type: 'number', ops: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in'] },
  invoice_line_item: { type: 'string', ops: ['eq', 'neq', 'contains', 'in'] },
  invoice_age_days: { type: 'number', ops: ['eq', 'neq', 'lt', 'lte', 'gt', 'gte', 'in'] },
  customer_number: { type: 'string', ops: ['eq', 'neq', 'contains', 'in'] },
  po_number: { type: 'string', ops: ['eq', 'neq', 'contains', 'in'] },
};

export const MAX_VALUES = 50;
export const MAX_CRITERIA = 20;
export const MAX_RULES = 50;

export interface Criterion {
  field: CriteriaField;
  operator: Operator;
  values: (string | number)[];
}

/** A criteria row as it arrives: loosely shaped, checked by criteriaProblems per row. */
export const CriterionInput = z.object({
  field: z.string().max(64),
  operator: z.string().max(16),
  values: z.array(z.union([z.string().max(500), z.number()])).max(MAX_VALUES),
});

export const RuleInput = z.strictObject({
  id: z.string().max(64).optional().describe('Keep this existing rule (its id) in the new list'),
  name: z.string().trim().min(1).max(200),
  payment_method_id: z.string().min(1).max(64),
  criteria: z.array(CriterionInput).max(MAX_CRITERIA).default([]),
  enabled: z.boolean().default(true),
  locked: z.boolean().default(false),
});
export type RuleInput = z.infer<typeof RuleInput>;

export const RulePatch = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  payment_method_id: z.string().min(1).max(64).optional(),
  criteria: z.array(CriterionInput).max(MAX_CRITERIA).optional(),
  enabled: z.boolean().optional(),
  locked: z.boolean().optional(),
});
export type RulePatch = z.infer<typeof RulePatch>;

export interface RuleProblem {
  /** Index of the criteria row (null for the rule itself, e.g. its method). */
  row: number | null;
  field: string;
  message: string;
}

/** What is wrong with each criteria row; empty when all are valid. */
export function criteriaProblems(rows: z.infer<typeof CriterionInput>[]): RuleProblem[] {
  const problems: RuleProblem[] = [];
  rows.forEach((r, row) => {
    const spec = FIELD_RULES[r.field as CriteriaField];
    if (!spec) {
      problems.push({ row, field: 'field', message: `unknown field ${JSON.stringify(r.field)}` });
      return;
    }
    if (!spec.ops.includes(r.operator as Operator)) {
      problems.push({
        row,
        field: 'operator',
        message: `${r.field} takes the operators ${spec.ops.join(', ')}`,
      });
      return;
    }
    if (r.values.length === 0) {
      problems.push({ row, field: 'values', message: 'give at least one value' });
    } else if (r.operator !== 'in' && r.values.length > 1) {
      problems.push({
        row,
        field: 'values',
        message: 'only the operator "in" takes several values',
      });
    }
    r.values.forEach((v) => {
      if (spec.type === 'number') {
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
          problems.push({
            row,
            field: 'values',
            message: `${r.field} values are whole non-negative numbers${r.field === 'invoice_total' ? ' of cents' : ''}`,
          });
        }
      } else if (typeof v !== 'string' || v.trim() === '') {
        problems.push({ row, field: 'values', message: `${r.field} values are non-empty strings` });
      } else if (r.field === 'subscription' && !/^(sub|price)_[0-9a-z]{26}$/.test(v)) {
        problems.push({ row, field: 'values', message: 'give subscription or price ids' });
      }
    });
  });
  return problems;
}

/** What the rows of a rule are tested against, for one invoice. */
export interface InvoiceFacts {
  invoiceId: string;
  total: number;
  ageDays: number;
  customerNumber: string | null;
  poNumber: string | null;
  /** Subscription ids and price ids of the invoice's lines. */
  subscriptions: string[];
  lineDescriptions: string[];
}

export interface RuleForEval {
  id: string;
  name: string;
  position: number;
  payment_method_id: string;
  criteria: Criterion[];
  enabled: boolean;
}

const lower = (v: string | number) => String(v).toLowerCase();

function compareNumber(actual: number, op: Operator, values: number[]): boolean {
  const v = values[0] as number;
  switch (op) {
    case 'eq':
      return actual === v;
    case 'neq':
      return actual !== v;
    case 'lt':
      return actual < v;
    case 'lte':
      return actual <= v;
    case 'gt':
      return actual > v;
    case 'gte':
      return actual >= v;
    case 'in':
      return values.includes(actual);
    default:
      return false;
  }
}

/** One string against the row; text compares without regard to case. */
function matchString(actual: string, op: Operator, values: string[], exact: boolean): boolean {
  const a = exact ? actual : lower(actual);
  const vs = values.map((v) => (exact ? v : lower(v)));
  switch (op) {
    case 'eq':
    case 'in':
      return vs.includes(a);
    case 'neq':
      return !vs.includes(a);
    case 'contains':
      return vs.some((v) => a.includes(v));
    default:
      return false;
  }
}

/**
 * A list-valued fact (the invoice's lines): eq, in and contains hold when some line matches;
 * neq holds when no line equals the value.
 */
function matchList(actual: string[], op: Operator, values: string[], exact: boolean): boolean {
  if (op === 'neq') return actual.every((a) => matchString(a, 'neq', values, exact));
  return actual.some((a) => matchString(a, op, values, exact));
}

export function criterionHolds(c: Criterion, f: InvoiceFacts): boolean {
  const strings = c.values.map(String);
  switch (c.field) {
    case 'invoice_total':
      return compareNumber(f.total, c.operator, c.values as number[]);
    case 'invoice_age_days':
      return compareNumber(f.ageDays, c.operator, c.values as number[]);
    case 'subscription':
      return matchList(f.subscriptions, c.operator, strings, true);
    case 'invoice_line_item':
      return matchList(f.lineDescriptions, c.operator, strings, false);
    case 'customer_number':
      return matchString(f.customerNumber ?? '', c.operator, strings, false);
    case 'po_number':
      return matchString(f.poNumber ?? '', c.operator, strings, false);
    default:
      return false;
  }
}

/** All rows hold; a rule without rows matches every invoice. */
export function ruleMatches(rule: Pick<RuleForEval, 'criteria'>, facts: InvoiceFacts): boolean {
  return rule.criteria.every((c) => criterionHolds(c, facts));
}

/** Rules tried top to bottom (by position), enabled ones only; the first that matches pays. */
export function firstMatchingRule<R extends RuleForEval>(
  rules: readonly R[],
  facts: InvoiceFacts,
): R | null {
  const ordered = [...rules].sort((a, b) => a.position - b.position);
  return ordered.find((r) => r.enabled && ruleMatches(r, facts)) ?? null;
}
