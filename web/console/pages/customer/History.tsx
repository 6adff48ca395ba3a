/**
 * The History tab (E6, E7): every invoice of the customer (any status, a status filter) and
 * every transaction (card, bank debit, check, wire, cash, refunds shown on their payment), each
 * list paged by the server with a cursor, its filter and page in the address. An invoice row opens the invoice summary drawer; a
 * transaction row opens its detail (`?payment=ID`) with its applications and refunds. With
 * billing:write, staff record an external payment (check with its number, wire, cash) here.
 */
import {
  Button,
  Group,
  Modal,
  Radio,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useRef, useState } from 'react';
import type { paths } from '../../../../generated/api';
import { api, unwrap } from '../../../shared/api';
import { Money, PaymentStatusBadge } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstantDate, parseAmountInput } from '../../../shared/format';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { customerRoute } from '../../router';
import { can, useMe } from '../../session';
import { type Payment, profileKey } from './types';

type InvoiceStatus = NonNullable<
  NonNullable<paths['/api/v1/invoices']['get']['parameters']['query']>['status']
>;
type PaymentStatus = NonNullable<
  NonNullable<paths['/api/v1/payments']['get']['parameters']['query']>['status']
>;

const INVOICE_STATUS: Record<InvoiceStatus, string> = {
  draft: 'Draft',
  open: 'Open',
  partially_paid: 'Partly paid',
  paid: 'Paid',
  past_due: 'Past due',
  void: 'Void',
};

const PAYMENT_STATUS: Record<PaymentStatus, string> = {
  scheduled: 'Scheduled',
  pending: 'Pending (on its way)',
  succeeded: 'Succeeded',
  failed: 'Failed',
  returned: 'Returned',
  refunded: 'Refunded',
  cancelled: 'Cancelled',
};

/** "Visa card", "Check 1042", "Wire ABC-1": the kind and, for external payments, the reference. */
export function methodText(p: Pick<Payment, 'method_type' | 'reference'>): string {
  const kind: Record<string, string> = {
    card: 'Card',
    bank_account: 'Bank debit',
    check: 'Check',
    wire: 'Wire',
    cash: 'Cash',
  };
  const k = kind[p.method_type] ?? p.method_type;
  return p.reference ? `${k} ${p.reference}` : k;
}

/**
 * A history list's status filter and page, kept in the address (`?invoices_status=`,
 * `?invoices_cursor=`, and the same for payments), so a reload, Back or a shared link shows the
 * same page. A status the list does not know reads as none.
 */
function useListAddress<S extends string>(
  list: 'invoices' | 'payments',
  statuses: Record<S, string>,
) {
  const search = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  const raw = list === 'invoices' ? search.invoices_status : search.payments_status;
  const status = raw !== undefined && raw in statuses ? (raw as S) : null;
  const cursor = list === 'invoices' ? search.invoices_cursor : search.payments_cursor;
  const go = (next: { status: S | null; cursor?: string | undefined }) =>
    void navigate({
      search: (s) =>
        list === 'invoices'
          ? { ...s, invoices_status: next.status ?? undefined, invoices_cursor: next.cursor }
          : { ...s, payments_status: next.status ?? undefined, payments_cursor: next.cursor },
    });
  return {
    status,
    cursor,
    /** A new filter starts on its first page. */
    setStatus: (v: S | null) => go({ status: v }),
    first: cursor ? () => go({ status }) : undefined,
    next: (c: string | null | undefined) => (c ? () => go({ status, cursor: c }) : undefined),
  };
}

export function HistorySection({
  customerId,
  openInvoice,
  openPayment,
}: {
  customerId: string;
  openInvoice: (id: string | null) => void;
  openPayment: (id: string | null) => void;
}) {
  const me = useMe();
  return (
    <Stack gap="xl">
      <InvoiceHistory customerId={customerId} openInvoice={openInvoice} />
      <TransactionHistory
        customerId={customerId}
        openPayment={openPayment}
        canWrite={can(me, 'billing:write')}
        tz={me.tenant.time_zone}
      />
    </Stack>
  );
}

function InvoiceHistory({
  customerId,
  openInvoice,
}: {
  customerId: string;
  openInvoice: (id: string | null) => void;
}) {
  const page = useListAddress('invoices', INVOICE_STATUS);
  const status = page.status;
  const invoices = useQuery({
    queryKey: [...profileKey(customerId), 'history', 'invoices', status, page.cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/invoices', {
          params: {
            query: {
              customer: customerId,
              limit: 25,
              ...(status && { status }),
              ...(page.cursor && { cursor: page.cursor }),
            },
          },
        }),
      ),
  });
  return (
    <Stack gap="sm" component="section" aria-labelledby="invoice-history">
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3" id="invoice-history">
          Invoice history
        </Title>
        <Select
          label="Invoice status"
          placeholder="Any status"
          clearable
          w={200}
          data={Object.entries(INVOICE_STATUS).map(([value, label]) => ({ value, label }))}
          value={status}
          onChange={(v) => page.setStatus(v as InvoiceStatus | null)}
        />
      </Group>
      {invoices.isPending ? (
        <Loading label="Loading invoices…" />
      ) : invoices.isError ? (
        <ErrorAlert error={invoices.error} onRetry={() => void invoices.refetch()} />
      ) : invoices.data.data.length === 0 ? (
        <Empty title="No invoices">
          {status ? 'No invoice has this status.' : 'This customer has no invoices yet.'}
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover>
            <Table.Caption>
              <VisuallyHidden>Invoices, newest first</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Invoice</Table.Th>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Due</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col" ta="right">
                  Total
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Open
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {invoices.data.data.map((inv) => (
                <Table.Tr key={inv.id}>
                  <Table.Td>
                    <UnstyledButton
                      onClick={() => openInvoice(inv.id)}
                      c="blue.9"
                      fw={600}
                      fz="sm"
                      td="underline"
                    >
                      {inv.number ?? 'Draft'}
                      <VisuallyHidden> — open the invoice summary</VisuallyHidden>
                    </UnstyledButton>
                    {inv.po_number && (
                      <Text size="xs" span display="block">
                        PO {inv.po_number}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>{formatBusinessDate(inv.invoice_date)}</Table.Td>
                  <Table.Td>{inv.due_date ? formatBusinessDate(inv.due_date) : '—'}</Table.Td>
                  <Table.Td>
                    <PaymentStatusBadge status={INVOICE_STATUS[inv.status] ?? inv.status} />
                    {inv.pending_amount > 0 && (
                      <Text size="xs" span display="block">
                        <Money minor={inv.pending_amount} currency={inv.currency} /> on its way
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={inv.total} currency={inv.currency} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={inv.balance} currency={inv.currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager onFirst={page.first} onNext={page.next(invoices.data?.next_cursor)} />
    </Stack>
  );
}

function TransactionHistory({
  customerId,
  openPayment,
  canWrite,
  tz,
}: {
  customerId: string;
  openPayment: (id: string | null) => void;
  canWrite: boolean;
  tz: string;
}) {
  const [recording, setRecording] = useState(false);
  const page = useListAddress('payments', PAYMENT_STATUS);
  const status = page.status;
  const payments = useQuery({
    queryKey: [...profileKey(customerId), 'history', 'payments', status, page.cursor],
    placeholderData: keepPreviousData,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/payments', {
          params: {
            query: {
              customer: customerId,
              limit: 25,
              ...(status && { status }),
              ...(page.cursor && { cursor: page.cursor }),
            },
          },
        }),
      ),
  });
  return (
    <Stack gap="sm" component="section" aria-labelledby="transaction-history">
      <Group justify="space-between" align="flex-end">
        <Title order={2} size="h3" id="transaction-history">
          Transaction history
        </Title>
        <Group align="flex-end" gap="sm">
          <Select
            label="Transaction status"
            placeholder="Any status"
            clearable
            w={200}
            data={Object.entries(PAYMENT_STATUS).map(([value, label]) => ({ value, label }))}
            value={status}
            onChange={(v) => page.setStatus(v as PaymentStatus | null)}
          />
          {canWrite && (
            <Button variant="default" onClick={() => setRecording(true)}>
              Record external payment
            </Button>
          )}
        </Group>
      </Group>
      {payments.isPending ? (
        <Loading label="Loading transactions…" />
      ) : payments.isError ? (
        <ErrorAlert error={payments.error} onRetry={() => void payments.refetch()} />
      ) : payments.data.data.length === 0 ? (
        <Empty title="No transactions">
          {status ? 'No transaction has this status.' : 'No payment was made or recorded yet.'}
        </Empty>
      ) : (
        <Table.ScrollContainer minWidth={640}>
          <Table highlightOnHover>
            <Table.Caption>
              <VisuallyHidden>Transactions, newest first</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Method</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col" ta="right">
                  Amount
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Refunded
                </Table.Th>
                <Table.Th scope="col">
                  <VisuallyHidden>Details</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {payments.data.data.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    {p.scheduled_for && p.status === 'scheduled'
                      ? formatBusinessDate(p.scheduled_for)
                      : formatInstantDate(p.created_at, tz)}
                  </Table.Td>
                  <Table.Td>
                    {methodText(p)}
                    {p.source === 'external' && (
                      <Text size="xs" span display="block">
                        Recorded by staff
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td>
                    <PaymentStatusBadge status={p.status} methodType={p.method_type} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={p.amount} currency={p.currency} />
                  </Table.Td>
                  <Table.Td ta="right">
                    {p.amount_refunded > 0 ? (
                      <Money minor={p.amount_refunded} currency={p.currency} />
                    ) : (
                      '—'
                    )}
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => openPayment(p.id)}
                      aria-label={`Details of the ${methodText(p)} payment of ${p.id}`}
                    >
                      Details
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <Pager onFirst={page.first} onNext={page.next(payments.data?.next_cursor)} />
      <RecordExternalPayment
        customerId={customerId}
        opened={recording}
        onClose={() => setRecording(false)}
        onRecorded={(id) => {
          setRecording(false);
          openPayment(id);
        }}
      />
    </Stack>
  );
}

type ExternalBody =
  paths['/api/v1/payments/external']['post']['requestBody']['content']['application/json'];

function RecordExternalPayment({
  customerId,
  opened,
  onClose,
  onRecorded,
}: {
  customerId: string;
  opened: boolean;
  onClose: () => void;
  onRecorded: (id: string) => void;
}) {
  const phone = useMediaQuery('(max-width: 36em)');
  const queryClient = useQueryClient();
  const [method, setMethod] = useState<'check' | 'wire' | 'cash'>('check');
  const [reference, setReference] = useState('');
  const [amount, setAmount] = useState('');
  const [receivedOn, setReceivedOn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const key = useRef('');
  const record = useMutation({
    mutationFn: async (body: ExternalBody) =>
      unwrap(
        await api.POST('/api/v1/payments/external', {
          body,
          params: { header: { 'Idempotency-Key': key.current } },
        } as never),
      ) as Payment,
    onSuccess: async (p) => {
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
      setReference('');
      setAmount('');
      setReceivedOn('');
      onRecorded(p.id);
    },
  });

  function submit() {
    const minor = parseAmountInput(amount);
    const found: Record<string, string> = {};
    if (minor === null || minor <= 0) found.amount = 'Enter an amount such as 120.50';
    if (method === 'check' && !reference.trim()) found.reference = 'Enter the check number';
    setErrors(found);
    if (Object.keys(found).length > 0 || minor === null) return;
    key.current = crypto.randomUUID();
    record.mutate({
      customer_id: customerId,
      method,
      ...(reference.trim() && { reference: reference.trim() }),
      amount: minor,
      ...(receivedOn && { received_on: receivedOn }),
    });
  }

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Record an external payment"
      fullScreen={Boolean(phone)}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack gap="md">
        <Text size="sm">
          A payment received outside Billow. It pays the oldest open invoices first.
        </Text>
        <Radio.Group
          label="Received as"
          value={method}
          onChange={(v) => setMethod(v as 'check' | 'wire' | 'cash')}
        >
          <Group gap="md" mt="xs">
            <Radio value="check" label="Check" />
            <Radio value="wire" label="Wire" />
            <Radio value="cash" label="Cash" />
          </Group>
        </Radio.Group>
        <TextInput
          label={method === 'check' ? 'Check number' : 'Reference (optional)'}
          required={method === 'check'}
          value={reference}
          error={errors.reference}
          onChange={(e) => setReference(e.currentTarget.value)}
        />
        <TextInput
          label="Amount"
          inputMode="decimal"
          leftSection="$"
          w={200}
          required
          value={amount}
          error={errors.amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
        />
        <TextInput
          type="date"
          label="Received on (optional)"
          w={220}
          value={receivedOn}
          error={errors.received_on}
          onChange={(e) => setReceivedOn(e.currentTarget.value)}
        />
        {record.isError && <ErrorAlert error={record.error} title="The payment was not recorded" />}
        <Group>
          <Button onClick={submit} loading={record.isPending}>
            Record payment
          </Button>
          <Button variant="default" onClick={onClose} disabled={record.isPending}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
