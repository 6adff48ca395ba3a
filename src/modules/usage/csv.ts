/**
 * A small RFC 4180 reader for usage uploads: comma-separated, fields optionally in double quotes
 * (a quote inside doubled, commas and line breaks allowed inside), CRLF or LF line ends, a
 * header row naming the columns in any order. Pure; no I/O.
 */

export interface CsvRow {
  /** 1-based line of the file where the row starts (the header is line 1). */
  line: number;
  fields: string[];
}

/** Splits CSV text into rows of fields; throws a RangeError with the line of a broken quote. */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // a byte-order mark from spreadsheet exports
  const endRow = () => {
    fields.push(field);
    // A blank line is no row.
    if (!(fields.length === 1 && fields[0] === '')) rows.push({ line: rowLine, fields });
    fields = [];
    field = '';
  };
  while (i < text.length) {
    const c = text[i] as string;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        const next = text[i + 1];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new RangeError(`line ${line}: a quoted field must end at a comma or line end`);
        }
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      endRow();
      if (c === '\r' && text[i + 1] === '\n') i += 1;
      line += 1;
      rowLine = line;
    } else field += c;
    i += 1;
  }
  if (quoted) throw new RangeError(`line ${rowLine}: a quoted field is not closed`);
  if (field !== '' || fields.length > 0) endRow();
  return rows;
}

export interface CsvTable {
  /** One object per data row, keyed by the header's column names; empty cells are left out. */
  records: Record<string, string>[];
  lines: number[];
}

/**
 * Reads a CSV whose header names `required` columns and perhaps some `optional` ones, in any
 * order. Returns the problem with the header or a row's width as a string.
 */
export function readTable(
  text: string,
  required: readonly string[],
  optional: readonly string[],
): CsvTable | { problem: string; line?: number } {
  let rows: CsvRow[];
  try {
    rows = parseCsv(text);
  } catch (err) {
    return { problem: (err as Error).message };
  }
  const [header, ...data] = rows;
  if (!header) return { problem: `the CSV is empty; its first row names the columns` };
  const columns = header.fields.map((f) => f.trim().toLowerCase());
  const known = new Set([...required, ...optional]);
  const unknown = columns.filter((c) => !known.has(c));
  const missing = required.filter((c) => !columns.includes(c));
  const repeated = columns.filter((c, i) => columns.indexOf(c) !== i);
  if (unknown.length > 0 || missing.length > 0 || repeated.length > 0) {
    const parts = [
      unknown.length > 0 && `unknown column(s) ${unknown.join(', ')}`,
      missing.length > 0 && `missing column(s) ${missing.join(', ')}`,
      repeated.length > 0 && `repeated column(s) ${repeated.join(', ')}`,
    ].filter(Boolean);
    return {
      problem: `header row: ${parts.join('; ')} (columns: ${[...required, ...optional].join(',')})`,
      line: 1,
    };
  }
  const records: Record<string, string>[] = [];
  const lines: number[] = [];
  for (const row of data) {
    if (row.fields.length !== columns.length) {
      return {
        problem: `line ${row.line}: ${row.fields.length} fields where the header has ${columns.length}`,
        line: row.line,
      };
    }
    const record: Record<string, string> = {};
    columns.forEach((c, i) => {
      const value = row.fields[i] as string;
      if (value !== '') record[c] = value;
    });
    records.push(record);
    lines.push(row.line);
  }
  return { records, lines };
}
