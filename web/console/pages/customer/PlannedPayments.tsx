/**
 * Pending and scheduled payments (J3, E2): a pending one is on its way (a bank debit that has
 * not settled, a charge not yet answered); a scheduled one waits for its date and can be
 * rescheduled with a date picker or cancelled by a member whose role may pay.
 */
import {
  Button,
  Group,
  Modal,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { type UseQueryResult, useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money, PaymentStatusBadge } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstantDate } from '../../../shared/format';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { type Payment, type PayOptions, profileKey } from './types';

/** Where a payment came from, when it is not a person's own scheduled or manual payment. */
const SOURCE: Record<string, string> = {
  autopay: 'Autopay',
  payment_run: 'Payment run',
  retry: 'Retry of a failed payment',
};

export function PlannedPayments({
  customerId,
  scheduled,
  pending,
  options,
  canChange,
  timeZone,
  pages,
}: {
  customerId: string;
  scheduled: UseQueryResult<{ data: Payment[] }>;
  pending: UseQueryResult<{ data: Payment[] }>;
  options: PayOptions | undefined;
  canChange: boolean;
  timeZone: string;
  /** The server's pages of both lists (absent buttons: one page only). */
  pages?: { onFirst?: (() => void) | undefined; onNext?: (() => void) | undefined };
}) {
  const [moving, setMoving] = useState<Payment | null>(null);
  const [cancelling, setCancelling] = useState<Payment | null>(null);
  const invoiceName = (id: string) => options?.invoices.find((i) => i.id === id)?.number ?? id;
  const methodName = (p: Payment) =>
    options?.methods.find((m) => m.id === p.payment_method_id)?.label ??
    (p.method_type === 'bank_account'
      ? 'Bank account'
      : p.method_type === 'card'
        ? 'Card'
        : p.method_type);
  const rows = [
    ...(pending.data?.data ?? []),
    ...[...(scheduled.data?.data ?? [])].sort((a, b) =>
      (a.scheduled_for ?? '').localeCompare(b.scheduled_for ?? ''),
    ),
  ];
  const anyScheduled = (scheduled.data?.data.length ?? 0) > 0;

  return (
    <Stack gap="xs" component="section" aria-labelledby="planned-title">
      <Title order={2} size="h3" id="planned-title">
        Pending and scheduled payments
      </Title>
      {scheduled.isPending || pending.isPending ? (
        <Loading label="Loading payments…" />
      ) : scheduled.isError || pending.isError ? (
        <ErrorAlert
          error={scheduled.error ?? pending.error}
          onRetry={() => {
            void scheduled.refetch();
            void pending.refetch();
          }}
        />
      ) : rows.length === 0 ? (
        <Empty title="No pending or scheduled payments">
          Payments on their way, and payments set for a later date, appear here.
        </Empty>
      ) : (
        <Table.ScrollContainer
          minWidth={640}
          type="native"
          tabIndex={0}
          role="region"
          aria-label="Pending and scheduled payments table"
        >
          <Table verticalSpacing="xs">
            <Table.Caption>
              <VisuallyHidden>Pending payments, then scheduled payments by date</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col" ta="right">
                  Amount
                </Table.Th>
                <Table.Th scope="col">Method</Table.Th>
                <Table.Th scope="col">Invoices</Table.Th>
                {canChange && anyScheduled && (
                  // Relative, so the hidden label stays inside the scrolled table on a phone.
                  <Table.Th scope="col" pos="relative">
                    <VisuallyHidden>Actions</VisuallyHidden>
                  </Table.Th>
                )}
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map((p) => {
                const invoices =
                  p.status === 'scheduled'
                    ? (p.planned_allocations ?? []).map((a) => a.invoice_id)
                    : p.applications.map((a) => a.invoice_id);
                if (p.autopay_invoice_id && invoices.length === 0)
                  invoices.push(p.autopay_invoice_id);
                const date = p.scheduled_for
                  ? formatBusinessDate(p.scheduled_for)
                  : formatInstantDate(p.created_at, timeZone);
                return (
                  <Table.Tr key={p.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{date}</Table.Td>
                    <Table.Td miw={110}>
                      <PaymentStatusBadge status={p.status} methodType={p.method_type} />
                      {SOURCE[p.source] && <Text size="xs">{SOURCE[p.source]}</Text>}
                    </Table.Td>
                    <Table.Td ta="right">
                      <Money minor={p.amount} currency={p.currency} />
                    </Table.Td>
                    <Table.Td>{methodName(p)}</Table.Td>
                    <Table.Td>
                      {invoices.length > 0 ? invoices.map(invoiceName).join(', ') : 'Oldest first'}
                    </Table.Td>
                    {canChange && anyScheduled && (
                      <Table.Td>
                        {p.status === 'scheduled' && (
                          <Group gap={4} wrap="nowrap">
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() => setMoving(p)}
                              aria-label={`Reschedule the payment of ${date}`}
                            >
                              Reschedule
                            </Button>
                            <Button
                              size="xs"
                              variant="default"
                              c="red.9"
                              onClick={() => setCancelling(p)}
                              aria-label={`Cancel the payment of ${date}`}
                            >
                              Cancel
                            </Button>
                          </Group>
                        )}
                      </Table.Td>
                    )}
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Reschedule
        customerId={customerId}
        payment={moving}
        today={options?.today ?? ''}
        onClose={() => setMoving(null)}
      />
      <CancelPayment
        customerId={customerId}
        payment={cancelling}
        onClose={() => setCancelling(null)}
      />
      <Pager onFirst={pages?.onFirst} onNext={pages?.onNext} />
    </Stack>
  );
}

function Reschedule({
  customerId,
  payment,
  today,
  onClose,
}: {
  customerId: string;
  payment: Payment | null;
  today: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [date, setDate] = useState('');
  const move = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/payments/{id}/reschedule', {
          params: { path: { id: payment?.id ?? '' } },
          body: { scheduled_for: date },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
      close();
    },
  });
  function close() {
    setDate('');
    move.reset();
    onClose();
  }
  return (
    <Modal
      opened={payment !== null}
      onClose={close}
      title="Reschedule the payment"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {payment && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            move.mutate();
          }}
        >
          <Stack>
            <Text size="sm">
              <Money minor={payment.amount} currency={payment.currency} /> now set for{' '}
              {formatBusinessDate(payment.scheduled_for ?? today)}.
            </Text>
            <TextInput
              type="date"
              label="New date"
              description="A business date after today."
              min={today}
              required
              w={220}
              value={date}
              onChange={(e) => setDate(e.currentTarget.value)}
            />
            {move.isError && <ErrorAlert error={move.error} title="Not rescheduled" />}
            <Group>
              <Button type="submit" loading={move.isPending} disabled={!date}>
                Reschedule
              </Button>
              <Button variant="default" onClick={close}>
                Keep the date
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function CancelPayment({
  customerId,
  payment,
  onClose,
}: {
  customerId: string;
  payment: Payment | null;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/payments/{id}/cancel', {
          params: { path: { id: payment?.id ?? '' } },
          body: {},
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
      close();
    },
  });
  function close() {
    cancel.reset();
    onClose();
  }
  return (
    <Modal
      opened={payment !== null}
      onClose={close}
      title="Cancel the scheduled payment?"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {payment && (
        <Stack>
          <Text size="sm">
            The payment of <Money minor={payment.amount} currency={payment.currency} /> on{' '}
            {formatBusinessDate(payment.scheduled_for ?? '')} will not be charged. The invoices stay
            open.
          </Text>
          {cancel.isError && <ErrorAlert error={cancel.error} title="Not cancelled" />}
          <Group>
            <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>
              Cancel the payment
            </Button>
            <Button variant="default" onClick={close}>
              Keep it
            </Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}
