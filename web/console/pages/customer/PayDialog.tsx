/**
 * "Pay selected" on the customer's behalf (E1–E3): an amount per invoice (its full open amount
 * unless changed), one of the customer's usable methods, today or a later date → review →
 * confirm → the confirmation and receipt, with the scheduled or autopay payments the payment
 * lowered or cancelled (E3). The server adds the amounts up (allocations without an amount);
 * the dialog only reads what is typed and formats what the API answers.
 */
import {
  Button,
  Group,
  Modal,
  Paper,
  Radio,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Fact, Money, Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, minorToInput, parseAmountInput } from '../../../shared/format';
import { type Payment, type PaymentResult, type PayOptions, profileKey } from './types';

interface Line {
  id: string;
  name: string;
  available: number;
  amount: number;
}

export function PayDialog({
  options: o,
  invoiceIds,
  scheduled,
  onClose,
}: {
  options: PayOptions;
  /** The invoices to pay; the dialog is open while it is not null. */
  invoiceIds: string[] | null;
  /** The customer's scheduled payments now, to name the ones a payment lowers. */
  scheduled: Payment[];
  onClose: () => void;
}) {
  const phone = useMediaQuery('(max-width: 36em)');
  const opened = invoiceIds !== null;
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Pay selected invoices"
      size="lg"
      fullScreen={Boolean(phone)}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {invoiceIds && (
        <PayFlow options={o} invoiceIds={invoiceIds} scheduled={scheduled} onClose={onClose} />
      )}
    </Modal>
  );
}

function PayFlow({
  options,
  invoiceIds,
  scheduled,
  onClose,
}: {
  options: PayOptions;
  invoiceIds: string[];
  scheduled: Payment[];
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  // The options as they were when the dialog opened: once paid, an invoice leaves the fresh list,
  // but the receipt still names it.
  const [o] = useState(options);
  const invoices = o.invoices.filter((i) => invoiceIds.includes(i.id) && i.available > 0);
  const [amounts, setAmounts] = useState<Record<string, string>>(() =>
    Object.fromEntries(invoices.map((i) => [i.id, minorToInput(i.available)])),
  );
  const [method, setMethod] = useState<string | null>(o.preselected_method_id);
  const [when, setWhen] = useState<'now' | 'later'>('now');
  const [payOn, setPayOn] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [step, setStep] = useState<'form' | 'review' | 'done'>('form');
  const [lines, setLines] = useState<Line[]>([]);
  const key = useRef<string>('');
  const methodLabel = o.methods.find((m) => m.id === method)?.label ?? '';
  const later = when === 'later' && payOn !== o.today;

  const pay = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/payments', {
          body: {
            customer_id: o.customer_id,
            payment_method_id: method ?? '',
            allocations: lines.map((l) => ({ invoice_id: l.id, amount: l.amount })),
            ...(later && { scheduled_for: payOn }),
          },
          params: { header: { 'Idempotency-Key': key.current } },
        } as never),
      ) as PaymentResult,
    onSuccess: async () => {
      setStep('done');
      await queryClient.invalidateQueries({ queryKey: profileKey(o.customer_id) });
    },
  });

  function review() {
    const found: Record<string, string> = {};
    const read: Line[] = [];
    for (const inv of invoices) {
      const name = inv.number ?? inv.id;
      const amount = parseAmountInput(amounts[inv.id] ?? '');
      if (amount === null || amount <= 0) {
        found[`amount:${inv.id}`] = 'Enter an amount such as 120.50';
      } else if (amount > inv.available) {
        found[`amount:${inv.id}`] = 'More than is open on this invoice';
      } else {
        read.push({ id: inv.id, name, available: inv.available, amount });
      }
    }
    if (!method) found.method = 'Choose a payment method';
    if (when === 'later' && !/^\d{4}-\d{2}-\d{2}$/.test(payOn)) found.pay_on = 'Choose a date';
    else if (when === 'later' && payOn < o.today) found.pay_on = 'Choose today or a later date';
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setLines(read);
    key.current = crypto.randomUUID();
    pay.reset();
    setStep('review');
  }

  if (invoices.length === 0) {
    return <Text size="sm">These invoices have nothing left to pay.</Text>;
  }

  if (step === 'done' && pay.data) {
    return <Receipt result={pay.data} options={o} scheduled={scheduled} onClose={onClose} />;
  }

  if (step === 'review') {
    return (
      <Stack gap="md">
        <Title order={2} size="h4">
          Review the payment
        </Title>
        <PreviewNotice
          customerId={o.customer_id}
          lines={lines}
          payOn={later ? payOn : null}
          currency={o.currency}
          previewKey={key.current}
        />
        <Table>
          <Table.Caption>
            <VisuallyHidden>What will be paid on each invoice</VisuallyHidden>
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Invoice</Table.Th>
              <Table.Th scope="col" ta="right">
                Paying
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {lines.map((l) => (
              <Table.Tr key={l.id}>
                <Table.Td>{l.name}</Table.Td>
                <Table.Td ta="right">
                  <Money minor={l.amount} currency={o.currency} />
                  {l.amount < l.available && (
                    <Text size="xs" span display="block">
                      part of <Money minor={l.available} currency={o.currency} />
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Paper withBorder p="sm" radius="md">
          <Stack gap={4}>
            <Fact label="Pay with">{methodLabel}</Fact>
            <Fact label="When">
              {later ? `On ${formatBusinessDate(payOn)}` : `Now (${formatBusinessDate(o.today)})`}
            </Fact>
          </Stack>
        </Paper>
        {pay.isError && <ErrorAlert error={pay.error} title="The payment was not made" />}
        <Group>
          <Button onClick={() => pay.mutate()} loading={pay.isPending}>
            {later ? 'Confirm and schedule' : 'Confirm and pay'}
          </Button>
          <Button variant="default" onClick={() => setStep('form')} disabled={pay.isPending}>
            Change
          </Button>
        </Group>
      </Stack>
    );
  }

  return (
    <Stack gap="md">
      <Table>
        <Table.Caption>
          <VisuallyHidden>Selected invoices and the amount to pay on each</VisuallyHidden>
        </Table.Caption>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">Invoice</Table.Th>
            <Table.Th scope="col" ta="right">
              Amount to pay
            </Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {invoices.map((inv) => {
            const name = inv.number ?? inv.id;
            return (
              <Table.Tr key={inv.id}>
                <Table.Td>
                  <Text size="sm" fw={600}>
                    {name}
                  </Text>
                  <Text size="xs">
                    Open <Money minor={inv.available} currency={o.currency} />
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <TextInput
                    aria-label={`Amount to pay on invoice ${name}, in dollars`}
                    inputMode="decimal"
                    leftSection="$"
                    w={140}
                    ml="auto"
                    value={amounts[inv.id] ?? ''}
                    error={errors[`amount:${inv.id}`]}
                    onChange={(e) => {
                      const v = e.currentTarget.value;
                      setAmounts((a) => ({ ...a, [inv.id]: v }));
                    }}
                  />
                </Table.Td>
              </Table.Tr>
            );
          })}
        </Table.Tbody>
      </Table>
      <Text size="xs">Each amount is the invoice’s full open balance; change it to pay part.</Text>
      {o.methods.length === 0 ? (
        <Notice color="yellow" title="No usable payment method" role="alert">
          <Text size="sm">
            This customer has no verified, unexpired card or bank account. Add one before paying.
          </Text>
        </Notice>
      ) : (
        <Radio.Group
          label="Payment method"
          value={method ?? ''}
          onChange={setMethod}
          error={errors.method}
        >
          <Stack gap="xs" mt="xs">
            {o.methods.map((m) => (
              <Radio
                key={m.id}
                value={m.id}
                label={m.label}
                description={[
                  m.expires && `Expires ${m.expires}`,
                  m.is_default && 'default',
                  m.inherited && 'shared by the parent account',
                ]
                  .filter(Boolean)
                  .join(' · ')}
              />
            ))}
          </Stack>
        </Radio.Group>
      )}
      <Radio.Group label="Date" value={when} onChange={(v) => setWhen(v as 'now' | 'later')}>
        <Stack gap="xs" mt="xs">
          <Radio value="now" label={`Today (${formatBusinessDate(o.today)})`} />
          <Radio value="later" label="A later date" />
        </Stack>
      </Radio.Group>
      {when === 'later' && (
        <TextInput
          type="date"
          label="Payment date"
          description="The payment is charged on this date (the tenant’s time zone)."
          min={o.today}
          w={220}
          value={payOn}
          error={errors.pay_on}
          onChange={(e) => setPayOn(e.currentTarget.value)}
        />
      )}
      <Group>
        <Button onClick={review} disabled={o.methods.length === 0}>
          Review payment
        </Button>
        <Button variant="default" onClick={onClose}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

/**
 * E3 before Confirm: asks the server (POST /payments/preview) which scheduled or autopay
 * payments this payment would lower or cancel, and says so in the review.
 */
function PreviewNotice({
  customerId,
  lines,
  payOn,
  currency,
  previewKey,
}: {
  customerId: string;
  lines: Line[];
  payOn: string | null;
  currency: string;
  /** Changes with each review, so a second review asks again. */
  previewKey: string;
}) {
  const preview = useQuery({
    queryKey: ['payment-preview', customerId, previewKey],
    staleTime: Number.POSITIVE_INFINITY,
    queryFn: async () =>
      unwrap(
        await api.POST('/api/v1/payments/preview', {
          body: {
            customer_id: customerId,
            allocations: lines.map((l) => ({ invoice_id: l.id, amount: l.amount })),
            ...(payOn && { scheduled_for: payOn }),
          },
        }),
      ),
  });
  if (preview.isPending) return <Text size="sm">Checking the planned payments…</Text>;
  if (preview.isError) {
    return <ErrorAlert error={preview.error} title="The payment could not be checked" />;
  }
  const reduces = preview.data.reduces;
  if (reduces.length === 0) return null;
  return (
    <Notice color="yellow" title="This payment changes a planned payment" role="status">
      <Stack gap={4}>
        {reduces.map((r) => {
          const what = r.source === 'autopay' ? 'autopay payment' : 'scheduled payment';
          const on = r.scheduled_for ? ` of ${formatBusinessDate(r.scheduled_for)}` : '';
          return (
            <Text size="sm" key={r.id}>
              {r.new_amount === null ? (
                <>
                  This payment cancels the {what}
                  {on} (<Money minor={r.old_amount} currency={currency} />
                  ): nothing would be left for it to pay.
                </>
              ) : (
                <>
                  This payment lowers the {what}
                  {on} from <Money minor={r.old_amount} currency={currency} /> to{' '}
                  <Money minor={r.new_amount} currency={currency} />.
                </>
              )}
            </Text>
          );
        })}
      </Stack>
    </Notice>
  );
}

/** The E3 sentences of the scheduled or autopay payments a payment lowered or cancelled. */
export function ReducedNotice({
  reduced,
  scheduled,
  currency,
}: {
  reduced: PaymentResult['adjusted_scheduled'];
  scheduled: Payment[];
  currency: string;
}) {
  if (reduced.length === 0) return null;
  return (
    <Notice color="blue" title="A planned payment was changed" role="status">
      <Stack gap={4}>
        {reduced.map((r) => {
          const s = scheduled.find((p) => p.id === r.id);
          const what = s?.source === 'autopay' ? 'autopay payment' : 'scheduled payment';
          const on = s?.scheduled_for ? ` on ${formatBusinessDate(s.scheduled_for)}` : '';
          return (
            <Text size="sm" key={r.id}>
              {r.new_amount === null ? (
                <>
                  The {what} of <Money minor={r.old_amount} currency={currency} />
                  {on} was cancelled: this payment covers what it was to pay.
                </>
              ) : (
                <>
                  The {what} of <Money minor={r.old_amount} currency={currency} />
                  {on} was lowered to <Money minor={r.new_amount} currency={currency} />, so the
                  invoices are not paid twice.
                </>
              )}
            </Text>
          );
        })}
      </Stack>
    </Notice>
  );
}

function Receipt({
  result: p,
  options: o,
  scheduled,
  onClose,
}: {
  result: PaymentResult;
  options: PayOptions;
  scheduled: Payment[];
  onClose: () => void;
}) {
  const name = (id: string) => o.invoices.find((i) => i.id === id)?.number ?? id;
  const method = o.methods.find((m) => m.id === p.payment_method_id)?.label ?? p.method_type;
  const rows = p.status === 'scheduled' ? (p.planned_allocations ?? []) : p.applications;
  const title =
    p.status === 'scheduled'
      ? 'Payment scheduled'
      : p.status === 'pending'
        ? 'Payment submitted'
        : p.status === 'failed'
          ? 'Payment declined'
          : 'Payment received';
  return (
    <Stack gap="md">
      <Title order={2} size="h4">
        {title}
      </Title>
      {p.status === 'failed' ? (
        <Notice color="yellow" title="Nothing was charged" role="alert">
          <Text size="sm">{p.failure_message ?? 'The gateway declined the payment.'}</Text>
        </Notice>
      ) : (
        <Text size="sm" role="status">
          {p.status === 'scheduled' && p.scheduled_for
            ? `${method} will be charged on ${formatBusinessDate(p.scheduled_for)}.`
            : p.status === 'pending'
              ? `The bank debit is on its way${p.expected_settlement_date ? `; it should settle by ${formatBusinessDate(p.expected_settlement_date)}` : ''}.`
              : `${method} was charged. The receipt is emailed to the contacts who receive receipts.`}
        </Text>
      )}
      <Paper withBorder p="sm" radius="md" component="section" aria-labelledby="receipt-title">
        <Stack gap="xs">
          <Title order={3} size="h5" id="receipt-title">
            Receipt
          </Title>
          <Fact label="Payment">{p.id}</Fact>
          <Fact label="Method">{method}</Fact>
          <Fact label="Amount">
            <Money minor={p.amount} currency={p.currency} />
          </Fact>
          <Table>
            <Table.Caption>
              <VisuallyHidden>What the payment pays on each invoice</VisuallyHidden>
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
              {rows.map((a) => (
                <Table.Tr key={a.invoice_id}>
                  <Table.Td>{name(a.invoice_id)}</Table.Td>
                  <Table.Td ta="right">
                    <Money minor={a.amount} currency={p.currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      </Paper>
      <ReducedNotice reduced={p.adjusted_scheduled} scheduled={scheduled} currency={p.currency} />
      <Group>
        <Button onClick={onClose}>Done</Button>
      </Group>
    </Stack>
  );
}
