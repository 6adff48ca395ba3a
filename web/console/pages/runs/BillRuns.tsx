/**
 * Bill runs (C2): every run, newest first (paged by the server), and "Start a bill run" for a
 * target date with the auto-post and auto-email options; a run opens its page.
 */
import {
  Anchor,
  Button,
  Checkbox,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money } from '../../../shared/display';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { billRunsRoute } from '../../router';
import { can, useMe } from '../../session';
import { pollWhile, RunStatusBadge, useClock } from './parts';

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
  const clock = useClock();
  const [target, setTarget] = useState('');
  const [autoPost, setAutoPost] = useState(false);
  const [autoEmail, setAutoEmail] = useState(false);
  const today = clock.data?.today;
  useEffect(() => {
    if (opened && today) setTarget((t) => t || today);
  }, [opened, today]);

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
  const fields = fieldErrors(start.error);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Start a bill run"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate();
        }}
        noValidate
      >
        <Stack>
          {start.isError && Object.keys(fields).length === 0 && <ErrorAlert error={start.error} />}
          <TextInput
            type="date"
            label="Target date"
            description="Bills every charge due on or before this date"
            required
            value={target}
            min={today}
            onChange={(e) => setTarget(e.currentTarget.value)}
            error={fields.target_date}
          />
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
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={start.isPending} disabled={!target}>
              Start the run
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
