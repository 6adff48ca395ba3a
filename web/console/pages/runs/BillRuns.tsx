/**
 * Bill runs (C2): every run, newest first (paged by the server), and "Start a bill run" for a
 * target date with the auto-post and auto-email options (ticked as the billing rules say); a run
 * opens its page.
 */
import { Anchor, Button, Checkbox, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money } from '../../../shared/display';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { billRunsRoute } from '../../router';
import { can, useMe } from '../../session';
import { pollWhile, RunStatusBadge, StartRunDialog, useRunTarget } from './parts';

const PAGE_SIZE = 25;

export function BillRunsPage() {
  const me = useMe();
  const search = billRunsRoute.useSearch();
  const navigate = useNavigate({ from: '/bill-runs' });
  const [starting, setStarting] = useState(false);
  const runs = useQuery({
    queryKey: ['bill-runs', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/bill-runs', {
          params: { query: { limit: PAGE_SIZE, ...(search.cursor && { cursor: search.cursor }) } },
        }),
      ),
    refetchInterval: (q) =>
      pollWhile(
        (q.state.data?.data ?? []).some((r) =>
          ['pending', 'running', 'posting'].includes(r.status),
        ),
      ),
  });
  const rows = runs.data?.data ?? [];
  const zone = me.tenant.time_zone;

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Bill runs</Title>
          <Text size="sm">
            A bill run makes the draft invoices of every customer due on its target date; review
            them, then post and send.
          </Text>
        </div>
        {can(me, 'billing:write') && (
          <Button onClick={() => setStarting(true)}>Start a bill run</Button>
        )}
      </Group>

      <PagedTable
        query={runs}
        count={rows.length}
        loading="Loading bill runs…"
        empty={
          <Empty title="No bill runs yet">
            Start one for a target date, or let the schedule in the billing rules start them.
          </Empty>
        }
        label="Bill runs table"
        caption={'Bill runs, newest first'}
        minWidth={640}
        highlightOnHover
        columns={[
          'Target date',
          'Status',
          'Customers',
          'Invoices',
          { label: 'Total', right: true },
          'Started',
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
                renderRoot={(p) => <Link {...p} to="/bill-runs/$runId" params={{ runId: r.id }} />}
              >
                {formatBusinessDate(r.target_date)}
              </Anchor>
            </Table.Td>
            <Table.Td>
              <RunStatusBadge status={r.status} kind="bill" />
            </Table.Td>
            <Table.Td>
              {r.status === 'running' || r.status === 'pending'
                ? `${r.progress.processed} of ${r.progress.total}`
                : r.progress.total}
            </Table.Td>
            <Table.Td>{r.invoice_count}</Table.Td>
            <Table.Td style={{ textAlign: 'right' }}>
              <Money minor={r.total_amount_exact} currency={r.currency} />
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {formatInstant(r.created_at, zone)}
            </Table.Td>
          </Table.Tr>
        ))}
      </PagedTable>

      <StartBillRun opened={starting} onClose={() => setStarting(false)} />
    </Stack>
  );
}

function StartBillRun({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const { today, target, setTarget } = useRunTarget(opened);
  // Unticked or ticked by hand, or (null) as the billing rules say: a tenant that turned
  // auto-post on gets it here too, rather than a run that quietly waits for review.
  const [postChoice, setAutoPost] = useState<boolean | null>(null);
  const [emailChoice, setAutoEmail] = useState<boolean | null>(null);
  const tenant = useQuery({
    queryKey: ['tenant'],
    queryFn: async () => unwrap(await api.GET('/api/v1/tenant')),
    enabled: opened,
  });
  useEffect(() => {
    if (!opened) return;
    setAutoPost(null);
    setAutoEmail(null);
  }, [opened]);
  const autoPost = postChoice ?? tenant.data?.settings.auto_post ?? false;
  const autoEmail = emailChoice ?? tenant.data?.settings.auto_email ?? false;
  const start = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/bill-runs', {
          body: { target_date: target, auto_post: autoPost, auto_email: autoPost && autoEmail },
        }),
      ),
    onSuccess: async (run) => {
      await queryClient.invalidateQueries({ queryKey: ['bill-runs'] });
      onClose();
      await navigate({ to: '/bill-runs/$runId', params: { runId: run.id } });
    },
  });
  return (
    <StartRunDialog
      opened={opened}
      onClose={onClose}
      title="Start a bill run"
      start={start}
      target={target}
      setTarget={setTarget}
      dateLabel="Target date"
      dateDescription="Bills every charge due on or before this date"
      min={today}
      submitLabel="Start the run"
    >
      <Checkbox
        label="Post the invoices when the run completes (no review)"
        checked={autoPost}
        onChange={(e) => setAutoPost(e.currentTarget.checked)}
      />
      <Checkbox
        label="Then email the posted invoices"
        disabled={!autoPost}
        checked={autoPost && autoEmail}
        onChange={(e) => setAutoEmail(e.currentTarget.checked)}
      />
    </StartRunDialog>
  );
}
