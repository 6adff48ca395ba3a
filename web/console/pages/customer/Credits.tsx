/**
 * The profile's credits tab (H1–H3): credit memos and unapplied payments with what remains of
 * each, newest first and a page at a time, the total and count of all of them in the header (as
 * the API sums them), the view and the page in the URL (`?credits=memo|unapplied`,
 * `?credits_cursor=`). A member whose role may write issues a credit memo (amount, reason,
 * optionally applied to one open invoice at once) and applies what remains of a credit to open
 * invoices, an amount per invoice; the API checks the amounts and says what is wrong.
 */
import {
  Button,
  Group,
  Modal,
  NativeSelect,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Textarea,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import type { paths } from '../../../../generated/api';
import { api, unwrap } from '../../../shared/api';
import { Money, Notice } from '../../../shared/display';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { formatBusinessDate, formatMoney, parseAmountInput } from '../../../shared/format';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { customerRoute } from '../../router';
import { can, useMe } from '../../session';
import { type PayOptions, profileKey } from './types';

type Credits =
  paths['/api/v1/customers/{id}/credits']['get']['responses'][200]['content']['application/json'];
type Credit = Credits['data'][number];
type Adjusted = { id: string; old_amount: number; new_amount: number | null }[];

const VIEWS = [
  { label: 'All', value: 'all' },
  { label: 'Credit memos', value: 'memo' },
  { label: 'Unapplied payments', value: 'unapplied' },
] as const;

export function CustomerCredits({ customerId }: { customerId: string }) {
  const me = useMe();
  const canWrite = can(me, 'billing:write');
  const search = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  const type = search.credits ?? 'all';
  const cursor = search.credits_cursor;
  const phone = useModalSize();
  const [issuing, setIssuing] = useState(false);
  const [applying, setApplying] = useState<Credit | null>(null);
  const [adjusted, setAdjusted] = useState<Adjusted>([]);
  const credits = useQuery({
    queryKey: [...profileKey(customerId), 'credits', type, cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/credits', {
          params: { path: { id: customerId }, query: { type, cursor } },
        }),
      ),
  });
  const options = useQuery({
    queryKey: [...profileKey(customerId), 'pay-options'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/pay-options', {
          params: { path: { id: customerId } },
        }),
      ),
    enabled: canWrite,
  });

  return (
    <Stack gap="sm" component="section" aria-labelledby="credits-title">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Title order={2} size="h3" id="credits-title">
          Credits
        </Title>
        {canWrite && (
          <Button size="xs" onClick={() => setIssuing(true)}>
            Issue a credit memo
          </Button>
        )}
      </Group>
      <Stack gap={4}>
        <Text size="sm" fw={500} id="credit-view-label">
          Show
        </Text>
        <SegmentedControl
          aria-labelledby="credit-view-label"
          w="fit-content"
          orientation={phone ? 'vertical' : 'horizontal'}
          value={type}
          onChange={(v) =>
            void navigate({
              search: (s) => ({
                ...s,
                credits: v === 'all' ? undefined : (v as 'memo' | 'unapplied'),
                credits_cursor: undefined,
              }),
            })
          }
          data={VIEWS.map((v) => ({ ...v }))}
        />
      </Stack>
      {adjusted.length > 0 && <AdjustedNotice adjusted={adjusted} />}
      {credits.isPending ? (
        <Loading label="Loading credits…" />
      ) : credits.isError ? (
        <ErrorAlert error={credits.error} onRetry={() => void credits.refetch()} />
      ) : (
        <>
          <Text fw={600} role="status">
            {credits.data.count} {credits.data.count === 1 ? 'credit' : 'credits'},{' '}
            <Money minor={credits.data.total} currency={credits.data.currency} /> available
          </Text>
          {credits.data.data.length === 0 ? (
            <Empty title="No credits">
              Credit memos with something left, and payments not yet applied, appear here.
            </Empty>
          ) : (
            <Table.ScrollContainer
              minWidth={620}
              type="native"
              tabIndex={0}
              role="region"
              aria-label="Credits table"
            >
              <Table striped>
                <Table.Caption>
                  <VisuallyHidden>Credits with what remains of each</VisuallyHidden>
                </Table.Caption>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Credit</Table.Th>
                    <Table.Th scope="col">Kind</Table.Th>
                    <Table.Th scope="col">Date</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Amount
                    </Table.Th>
                    <Table.Th scope="col" ta="right">
                      Remaining
                    </Table.Th>
                    {canWrite && (
                      <Table.Th scope="col" pos="relative">
                        <VisuallyHidden>Actions</VisuallyHidden>
                      </Table.Th>
                    )}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {credits.data.data.map((row) => (
                    <Table.Tr key={row.id}>
                      <Table.Td style={{ overflowWrap: 'anywhere' }}>
                        {row.reference ?? row.id}
                      </Table.Td>
                      <Table.Td>
                        {row.type === 'memo' ? 'Credit memo' : 'Unapplied payment'}
                      </Table.Td>
                      <Table.Td style={{ whiteSpace: 'nowrap' }}>
                        {formatBusinessDate(row.date)}
                      </Table.Td>
                      <Table.Td ta="right">
                        <Money minor={row.amount} currency={credits.data.currency} />
                      </Table.Td>
                      <Table.Td ta="right">
                        <Money minor={row.remaining} currency={credits.data.currency} />
                      </Table.Td>
                      {canWrite && (
                        <Table.Td>
                          {row.remaining > 0 && (
                            <Button
                              size="xs"
                              variant="default"
                              onClick={() => setApplying(row)}
                              aria-label={`Apply the credit ${row.reference ?? row.id}`}
                            >
                              Apply
                            </Button>
                          )}
                        </Table.Td>
                      )}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          )}
          <Pager
            onFirst={
              cursor
                ? () => void navigate({ search: (s) => ({ ...s, credits_cursor: undefined }) })
                : undefined
            }
            onNext={
              credits.data.next_cursor
                ? () =>
                    void navigate({
                      search: (s) => ({
                        ...s,
                        credits_cursor: credits.data.next_cursor ?? undefined,
                      }),
                    })
                : undefined
            }
          />
        </>
      )}
      {canWrite && (
        <>
          <IssueMemo
            customerId={customerId}
            opened={issuing}
            invoices={options.data?.invoices ?? []}
            onClose={() => setIssuing(false)}
            onDone={setAdjusted}
          />
          <ApplyCredit
            customerId={customerId}
            credit={applying}
            invoices={options.data?.invoices ?? []}
            onClose={() => setApplying(null)}
            onDone={setAdjusted}
          />
        </>
      )}
    </Stack>
  );
}

function AdjustedNotice({ adjusted }: { adjusted: Adjusted }) {
  return (
    <Notice color="blue" title="A planned payment was changed" role="status">
      <Stack gap={4}>
        {adjusted.map((a) => (
          <Text size="sm" key={a.id}>
            {a.new_amount === null ? (
              <>
                A scheduled payment of <Money minor={a.old_amount} /> was cancelled: the credit
                covers what it was to pay.
              </>
            ) : (
              <>
                A scheduled payment of <Money minor={a.old_amount} /> was lowered to{' '}
                <Money minor={a.new_amount} />: the credit covers the rest.
              </>
            )}
          </Text>
        ))}
      </Stack>
    </Notice>
  );
}

function useModalSize() {
  return Boolean(useMediaQuery('(max-width: 36em)'));
}

function IssueMemo({
  customerId,
  opened,
  invoices,
  onClose,
  onDone,
}: {
  customerId: string;
  opened: boolean;
  invoices: PayOptions['invoices'];
  onClose: () => void;
  onDone: (adjusted: Adjusted) => void;
}) {
  const phone = useModalSize();
  const queryClient = useQueryClient();
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [invoice, setInvoice] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const issue = useMutation({
    mutationFn: async (cents: number) =>
      unwrap(
        await api.POST('/api/v1/credit-memos', {
          body: {
            customer_id: customerId,
            amount: cents,
            reason: reason.trim(),
            ...(invoice && { invoice_id: invoice }),
          },
        }),
      ),
    onSuccess: async (memo) => {
      onDone(memo.adjusted_scheduled);
      close();
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
    },
    onError: (err) => setErrors(fieldErrors(err)),
  });
  function close() {
    setAmount('');
    setReason('');
    setInvoice('');
    setErrors({});
    issue.reset();
    onClose();
  }
  function submit(e: React.FormEvent) {
    e.preventDefault();
    const found: Record<string, string> = {};
    const cents = parseAmountInput(amount);
    if (cents === null || cents <= 0)
      found.amount = 'Enter an amount greater than zero, like 25.00';
    if (!reason.trim()) found.reason = 'Say why the customer is credited';
    setErrors(found);
    if (Object.keys(found).length === 0 && cents !== null) issue.mutate(cents);
  }
  return (
    <Modal
      opened={opened}
      onClose={close}
      title="Issue a credit memo"
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <TextInput
            label="Amount, in dollars"
            required
            inputMode="decimal"
            value={amount}
            onChange={(e) => setAmount(e.currentTarget.value)}
            error={errors.amount}
          />
          <Textarea
            label="Reason"
            required
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason}
          />
          <NativeSelect
            label="Apply now to"
            description="Optional: the credit is applied to this invoice at once, up to what is open on it"
            value={invoice}
            onChange={(e) => setInvoice(e.currentTarget.value)}
            data={[
              { value: '', label: 'Keep it as a credit' },
              ...invoices.map((i) => ({
                value: i.id,
                label: `${i.number ?? i.id} — ${formatMoney(i.available, 'USD')} open`,
              })),
            ]}
            error={errors.invoice_id}
          />
          {issue.isError && Object.keys(fieldErrors(issue.error)).length === 0 && (
            <ErrorAlert error={issue.error} title="The credit memo was not issued" />
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button type="submit" loading={issue.isPending}>
              Issue credit memo
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function ApplyCredit({
  customerId,
  credit,
  invoices,
  onClose,
  onDone,
}: {
  customerId: string;
  credit: Credit | null;
  invoices: PayOptions['invoices'];
  onClose: () => void;
  onDone: (adjusted: Adjusted) => void;
}) {
  const phone = useModalSize();
  const queryClient = useQueryClient();
  const [amounts, setAmounts] = useState<Record<string, string>>({});
  const [problem, setProblem] = useState<string | null>(null);
  const apply = useMutation({
    mutationFn: async (allocations: { invoice_id: string; amount: number }[]) => {
      if (!credit) throw new Error('no credit');
      if (credit.type === 'memo') {
        const memo = unwrap(
          await api.POST('/api/v1/credit-memos/{id}/apply', {
            params: { path: { id: credit.id } },
            body: { allocations },
          }),
        );
        return memo.adjusted_scheduled as Adjusted;
      }
      const payment = unwrap(
        await api.POST('/api/v1/payments/{id}/apply', {
          params: { path: { id: credit.id } },
          body: { allocations },
        }),
      ) as { adjusted_scheduled?: Adjusted };
      return payment.adjusted_scheduled ?? [];
    },
    onSuccess: async (adjusted) => {
      onDone(adjusted);
      close();
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
    },
  });
  function close() {
    setAmounts({});
    setProblem(null);
    apply.reset();
    onClose();
  }
  function submit(e: React.FormEvent) {
    e.preventDefault();
    const allocations: { invoice_id: string; amount: number }[] = [];
    for (const inv of invoices) {
      const text = amounts[inv.id]?.trim();
      if (!text) continue;
      const cents = parseAmountInput(text);
      if (cents === null || cents <= 0) {
        setProblem(`The amount for invoice ${inv.number ?? inv.id} is not an amount, like 25.00.`);
        return;
      }
      allocations.push({ invoice_id: inv.id, amount: cents });
    }
    if (allocations.length === 0) {
      setProblem('Enter an amount for at least one invoice.');
      return;
    }
    setProblem(null);
    apply.mutate(allocations);
  }
  const name = credit ? (credit.reference ?? credit.id) : '';
  return (
    <Modal
      opened={credit !== null}
      onClose={close}
      title="Apply a credit"
      size="lg"
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {credit && (
        <form onSubmit={submit} noValidate>
          <Stack gap="sm">
            <Text size="sm">
              {credit.type === 'memo' ? 'Credit memo' : 'Unapplied payment'} “{name}”:{' '}
              <Money minor={credit.remaining} /> remaining. Enter what to apply to each open
              invoice; leave the others empty.
            </Text>
            {invoices.length === 0 ? (
              <Empty title="No open invoices">There is nothing open to apply the credit to.</Empty>
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Invoice</Table.Th>
                    <Table.Th scope="col" ta="right">
                      Open
                    </Table.Th>
                    <Table.Th scope="col">Apply</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {invoices.map((inv) => (
                    <Table.Tr key={inv.id}>
                      <Table.Td>{inv.number ?? inv.id}</Table.Td>
                      <Table.Td ta="right">
                        <Money minor={inv.available} />
                      </Table.Td>
                      <Table.Td>
                        <TextInput
                          size="xs"
                          inputMode="decimal"
                          aria-label={`Amount to apply to invoice ${inv.number ?? inv.id}, in dollars`}
                          value={amounts[inv.id] ?? ''}
                          onChange={(e) => {
                            const v = e.currentTarget.value;
                            setAmounts((a) => ({ ...a, [inv.id]: v }));
                          }}
                        />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {problem && (
              <Text size="sm" c="red.9" role="alert">
                {problem}
              </Text>
            )}
            {apply.isError && <ErrorAlert error={apply.error} title="The credit was not applied" />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={apply.isPending} disabled={invoices.length === 0}>
                Apply credit
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
