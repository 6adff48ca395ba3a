/**
 * One invoice of a bill run in a drawer (`?invoice=ID`): a draft's lines, removed or added, the
 * draft posted or deleted; a posted invoice adjusted (credit or charge) or voided, with a reason.
 */
import {
  Badge,
  Button,
  Drawer,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Fact, Money, Notice } from '../../../shared/display';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { formatBusinessDate, parseAmountInput } from '../../../shared/format';
import { Loading } from '../../../shared/states';

const INVOICE_STATUS: Record<string, { label: string; color: string }> = {
  draft: { label: 'Draft', color: 'gray' },
  open: { label: 'Open', color: 'blue' },
  partially_paid: { label: 'Partially paid', color: 'yellow' },
  paid: { label: 'Paid', color: 'green' },
  past_due: { label: 'Past due', color: 'red' },
  void: { label: 'Void', color: 'gray' },
};

export function InvoiceStatusBadge({ status }: { status: string }) {
  const s = INVOICE_STATUS[status] ?? { label: status, color: 'gray' };
  return (
    <Badge variant="light" color={s.color} c="dark.9" radius="sm" style={{ flexShrink: 0 }}>
      {s.label}
    </Badge>
  );
}

function invoiceKey(id: string | undefined) {
  return ['invoice', id] as const;
}

export function InvoiceDrawer({
  invoiceId,
  canWrite,
  onClose,
  onChanged,
}: {
  invoiceId: string | undefined;
  canWrite: boolean;
  onClose: () => void;
  /** Something changed: the run's figures and list reload. */
  onChanged: () => void;
}) {
  const phone = useMediaQuery('(max-width: 36em)');
  const queryClient = useQueryClient();
  const invoice = useQuery({
    queryKey: invoiceKey(invoiceId),
    enabled: invoiceId !== undefined,
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/invoices/{id}', { params: { path: { id: invoiceId ?? '' } } })),
  });
  const inv = invoice.data;
  const id = invoiceId ?? '';

  function changed(next?: unknown) {
    if (next) queryClient.setQueryData(invoiceKey(invoiceId), next);
    void queryClient.invalidateQueries({ queryKey: invoiceKey(invoiceId) });
    onChanged();
  }

  const removeLine = useMutation({
    mutationFn: async (lineId: string) =>
      unwrap(
        await api.DELETE('/api/v1/invoices/{id}/lines/{lineId}', {
          params: { path: { id, lineId } },
        }),
      ),
    onSuccess: changed,
  });
  const post = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/invoices/{id}/post', { params: { path: { id } } })),
    onSuccess: changed,
  });
  const [confirmDelete, setConfirmDelete] = useState(false);
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/v1/invoices/{id}', { params: { path: { id } } })),
    onSuccess: () => {
      setConfirmDelete(false);
      queryClient.removeQueries({ queryKey: invoiceKey(invoiceId) });
      onChanged();
      onClose();
    },
  });

  const title = inv ? (inv.number ? `Invoice ${inv.number}` : 'Draft invoice') : 'Invoice';
  const draft = inv?.status === 'draft';
  const posted = inv && inv.status !== 'draft' && inv.status !== 'void';
  return (
    <Drawer
      opened={invoiceId !== undefined}
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'lg'}
      title={title}
      closeButtonProps={{ 'aria-label': 'Close the invoice' }}
    >
      {invoice.isPending ? (
        <Loading label="Loading the invoice…" />
      ) : invoice.isError ? (
        <ErrorAlert error={invoice.error} onRetry={() => void invoice.refetch()} />
      ) : inv ? (
        <Stack gap="md">
          <Group gap="xs">
            <InvoiceStatusBadge status={inv.status} />
            <Text size="sm">
              Dated {formatBusinessDate(inv.invoice_date)}
              {inv.due_date && ` · due ${formatBusinessDate(inv.due_date)}`}
            </Text>
          </Group>
          <Stack gap={4}>
            <Fact label="Total">
              <Money minor={inv.total} currency={inv.currency} />
            </Fact>
            {inv.status !== 'draft' && (
              <Fact label="Open">
                <Money minor={inv.balance} currency={inv.currency} />
              </Fact>
            )}
            {inv.void_reason && <Fact label="Voided">{inv.void_reason}</Fact>}
          </Stack>

          <Title order={3} size="h4">
            Lines
          </Title>
          {inv.lines.length === 0 ? (
            <Text size="sm">No lines; a draft without lines is not posted.</Text>
          ) : (
            <Table.ScrollContainer minWidth={300} type="native">
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Description</Table.Th>
                    <Table.Th scope="col" style={{ textAlign: 'right' }}>
                      Amount
                    </Table.Th>
                    {draft && canWrite && (
                      <Table.Th scope="col">
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    )}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {inv.lines.map((l) => (
                    <Table.Tr key={l.id}>
                      <Table.Td>
                        {l.description}
                        {l.period_start && l.period_end && (
                          <Text size="xs" c="gray.8">
                            {formatBusinessDate(l.period_start)} –{' '}
                            {formatBusinessDate(l.period_end)}
                          </Text>
                        )}
                      </Table.Td>
                      <Table.Td style={{ textAlign: 'right' }}>
                        <Money minor={l.amount} currency={inv.currency} />
                      </Table.Td>
                      {draft && canWrite && (
                        <Table.Td>
                          <Button
                            size="xs"
                            variant="default"
                            aria-label={`Remove the line ${l.description}`}
                            loading={removeLine.isPending && removeLine.variables === l.id}
                            onClick={() => removeLine.mutate(l.id)}
                          >
                            Remove
                          </Button>
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          {removeLine.isError && <ErrorAlert error={removeLine.error} title="Not removed" />}

          {inv.adjustments.length > 0 && (
            <Stack gap={4}>
              <Title order={3} size="h4">
                Adjustments
              </Title>
              {inv.adjustments.map((a) => (
                <Text size="sm" key={a.id}>
                  {a.kind === 'credit' ? 'Credit' : 'Charge'}{' '}
                  <Money minor={a.amount} currency={inv.currency} /> — {a.reason}
                </Text>
              ))}
            </Stack>
          )}

          {draft && canWrite && <AddLine invoiceId={id} onDone={changed} />}

          {draft && canWrite && (
            <Group gap="xs">
              <Button onClick={() => post.mutate()} loading={post.isPending}>
                Post this invoice
              </Button>
              {confirmDelete ? (
                <>
                  <Button color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                    Yes, delete the draft
                  </Button>
                  <Button variant="default" onClick={() => setConfirmDelete(false)}>
                    Keep it
                  </Button>
                </>
              ) : (
                <Button variant="default" onClick={() => setConfirmDelete(true)}>
                  Delete the draft
                </Button>
              )}
            </Group>
          )}
          {confirmDelete && (
            <Text size="sm">What the draft billed is billed again by a later run.</Text>
          )}
          {post.isError && <ErrorAlert error={post.error} title="Not posted" />}
          {remove.isError && <ErrorAlert error={remove.error} title="Not deleted" />}

          {posted && canWrite && <Adjust invoiceId={id} onDone={changed} />}
          {posted && canWrite && <VoidInvoice invoiceId={id} onDone={changed} />}
        </Stack>
      ) : null}
    </Drawer>
  );
}

function AddLine({ invoiceId, onDone }: { invoiceId: string; onDone: (next: unknown) => void }) {
  const [description, setDescription] = useState('');
  const [amount, setAmount] = useState('');
  const [kind, setKind] = useState<'charge' | 'discount'>('charge');
  const minor = parseAmountInput(amount);
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/invoices/{id}/lines', {
          params: { path: { id: invoiceId } },
          body: {
            description: description.trim(),
            amount: kind === 'discount' ? -(minor ?? 0) : (minor ?? 0),
          },
        }),
      ),
    onSuccess: (next) => {
      setDescription('');
      setAmount('');
      onDone(next);
    },
  });
  const fields = fieldErrors(add.error);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (minor !== null && minor > 0 && description.trim()) add.mutate();
      }}
      noValidate
    >
      <Stack gap="xs">
        <Title order={3} size="h4">
          Add a line
        </Title>
        <SegmentedControl
          aria-label="Kind of line"
          value={kind}
          onChange={(v) => setKind(v as 'charge' | 'discount')}
          data={[
            { label: 'Charge', value: 'charge' },
            { label: 'Discount', value: 'discount' },
          ]}
        />
        <TextInput
          label="Description"
          maxLength={500}
          value={description}
          onChange={(e) => setDescription(e.currentTarget.value)}
          error={fields.description}
        />
        <TextInput
          label="Amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={
            amount && (minor === null || minor === 0) ? 'Enter an amount like 12.50' : fields.amount
          }
        />
        {add.isError && Object.keys(fields).length === 0 && (
          <ErrorAlert error={add.error} title="Not added" />
        )}
        <Button
          type="submit"
          variant="default"
          w="fit-content"
          loading={add.isPending}
          disabled={!description.trim() || minor === null || minor === 0}
        >
          Add the line
        </Button>
      </Stack>
    </form>
  );
}

function Adjust({ invoiceId, onDone }: { invoiceId: string; onDone: (next: unknown) => void }) {
  const [kind, setKind] = useState<'credit' | 'charge'>('credit');
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const minor = parseAmountInput(amount);
  const adjust = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/invoices/{id}/adjustments', {
          params: { path: { id: invoiceId } },
          body: { kind, amount: minor ?? 0, reason: reason.trim() },
        }),
      ),
    onSuccess: (next) => {
      setAmount('');
      setReason('');
      onDone(next);
    },
  });
  const fields = fieldErrors(adjust.error);
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        adjust.mutate();
      }}
      noValidate
    >
      <Stack gap="xs">
        <Title order={3} size="h4">
          Adjust the invoice
        </Title>
        <Text size="sm">A posted invoice changes only by an adjustment, with its reason.</Text>
        <SegmentedControl
          aria-label="Kind of adjustment"
          value={kind}
          onChange={(v) => setKind(v as 'credit' | 'charge')}
          data={[
            { label: 'Credit', value: 'credit' },
            { label: 'Charge', value: 'charge' },
          ]}
        />
        <TextInput
          label="Amount"
          inputMode="decimal"
          value={amount}
          onChange={(e) => setAmount(e.currentTarget.value)}
          error={amount && minor === null ? 'Enter an amount like 12.50' : fields.amount}
        />
        <TextInput
          label="Reason"
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
          error={fields.reason}
        />
        {adjust.isError && Object.keys(fields).length === 0 && (
          <ErrorAlert error={adjust.error} title="Not adjusted" />
        )}
        <Button
          type="submit"
          variant="default"
          w="fit-content"
          loading={adjust.isPending}
          disabled={!reason.trim() || minor === null || minor <= 0}
        >
          Adjust
        </Button>
      </Stack>
    </form>
  );
}

function VoidInvoice({
  invoiceId,
  onDone,
}: {
  invoiceId: string;
  onDone: (next: unknown) => void;
}) {
  const [reason, setReason] = useState('');
  const voiding = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/invoices/{id}/void', {
          params: { path: { id: invoiceId } },
          body: { reason: reason.trim() },
        }),
      ),
    onSuccess: (next) => {
      setReason('');
      onDone(next);
    },
  });
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        voiding.mutate();
      }}
      noValidate
    >
      <Stack gap="xs">
        <Title order={3} size="h4">
          Void the invoice
        </Title>
        <TextInput
          label="Reason for voiding"
          maxLength={500}
          value={reason}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        {voiding.isError && <ErrorAlert error={voiding.error} title="Not voided" />}
        {voiding.data && (
          <Notice title="Voided" color="gray" role="status">
            The invoice is void.
          </Notice>
        )}
        <Button
          type="submit"
          color="red"
          w="fit-content"
          loading={voiding.isPending}
          disabled={!reason.trim()}
        >
          Void
        </Button>
      </Stack>
    </form>
  );
}
