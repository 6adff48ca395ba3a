/**
 * A transaction's detail (E6, E7, E10) in a drawer the address opens (`?payment=ID`, so the
 * history tab and the global search point at it): status (a pending bank debit is accepted, not
 * yet received), method, amount, what it paid on each invoice, what is unapplied, its refunds.
 * With billing:write, a succeeded payment is refunded in full or in part, with the outcome:
 * credit (the invoices stay settled) or reopen (the customer owes it again); the form starts at
 * what the API says is left to refund (`refundable`). Invoices show by number, from the same read.
 */
import {
  Button,
  Drawer,
  Group,
  Paper,
  Radio,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Fact, Money, Notice, PaymentStatusBadge } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import {
  formatBusinessDate,
  formatInstant,
  minorToInput,
  parseAmountInput,
} from '../../../shared/format';
import { Loading } from '../../../shared/states';
import { methodText } from './History';
import { profileKey } from './types';

const SOURCE: Record<string, string> = {
  manual: 'Paid by staff or a contact',
  scheduled: 'Scheduled payment',
  autopay: 'Autopay',
  payment_run: 'Payment run',
  external: 'Recorded by staff (received outside Billow)',
  retry: 'Retry of a failed payment',
};

export function PaymentDetailDrawer({
  customerId,
  paymentId,
  canRefund,
  timeZone,
  onOpenInvoice,
  onClose,
}: {
  customerId: string;
  paymentId: string | undefined;
  canRefund: boolean;
  timeZone: string;
  onOpenInvoice: (id: string) => void;
  onClose: () => void;
}) {
  const phone = useMediaQuery('(max-width: 36em)');
  const [refunding, setRefunding] = useState(false);
  const payment = useQuery({
    queryKey: [...profileKey(customerId), 'payment', paymentId],
    enabled: paymentId !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/payments/{id}', { params: { path: { id: paymentId ?? '' } } })),
  });
  const p = payment.data;
  return (
    <Drawer
      opened={paymentId !== undefined}
      onClose={() => {
        setRefunding(false);
        onClose();
      }}
      position="right"
      size={phone ? '100%' : 'md'}
      title={p ? `Transaction: ${methodText(p)}` : 'Transaction'}
      closeButtonProps={{ 'aria-label': 'Close the transaction detail' }}
    >
      {payment.isPending ? (
        <Loading label="Loading the transaction…" />
      ) : payment.isError ? (
        <ErrorAlert error={payment.error} onRetry={() => void payment.refetch()} />
      ) : p ? (
        <Stack gap="md">
          <Group gap="xs">
            <PaymentStatusBadge status={p.status} methodType={p.method_type} />
          </Group>
          {p.status === 'pending' && p.method_type === 'bank_account' && (
            <Notice color="yellow" title="Accepted — funds not yet received">
              <Text size="sm">
                The bank debit was accepted but has not settled
                {p.expected_settlement_date
                  ? `; it should by ${formatBusinessDate(p.expected_settlement_date)}`
                  : ''}
                . The invoices it pays are not paid until it does.
              </Text>
            </Notice>
          )}
          <Paper withBorder p="sm" radius="md">
            <Stack gap={4}>
              <Fact label="Amount">
                <Money minor={p.amount} currency={p.currency} />
              </Fact>
              <Fact label="Method">{methodText(p)}</Fact>
              <Fact label="Source">{SOURCE[p.source] ?? p.source}</Fact>
              <Fact label="Created">{formatInstant(p.created_at, timeZone)}</Fact>
              {p.settled_at && <Fact label="Settled">{formatInstant(p.settled_at, timeZone)}</Fact>}
              {p.scheduled_for && (
                <Fact label="Scheduled">{formatBusinessDate(p.scheduled_for)}</Fact>
              )}
              {p.failure_message && <Fact label="Failure">{p.failure_message}</Fact>}
              {p.amount_refunded > 0 && (
                <Fact label="Refunded">
                  <Money minor={p.amount_refunded} currency={p.currency} />
                </Fact>
              )}
              {p.unapplied > 0 && (
                <Fact label="Unapplied">
                  <Money minor={p.unapplied} currency={p.currency} />
                </Fact>
              )}
              <Fact label="Id">{p.id}</Fact>
            </Stack>
          </Paper>
          <Stack gap="xs" component="section" aria-labelledby="payment-applications">
            <Title order={3} size="h5" id="payment-applications">
              Applied to invoices
            </Title>
            {p.applications.length === 0 ? (
              <Text size="sm">
                {p.status === 'scheduled'
                  ? 'Nothing yet: it pays on its date.'
                  : 'Not applied to any invoice.'}
              </Text>
            ) : (
              <Table>
                <Table.Caption>
                  <VisuallyHidden>What the payment paid on each invoice</VisuallyHidden>
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Invoice</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Amount
                    </Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.applications.map((a) => (
                    <Table.Tr key={a.invoice_id}>
                      <Table.Td>
                        <UnstyledButton
                          c="blue.9"
                          fz="sm"
                          td="underline"
                          style={{ overflowWrap: 'anywhere' }}
                          onClick={() => onOpenInvoice(a.invoice_id)}
                        >
                          {a.invoice_number ?? a.invoice_id}
                        </UnstyledButton>
                      </Table.Td>
                      <Table.Td ta="right">
                        <Money minor={a.amount} currency={p.currency} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
          </Stack>
          {p.refunds.length > 0 && (
            <Stack gap="xs" component="section" aria-labelledby="payment-refunds">
              <Title order={3} size="h5" id="payment-refunds">
                Refunds
              </Title>
              {p.refunds.map((r) => (
                <Text size="sm" key={r.id}>
                  <Money minor={r.amount} currency={p.currency} /> on{' '}
                  {formatInstant(r.created_at, timeZone)} —{' '}
                  {r.outcome === 'credit' ? 'credited' : 'invoices reopened'} ({r.status})
                  {r.reason ? `: ${r.reason}` : ''}
                </Text>
              ))}
            </Stack>
          )}
          {canRefund &&
            p.status === 'succeeded' &&
            p.refundable > 0 &&
            (refunding ? (
              <RefundForm
                paymentId={p.id}
                customerId={customerId}
                currency={p.currency}
                refundable={p.refundable}
                onDone={() => setRefunding(false)}
              />
            ) : (
              <Button variant="default" w="fit-content" onClick={() => setRefunding(true)}>
                Refund
              </Button>
            ))}
        </Stack>
      ) : null}
    </Drawer>
  );
}

function RefundForm({
  paymentId,
  customerId,
  currency,
  refundable,
  onDone,
}: {
  paymentId: string;
  customerId: string;
  currency: string;
  /** What the API says a refund may take back (minor units): the form starts there. */
  refundable: number;
  onDone: () => void;
}) {
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState(() => minorToInput(refundable));
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<'credit' | 'reopen'>('credit');
  const [error, setError] = useState<string | undefined>();
  const key = useRef('');
  const refund = useMutation({
    mutationFn: async (minor: number) =>
      unwrap(
        await api.POST('/api/v1/payments/{id}/refunds', {
          params: { path: { id: paymentId }, header: { 'Idempotency-Key': key.current } },
          body: { amount: minor, outcome, ...(reason.trim() && { reason: reason.trim() }) },
        } as never),
      ) as { refund: { amount: number } },
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
    },
  });
  if (refund.isSuccess) {
    return (
      <Stack gap="xs">
        <Text size="sm" role="status" fw={600}>
          Refunded <Money minor={refund.data.refund.amount} currency={currency} />.
        </Text>
        <Button variant="default" w="fit-content" onClick={onDone}>
          Done
        </Button>
      </Stack>
    );
  }
  return (
    <Paper withBorder p="sm" radius="md" component="section" aria-labelledby="refund-title">
      <Stack gap="sm">
        <Title order={3} size="h5" id="refund-title">
          Refund this payment
        </Title>
        <TextInput
          label="Refund amount"
          description={
            <>
              Up to <Money minor={refundable} currency={currency} /> (what is left to refund); less
              for a partial refund.
            </>
          }
          inputMode="decimal"
          leftSection="$"
          w={220}
          required
          value={amount}
          error={error}
          onChange={(e) => setAmount(e.currentTarget.value)}
        />
        <TextInput
          label="Reason (optional)"
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        <Radio.Group
          label="What the refund means for the invoices it paid"
          value={outcome}
          onChange={(v) => setOutcome(v as 'credit' | 'reopen')}
        >
          <Stack gap="xs" mt="xs">
            <Radio
              value="credit"
              label="Credit: the invoices stay settled (a credit memo covers the refund)"
            />
            <Radio value="reopen" label="Reopen: the customer owes the refunded amount again" />
          </Stack>
        </Radio.Group>
        {refund.isError && <ErrorAlert error={refund.error} title="Nothing was refunded" />}
        <Group>
          <Button
            loading={refund.isPending}
            onClick={() => {
              const minor = parseAmountInput(amount);
              if (minor === null || minor <= 0) {
                setError('Enter an amount such as 20.00');
                return;
              }
              setError(undefined);
              key.current = crypto.randomUUID();
              refund.mutate(minor);
            }}
          >
            Refund
          </Button>
          <Button variant="default" onClick={onDone} disabled={refund.isPending}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
