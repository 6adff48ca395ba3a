/**
 * Failed payments (F2–F3): those not retried yet, newest first (paged by the server), with the
 * decline reason and the next automatic retry date; retry one, or select several and retry them
 * together, and read each retry's outcome.
 */
import {
  Anchor,
  Button,
  Checkbox,
  Group,
  List,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money, Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstant } from '../../../shared/format';
import { Empty } from '../../../shared/states';
import { cursorPages, PagedTable } from '../../PagedTable';
import { failedPaymentsRoute } from '../../router';
import { can, useMe } from '../../session';

const PAGE_SIZE = 25;

function reason(p: { decline_code: string | null; failure_message: string | null }): string {
  return p.failure_message ?? p.decline_code?.replaceAll('_', ' ') ?? 'Declined';
}

export function FailedPaymentsPage() {
  const me = useMe();
  const search = failedPaymentsRoute.useSearch();
  const navigate = useNavigate({ from: '/payments/failed' });
  const queryClient = useQueryClient();
  const canWrite = can(me, 'billing:write');
  const [selected, setSelected] = useState<string[]>([]);

  const failed = useQuery({
    queryKey: ['payments-failed', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/payments/failed', {
          params: { query: { limit: PAGE_SIZE, ...(search.cursor && { cursor: search.cursor }) } },
        }),
      ),
  });
  const rows = failed.data?.data ?? [];
  const names = new Map(rows.map((p) => [p.id, p]));

  const retry = useMutation({
    mutationFn: async (ids: string[]) =>
      unwrap(await api.POST('/api/v1/payments/retry', { body: { payment_ids: ids } })),
    onSuccess: () => {
      setSelected([]);
      void queryClient.invalidateQueries({ queryKey: ['payments-failed'] });
    },
  });
  const [lastNames, setLastNames] = useState(names);

  function retryNow(ids: string[]) {
    setLastNames(new Map(names));
    retry.mutate(ids);
  }

  const zone = me.tenant.time_zone;
  const allOnPage = rows.length > 0 && rows.every((p) => selected.includes(p.id));

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Failed payments</Title>
        <Text size="sm">
          Payments that failed and have not been retried yet. A soft decline is retried
          automatically on the date shown; a hard decline (the card cannot be charged) needs a new
          payment method first.
        </Text>
      </div>

      {retry.isError && <ErrorAlert error={retry.error} title="Nothing was retried" />}
      {retry.data && (
        <Notice title="Retried" color="blue" role="status">
          <List size="sm">
            {retry.data.data.map((r) => {
              const p = lastNames.get(r.payment_id);
              const who = p ? `${p.customer_name}, ${p.invoice_number ?? 'payment'}` : r.payment_id;
              return (
                <List.Item key={r.payment_id}>
                  {who}:{' '}
                  {r.retry
                    ? r.retry.status === 'failed'
                      ? `declined again (${r.retry.failure_message ?? r.retry.decline_code ?? 'declined'})${
                          r.retry.next_retry_date
                            ? `; next automatic retry ${formatBusinessDate(r.retry.next_retry_date)}`
                            : '; no automatic retry left'
                        }`
                      : r.retry.status === 'succeeded'
                        ? 'paid'
                        : r.retry.status
                    : `not charged (${r.skipped === 'nothing_due' ? 'nothing is due any more' : (r.skipped ?? 'skipped')})`}
                </List.Item>
              );
            })}
          </List>
        </Notice>
      )}

      {canWrite && rows.length > 0 && (
        <Group gap="xs">
          <Button
            disabled={selected.length === 0}
            loading={retry.isPending && retry.variables.length > 1}
            onClick={() => retryNow(selected)}
          >
            Retry selected ({selected.length})
          </Button>
        </Group>
      )}

      <PagedTable
        query={failed}
        count={rows.length}
        loading="Loading failed payments…"
        empty={
          <Empty title="No failed payments">Every payment that failed has been retried.</Empty>
        }
        label="Failed payments table"
        caption={'Failed payments, newest first'}
        minWidth={820}
        columns={[
          canWrite && {
            label: (
              <Checkbox
                aria-label="Select every payment on this page"
                checked={allOnPage}
                onChange={(e) => setSelected(e.currentTarget.checked ? rows.map((p) => p.id) : [])}
              />
            ),
          },
          'Customer',
          'Invoice',
          { label: 'Amount', right: true },
          'Decline reason',
          'Failed',
          'Next automatic retry',
          canWrite && { label: <VisuallyHidden>Actions</VisuallyHidden> },
        ]}
        pages={cursorPages(
          search.cursor,
          failed.data?.next_cursor,
          (cursor) => void navigate({ search: { cursor } }),
        )}
      >
        {rows.map((p) => (
          <Table.Tr key={p.id}>
            {canWrite && (
              <Table.Td>
                <Checkbox
                  aria-label={`Select the payment of ${p.customer_name}`}
                  checked={selected.includes(p.id)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setSelected((s) => (on ? [...s, p.id] : s.filter((x) => x !== p.id)));
                  }}
                />
              </Table.Td>
            )}
            <Table.Td>
              <Anchor
                size="sm"
                renderRoot={(props) => (
                  <Link
                    {...props}
                    to="/customers/$customerId"
                    params={{ customerId: p.customer_id }}
                  />
                )}
              >
                {p.customer_name}
              </Anchor>
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>{p.invoice_number ?? '—'}</Table.Td>
            <Table.Td style={{ textAlign: 'right' }}>
              <Money minor={p.amount} currency={p.currency} />
            </Table.Td>
            <Table.Td>
              <Text size="sm">
                {reason(p)}
                {p.hard_decline && ' (hard decline)'}
              </Text>
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {p.failed_at ? formatInstant(p.failed_at, zone) : '—'}
            </Table.Td>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>
              {p.next_retry_date
                ? formatBusinessDate(p.next_retry_date)
                : p.hard_decline
                  ? 'None (hard decline)'
                  : 'None left'}
              {p.retry_count > 0 && (
                <Text size="xs">
                  after {p.retry_count} retr{p.retry_count === 1 ? 'y' : 'ies'}
                </Text>
              )}
            </Table.Td>
            {canWrite && (
              <Table.Td>
                <Button
                  size="xs"
                  variant="default"
                  aria-label={`Retry the payment of ${p.customer_name} now`}
                  loading={
                    retry.isPending && retry.variables.length === 1 && retry.variables[0] === p.id
                  }
                  onClick={() => retryNow([p.id])}
                >
                  Retry now
                </Button>
              </Table.Td>
            )}
          </Table.Tr>
        ))}
      </PagedTable>
    </Stack>
  );
}
