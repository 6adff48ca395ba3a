/**
 * Usage (H3): the account's usage records, newest usage date first, paginated on the server;
 * filters (date range, text, invoiced) live in the URL, the shown columns are remembered per
 * contact in this browser. "Export" asks the server for an .xlsx of the most recent 1,000 records
 * matching the filters, with the shown columns; the link comes by email. The page computes
 * nothing: quantities are the API's decimal text.
 */
import {
  Button,
  Checkbox,
  Group,
  Popover,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { z } from 'zod';
import { unwrap } from '../../shared/api';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { formatBusinessDate } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty } from '../../shared/states';
import { type PortalUsageRecord, portalApi } from '../api';
import { Notice, Read } from '../components/Reads';
import { type UsageSearch, usageRoute } from '../router';
import { usePortalMe } from '../session';

const PAGE_SIZE = 25;

export const USAGE_COLUMNS = [
  'usage_date',
  'client_id',
  'description',
  'unit_of_measure',
  'quantity',
  'invoiced',
  'invoice_id',
] as const;
type Column = (typeof USAGE_COLUMNS)[number];
const LABELS: Record<Column, string> = {
  usage_date: 'Date',
  client_id: 'Record id',
  description: 'Description',
  unit_of_measure: 'Unit',
  quantity: 'Quantity',
  invoiced: 'Invoiced',
  invoice_id: 'Invoice',
};
const DEFAULT_COLUMNS: Column[] = [
  'usage_date',
  'description',
  'unit_of_measure',
  'quantity',
  'invoiced',
];

const StoredColumns = z.array(z.enum(USAGE_COLUMNS)).min(1);

/** The columns this contact chose, in the page's order (localStorage holds names only). */
function useColumns(contactId: string): [Column[], (next: Column[]) => void] {
  const key = `billow.portal.usage.columns.${contactId}`;
  const [columns, setColumns] = useState<Column[]>(() => {
    try {
      const parsed = StoredColumns.safeParse(JSON.parse(localStorage.getItem(key) ?? 'null'));
      return parsed.success ? parsed.data : DEFAULT_COLUMNS;
    } catch {
      return DEFAULT_COLUMNS;
    }
  });
  const set = (next: Column[]) => {
    const ordered = USAGE_COLUMNS.filter((c) => next.includes(c));
    setColumns(ordered);
    localStorage.setItem(key, JSON.stringify(ordered));
  };
  return [columns, set];
}

/** The filters of the search, without the page cursor: what the list and the export use. */
function filtersOf(search: UsageSearch) {
  return {
    ...(search.from && { from: search.from }),
    ...(search.to && { to: search.to }),
    ...(search.q && { q: search.q }),
    ...(search.invoiced && { invoiced: search.invoiced }),
  };
}

function cellOf(r: PortalUsageRecord, c: Column) {
  switch (c) {
    case 'usage_date':
      return formatBusinessDate(r.usage_date);
    case 'invoiced':
      return r.invoiced ? 'Yes' : 'No';
    case 'invoice_id':
      return r.invoice_id ?? '—';
    case 'description':
      return r.description ?? '—';
    default:
      return r[c];
  }
}

export function UsagePage() {
  const me = usePortalMe();
  const search = usageRoute.useSearch();
  const navigate = useNavigate({ from: '/usage' });
  const [columns, setColumns] = useColumns(me.contact.id);
  const filters = filtersOf(search);
  const usage = useQuery({
    queryKey: ['portal', me.customer.id, 'usage', search],
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/usage', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...filters,
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
  });
  const exporting = useMutation({
    mutationFn: async () =>
      unwrap(
        await portalApi.POST('/api/v1/portal/usage/exports', {
          body: {
            ...(filters.from && { from: filters.from }),
            ...(filters.to && { to: filters.to }),
            ...(filters.q && { q: filters.q }),
            ...(filters.invoiced && { invoiced: filters.invoiced === 'true' }),
            columns,
          },
        }),
      ),
  });
  const filtered = Object.keys(filters).length > 0;

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Usage</Title>
        <Text size="sm">What your account used, newest first. Dates are usage dates.</Text>
      </div>
      <Filters
        search={search}
        onApply={(next) => void navigate({ search: next })}
        error={usage.error}
      />
      <Group gap="sm">
        <ColumnChooser columns={columns} onChange={setColumns} />
        <Button
          variant="filled"
          onClick={() => exporting.mutate()}
          loading={exporting.isPending}
          disabled={usage.data?.data.length === 0}
        >
          Export to Excel
        </Button>
      </Group>
      {exporting.isSuccess && (
        <Notice color="blue" title="Your export is being prepared" role="status">
          <Text size="sm">
            We are writing the most recent records (up to 1,000)
            {filtered ? ' that match your filters' : ''} to an Excel file. A download link will be
            emailed to {exporting.data.email_to}; it works for 24 hours.
          </Text>
        </Notice>
      )}
      {exporting.isError && <ErrorAlert error={exporting.error} title="Could not export" />}
      <Read query={usage} label="usage">
        {(page) =>
          page.data.length === 0 ? (
            <Empty title="No usage records">
              {filtered
                ? 'No record matches these filters. Clear them to see all your usage.'
                : 'Your usage appears here once it is recorded.'}
            </Empty>
          ) : (
            <UsageTable rows={page.data} columns={columns} />
          )
        }
      </Read>
      <Pager
        onFirst={search.cursor ? () => void navigate({ search: filters }) : undefined}
        onNext={
          usage.data?.next_cursor
            ? () =>
                void navigate({
                  search: { ...filters, cursor: usage.data?.next_cursor ?? undefined },
                })
            : undefined
        }
      />
    </Stack>
  );
}

function UsageTable({ rows, columns }: { rows: PortalUsageRecord[]; columns: Column[] }) {
  return (
    <>
      {/* A phone gets one card per record: the table would scroll sideways. */}
      <Stack gap="xs" hiddenFrom="sm" component="ul" style={{ listStyle: 'none', padding: 0 }}>
        {rows.map((r) => (
          <li key={r.id} className="record-card">
            <dl className="stacked-fields">
              {columns.map((c) => (
                <div key={c}>
                  <dt>{LABELS[c]}</dt>
                  <dd>{cellOf(r, c)}</dd>
                </div>
              ))}
            </dl>
          </li>
        ))}
      </Stack>
      <Table.ScrollContainer
        minWidth={480}
        type="native"
        tabIndex={0}
        role="region"
        aria-label="Usage table"
        visibleFrom="sm"
      >
        <Table striped>
          <Table.Caption>
            <VisuallyHidden>Usage records, newest first</VisuallyHidden>
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              {columns.map((c) => (
                <Table.Th scope="col" key={c} ta={c === 'quantity' ? 'right' : undefined}>
                  {LABELS[c]}
                </Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id}>
                {columns.map((c) => (
                  <Table.Td
                    key={c}
                    ta={c === 'quantity' ? 'right' : undefined}
                    style={c === 'usage_date' ? { whiteSpace: 'nowrap' } : undefined}
                  >
                    {cellOf(r, c)}
                  </Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}

/** The filter form; applied on submit, so typing does not send a request per key. */
function Filters({
  search,
  onApply,
  error,
}: {
  search: UsageSearch;
  onApply: (next: UsageSearch) => void;
  error: unknown;
}) {
  const [from, setFrom] = useState(search.from ?? '');
  const [to, setTo] = useState(search.to ?? '');
  const [q, setQ] = useState(search.q ?? '');
  const [invoiced, setInvoiced] = useState<string>(search.invoiced ?? 'all');
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => {
    setFrom(search.from ?? '');
    setTo(search.to ?? '');
    setQ(search.q ?? '');
    setInvoiced(search.invoiced ?? 'all');
  }, [search.from, search.to, search.q, search.invoiced]);
  const fields = fieldErrors(error);

  function submit(event: FormEvent) {
    event.preventDefault();
    if (from && to && from > to) {
      setProblem('The end date is before the start date.');
      return;
    }
    setProblem(null);
    onApply({
      ...(from && { from }),
      ...(to && { to }),
      ...(q.trim() && { q: q.trim() }),
      ...(invoiced !== 'all' && { invoiced: invoiced as 'true' | 'false' }),
    });
  }

  return (
    <form onSubmit={submit} aria-label="Usage filters">
      <Group align="flex-end" gap="sm" wrap="wrap">
        <TextInput
          type="date"
          label="From"
          value={from}
          onChange={(e) => setFrom(e.currentTarget.value)}
          error={fields['query.from'] ?? fields.from}
          w={170}
        />
        <TextInput
          type="date"
          label="To"
          value={to}
          onChange={(e) => setTo(e.currentTarget.value)}
          error={problem ?? fields['query.to'] ?? fields.to}
          w={170}
        />
        <TextInput
          label="Search"
          placeholder="Description or record id"
          value={q}
          maxLength={200}
          onChange={(e) => setQ(e.currentTarget.value)}
          w={220}
        />
        <Select
          label="Invoiced"
          w={160}
          allowDeselect={false}
          value={invoiced}
          onChange={(v) => setInvoiced(v ?? 'all')}
          data={[
            { value: 'all', label: 'All records' },
            { value: 'true', label: 'Invoiced' },
            { value: 'false', label: 'Not invoiced yet' },
          ]}
        />
        <Button type="submit" variant="default">
          Apply filters
        </Button>
      </Group>
    </form>
  );
}

/** "Columns": a checkbox per column in a popover (a group of real checkboxes, not a menu). */
function ColumnChooser({
  columns,
  onChange,
}: {
  columns: Column[];
  onChange: (next: Column[]) => void;
}) {
  return (
    <Popover position="bottom-start" shadow="md" trapFocus withinPortal>
      <Popover.Target>
        <Button variant="default">Columns</Button>
      </Popover.Target>
      <Popover.Dropdown>
        <Checkbox.Group
          label="Columns to show and export"
          value={columns}
          onChange={(next) => {
            // At least one column stays.
            if (next.length > 0) onChange(next as Column[]);
          }}
        >
          <Stack gap="xs" mt="xs">
            {USAGE_COLUMNS.map((c) => (
              <Checkbox key={c} value={c} label={LABELS[c]} />
            ))}
          </Stack>
        </Checkbox.Group>
      </Popover.Dropdown>
    </Popover>
  );
}
