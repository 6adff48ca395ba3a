/**
 * The dashboard (I1): balance, past due, credits and the last payment as the API gives them, the
 * way to the last invoice, and the tenant's time zone named once for every date on the page.
 */
import { Button, Group, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { describeTimeZone, formatInstantDate } from '../../shared/format';
import { portalApi } from '../api';
import { Read } from '../components/Reads';
import { Money, Stat } from '../components/status';
import { usePortalMe } from '../session';

export function DashboardPage() {
  const me = usePortalMe();
  const dashboard = useQuery({
    queryKey: ['portal', me.customer.id, 'dashboard'],
    queryFn: async () => unwrap(await portalApi.GET('/api/v1/portal/dashboard')),
  });
  return (
    <Stack gap="md">
      <div>
        <Title order={1}>{me.customer.name}</Title>
        <Text size="sm">
          Account {me.customer.number} · Dates are in {describeTimeZone(me.tenant.time_zone)}.
        </Text>
      </div>
      <Read query={dashboard} label="your account summary">
        {(d) => (
          <Stack gap="md">
            <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
              <Stat
                label="Account balance"
                note={`${d.open_invoice_count} open ${d.open_invoice_count === 1 ? 'invoice' : 'invoices'}`}
              >
                <Money minor={d.balance} currency={d.currency} />
              </Stat>
              <Stat label="Past due" tone={d.past_due > 0 ? 'alert' : undefined}>
                <Money minor={d.past_due} currency={d.currency} />
              </Stat>
              {d.credits_available !== null && (
                <Stat label="Credits available">
                  <Money minor={d.credits_available} currency={d.currency} />
                </Stat>
              )}
              {me.permissions.includes('view_payments') && (
                <Stat
                  label="Last payment"
                  note={
                    d.last_payment
                      ? formatInstantDate(d.last_payment.at, d.time_zone)
                      : 'No payment yet'
                  }
                >
                  {d.last_payment ? (
                    <Money minor={d.last_payment.amount} currency={d.currency} />
                  ) : (
                    '—'
                  )}
                </Stat>
              )}
            </SimpleGrid>
            {d.children.count > 0 && (
              <Text size="sm">
                Your {d.children.count} child{' '}
                {d.children.count === 1 ? 'account owes' : 'accounts owe'}{' '}
                <Money minor={d.children.balance} currency={d.currency} />, of which{' '}
                <Money minor={d.children.past_due} currency={d.currency} /> is past due.
              </Text>
            )}
            <Group gap="sm">
              {d.payable && (
                <Button renderRoot={(props) => <Link {...props} to="/pay" search={{}} />}>
                  Make a payment
                </Button>
              )}
              {d.last_invoice_id && (
                <Button
                  variant="default"
                  renderRoot={(props) => (
                    <Link
                      {...props}
                      to="/invoices/$invoiceId"
                      params={{ invoiceId: d.last_invoice_id as string }}
                    />
                  )}
                >
                  View last invoice
                </Button>
              )}
              <Button
                variant="default"
                renderRoot={(props) => <Link {...props} to="/invoices" search={{}} />}
              >
                All invoices
              </Button>
            </Group>
          </Stack>
        )}
      </Read>
    </Stack>
  );
}
