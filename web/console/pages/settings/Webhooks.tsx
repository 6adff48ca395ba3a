/**
 * Settings → Webhooks (K3): the tenant's endpoints, a new one with its signing secret shown once,
 * and each endpoint's delivery log (status, attempts, the last response code and error, the next
 * attempt) with "Re-send" (POST /webhook-deliveries/{id}/resend: a new delivery of the same event,
 * signed with the endpoint's current secret). The log refreshes itself while a delivery is pending.
 */
import {
  Box,
  Button,
  Code,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert, errorMessage, fieldErrors } from '../../../shared/errors';
import { formatInstant } from '../../../shared/format';
import { Empty, Loading } from '../../../shared/states';
import { useMe } from '../../session';
import { Section } from './Section';

/** A secret or URL breaks anywhere rather than widening the page on a phone. */
const WRAP = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

export function WebhooksTab() {
  const queryClient = useQueryClient();
  const me = useMe();
  const endpoints = useQuery({
    queryKey: ['webhook-endpoints'],
    queryFn: async () => unwrap(await api.GET('/api/v1/webhook-endpoints')),
  });
  const [url, setUrl] = useState('');
  const [types, setTypes] = useState('');
  const [secret, setSecret] = useState<string | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/webhook-endpoints', {
          body: {
            url: url.trim(),
            event_types: types
              .split(/[\s,]+/)
              .map((t) => t.trim())
              .filter(Boolean),
          },
        }),
      ),
    onSuccess: (e) => {
      setSecret(e.secret);
      setUrl('');
      setTypes('');
      void queryClient.invalidateQueries({ queryKey: ['webhook-endpoints'] });
    },
  });
  const fields = fieldErrors(create.error);
  return (
    <Stack gap="md">
      {secret && (
        <Notice color="blue" title="Signing secret of the new endpoint" role="status">
          <Stack gap={4}>
            <Text size="sm" c="dark.9">
              Keep it to check the Billow-Signature header; it is shown this once.
            </Text>
            <Code block style={WRAP}>
              {secret}
            </Code>
            <Group>
              <Button size="xs" variant="default" onClick={() => setSecret(null)}>
                I have copied it
              </Button>
            </Group>
          </Stack>
        </Notice>
      )}
      <Section title="Webhook endpoints">
        {endpoints.isError && <ErrorAlert error={endpoints.error} />}
        {!endpoints.data ? (
          <Loading />
        ) : endpoints.data.data.length === 0 ? (
          <Empty title="No webhook endpoints">Add one below to receive events.</Empty>
        ) : (
          <Stack gap="xs">
            {endpoints.data.data.map((e) => (
              <Paper key={e.id} withBorder p="sm" radius="sm">
                <Group justify="space-between" wrap="wrap" gap="xs">
                  <Stack gap={2} style={{ minWidth: 0 }}>
                    <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
                      {e.url}
                    </Text>
                    <Text size="sm">
                      {e.event_types.length > 0 ? e.event_types.join(', ') : 'Every event'} ·{' '}
                      {e.status}
                    </Text>
                  </Stack>
                  <Button
                    size="xs"
                    variant="default"
                    onClick={() => setOpen(open === e.id ? null : e.id)}
                    aria-expanded={open === e.id}
                    aria-label={`${open === e.id ? 'Hide deliveries' : 'Deliveries'} of ${e.url}`}
                  >
                    {open === e.id ? 'Hide deliveries' : 'Deliveries'}
                  </Button>
                </Group>
                {open === e.id && <Deliveries endpointId={e.id} timeZone={me.tenant.time_zone} />}
              </Paper>
            ))}
          </Stack>
        )}
      </Section>
      <Section title="Add a webhook endpoint">
        <form
          aria-label="Add a webhook endpoint"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack gap="sm" maw={560}>
            {create.isError && <ErrorAlert error={create.error} title="Not added" />}
            <TextInput
              label="URL"
              placeholder="https://example.com/billow-events"
              value={url}
              onChange={(e) => setUrl(e.currentTarget.value)}
              required
              maxLength={2048}
              error={fields.url}
            />
            <TextInput
              label="Event types"
              description="Comma-separated, e.g. invoice.*, payment.succeeded; empty for every event"
              value={types}
              onChange={(e) => setTypes(e.currentTarget.value)}
              error={Object.entries(fields).find(([k]) => k.startsWith('event_types'))?.[1]}
            />
            <Group>
              <Button type="submit" loading={create.isPending}>
                Add endpoint
              </Button>
            </Group>
          </Stack>
        </form>
      </Section>
    </Stack>
  );
}

const STATUS = {
  pending: { color: 'dark.9', label: 'Pending' },
  succeeded: { color: 'green.9', label: 'Delivered' },
  failed: { color: 'red.9', label: 'Failed' },
} as const;

type Delivery = {
  id: string;
  event_type: string;
  status: keyof typeof STATUS;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  next_attempt_at: string | null;
  created_at: string;
  resend_of: string | null;
};

function Status({ d, timeZone }: { d: Delivery; timeZone: string }) {
  return (
    <>
      <Text size="sm" fw={700} c={STATUS[d.status].color} style={{ whiteSpace: 'nowrap' }}>
        {STATUS[d.status].label}
      </Text>
      {d.status === 'pending' && d.next_attempt_at && (
        <Text size="xs">next {formatInstant(d.next_attempt_at, timeZone)}</Text>
      )}
    </>
  );
}

function Deliveries({ endpointId, timeZone }: { endpointId: string; timeZone: string }) {
  const queryClient = useQueryClient();
  const key = ['webhook-deliveries', endpointId];
  const deliveries = useQuery({
    queryKey: key,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/webhook-endpoints/{id}/deliveries', {
          params: { path: { id: endpointId } },
        }),
      ),
    // Attempts happen in the background: follow them while any is pending.
    refetchInterval: (q) => (q.state.data?.data.some((d) => d.status === 'pending') ? 2000 : false),
  });
  const [resent, setResent] = useState<string | null>(null);
  const resend = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.POST('/api/v1/webhook-deliveries/{id}/resend', { params: { path: { id } } }),
      ),
    onSuccess: async (d) => {
      setResent(d.event_type);
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const resendButton = (d: Delivery) => (
    <Button
      size="xs"
      variant="default"
      disabled={d.status === 'pending'}
      loading={resend.isPending && resend.variables === d.id}
      onClick={() => resend.mutate(d.id)}
      aria-label={`Re-send ${d.event_type} of ${formatInstant(d.created_at, timeZone)}`}
    >
      Re-send
    </Button>
  );
  if (deliveries.isError) return <ErrorAlert error={deliveries.error} />;
  if (!deliveries.data) return <Loading />;
  if (deliveries.data.data.length === 0)
    return (
      <Text size="sm" mt="xs">
        No deliveries yet.
      </Text>
    );
  return (
    <Stack gap="xs" mt="xs">
      {resend.isError && (
        <Text size="sm" c="red.9" role="alert">
          Not re-sent: {errorMessage(resend.error)}
        </Text>
      )}
      {resent && !resend.isError && (
        <Text size="sm" role="status" fw={600}>
          {resent} queued again
        </Text>
      )}
      <Box visibleFrom="sm">
        <Table.ScrollContainer minWidth={720} type="native">
          <Table aria-label="Delivery log">
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Event</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col">Attempts</Table.Th>
                <Table.Th scope="col">Response</Table.Th>
                <Table.Th scope="col">Error</Table.Th>
                <Table.Th scope="col">Created</Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {deliveries.data.data.map((d) => {
                return (
                  <Table.Tr key={d.id}>
                    <Table.Td>
                      <Text size="sm">{d.event_type}</Text>
                      {d.resend_of && <Text size="xs">Repeat of an earlier delivery</Text>}
                    </Table.Td>
                    <Table.Td>
                      <Status d={d} timeZone={timeZone} />
                    </Table.Td>
                    <Table.Td>{d.attempts}</Table.Td>
                    <Table.Td>{d.last_status_code ?? '—'}</Table.Td>
                    <Table.Td>
                      <Text size="sm" style={WRAP}>
                        {d.last_error ?? '—'}
                      </Text>
                    </Table.Td>
                    <Table.Td>{formatInstant(d.created_at, timeZone)}</Table.Td>
                    <Table.Td>{resendButton(d)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Box>
      {/* On a phone: a card per delivery. */}
      <Stack hiddenFrom="sm" gap="xs">
        {deliveries.data.data.map((d) => (
          <Paper key={d.id} withBorder p="xs" radius="sm">
            <Stack gap={4}>
              <Text size="sm" fw={600} style={WRAP}>
                {d.event_type}
              </Text>
              {d.resend_of && <Text size="xs">Repeat of an earlier delivery</Text>}
              <Status d={d} timeZone={timeZone} />
              <Text size="sm">
                {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
                {d.last_status_code !== null && ` · HTTP ${d.last_status_code}`} ·{' '}
                {formatInstant(d.created_at, timeZone)}
              </Text>
              {d.last_error && (
                <Text size="sm" style={WRAP}>
                  {d.last_error}
                </Text>
              )}
              <Group>{resendButton(d)}</Group>
            </Stack>
          </Paper>
        ))}
      </Stack>
    </Stack>
  );
}
