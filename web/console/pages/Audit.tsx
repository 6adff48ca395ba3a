/**
 * The audit log (L3, issue 13): who changed what and when, newest first, filtered by the server
 * — who (a staff user, API keys, the system), the object (type and id) and a date range in the
 * tenant's time zone, all in the URL — with a link to the object when it is a customer, an
 * invoice or a payment, and the recorded before and after.
 */
import {
  Anchor,
  Button,
  Code,
  Group,
  Paper,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import type { paths } from '../../../generated/api';
import { api, unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { describeTimeZone, formatInstant } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty, Loading } from '../../shared/states';
import { type AuditSearch, auditRoute } from '../router';
import { can, useMe } from '../session';

const PAGE_SIZE = 50;

type Entry =
  paths['/api/v1/audit-log']['get']['responses'][200]['content']['application/json']['data'][number];

export const OBJECT_TYPES = [
  'customer',
  'contact',
  'invoice',
  'payment',
  'payment_method',
  'credit_memo',
  'subscription',
  'charge',
  'autopay_rule',
  'bill_run',
  'payment_run',
  'email',
  'email_template',
  'product',
  'price',
  'contact_profile',
  'staff',
  'api_key',
  'webhook_endpoint',
  'tenant',
] as const;

const ACTOR_TYPES: Record<string, string> = {
  staff: 'Staff',
  api_key: 'API key',
  system: 'System',
  contact: 'Customer contact (portal)',
};

const label = (text: string) => text.replaceAll('_', ' ');

/** The customer an entry's object belongs to, when its recorded state says so. */
function customerOf(e: Entry): string | null {
  for (const state of [e.after, e.before]) {
    if (state && typeof state === 'object' && 'customer_id' in state) {
      const id = (state as { customer_id: unknown }).customer_id;
      if (typeof id === 'string') return id;
    }
  }
  return null;
}

function ObjectCell({ entry }: { entry: Entry }) {
  const text = (
    <>
      {label(entry.object_type)} <Code>{entry.object_id}</Code>
    </>
  );
  const customerId = entry.object_type === 'customer' ? entry.object_id : customerOf(entry);
  if (!customerId) return text;
  const search =
    entry.object_type === 'customer'
      ? {}
      : entry.object_type === 'invoice'
        ? { invoice: entry.object_id }
        : entry.object_type === 'payment'
          ? { payment: entry.object_id }
          : null;
  if (!search) return text;
  return (
    <Anchor
      renderRoot={(p) => (
        <Link {...p} to="/customers/$customerId" params={{ customerId }} search={search} />
      )}
    >
      {text}
    </Anchor>
  );
}

export function AuditPage() {
  const me = useMe();
  const zone = me.tenant.time_zone;
  const search = auditRoute.useSearch();
  const navigate = useNavigate({ from: '/audit' });

  const staff = useQuery({
    queryKey: ['staff'],
    queryFn: async () => unwrap(await api.GET('/api/v1/staff')),
    enabled: can(me, 'staff:manage'),
  });
  const who = [
    { value: 'all', label: 'Anyone' },
    ...(staff.data?.data ?? []).map((s) => ({ value: `staff:${s.id}`, label: s.name })),
    ...Object.entries(ACTOR_TYPES).map(([value, text]) => ({
      value: `type:${value}`,
      label: value === 'staff' ? 'Any staff user' : `Any ${text.toLowerCase()}`,
    })),
  ];
  // An actor id from a shared link that is not a staff user (an API key) still shows.
  if (search.actor && !who.some((w) => w.value === `staff:${search.actor}`))
    who.push({ value: `staff:${search.actor}`, label: search.actor });

  const [form, setForm] = useState(formOf(search));
  useEffect(() => setForm(formOf(search)), [search]);
  const badRange = form.from && form.to && form.from > form.to ? 'Must not be before From' : null;

  const entries = useQuery({
    queryKey: ['audit-log', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/audit-log', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(search.actor && { actor: search.actor }),
              ...(search.actor_type && { actor_type: search.actor_type }),
              ...(search.object_type && { object_type: search.object_type }),
              ...(search.object && { object: search.object }),
              ...(search.from && { from: search.from }),
              ...(search.to && { to: search.to }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });

  function apply(event: FormEvent) {
    event.preventDefault();
    if (badRange) return;
    const [kind, id] = form.who.split(':', 2);
    void navigate({
      search: {
        actor: kind === 'staff' ? id : undefined,
        actor_type: kind === 'type' ? (id as AuditSearch['actor_type']) : undefined,
        object_type: form.objectType === 'all' ? undefined : form.objectType,
        object: form.object.trim() || undefined,
        from: form.from || undefined,
        to: form.to || undefined,
      },
    });
  }
  const filtered = Boolean(
    search.actor || search.actor_type || search.object_type || search.object || search.from,
  );

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Audit log</Title>
        <Text size="sm">
          Who changed what and when, newest first. Times and dates are in {describeTimeZone(zone)}.
        </Text>
      </div>
      <Paper withBorder p="md" radius="md">
        <form onSubmit={apply} aria-label="Audit log filters">
          <Stack gap="sm">
            <Group align="flex-end" gap="sm" wrap="wrap">
              <Select
                label="Who"
                data={who}
                value={form.who}
                allowDeselect={false}
                w={220}
                onChange={(v) => setForm({ ...form, who: v ?? 'all' })}
              />
              <Select
                label="Object type"
                data={[
                  { value: 'all', label: 'Any object' },
                  ...OBJECT_TYPES.map((t) => ({ value: t, label: label(t) })),
                ]}
                value={form.objectType}
                allowDeselect={false}
                searchable
                w={200}
                onChange={(v) => setForm({ ...form, objectType: v ?? 'all' })}
              />
              <TextInput
                label="Object ID"
                value={form.object}
                maxLength={64}
                onChange={(e) => setForm({ ...form, object: e.currentTarget.value })}
                w={240}
              />
              <TextInput
                type="date"
                label="From"
                value={form.from}
                onChange={(e) => setForm({ ...form, from: e.currentTarget.value })}
                w={170}
              />
              <TextInput
                type="date"
                label="To"
                value={form.to}
                error={badRange}
                onChange={(e) => setForm({ ...form, to: e.currentTarget.value })}
                w={170}
              />
            </Group>
            <Group gap="xs">
              <Button type="submit" disabled={badRange !== null}>
                Apply filters
              </Button>
              {(filtered || search.to) && (
                <Button variant="subtle" onClick={() => void navigate({ search: {} })}>
                  Clear filters
                </Button>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      {entries.isPending ? (
        <Loading label="Loading the audit log…" />
      ) : entries.isError ? (
        <ErrorAlert error={entries.error} onRetry={() => void entries.refetch()} />
      ) : entries.data.data.length === 0 ? (
        <Empty title="No entries">
          {filtered || search.to
            ? 'Nothing matches these filters.'
            : 'Changes to customers, invoices, payments and settings will show here.'}
        </Empty>
      ) : (
        <Stack gap="xs">
          <Table.ScrollContainer
            minWidth={760}
            type="native"
            tabIndex={0}
            role="region"
            aria-label="Audit log table"
          >
            <Table verticalSpacing="xs">
              <Table.Caption>
                <VisuallyHidden>Audit log, newest first</VisuallyHidden>
              </Table.Caption>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">When</Table.Th>
                  <Table.Th scope="col">Who</Table.Th>
                  <Table.Th scope="col">What</Table.Th>
                  <Table.Th scope="col">Object</Table.Th>
                  <Table.Th scope="col">Recorded</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {entries.data.data.map((e) => (
                  <Table.Tr key={e.id} data-entry={e.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>
                      {formatInstant(e.at, zone)}
                    </Table.Td>
                    <Table.Td>
                      {e.actor_name ?? ACTOR_TYPES[e.actor_type] ?? e.actor_type}
                      {e.actor_name && (
                        <Text size="xs">{ACTOR_TYPES[e.actor_type] ?? e.actor_type}</Text>
                      )}
                    </Table.Td>
                    <Table.Td>{e.action.replaceAll(/[._]/g, ' ')}</Table.Td>
                    <Table.Td>
                      <ObjectCell entry={e} />
                    </Table.Td>
                    <Table.Td>
                      {e.before == null && e.after == null ? (
                        '—'
                      ) : (
                        <details>
                          <summary>Before and after</summary>
                          <Code
                            block
                            tabIndex={0}
                            style={{ maxWidth: 420, maxHeight: 240, overflow: 'auto' }}
                          >
                            {JSON.stringify({ before: e.before, after: e.after }, null, 2)}
                          </Code>
                        </details>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Pager
            onFirst={
              search.cursor
                ? () => void navigate({ search: (old) => ({ ...old, cursor: undefined }) })
                : undefined
            }
            onNext={
              entries.data.next_cursor
                ? () =>
                    void navigate({
                      search: (old) => ({ ...old, cursor: entries.data.next_cursor ?? undefined }),
                    })
                : undefined
            }
          />
        </Stack>
      )}
    </Stack>
  );
}

function formOf(search: AuditSearch) {
  return {
    who: search.actor
      ? `staff:${search.actor}`
      : search.actor_type
        ? `type:${search.actor_type}`
        : 'all',
    objectType: search.object_type ?? 'all',
    object: search.object ?? '',
    from: search.from ?? '',
    to: search.to ?? '',
  };
}
