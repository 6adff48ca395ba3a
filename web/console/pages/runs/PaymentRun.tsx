/**
 * One payment run (F1–F2): a live progress bar while it charges (the page polls the run), its
 * totals (collected as the exact sum the API gives) and the per-invoice results, paged by the
 * server and filtered by result; failures link to the failed-payments list to retry.
 */
import { Anchor, Group, Paper, Select, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money, PaymentStatusBadge, Stat } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty, Loading } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { paymentRunRoute } from '../../router';
import { useMe } from '../../session';
import { pollWhile, RunProgress, RunStatusBadge } from './parts';

const PAGE_SIZE = 50;
type ItemStatus = 'queued' | 'succeeded' | 'pending' | 'failed' | 'skipped';
const RESULTS: { value: ItemStatus | 'all'; label: string }[] = [
  { value: 'all', label: 'All results' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
  { value: 'pending', label: 'Pending' },
  { value: 'skipped', label: 'Skipped' },
  { value: 'queued', label: 'Not yet charged' },
];

export function PaymentRunPage() {
  const me = useMe();
  const { runId } = paymentRunRoute.useParams();
  const search = paymentRunRoute.useSearch();
  const navigate = useNavigate({ from: '/payment-runs/$runId' });
  const queryClient = useQueryClient();
  const run = useQuery({
    queryKey: ['payment-run', runId],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/payment-runs/{id}', { params: { path: { id: runId } } })),
    refetchInterval: (q) =>
      pollWhile(['running', 'scheduled'].includes(q.state.data?.status ?? 'running')),
  });
  const r = run.data;
  const items = useQuery({
    queryKey: ['payment-run', runId, 'items', search.status, search.cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/payment-runs/{id}/items', {
          params: {
            path: { id: runId },
            query: {
              limit: PAGE_SIZE,
              ...(search.status && { status: search.status }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
  });
  // Each step of the progress reloads the results shown.
  const processed = r?.progress.processed;
  useEffect(() => {
    if (processed !== undefined)
      void queryClient.invalidateQueries({ queryKey: ['payment-run', runId, 'items'] });
  }, [processed, runId, queryClient]);

  if (run.isPending) return <Loading label="Loading the payment run…" />;
  if (run.isError) return <ErrorAlert error={run.error} onRetry={() => void run.refetch()} />;
  if (!r) return null;
  const zone = me.tenant.time_zone;
  const rows = items.data?.data ?? [];

  return (
    <Stack gap="md">
      <Anchor renderRoot={(p) => <Link {...p} to="/payment-runs" />} size="sm">
        ← All payment runs
      </Anchor>
      <div>
        <Group gap="sm" align="center">
          <Title order={1}>
            Payment run
            {r.target_date ? ` for invoices due by ${formatBusinessDate(r.target_date)}` : ''}
          </Title>
          <RunStatusBadge status={r.status} kind="payment" />
        </Group>
        <Text size="sm">
          Created {formatInstant(r.created_at, zone)}
          {r.started_at && ` · started ${formatInstant(r.started_at, zone)}`}
          {r.completed_at && ` · completed ${formatInstant(r.completed_at, zone)}`}
          {r.status === 'scheduled' &&
            (r.run_on
              ? ` · runs on ${formatBusinessDate(r.run_on)}`
              : ' · runs after its bill run is posted')}
        </Text>
      </div>

      {(r.status === 'running' || r.status === 'scheduled') && (
        <Paper withBorder p="md" radius="md">
          <RunProgress
            label="Charging invoices"
            processed={r.progress.processed}
            total={r.progress.total}
            noun="invoices"
          />
        </Paper>
      )}

      <section aria-labelledby="payment-run-totals">
        <Title order={2} size="h3" id="payment-run-totals" mb="xs">
          Totals
        </Title>
        <SimpleGrid cols={{ base: 2, sm: 5 }} spacing="sm">
          <Stat label="Collected">
            <Money minor={r.collected_exact} currency={r.currency} />
          </Stat>
          <Stat label="Succeeded">{r.counts.succeeded}</Stat>
          <Stat label="Failed" tone={r.counts.failed > 0 ? 'alert' : undefined}>
            {r.counts.failed}
          </Stat>
          <Stat label="Pending">{r.counts.pending}</Stat>
          <Stat label="Skipped">{r.counts.skipped}</Stat>
        </SimpleGrid>
        {r.counts.failed > 0 && (
          <Text size="sm" mt="xs">
            Retry what failed from{' '}
            <Anchor renderRoot={(p) => <Link {...p} to="/payments/failed" />}>
              failed payments
            </Anchor>
            .
          </Text>
        )}
      </section>

      <section aria-labelledby="payment-run-results">
        <Stack gap="sm">
          <Group justify="space-between" align="flex-end" wrap="wrap">
            <Title order={2} size="h3" id="payment-run-results">
              Results by invoice
            </Title>
            <Select
              label="Result"
              data={RESULTS}
              value={search.status ?? 'all'}
              allowDeselect={false}
              w={190}
              onChange={(value) =>
                void navigate({
                  search: {
                    status: value && value !== 'all' ? (value as ItemStatus) : undefined,
                    cursor: undefined,
                  },
                })
              }
            />
          </Group>
          <PagedTable
            query={items}
            count={rows.length}
            loading="Loading the results…"
            empty={
              <Empty title="No results">
                {search.status
                  ? 'No invoice of this run has this result.'
                  : 'This run collects no invoices.'}
              </Empty>
            }
            label="Results by invoice"
            caption={'Per-invoice results of the payment run'}
            minWidth={680}
            columns={['Invoice', 'Customer', 'Result', { label: 'Amount', right: true }, 'Detail']}
            pages={cursorPages(
              search.cursor,
              items.data?.next_cursor,
              (cursor) => void navigate({ search: (s) => ({ ...s, cursor }) }),
            )}
          >
            {rows.map((i) => (
              <Table.Tr key={i.invoice_id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  <Anchor
                    size="sm"
                    renderRoot={(p) => (
                      <Link
                        {...p}
                        to="/customers/$customerId"
                        params={{ customerId: i.customer_id }}
                        search={{ invoice: i.invoice_id }}
                      />
                    )}
                  >
                    {i.invoice_number ?? i.invoice_id}
                  </Anchor>
                </Table.Td>
                <Table.Td>{i.customer_name}</Table.Td>
                <Table.Td>
                  {i.status === 'queued' ? (
                    <Text size="sm">Not yet charged</Text>
                  ) : (
                    <PaymentStatusBadge status={i.status} />
                  )}
                </Table.Td>
                <Table.Td style={{ textAlign: 'right' }}>
                  {i.amount === null ? '—' : <Money minor={i.amount} currency={r.currency} />}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{i.detail ?? i.decline_code?.replaceAll('_', ' ') ?? '—'}</Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </PagedTable>
        </Stack>
      </section>
    </Stack>
  );
}
