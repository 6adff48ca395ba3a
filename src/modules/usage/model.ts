/**
 * Usage records (B3): what a client sends (one record, a batch of up to 1,000, or a CSV with a
 * header row), checked record by record so that a refused batch can say which records are wrong
 * and why. Quantities are decimals with up to six places, carried as integer millionths.
 */
import { z } from 'zod';
import { isBusinessDate } from '../../core/dates.js';
import { AppError } from '../../core/errors.js';
import { BusinessDate, ListQuery } from '../../core/schemas.js';
import { toMicros } from '../billing/model.js';
import { QueryBool } from '../catalog/model.js';
import { readTable } from './csv.js';

export const MAX_BATCH = 1000;
/** numeric(24, 6): eighteen digits before the point. */
const MAX_MICROS = 10n ** 24n - 1n;

/**
 * Usage dates repeat across a batch (and across batches): checking each distinct text once
 * keeps the calendar check off the ingestion hot path.
 */
const knownDates = new Map<string, boolean>();
function isUsageDate(text: string): boolean {
  let ok = knownDates.get(text);
  if (ok === undefined) {
    ok = isBusinessDate(text);
    if (knownDates.size >= 10_000) knownDates.clear();
    knownDates.set(text, ok);
  }
  return ok;
}
const UsageDate = z
  .string()
  .refine(isUsageDate, { message: 'must be a real date written YYYY-MM-DD' })
  .describe('The business date the usage happened (YYYY-MM-DD, tenant time zone)');

export const UsageQuantity = z
  .union([z.number(), z.string().max(40)])
  .describe('A non-negative decimal with up to 6 places, as a number or (exactly) as a string');

export const UsageRecordIn = z.strictObject({
  id: z
    .string()
    .min(1)
    .max(200)
    .describe('Your id for the record: sending it again is accepted and counted once'),
  customer_id: z.string().min(1).max(64),
  unit_of_measure: z.string().trim().min(1).max(100),
  quantity: UsageQuantity,
  usage_date: UsageDate,
  description: z.string().max(500).nullable().optional(),
});

export const UsageBatchIn = z.strictObject({
  records: z.array(UsageRecordIn).min(1).max(MAX_BATCH),
});

/** The body of POST /usage-records, for the API document (the route checks it record by record). */
export const UsageIngestBody = z.union([UsageRecordIn, UsageBatchIn]);

export const CSV_COLUMNS = ['id', 'customer_id', 'unit_of_measure', 'quantity', 'usage_date'];
export const CSV_OPTIONAL = ['description'];

/** A checked record, ready to be matched to its subscription. */
export interface UsageInput {
  index: number;
  client_id: string;
  customer_id: string;
  unit_of_measure: string;
  micros: bigint;
  usage_date: string;
  description: string | null;
}

export interface RecordProblem {
  index: number;
  /** CSV uploads: the line of the file. */
  line?: number;
  code: string;
  message: string;
  field?: string;
}

function quantityProblem(value: string | number): string | bigint {
  const micros = toMicros(value);
  if (micros === null) {
    const negative = typeof value === 'number' ? value < 0 : value.trim().startsWith('-');
    return negative
      ? 'must not be negative'
      : 'must be a decimal number with at most 6 decimal places, such as 12 or "0.000125"';
  }
  if (micros > MAX_MICROS) return 'is too large (at most 18 digits before the decimal point)';
  return micros;
}

/** Checks one record's shape; its problems, or the record. */
function checkRecord(raw: unknown, index: number): UsageInput | RecordProblem[] {
  const parsed = UsageRecordIn.safeParse(raw);
  if (!parsed.success) {
    return parsed.error.issues.map((issue) => ({
      index,
      code: 'validation_failed',
      field: issue.path.join('.'),
      message: issue.message,
    }));
  }
  const r = parsed.data;
  const micros = quantityProblem(r.quantity);
  if (typeof micros === 'string') {
    return [{ index, code: 'validation_failed', field: 'quantity', message: micros }];
  }
  return {
    index,
    client_id: r.id,
    customer_id: r.customer_id,
    unit_of_measure: r.unit_of_measure,
    micros,
    usage_date: r.usage_date,
    description: r.description || null,
  };
}

function refuse(problems: RecordProblem[], single: boolean, prefix: string): AppError {
  const issues = problems.map((p) => ({
    in: 'body',
    path: [single ? '' : `${prefix}.${p.index}`, p.field ?? ''].filter(Boolean).join('.'),
    message: p.message,
  }));
  return new AppError('validation_failed', { issues, records: problems });
}

/**
 * The records of a request body: a JSON record, {records: [...]}, or CSV text. Throws
 * validation_failed listing every malformed record (index, field, message) and stores nothing.
 */
export function readUsageBody(
  body: unknown,
  csv: boolean,
): { records: UsageInput[]; batch: boolean } {
  let raws: unknown[];
  let single = false;
  let lines: number[] | undefined;
  if (csv) {
    if (typeof body !== 'string') throw new AppError('validation_failed', { issues: [] });
    const table = readTable(body, CSV_COLUMNS, CSV_OPTIONAL);
    if ('problem' in table) {
      throw new AppError('validation_failed', {
        issues: [{ in: 'body', path: '', message: table.problem }],
        ...(table.line !== undefined && { line: table.line }),
      });
    }
    raws = table.records;
    lines = table.lines;
  } else if (typeof body === 'object' && body !== null && 'records' in body) {
    const { records, ...rest } = body as { records: unknown };
    const extra = Object.keys(rest);
    if (!Array.isArray(records) || extra.length > 0) {
      const message = Array.isArray(records)
        ? `unknown field(s) ${extra.join(', ')}`
        : 'records must be an array of usage records';
      throw new AppError('validation_failed', { issues: [{ in: 'body', path: '', message }] });
    }
    raws = records;
  } else {
    raws = [body];
    single = true;
  }
  if (raws.length === 0 || raws.length > MAX_BATCH) {
    const message =
      raws.length === 0 ? 'send at least one record' : `at most ${MAX_BATCH} records per request`;
    throw new AppError('validation_failed', {
      issues: [{ in: 'body', path: csv ? '' : 'records', message }],
      count: raws.length,
      max: MAX_BATCH,
    });
  }
  const out: UsageInput[] = [];
  const problems: RecordProblem[] = [];
  raws.forEach((raw, index) => {
    const checked = checkRecord(raw, index);
    if (Array.isArray(checked)) {
      const line = lines?.[index];
      problems.push(...checked.map((p) => (line === undefined ? p : { ...p, line })));
    } else out.push(checked);
  });
  if (problems.length > 0) throw refuse(problems, single, csv ? 'rows' : 'records');
  return { records: out, batch: !single };
}

export const UsageIngestResult = z.object({
  accepted: z.number().int().describe('Records stored by this request'),
  duplicates: z
    .number()
    .int()
    .describe('Records whose id was already stored (or repeated in the request): counted once'),
  records: z.array(z.object({ id: z.string(), client_id: z.string(), duplicate: z.boolean() })),
});
export type UsageIngestResult = z.infer<typeof UsageIngestResult>;

export const UsageListQuery = ListQuery.extend({
  customer: z.string().min(1).max(64).optional(),
  subscription: z.string().min(1).max(64).optional(),
  from: BusinessDate.optional().describe('Usage dated on or after'),
  to: BusinessDate.optional().describe('Usage dated on or before'),
  invoiced: QueryBool.optional(),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the description or the id'),
});

export const UsageRecordView = z.object({
  id: z.string(),
  client_id: z.string(),
  customer_id: z.string(),
  subscription_id: z.string(),
  unit_of_measure: z.string(),
  quantity: z.string().describe('Decimal, up to 6 places'),
  usage_date: z.string(),
  description: z.string().nullable(),
  invoiced: z.boolean(),
  invoice_id: z.string().nullable(),
  created_at: z.string(),
});
export type UsageRecordView = z.infer<typeof UsageRecordView>;

// --- the portal's usage list and its .xlsx export (H3) -----------------------------------------

/** The columns a contact can show and export, in the order they appear. */
export const USAGE_COLUMNS = [
  'usage_date',
  'client_id',
  'description',
  'unit_of_measure',
  'quantity',
  'invoiced',
  'invoice_id',
] as const;
export type UsageColumn = (typeof USAGE_COLUMNS)[number];
export const USAGE_COLUMN_LABELS: Record<UsageColumn, string> = {
  usage_date: 'Date',
  client_id: 'Record id',
  description: 'Description',
  unit_of_measure: 'Unit',
  quantity: 'Quantity',
  invoiced: 'Invoiced',
  invoice_id: 'Invoice',
};

/** The filters of the portal's usage list; the export takes the same ones. */
export const PortalUsageFilters = z.strictObject({
  from: BusinessDate.optional().describe('Usage dated on or after'),
  to: BusinessDate.optional().describe('Usage dated on or before'),
  invoiced: QueryBool.optional().describe('true: billed on an invoice; false: not yet billed'),
  q: z.string().trim().min(1).max(200).optional().describe('Part of the description or the id'),
});
export type PortalUsageFilters = z.output<typeof PortalUsageFilters>;

export const PortalUsageQuery = ListQuery.extend(PortalUsageFilters.shape);

export const PortalUsageRecord = UsageRecordView.omit({
  subscription_id: true,
  customer_id: true,
  created_at: true,
});
export type PortalUsageRecord = z.infer<typeof PortalUsageRecord>;

export const PortalUsagePage = z.object({
  data: z.array(PortalUsageRecord),
  next_cursor: z.string().nullable(),
});

/** The most recent records an export holds. */
export const EXPORT_MAX_ROWS = 1000;
/** How long an export's emailed link works, from when the file is made (tenant clock). */
export const EXPORT_LINK_HOURS = 24;

export const UsageExportRequest = z.strictObject({
  from: BusinessDate.optional(),
  to: BusinessDate.optional(),
  invoiced: z.boolean().optional(),
  q: z.string().trim().min(1).max(200).optional(),
  columns: z
    .array(z.enum(USAGE_COLUMNS))
    .min(1)
    .max(USAGE_COLUMNS.length)
    .describe('The columns of the file, in this order (at least one)'),
});
export type UsageExportRequest = z.output<typeof UsageExportRequest>;

export const UsageExportView = z.object({
  id: z.string(),
  status: z.enum(['queued', 'ready', 'failed']),
  email_to: z.string().describe('Where the download link is sent when the file is ready'),
  created_at: z.string(),
});

export const UsageExportLinkQuery = z.strictObject({
  token: z.string().min(1).max(100).describe('The token of the emailed link'),
});

export const UsageExportLinkView = z.object({
  file_name: z.string(),
  rows: z.number().int(),
  columns: z.array(z.enum(USAGE_COLUMNS)),
  created_at: z.string(),
  expires_at: z.string().describe('When the link stops working (24 hours after the file was made)'),
  time_zone: z.string().describe('The tenant’s time zone, to show expires_at in'),
});
