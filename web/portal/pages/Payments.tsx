/**
 * Payment history (E7): id, date, method, amount, status and which invoices each paid, newest
 * first, paginated on the server. A profile without "view payments" is told so.
 */
import { Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { describeTimeZone, formatBusinessDate, formatInstantDate } from '../../shared/format';
import { Pager } from '../../shared/Pager';
import { Empty } from '../../shared/states';
import { type PortalPayment, portalApi } from '../api';
import { Read } from '../components/Reads';
import { Money, methodLabel, PaymentStatusBadge } from '../components/status';
import { paymentsRoute } from '../router';
import { usePortalMe } from '../session';

const PAGE_SIZE = 20;

/** The date a payment is known by: settled, else attempted, else scheduled, else created. */
function paymentDate(p: PortalPayment, zone: string): string {
  if (p.settled_at) return formatInstantDate(p.settled_at, zone);
  if (p.attempted_at) return formatInstantDate(p.attempted_at, zone);
  if (p.scheduled_for) return formatBusinessDate(p.scheduled_for);
  return formatInstantDate(p.created_at, zone);
}

export function PaymentsPage() {
  const me = usePortalMe();
  const search = paymentsRoute.useSearch();
  const navigate = useNavigate({ from: '/payments' });
  const zone = me.tenant.time_zone;
  const payments = useQuery({
    queryKey: ['portal', me.customer.id, 'payments', search],
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/payments', {
          params: { query: { limit: PAGE_SIZE, ...(search.cursor && { cursor: search.cursor }) } },
        }),
      ),
  });
  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Payments</Title>
        <Text size="sm">Dates are in {describeTimeZone(zone)}.</Text>
      </div>
      <Read query={payments} label="payments">
        {(page) =>
          page.data.length === 0 ? (
            <Empty title="No payments yet">Your payments appear here once they are made.</Empty>
          ) : (
            <Table.ScrollContainer
              minWidth={720}
              type="native"
              tabIndex={0}
              role="region"
              aria-label="Payments table"
            >
              <Table striped>
                <Table.Caption>
                  <VisuallyHidden>Payments, newest first</VisuallyHidden>
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Payment</Table.Th>
                    <Table.Th scope="col">Date</Table.Th>
                    <Table.Th scope="col">Method</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Amount
                    </Table.Th>
                    <Table.Th scope="col">Status</Table.Th>
                    <Table.Th scope="col">Applied to</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {page.data.map((p) => (
                    <Table.Tr key={p.id}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{p.reference ?? p.id}</Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>{paymentDate(p, zone)}</Table.Td>
                      <Table.Td>{methodLabel(p.method_type)}</Table.Td>
                      <Table.Td ta="right">
                        <Money minor={p.amount} currency={p.currency} />
                        {p.amount_refunded > 0 && (
                          <Text size="xs">
                            <Money minor={p.amount_refunded} currency={p.currency} /> refunded
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td>
                        <PaymentStatusBadge status={p.status} />
                        {p.failure_message && <Text size="xs">{p.failure_message}</Text>}
                      </Table.Td>
                      <Table.Td>
                        <Applications p={p} />
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
        onFirst={search.cursor ? () => void navigate({ search: {} }) : undefined}
        onNext={
          payments.data?.next_cursor
            ? () => void navigate({ search: { cursor: payments.data?.next_cursor ?? undefined } })
            : undefined
        }
      />
    </Stack>
  );
}

function Applications({ p }: { p: PortalPayment }) {
  if (p.applications.length === 0 && p.unapplied === 0) return <>—</>;
  return (
    <Stack gap={2}>
      {p.applications.map((a) => (
        <Text size="sm" key={a.invoice_id}>
          {a.invoice_id}: <Money minor={a.amount} currency={p.currency} />
        </Text>
      ))}
      {p.unapplied > 0 && (
        <Text size="sm">
          Unapplied: <Money minor={p.unapplied} currency={p.currency} />
        </Text>
      )}
    </Stack>
  );
}
