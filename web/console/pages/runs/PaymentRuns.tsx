/**
 * Payment runs (F1): every run, newest first (paged by the server), and "Start a payment run"
 * now for a target date (invoices due on or before it are collected); a run opens its page.
 */
import { Anchor, Button, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money } from '../../../shared/display';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { paymentRunsRoute } from '../../router';
import { can, useMe } from '../../session';
import { pollWhile, RunStatusBadge, StartRunDialog, useRunTarget } from './parts';

const PAGE_SIZE = 25;

/** What started a run: a billing rule (`schedule`), or a person. */
const STARTED_BY = {
  daily: 'Daily schedule',
  after_bill_run: 'Its bill run',
  ad_hoc: 'By hand',
} as const;

export function PaymentRunsPage() {
  const me = useMe();
  const search = paymentRunsRoute.useSearch();
  const navigate = useNavigate({ from: '/payment-runs' });
  const [starting, setStarting] = useState(false);
  const runs = useQuery({
    queryKey: ['payment-runs', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/payment-runs', {
          params: { query: { limit: PAGE_SIZE, ...(search.cursor && { cursor: search.cursor }) } },
        }),
      ),
    refetchInterval: (q) =>
      pollWhile((q.state.data?.data ?? []).some((r) => r.status === 'running')),
  });
  const rows = runs.data?.data ?? [];
  const zone = me.tenant.time_zone;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Payment runs</Title>
          <Text size="sm">
            A payment run charges the autopay method of every posted invoice due by its target date.
            Follow up on what failed in{' '}
            <Anchor renderRoot={(p) => <Link {...p} to="/payments/failed" />}>
              failed payments
            </Anchor>
            .
          </Text>
        </div>
        {can(me, 'billing:write') && (
          <Button onClick={() => setStarting(true)}>Start a payment run</Button>
        )}
      </Group>

      <PagedTable
        query={runs}
        count={rows.length}
        loading="Loading payment runs…"
        empty={
          <Empty title="No payment runs yet">
            Start one here after posting a bill run, or schedule them in the billing rules.
          </Empty>
        }
        label="Payment runs table"
        caption={'Payment runs, newest first'}
        minWidth={780}
        highlightOnHover
        columns={[
          'Target date',
          'Status',
          'Started by',
          'Invoices',
          'Succeeded',
          'Failed',
          { label: 'Collected', right: true },
          'Created',
        ]}
        pages={cursorPages(
          search.cursor,
          runs.data?.next_cursor,
          (cursor) => void navigate({ search: { cursor } }),
        )}
      >
        {rows.map((r) => (
          <Table.Tr key={r.id}>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              <Anchor
                renderRoot={(p) => (
                  <Link {...p} to="/payment-runs/$runId" params={{ runId: r.id }} />
                )}
              >
                {r.target_date
                  ? formatBusinessDate(r.target_date)
                  : r.run_on
                    ? `Runs ${formatBusinessDate(r.run_on)}`
                    : 'After its bill run'}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <RunStatusBadge status={r.status} kind="payment" />
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {STARTED_BY[r.schedule ?? 'ad_hoc']}
            </Table.Td>
            <Table.Td>{r.progress.total}</Table.Td>
            <Table.Td>{r.counts.succeeded}</Table.Td>
            <Table.Td>{r.counts.failed}</Table.Td>
            <Table.Td style={{ textAlign: 'right' }}>
              <Money minor={r.collected_exact} currency={r.currency} />
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {formatInstant(r.created_at, zone)}
            </Table.Td>
          </Table.Tr>
        ))}
      </PagedTable>
      <StartPaymentRun opened={starting} onClose={() => setStarting(false)} />
    </Stack>
  );
}

function StartPaymentRun({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { today, target, setTarget } = useRunTarget(opened);
  const start = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/payment-runs', { body: { target_date: target } })),
    onSuccess: async (run) => {
      await queryClient.invalidateQueries({ queryKey: ['payment-runs'] });
      onClose();
      await navigate({ to: '/payment-runs/$runId', params: { runId: run.id } });
    },
  });
  return (
    <StartRunDialog
      opened={opened}
      onClose={onClose}
      title="Start a payment run"
      start={start}
      target={target}
      setTarget={setTarget}
      dateLabel="Collect invoices due on or before"
      dateDescription="Today at the latest: a run never collects ahead of the calendar"
      max={today}
      submitLabel="Start the run now"
    />
  );
}
