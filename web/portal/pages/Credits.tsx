/**
 * Credits (H3): credit memos and unapplied payments with what remains, newest first, a page at a
 * time; the total and count of all of them in the header; the kind and the page in the URL. A
 * profile without "view credits" is told so.
 */
import { SegmentedControl, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { describeTimeZone, formatBusinessDate } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty } from '../../shared/states';
import { portalApi } from '../api';
import { Read } from '../components/Reads';
import { Money } from '../components/status';
import { creditsRoute } from '../router';
import { usePortalMe } from '../session';

export function CreditsPage() {
  const me = usePortalMe();
  const { type, cursor } = creditsRoute.useSearch();
  const navigate = useNavigate({ from: '/credits' });
  // The three kinds side by side are wider than a phone: stacked there (as in the console).
  const phone = Boolean(useMediaQuery('(max-width: 36em)'));
  const credits = useQuery({
    queryKey: ['portal', me.customer.id, 'credits', type, cursor],
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/credits', { params: { query: { type, cursor } } }),
      ),
  });
  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Credits</Title>
        <Text size="sm">Dates are in {describeTimeZone(me.tenant.time_zone)}.</Text>
      </div>
      <Stack gap={4}>
        <Text size="sm" fw={500} id="credit-kind-label">
          Show
        </Text>
        <SegmentedControl
          aria-labelledby="credit-kind-label"
          w="fit-content"
          orientation={phone ? 'vertical' : 'horizontal'}
          value={type}
          onChange={(value) =>
            // A new kind starts on its first page.
            void navigate({ search: { type: value as 'all' | 'memo' | 'unapplied' } })
          }
          data={[
            { label: 'All', value: 'all' },
            { label: 'Credit memos', value: 'memo' },
            { label: 'Unapplied payments', value: 'unapplied' },
          ]}
        />
      </Stack>
      <Read query={credits} label="credits">
        {(c) => (
          <Stack gap="sm">
            <Text fw={600} role="status">
              {c.count} {c.count === 1 ? 'credit' : 'credits'},{' '}
              <Money minor={c.total} currency={c.currency} /> available
            </Text>
            {c.data.length === 0 ? (
              <Empty title="No credits">
                Credits appear here when the billing team issues them.
              </Empty>
            ) : (
              <Table.ScrollContainer
                minWidth={520}
                type="native"
                tabIndex={0}
                role="region"
                aria-label="Credits table"
              >
                <Table striped>
                  <Table.Caption>
                    <VisuallyHidden>Credits with what remains of each</VisuallyHidden>
                  </Table.Caption>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th scope="col">Credit</Table.Th>
                      <Table.Th scope="col">Kind</Table.Th>
                      <Table.Th scope="col">Date</Table.Th>
                      <Table.Th scope="col" ta="right">
                        Amount
                      </Table.Th>
                      <Table.Th scope="col" ta="right">
                        Remaining
                      </Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {c.data.map((row) => (
                      <Table.Tr key={row.id}>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          {row.reference ?? row.id}
                        </Table.Td>
                        <Table.Td>
                          {row.type === 'memo' ? 'Credit memo' : 'Unapplied payment'}
                        </Table.Td>
                        <Table.Td style={{ whiteSpace: 'nowrap' }}>
                          {formatBusinessDate(row.date)}
                        </Table.Td>
                        <Table.Td ta="right">
                          <Money minor={row.amount} currency={c.currency} />
                        </Table.Td>
                        <Table.Td ta="right">
                          <Money minor={row.remaining} currency={c.currency} />
                        </Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Table.ScrollContainer>
            )}
          </Stack>
        )}
      </Read>
      <Pager
        onFirst={cursor ? () => void navigate({ search: { type } }) : undefined}
        onNext={
          credits.data?.next_cursor
            ? () =>
                void navigate({ search: { type, cursor: credits.data?.next_cursor ?? undefined } })
            : undefined
        }
      />
    </Stack>
  );
}
