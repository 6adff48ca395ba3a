/**
 * The customers list: server-paginated (cursor), searched, sorted and filtered (status, has open
 * invoices) through the URL, dates in the tenant's time zone, which the page names once. A name
 * opens the customer's profile.
 */
import {
  Anchor,
  Button,
  Checkbox,
  Group,
  Modal,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../shared/api';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { describeTimeZone, formatInstantDate } from '../../shared/format';
import { Empty } from '../../shared/states';
import { cursorPages, PagedTable } from '../PagedTable';
import { type CustomersSearch, customersRoute } from '../router';
import { can, useMe } from '../session';

const PAGE_SIZE = 25;

type Sort = NonNullable<CustomersSearch['sort']>;
const SORTS: { value: Sort; label: string }[] = [
  { value: 'newest', label: 'Newest first' },
  { value: 'oldest', label: 'Oldest first' },
  { value: 'name_asc', label: 'Name A–Z' },
  { value: 'name_desc', label: 'Name Z–A' },
  { value: 'number_asc', label: 'Number, lowest first' },
  { value: 'number_desc', label: 'Number, highest first' },
];

export function CustomersPage() {
  const me = useMe();
  const search = customersRoute.useSearch();
  const navigate = useNavigate({ from: '/customers' });
  const [text, setText] = useState(search.q ?? '');
  const [creating, setCreating] = useState(false);
  useEffect(() => setText(search.q ?? ''), [search.q]);

  const customers = useQuery({
    queryKey: ['customers', search],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(search.q && { q: search.q }),
              ...(search.status && { status: search.status }),
              ...(search.sort && { sort: search.sort }),
              ...(search.open && { has_open_invoices: 'true' as const }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
  });

  function onSearch(event: FormEvent) {
    event.preventDefault();
    const q = text.trim();
    void navigate({ search: (s) => ({ ...s, q: q || undefined, cursor: undefined }) });
  }

  const zone = me.tenant.time_zone;
  const rows = customers.data?.data ?? [];

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <div>
          <Title order={1}>Customers</Title>
          <Text size="sm">Dates are in {describeTimeZone(zone)}.</Text>
        </div>
        {can(me, 'customers:write') && (
          <Button onClick={() => setCreating(true)}>New customer</Button>
        )}
      </Group>

      <Group align="flex-end" wrap="wrap" gap="sm">
        <form onSubmit={onSearch} style={{ flex: '1 1 260px' }}>
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <TextInput
              label="Search customers"
              description="Name, number or billing email"
              value={text}
              onChange={(e) => setText(e.currentTarget.value)}
              maxLength={200}
              style={{ flex: 1 }}
            />
            <Button type="submit" variant="default">
              Search
            </Button>
          </Group>
        </form>
        <Stack gap={4}>
          <Text size="sm" fw={500} id="status-filter-label">
            Status
          </Text>
          <SegmentedControl
            aria-labelledby="status-filter-label"
            value={search.status ?? 'all'}
            onChange={(value) =>
              void navigate({
                search: (s) => ({
                  ...s,
                  status: value === 'all' ? undefined : (value as 'active' | 'archived'),
                  cursor: undefined,
                }),
              })
            }
            data={[
              { label: 'All', value: 'all' },
              { label: 'Active', value: 'active' },
              { label: 'Archived', value: 'archived' },
            ]}
          />
        </Stack>
        <Select
          label="Sort by"
          data={SORTS}
          value={search.sort ?? 'newest'}
          allowDeselect={false}
          w={190}
          onChange={(value) =>
            void navigate({
              search: (s) => ({
                ...s,
                sort: value && value !== 'newest' ? (value as Sort) : undefined,
                cursor: undefined,
              }),
            })
          }
        />
        <Checkbox
          label="Has open invoices"
          checked={search.open ?? false}
          mb={8}
          onChange={(e) => {
            const checked = e.currentTarget.checked;
            void navigate({
              search: (s) => ({ ...s, open: checked || undefined, cursor: undefined }),
            });
          }}
        />
      </Group>

      <PagedTable
        query={customers}
        count={rows.length}
        loading="Loading customers…"
        empty={
          <Empty title="No customers found">
            {search.q || search.status || search.open
              ? 'No customer matches this search. Try other words or clear the filters.'
              : 'Customers appear here once they are added.'}
          </Empty>
        }
        label="Customers table"
        caption={<>Customers, {SORTS.find((o) => o.value === (search.sort ?? 'newest'))?.label}</>}
        minWidth={560}
        highlightOnHover
        columns={['Number', 'Name', 'Billing email', 'Status', 'Created']}
        pages={cursorPages(
          search.cursor,
          customers.data?.next_cursor,
          (cursor) => void navigate({ search: (s) => ({ ...s, cursor }) }),
        )}
      >
        {rows.map((c) => (
          <Table.Tr key={c.id}>
            <Table.Td style={{ whiteSpace: 'nowrap' }}>{c.number}</Table.Td>
            <Table.Td>
              <Anchor
                renderRoot={(p) => (
                  <Link {...p} to="/customers/$customerId" params={{ customerId: c.id }} />
                )}
              >
                {c.name}
              </Anchor>
            </Table.Td>
            <Table.Td>{c.billing_email ?? '—'}</Table.Td>
            <Table.Td>{c.status === 'active' ? 'Active' : 'Archived'}</Table.Td>
            <Table.Td>{formatInstantDate(c.created_at, zone)}</Table.Td>
          </Table.Tr>
        ))}
      </PagedTable>

      <NewCustomer opened={creating} onClose={() => setCreating(false)} />
    </Stack>
  );
}

function NewCustomer({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/customers', {
          body: { name: name.trim(), ...(email.trim() && { billing_email: email.trim() }) },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: ['customers'] });
      setName('');
      setEmail('');
      onClose();
    },
  });
  const fields = fieldErrors(create.error);

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="New customer"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
        noValidate
      >
        <Stack>
          {create.isError && Object.keys(fields).length === 0 && (
            <ErrorAlert error={create.error} />
          )}
          <TextInput
            label="Name"
            required
            maxLength={200}
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fields.name}
          />
          <TextInput
            label="Billing email"
            type="email"
            maxLength={320}
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
            error={fields.billing_email}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Create customer
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
