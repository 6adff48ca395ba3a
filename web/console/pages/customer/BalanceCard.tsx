/** The balance card (J3): the balances module's figures, and a parent's roll-up of its children. */
import { Anchor, SimpleGrid, Stack, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../../shared/api';
import { Money, Stat } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate } from '../../../shared/format';
import { Loading } from '../../../shared/states';
import { profileKey } from './types';

export function BalanceCard({
  customerId,
  onViewInvoice,
}: {
  customerId: string;
  onViewInvoice: (id: string) => void;
}) {
  const balance = useQuery({
    queryKey: [...profileKey(customerId), 'balance'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/balance', { params: { path: { id: customerId } } }),
      ),
  });
  return (
    <Stack gap="xs" component="section" aria-labelledby="balance-title">
      <Title order={2} size="h3" id="balance-title">
        Balance
      </Title>
      {balance.isPending ? (
        <Loading label="Loading the balance…" />
      ) : balance.isError ? (
        <ErrorAlert error={balance.error} onRetry={() => void balance.refetch()} />
      ) : (
        <SimpleGrid cols={{ base: 2, md: 4 }} spacing="sm">
          <Stat label="Total balance" note="All open invoices">
            <Money minor={balance.data.total_balance} currency={balance.data.currency} />
          </Stat>
          <Stat
            label="Total past due"
            note="Open invoices past their due date"
            tone={balance.data.total_past_due > 0 ? 'alert' : undefined}
          >
            <Money minor={balance.data.total_past_due} currency={balance.data.currency} />
          </Stat>
          <Stat
            label="Oldest open invoice"
            note={
              balance.data.oldest_open_invoice?.due_date
                ? `Due ${formatBusinessDate(balance.data.oldest_open_invoice.due_date)}`
                : balance.data.oldest_open_invoice
                  ? 'No due date'
                  : 'Nothing open'
            }
          >
            {balance.data.oldest_open_invoice ? (
              <Anchor
                component="button"
                type="button"
                fz="inherit"
                fw="inherit"
                onClick={() => onViewInvoice(balance.data.oldest_open_invoice?.id ?? '')}
              >
                {balance.data.oldest_open_invoice.number ?? balance.data.oldest_open_invoice.id}
              </Anchor>
            ) : (
              '—'
            )}
          </Stat>
          <Stat label="Open invoices" note="With a balance left to pay">
            {balance.data.open_invoice_count}
          </Stat>
          {balance.data.children.count > 0 && (
            <>
              <Stat
                label={`Child accounts (${balance.data.children.count})`}
                note="Their open balances, rolled up"
              >
                <Money
                  minor={balance.data.children.total_balance}
                  currency={balance.data.currency}
                />
              </Stat>
              <Stat
                label="Children past due"
                tone={balance.data.children.total_past_due > 0 ? 'alert' : undefined}
              >
                <Money
                  minor={balance.data.children.total_past_due}
                  currency={balance.data.currency}
                />
              </Stat>
            </>
          )}
          {balance.data.unapplied_credits > 0 && (
            <Stat label="Unapplied credits" note="Credit memos and payments not yet applied">
              <Money minor={balance.data.unapplied_credits} currency={balance.data.currency} />
            </Stat>
          )}
        </SimpleGrid>
      )}
    </Stack>
  );
}
