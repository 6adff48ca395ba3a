/** The current cycle's upcoming invoice: an estimate as of now, marked as one, with its lines. */
import { Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { unwrap } from '../../shared/api';
import { formatBusinessDate } from '../../shared/format';
import { portalApi } from '../api';
import { Notice, Read } from '../components/Reads';
import { Money } from '../components/status';
import { usePortalMe } from '../session';

export function Upcoming() {
  const me = usePortalMe();
  const upcoming = useQuery({
    queryKey: ['portal', me.customer.id, 'upcoming'],
    queryFn: async () => unwrap(await portalApi.GET('/api/v1/portal/upcoming')),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="upcoming-title">
      <Stack gap="sm">
        <Title order={2} size="h3" id="upcoming-title">
          Next invoice (estimate)
        </Title>
        <Read query={upcoming} label="the estimate of your next invoice">
          {(u) =>
            u.lines.length === 0 ? (
              <Text size="sm">Nothing is billed on your next invoice so far.</Text>
            ) : (
              <Stack gap="sm">
                <Notice color="blue" title="This is an estimate">
                  <Text size="sm">
                    What your invoice of {formatBusinessDate(u.billing_date)} would be if it were
                    issued now; usage until then can change it.
                  </Text>
                </Notice>
                <Table.ScrollContainer
                  minWidth={420}
                  type="native"
                  tabIndex={0}
                  role="region"
                  aria-label="Estimated lines"
                >
                  <Table>
                    <Table.Thead>
                      <Table.Tr>
                        <Table.Th scope="col">Description</Table.Th>
                        <Table.Th scope="col" ta="right">
                          Amount
                        </Table.Th>
                      </Table.Tr>
                    </Table.Thead>
                    <Table.Tbody>
                      {u.lines.map((l, i) => (
                        // Estimated lines have no id; their order is the server's.
                        // biome-ignore lint/suspicious/noArrayIndexKey: lines of an estimate have no id
                        <Table.Tr key={i}>
                          <Table.Td>{l.description}</Table.Td>
                          <Table.Td ta="right">
                            <Money minor={l.amount} currency={u.currency} />
                          </Table.Td>
                        </Table.Tr>
                      ))}
                    </Table.Tbody>
                    <Table.Tfoot>
                      <Table.Tr>
                        <Table.Th scope="row">Estimated total</Table.Th>
                        <Table.Td ta="right" fw={700}>
                          <Money minor={u.total} currency={u.currency} />
                        </Table.Td>
                      </Table.Tr>
                    </Table.Tfoot>
                  </Table>
                </Table.ScrollContainer>
              </Stack>
            )
          }
        </Read>
      </Stack>
    </Paper>
  );
}
