/**
 * Open invoices (J3): oldest first, a past-due marker, select one or several and "Pay selected".
 * The figures are the API's (pay-options); a staff member whose role may not pay sees no boxes
 * and no pay button.
 */
import {
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import { useState } from 'react';
import { Money } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate } from '../../../shared/format';
import { Empty, Loading } from '../../../shared/states';
import type { PayOptions } from './types';

export function OpenInvoices({
  options,
  canPay,
  onView,
  onPay,
}: {
  options: UseQueryResult<PayOptions>;
  canPay: boolean;
  onView: (invoiceId: string) => void;
  onPay: (invoiceIds: string[]) => void;
}) {
  const [selected, setSelected] = useState<Record<string, boolean>>({});
  const o = options.data;
  const payable = (o?.invoices ?? []).filter((i) => i.available > 0);
  const chosen = payable.filter((i) => selected[i.id]).map((i) => i.id);
  const all = chosen.length === payable.length && payable.length > 0;

  return (
    <Stack gap="xs" component="section" aria-labelledby="open-invoices-title">
      <Group justify="space-between" align="flex-end" wrap="wrap">
        <Title order={2} size="h3" id="open-invoices-title">
          Open invoices
        </Title>
        {canPay && o && o.invoices.length > 0 && (
          <Button
            disabled={chosen.length === 0}
            onClick={() => {
              onPay(chosen);
              setSelected({});
            }}
          >
            {chosen.length > 0 ? `Pay selected (${chosen.length})` : 'Pay selected'}
          </Button>
        )}
      </Group>
      {options.isPending ? (
        <Loading label="Loading open invoices…" />
      ) : options.isError ? (
        <ErrorAlert error={options.error} onRetry={() => void options.refetch()} />
      ) : o && o.invoices.length === 0 ? (
        <Empty title="No open invoices">Every posted invoice of this customer is paid.</Empty>
      ) : o ? (
        <Table.ScrollContainer
          minWidth={340}
          type="native"
          tabIndex={0}
          role="region"
          aria-label="Open invoices table"
        >
          <Table verticalSpacing="xs" highlightOnHover>
            <Table.Caption>
              <VisuallyHidden>Open invoices, oldest first</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                {canPay && (
                  <Table.Th scope="col" w={40}>
                    <Checkbox
                      aria-label="Select all open invoices"
                      checked={all}
                      indeterminate={chosen.length > 0 && !all}
                      disabled={payable.length === 0}
                      onChange={() =>
                        setSelected(Object.fromEntries(payable.map((i) => [i.id, !all])))
                      }
                    />
                  </Table.Th>
                )}
                <Table.Th scope="col">Invoice</Table.Th>
                <Table.Th scope="col">Due</Table.Th>
                <Table.Th scope="col" ta="right" visibleFrom="sm">
                  Total
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Open balance
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {o.invoices.map((inv) => {
                const name = inv.number ?? inv.id;
                return (
                  <Table.Tr key={inv.id}>
                    {canPay && (
                      <Table.Td>
                        <Checkbox
                          aria-label={`Select invoice ${name}`}
                          checked={Boolean(selected[inv.id]) && inv.available > 0}
                          disabled={inv.available <= 0}
                          onChange={(e) => {
                            const on = e.currentTarget.checked;
                            setSelected((s) => ({ ...s, [inv.id]: on }));
                          }}
                        />
                      </Table.Td>
                    )}
                    <Table.Td>
                      <Anchor
                        component="button"
                        type="button"
                        size="sm"
                        fw={600}
                        onClick={() => onView(inv.id)}
                        aria-label={`View invoice ${name}`}
                      >
                        {name}
                      </Anchor>
                      <Text size="xs">Dated {formatBusinessDate(inv.invoice_date)}</Text>
                      {inv.pending > 0 && (
                        <Text size="xs" fw={600}>
                          <Money minor={inv.pending} currency={o.currency} /> on its way (bank
                          debit)
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={6} wrap="wrap">
                        <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                          {inv.due_date ? formatBusinessDate(inv.due_date) : 'No due date'}
                        </Text>
                        {inv.past_due && (
                          <Badge
                            variant="light"
                            color="red"
                            c="red.9"
                            radius="sm"
                            style={{ flexShrink: 0, minWidth: 'max-content' }}
                          >
                            ⚠ Past due
                          </Badge>
                        )}
                      </Group>
                    </Table.Td>
                    <Table.Td ta="right" visibleFrom="sm">
                      <Money minor={inv.total} currency={o.currency} />
                    </Table.Td>
                    <Table.Td ta="right" fw={600}>
                      <Money minor={inv.balance} currency={o.currency} />
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      ) : null}
      {o && o.invoices.length > 0 && (
        <Text size="sm">
          Open to pay now: <Money minor={o.total_available} currency={o.currency} /> in{' '}
          {o.payable_count} {o.payable_count === 1 ? 'invoice' : 'invoices'}.
          {o.unlisted_count > 0 &&
            ` The oldest ${o.invoices.length} are listed (what one payment pays); ` +
              `${o.unlisted_count} newer ${o.unlisted_count === 1 ? 'one follows' : 'ones follow'} ` +
              'once these are paid.'}
        </Text>
      )}
    </Stack>
  );
}
