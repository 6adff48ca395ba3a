/**
 * One bill run (C2–C6): a live progress bar while it generates (the page polls the run), then
 * the review: the summary (customers, invoices, total, refused customers, and the previous run
 * beside it), the run's invoices searched and filtered on the server, each opening to edit (a
 * draft) or adjust and void (a posted one); post the whole run, download its PDFs in one file,
 * email its invoices and read how each email went.
 */
import {
  Anchor,
  Button,
  Group,
  List,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money, Notice, Stat } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty, Loading } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { type BillRunSearch, billRunRoute } from '../../router';
import { can, useMe } from '../../session';
import { InvoiceDrawer, InvoiceStatusBadge } from './InvoiceDrawer';
import { pollWhile, RunProgress, RunStatusBadge } from './parts';

const PAGE_SIZE = 25;
const WORKING = ['pending', 'running', 'posting'];

const STATUS_FILTERS: { value: NonNullable<BillRunSearch['status']> | 'all'; label: string }[] = [
  { value: 'all', label: 'All invoices' },
  { value: 'draft', label: 'Drafts' },
  { value: 'open', label: 'Open' },
  { value: 'partially_paid', label: 'Partially paid' },
  { value: 'paid', label: 'Paid' },
  { value: 'past_due', label: 'Past due' },
  { value: 'void', label: 'Void' },
];

const EMAIL_STATUS: Record<string, string> = {
  queued: 'Queued',
  sent: 'Sent',
  failed: 'Failed',
};

export function billRunKey(id: string) {
  return ['bill-run', id] as const;
}

export function BillRunPage() {
  const me = useMe();
  const { runId } = billRunRoute.useParams();
  const search = billRunRoute.useSearch();
  const navigate = useNavigate({ from: '/bill-runs/$runId' });
  const queryClient = useQueryClient();
  const canWrite = can(me, 'billing:write');

  const run = useQuery({
    queryKey: billRunKey(runId),
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/bill-runs/{id}', { params: { path: { id: runId } } })),
    refetchInterval: (q) => pollWhile(WORKING.includes(q.state.data?.status ?? 'pending')),
  });
  const r = run.data;
  const working = r ? WORKING.includes(r.status) : true;

  // The run before this one (runs are listed newest first, so the page after this id).
  const previous = useQuery({
    queryKey: [...billRunKey(runId), 'previous'],
    enabled: r !== undefined && !working,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/bill-runs', { params: { query: { limit: 1, cursor: runId } } }))
        .data[0] ?? null,
  });

  // While the run works its invoices change; afterwards the list reloads once.
  const status = r?.status;
  useEffect(() => {
    if (status)
      void queryClient.invalidateQueries({ queryKey: [...billRunKey(runId), 'invoices'] });
  }, [status, runId, queryClient]);

  const post = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/bill-runs/{id}/post', { params: { path: { id: runId } } })),
    onSuccess: (posted) => {
      queryClient.setQueryData(billRunKey(runId), posted);
      void queryClient.invalidateQueries({ queryKey: billRunKey(runId) });
    },
  });
  // After emailing, the Email column follows the worker for a minute.
  const [emailedAt, setEmailedAt] = useState<number | null>(null);
  const email = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/bill-runs/{id}/email', { params: { path: { id: runId } } })),
    onSuccess: () => {
      setEmailedAt(Date.now());
      void queryClient.invalidateQueries({ queryKey: billRunKey(runId) });
    },
  });

  if (run.isPending) return <Loading label="Loading the bill run…" />;
  if (run.isError) return <ErrorAlert error={run.error} onRetry={() => void run.refetch()} />;
  if (!r) return null;
  const zone = me.tenant.time_zone;
  const prev = previous.data;

  return (
    <Stack gap="md">
      <Anchor renderRoot={(p) => <Link {...p} to="/bill-runs" />} size="sm">
        ← All bill runs
      </Anchor>
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Group gap="sm" align="center">
            <Title order={1}>Bill run for {formatBusinessDate(r.target_date)}</Title>
            <RunStatusBadge status={r.status} kind="bill" />
          </Group>
          <Text size="sm">
            Started {formatInstant(r.created_at, zone)}
            {r.completed_at && ` · completed ${formatInstant(r.completed_at, zone)}`}
            {r.posted_at && ` · posted ${formatInstant(r.posted_at, zone)}`}
            {r.auto_post && ` · posts itself${r.auto_email ? ' and emails' : ''} when complete`}
          </Text>
        </div>
        {canWrite && (
          <Group gap="xs">
            {r.invoice_count > 0 && !working && (
              <Button
                component="a"
                variant="default"
                href={`/api/v1/bill-runs/${encodeURIComponent(r.id)}/pdf`}
                target="_blank"
                rel="noopener"
              >
                Download PDFs
              </Button>
            )}
            {r.status === 'completed' && (
              <Button onClick={() => post.mutate()} loading={post.isPending}>
                Post all invoices
              </Button>
            )}
            {r.status === 'posted' && r.invoice_count > 0 && (
              <Button onClick={() => email.mutate()} loading={email.isPending}>
                Email the invoices
              </Button>
            )}
          </Group>
        )}
      </Group>

      {working && (
        <Paper withBorder p="md" radius="md">
          <RunProgress
            label={r.status === 'posting' ? 'Posting the invoices' : 'Generating invoices'}
            processed={r.progress.processed}
            total={r.progress.total}
            noun="customers"
          />
        </Paper>
      )}
      {r.status === 'failed' && (
        <Notice title="The run failed" color="yellow" role="alert">
          {r.error ?? 'The run stopped before it finished.'} Start a new run for the same date.
        </Notice>
      )}
      {post.isError && <ErrorAlert error={post.error} title="The run was not posted" />}
      {post.data && (
        <Notice title="Posted" color="blue" role="status">
          Every draft of the run is posted now
          {post.data.skipped_empty > 0 &&
            ` (${post.data.skipped_empty} empty draft${post.data.skipped_empty === 1 ? '' : 's'} left out)`}
          .
        </Notice>
      )}
      {email.isError && <ErrorAlert error={email.error} title="The invoices were not emailed" />}
      {email.data && (
        <Notice title="Emails on their way" color="blue" role="status">
          {email.data.queued
            ? 'The invoices are being emailed; the Email column shows each one as it goes.'
            : `${email.data.emailed ?? 0} invoice${email.data.emailed === 1 ? '' : 's'} emailed${
                email.data.without_recipients
                  ? `; ${email.data.without_recipients} without a contact who receives invoices`
                  : ''
              }. The Email column shows each one.`}
        </Notice>
      )}

      {!working && (
        <section aria-labelledby="run-summary">
          <Title order={2} size="h3" id="run-summary" mb="xs">
            Summary
          </Title>
          <SimpleGrid cols={{ base: 2, sm: 4 }} spacing="sm">
            <Stat label="Customers">{r.progress.total}</Stat>
            <Stat label="Invoices">{r.invoice_count}</Stat>
            <Stat label="Total">
              <Money minor={r.total_amount_exact} currency={r.currency} />
            </Stat>
            <Stat label="Not billed" tone={r.refused.length > 0 ? 'alert' : undefined}>
              {r.refused.length}
            </Stat>
          </SimpleGrid>
          <Text size="sm" mt="xs">
            {prev
              ? `The previous run, for ${formatBusinessDate(prev.target_date)}, made ${prev.invoice_count} invoice${prev.invoice_count === 1 ? '' : 's'} for ${prev.progress.total} customer${prev.progress.total === 1 ? '' : 's'}, total `
              : previous.isSuccess
                ? 'This is the first bill run.'
                : ''}
            {prev && <Money minor={prev.total_amount_exact} currency={prev.currency} />}
            {prev && '.'}
          </Text>
          {r.refused.length > 0 && (
            <Notice title="Customers not billed" color="yellow">
              <List size="sm">
                {r.refused.map((f) => (
                  <List.Item key={`${f.customer_id}-${f.details.field}`}>
                    <Anchor
                      size="sm"
                      renderRoot={(p) => (
                        <Link
                          {...p}
                          to="/customers/$customerId"
                          params={{ customerId: f.customer_id }}
                        />
                      )}
                    >
                      {f.customer_id}
                    </Anchor>
                    {f.details.field === 'total'
                      ? ': the invoice would exceed the largest amount; nothing was billed.'
                      : ': posting would take the open balance beyond the largest balance; the draft stays a draft.'}
                  </List.Item>
                ))}
              </List>
            </Notice>
          )}
        </section>
      )}

      {!working && (
        <RunInvoices
          runId={runId}
          search={search}
          emailedAt={emailedAt}
          onSearch={(s) =>
            void navigate({ search: (old) => ({ ...old, ...s, cursor: undefined }) })
          }
          onPage={(cursor) => void navigate({ search: (old) => ({ ...old, cursor }) })}
          onOpen={(id) =>
            void navigate({ search: (old) => ({ ...old, invoice: id ?? undefined }) })
          }
        />
      )}
      <InvoiceDrawer
        invoiceId={search.invoice}
        canWrite={canWrite}
        onClose={() => void navigate({ search: (old) => ({ ...old, invoice: undefined }) })}
        onChanged={() => void queryClient.invalidateQueries({ queryKey: billRunKey(runId) })}
      />
    </Stack>
  );
}

function RunInvoices({
  runId,
  search,
  emailedAt,
  onSearch,
  onPage,
  onOpen,
}: {
  runId: string;
  search: BillRunSearch;
  emailedAt: number | null;
  onSearch: (s: Partial<BillRunSearch>) => void;
  onPage: (cursor: string | undefined) => void;
  onOpen: (id: string | null) => void;
}) {
  const [text, setText] = useState(search.q ?? '');
  useEffect(() => setText(search.q ?? ''), [search.q]);
  const invoices = useQuery({
    queryKey: [...billRunKey(runId), 'invoices', search.q, search.status, search.cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/invoices', {
          params: {
            query: {
              bill_run: runId,
              limit: PAGE_SIZE,
              ...(search.q && { q: search.q }),
              ...(search.status && { status: search.status }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
    refetchInterval: (q) =>
      (emailedAt !== null && Date.now() - emailedAt < 60_000) ||
      (q.state.data?.data ?? []).some((i) => i.last_email?.status === 'queued')
        ? 2000
        : false,
  });
  const rows = invoices.data?.data ?? [];

  function submit(event: FormEvent) {
    event.preventDefault();
    onSearch({ q: text.trim() || undefined });
  }

  return (
    <section aria-labelledby="run-invoices">
      <Stack gap="sm">
        <Title order={2} size="h3" id="run-invoices">
          Invoices
        </Title>
        <Group align="flex-end" wrap="wrap" gap="sm">
          <form onSubmit={submit} style={{ flex: '1 1 260px' }}>
            <Group align="flex-end" gap="xs" wrap="nowrap">
              <TextInput
                label="Search the run’s invoices"
                description="Customer name or number, or invoice number"
                value={text}
                maxLength={200}
                onChange={(e) => setText(e.currentTarget.value)}
                style={{ flex: 1 }}
              />
              <Button type="submit" variant="default">
                Search
              </Button>
            </Group>
          </form>
          <Select
            label="Status"
            data={STATUS_FILTERS}
            value={search.status ?? 'all'}
            allowDeselect={false}
            w={180}
            onChange={(value) =>
              onSearch({
                status:
                  value && value !== 'all'
                    ? (value as NonNullable<BillRunSearch['status']>)
                    : undefined,
              })
            }
          />
        </Group>
        <PagedTable
          query={invoices}
          count={rows.length}
          loading="Loading the invoices…"
          empty={
            <Empty title="No invoices">
              {search.q || search.status
                ? 'No invoice of this run matches. Try other words or another status.'
                : 'This run made no invoices.'}
            </Empty>
          }
          label="Invoices of the run"
          caption={'Invoices of the bill run'}
          minWidth={680}
          highlightOnHover
          columns={['Invoice', 'Customer', 'Status', { label: 'Total', right: true }, 'Email']}
          pages={cursorPages(search.cursor, invoices.data?.next_cursor, onPage)}
        >
          {rows.map((i) => (
            <Table.Tr key={i.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Anchor component="button" type="button" size="sm" onClick={() => onOpen(i.id)}>
                  {i.number ?? `Draft for ${i.customer_name}`}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <Anchor
                  size="sm"
                  renderRoot={(p) => (
                    <Link
                      {...p}
                      to="/customers/$customerId"
                      params={{ customerId: i.customer_id }}
                    />
                  )}
                >
                  {i.customer_name}
                </Anchor>
              </Table.Td>
              <Table.Td>
                <InvoiceStatusBadge status={i.status} />
              </Table.Td>
              <Table.Td style={{ textAlign: 'right' }}>
                <Money minor={i.total} currency={i.currency} />
              </Table.Td>
              <Table.Td>
                {i.last_email ? (
                  <Text size="sm">
                    {EMAIL_STATUS[i.last_email.status]} to {i.last_email.to}
                    {i.last_email.last_error && ` (${i.last_email.last_error})`}
                  </Text>
                ) : (
                  <Text size="sm">Not emailed</Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </PagedTable>
      </Stack>
    </section>
  );
}
