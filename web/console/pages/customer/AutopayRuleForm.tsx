/**
 * New or changed autopay rule (G2, G3): name, payment method, the trigger (field, operator,
 * values — several for "is one of") and, under "Advanced", more criteria rows that must all hold
 * too. The form checks with the API's own schema (RuleInput) and row rules (criteriaProblems),
 * so what it refuses is what the API would refuse, shown next to the field; the API still
 * checks the method and the rows again on save.
 */
import {
  Button,
  Collapse,
  Group,
  Paper,
  Select,
  Stack,
  TagsInput,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import {
  CRITERIA_FIELDS,
  type CriteriaField,
  criteriaProblems,
  FIELD_RULES,
  type Operator,
  RuleInput,
} from '../../../../src/modules/autopay/model';
import { formatMoney, parseAmountInput } from '../../../shared/format';

export const FIELD_LABELS: Record<CriteriaField, string> = {
  subscription: 'Subscription or price id',
  invoice_total: 'Invoice total',
  invoice_line_item: 'Invoice line item',
  invoice_age_days: 'Invoice age in days',
  customer_number: 'Customer number',
  po_number: 'PO number',
};

export const OPERATOR_LABELS: Record<Operator, string> = {
  eq: 'is',
  neq: 'is not',
  lt: 'is less than',
  lte: 'is at most',
  gt: 'is more than',
  gte: 'is at least',
  contains: 'contains',
  in: 'is one of',
};

export type Criterion = { field: string; operator: string; values: (string | number)[] };

/** One value as a person reads it: an invoice total in dollars, the rest as stored. */
export function showValue(field: string, v: string | number): string {
  return field === 'invoice_total' && typeof v === 'number' ? formatMoney(v, 'USD') : String(v);
}

/** "Invoice total is at least $500.00", for the list of rules. */
export function describeCriterion(c: Criterion): string {
  const field = FIELD_LABELS[c.field as CriteriaField] ?? c.field;
  const op = OPERATOR_LABELS[c.operator as Operator] ?? c.operator;
  return `${field} ${op} ${c.values.map((v) => showValue(c.field, v)).join(', ')}`;
}

/** A row as typed: values are the texts of the tags. */
type Row = { key: number; field: string; operator: string; values: string[] };

let nextKey = 1;

function toRow(c: Criterion): Row {
  return {
    key: nextKey++,
    field: c.field,
    operator: c.operator,
    values: c.values.map((v) =>
      c.field === 'invoice_total' && typeof v === 'number'
        ? showValue('invoice_total', v)
        : String(v),
    ),
  };
}

/** Typed text → the value the API stores; a text that is not a number stays text (and fails). */
function readValue(field: string, text: string): string | number {
  const spec = FIELD_RULES[field as CriteriaField];
  if (spec?.type !== 'number') return text.trim();
  if (field === 'invoice_total') return parseAmountInput(text) ?? text;
  return /^\d{1,15}$/.test(text.trim()) ? Number(text.trim()) : text;
}

export type RuleDraft = { name: string; payment_method_id: string; criteria: Criterion[] };

const blankRow = (): Row => ({ key: nextKey++, field: '', operator: '', values: [] });

export function AutopayRuleForm({
  initial,
  methods,
  saving,
  onSave,
  onCancel,
}: {
  initial: RuleDraft | null;
  methods: { id: string; label: string }[];
  saving: boolean;
  onSave: (rule: RuleDraft) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(initial?.name ?? '');
  const [method, setMethod] = useState<string | null>(initial?.payment_method_id ?? null);
  const start = initial?.criteria.map(toRow) ?? [];
  const [trigger, setTrigger] = useState<Row>(start[0] ?? blankRow());
  const [extra, setExtra] = useState<Row[]>(start.slice(1));
  const [advanced, setAdvanced] = useState(start.length > 1);
  const [errors, setErrors] = useState<Record<string, string>>({});

  function save() {
    const rows = [trigger, ...extra];
    const criteria = rows.map((r) => ({
      field: r.field,
      operator: r.operator,
      values: r.values.map((v) => readValue(r.field, v)),
    }));
    const found: Record<string, string> = {};
    const parsed = RuleInput.safeParse({ name, payment_method_id: method ?? '', criteria });
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const k = String(issue.path[0]);
        if (k === 'name') found.name = 'Give the rule a name';
        else if (k === 'payment_method_id') found.method = 'Choose a payment method';
        else found.form = issue.message;
      }
    }
    rows.forEach((r, i) => {
      if (!r.field) found[`${i}:field`] = 'Choose a field';
      else if (!r.operator) found[`${i}:operator`] = 'Choose an operator';
    });
    for (const p of criteriaProblems(criteria)) {
      if (p.row === null) continue;
      const k = `${p.row}:${p.field}`;
      if (!found[`${p.row}:field`] && !found[`${p.row}:operator`] && !found[k]) {
        found[k] = p.message;
      }
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    onSave({ name: name.trim(), payment_method_id: method ?? '', criteria });
  }

  const problems = Object.keys(errors).length;
  return (
    <Stack gap="md">
      <TextInput
        label="Rule name"
        required
        value={name}
        error={errors.name}
        onChange={(e) => setName(e.currentTarget.value)}
      />
      <Select
        label="Payment method"
        required
        placeholder="Choose a method"
        data={methods.map((m) => ({ value: m.id, label: m.label }))}
        value={method}
        error={errors.method}
        onChange={setMethod}
        description={
          methods.length === 0 ? 'The customer has no usable card or bank account.' : undefined
        }
      />
      <CriterionRow label="Trigger" index={0} row={trigger} errors={errors} onChange={setTrigger} />
      <Button
        variant="subtle"
        w="fit-content"
        onClick={() => setAdvanced((a) => !a)}
        aria-expanded={advanced}
      >
        {advanced ? 'Hide advanced' : 'Advanced: more criteria'}
      </Button>
      <Collapse expanded={advanced}>
        <Stack gap="sm">
          <Text size="sm">Every row must hold as well as the trigger for the rule to pay.</Text>
          {extra.map((r, i) => (
            <Paper withBorder p="sm" radius="md" key={r.key}>
              <Stack gap="xs">
                <CriterionRow
                  label={`Criterion ${i + 2}`}
                  index={i + 1}
                  row={r}
                  errors={errors}
                  onChange={(row) => setExtra((rows) => rows.map((x, j) => (j === i ? row : x)))}
                />
                <Group>
                  <Button
                    variant="default"
                    size="xs"
                    onClick={() => setExtra((rows) => rows.filter((_, j) => j !== i))}
                  >
                    Remove criterion {i + 2}
                  </Button>
                </Group>
              </Stack>
            </Paper>
          ))}
          <Button
            variant="default"
            w="fit-content"
            onClick={() => setExtra((rows) => [...rows, blankRow()])}
          >
            Add a criterion
          </Button>
        </Stack>
      </Collapse>
      {problems > 0 && (
        <Text size="sm" c="red.9" role="alert">
          The rule cannot be saved yet:{' '}
          {problems === 1 ? 'one field needs' : `${problems} fields need`} attention.
          {errors.form ? ` ${errors.form}` : ''}
        </Text>
      )}
      <Group>
        <Button onClick={save} loading={saving}>
          Save rule
        </Button>
        <Button variant="default" onClick={onCancel} disabled={saving}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

function CriterionRow({
  label,
  index,
  row,
  errors,
  onChange,
}: {
  label: string;
  index: number;
  row: Row;
  errors: Record<string, string>;
  onChange: (row: Row) => void;
}) {
  const spec = FIELD_RULES[row.field as CriteriaField];
  return (
    <Stack gap="xs" role="group" aria-label={label}>
      <Text size="sm" fw={600}>
        {label}
      </Text>
      <Group gap="xs" align="flex-start" wrap="wrap">
        <Select
          label={`${label}: field`}
          placeholder="Field"
          w={210}
          data={CRITERIA_FIELDS.map((f) => ({ value: f, label: FIELD_LABELS[f] }))}
          value={row.field || null}
          error={errors[`${index}:field`]}
          onChange={(f) => {
            const ops = f ? FIELD_RULES[f as CriteriaField].ops : [];
            onChange({
              key: row.key,
              field: f ?? '',
              operator: ops.includes(row.operator as Operator) ? row.operator : '',
              values: row.values,
            });
          }}
        />
        <Select
          label={`${label}: operator`}
          placeholder="Operator"
          w={160}
          data={(spec?.ops ?? []).map((o) => ({ value: o, label: OPERATOR_LABELS[o] }))}
          value={row.operator || null}
          error={errors[`${index}:operator`]}
          disabled={!spec}
          onChange={(o) => onChange({ ...row, operator: o ?? '' })}
        />
        <TagsInput
          label={`${label}: values`}
          description={
            row.operator === 'in'
              ? 'Several values: press Enter after each'
              : row.field === 'invoice_total'
                ? 'An amount in dollars, then Enter'
                : 'Type a value, then Enter'
          }
          w={260}
          value={row.values}
          error={errors[`${index}:values`]}
          onChange={(values) => onChange({ ...row, values })}
          acceptValueOnBlur
        />
      </Group>
    </Stack>
  );
}
