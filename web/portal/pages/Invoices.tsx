/**
 * The invoices list: posted invoices, newest first, paginated on the server (cursor), the status
 * filter in the URL; past-due invoices marked. Amounts are the API's, formatted only.
 */
import { Anchor, Select, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { describeTimeZone, formatBusinessDate } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty } from '../../shared/states';
import { portalApi } from '../api';
import { Read } from '../components/Reads';
import { INVOICE_STATUS_LABELS, InvoiceStatusBadge, Money } from '../components/status';
import { invoicesRoute } from '../router';
import { usePortalMe } from '../session';
import { Upcoming } from './Upcoming';

const PAGE_SIZE = 20;
const FILTERS = ['open', 'partially_paid', 'past_due', 'paid', 'void'] as const;
type Filter = (typeof FILTERS)[number];

export function InvoicesPage() {
  const me = usePortalMe();
  const search = invoicesRoute.useSearch();
  const navigate = useNavigate({ from: '/invoices' });
  const invoices = useQuery({
    queryKey: ['portal', me.customer.id, 'invoices', search],
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/invoices', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(search.status && { status: search.status }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
  });

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Invoices</Title>
        <Text size="sm">Dates are in {describeTimeZone(me.tenant.time_zone)}.</Text>
      </div>
      <Select
        label="Status"
        w={220}
        allowDeselect={false}
        value={search.status ?? 'all'}
        data={[
          { value: 'all', label: 'All invoices' },
          ...FILTERS.map((s) => ({ value: s, label: INVOICE_STATUS_LABELS[s].label })),
        ]}
        onChange={(value) =>
          void navigate({
            search: {
              ...(value && value !== 'all' && { status: value as Filter }),
            },
          })
        }
      />
      <Read query={invoices} label="invoices">
        {(page) =>
          page.data.length === 0 ? (
            <Empty title="No invoices">
              {search.status
                ? 'No invoice has this status. Choose “All invoices” to see the others.'
                : 'Your invoices appear here once they are issued.'}
            </Empty>
          ) : (
            <Table.ScrollContainer
              minWidth={640}
              type="native"
              tabIndex={0}
              role="region"
              aria-label="Invoices table"
            >
              <Table striped highlightOnHover>
                <Table.Caption>
                  <VisuallyHidden>Invoices, newest first</VisuallyHidden>
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Invoice</Table.Th>
                    <Table.Th scope="col">Date</Table.Th>
                    <Table.Th scope="col">Due</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Total
                    </Table.Th>
                    <Table.Th scope="col" ta="right">
                      Open balance
                    </Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((inv) => (
                    <Table.Tr key={inv.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        <Anchor
                          renderRoot={(props) => (
                            <Link
                              {...props}
                              to="/invoices/$invoiceId"
                              params={{ invoiceId: inv.id }}
                            />
                          )}
                        >
                          {inv.number ?? inv.id}
                        </Anchor>
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        {formatBusinessDate(inv.invoice_date)}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        {inv.due_date ? formatBusinessDate(inv.due_date) : '—'}
                      </Table.Td>
                      <Table.Td ta="right">
                        <Money minor={inv.total} currency={inv.currency} />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Money minor={inv.balance} currency={inv.currency} />
                      </Table.Td>
                      <Table.Td>
                        <InvoiceStatusBadge status={inv.status} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )
        }
      </Read>
      <Pager
        onFirst={
          search.cursor
            ? () => void navigate({ search: (s) => ({ ...s, cursor: undefined }) })
            : undefined
        }
        onNext={
          invoices.data?.next_cursor
            ? () =>
                void navigate({
                  search: (s) => ({ ...s, cursor: invoices.data?.next_cursor ?? undefined }),
                })
            : undefined
        }
      />
      {!search.cursor && me.permissions.includes('view_invoices') && <Upcoming />}
    </Stack>
  );
}
