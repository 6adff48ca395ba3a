/**
 * Make a payment (E1, E2, E3, E5): choose open invoices (or all), an amount for each (the full
 * open balance unless changed), a saved method or a new card or bank account, and today or a
 * later date; then a review of what the API says will be charged (per invoice, the total, the
 * scheduled or autopay payment it lowers), then the payment and its receipt. The form is checked
 * with the API's own zod schema before anything is sent; a decline brings the form back, kept,
 * with the gateway's reason. Amounts come from the API; the page only formats them and reads
 * what the payer types.
 */
import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Group,
  Paper,
  Radio,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import type { paths } from '../../../generated/api';
import { PortalPayInput } from '../../../src/modules/portal/pay-schema';
import { ApiError, unwrap } from '../../shared/api';
import { Fact } from '../../shared/display';
import { ErrorAlert } from '../../shared/errors';
import {
  describeTimeZone,
  formatBusinessDate,
  formatInstant,
  formatMoney,
  minorToInput,
  parseAmountInput,
} from '../../shared/format';
import { Empty } from '../../shared/states';
import { portalApi } from '../api';
import { Notice, Read } from '../components/Reads';
import { Money } from '../components/status';
import { payRoute } from '../router';
import { usePortalMe } from '../session';
import { type NewMethodValue, NewPaymentMethod } from './PayNewMethod';

type Json<P extends keyof paths, M extends 'get' | 'post', S extends number> = paths[P][M] extends {
  responses: { [K in S]: { content: { 'application/json': infer T } } };
}
  ? T
  : never;
type PayOptions = Json<'/api/v1/portal/pay', 'get', 200>;
type Preview = Json<'/api/v1/portal/payments/preview', 'post', 200>;
type PayResult = Json<'/api/v1/portal/payments', 'post', 201>;
type Body = PortalPayInput;

const NEW = 'new';

interface FormState {
  selected: Record<string, boolean>;
  amounts: Record<string, string>;
  method: string | null;
  when: 'now' | 'later';
  payOn: string;
  newMethod: NewMethodValue | null;
}

function initialForm(o: PayOptions, only: string | undefined): FormState {
  const payable = o.invoices.filter((i) => i.available > 0);
  const preselect = only && payable.some((i) => i.id === only) ? [only] : payable.map((i) => i.id);
  return {
    selected: Object.fromEntries(preselect.map((id) => [id, true])),
    amounts: Object.fromEntries(payable.map((i) => [i.id, minorToInput(i.available)])),
    method: o.preselected_method_id ?? (o.methods.length === 0 ? NEW : null),
    when: 'now',
    payOn: '',
    newMethod: null,
  };
}

/** The request the form stands for (amounts read from the typed text; unreadable ones NaN). */
function bodyOf(o: PayOptions, f: FormState): { body: unknown; order: string[] } {
  const order = o.invoices.filter((i) => f.selected[i.id]).map((i) => i.id);
  const body = {
    allocations: order.map((id) => ({
      invoice_id: id,
      amount: parseAmountInput(f.amounts[id] ?? '') ?? Number.NaN,
    })),
    ...(f.method === NEW
      ? {
          new_method: {
            gateway_token: f.newMethod?.gateway_token ?? '',
            authorized: f.newMethod?.authorized ?? false,
            save: f.newMethod?.save ?? false,
          },
        }
      : f.method
        ? { payment_method_id: f.method }
        : {}),
    ...(f.when === 'later' && { pay_on: f.payOn }),
  };
  return { body, order };
}

/** Field messages keyed by form field: amount:<invoice id>, invoices, method, pay_on, new. */
type Errors = Record<string, string>;

function fieldOf(path: string, order: string[]): string {
  const m = /^allocations\.(\d+)\.amount$/.exec(path);
  if (m) return `amount:${order[Number(m[1])] ?? ''}`;
  if (path.startsWith('allocations')) return 'invoices';
  if (path.startsWith('new_method')) return 'new';
  if (path.startsWith('payment_method_id')) return 'method';
  if (path.startsWith('pay_on')) return 'pay_on';
  return 'form';
}

function errorsOfApi(err: unknown, order: string[]): Errors | null {
  if (!(err instanceof ApiError)) return null;
  if (err.code === 'validation_failed') {
    const issues = (err.details?.issues ?? []) as { path?: string; message?: string }[];
    return Object.fromEntries(
      issues.map((i) => [fieldOf(i.path ?? '', order), i.message ?? 'Not valid']),
    );
  }
  const field = typeof err.details?.field === 'string' ? err.details.field : null;
  if (field) return { [fieldOf(field, order)]: err.message };
  if (
    ['payment_method_not_found', 'payment_method_unverified', 'card_expired'].includes(err.code)
  ) {
    return { method: err.message };
  }
  return null;
}

export function PayPage() {
  const me = usePortalMe();
  const search = payRoute.useSearch();
  const options = useQuery({
    queryKey: ['portal', me.customer.id, 'pay-options'],
    queryFn: async () => unwrap(await portalApi.GET('/api/v1/portal/pay')),
  });
  return (
    <Stack gap="md" maw={880}>
      <div>
        <Title order={1}>Make a payment</Title>
        <Text size="sm">
          {me.customer.name} · Dates are in {describeTimeZone(me.tenant.time_zone)}.
        </Text>
      </div>
      <Read query={options} label="what you can pay">
        {(o) =>
          o.invoices.length === 0 ? (
            <Empty title="Nothing to pay">
              You have no open invoices. Thank you!{' '}
              <Anchor renderRoot={(p) => <Link {...p} to="/" />}>Back to the dashboard</Anchor>
            </Empty>
          ) : (
            <PayFlow options={o} only={search.invoice} />
          )
        }
      </Read>
    </Stack>
  );
}

function PayFlow({ options, only }: { options: PayOptions; only: string | undefined }) {
  const me = usePortalMe();
  const queryClient = useQueryClient();
  const [form, setForm] = useState<FormState>(() => initialForm(options, only));
  const [errors, setErrors] = useState<Errors>({});
  const [step, setStep] = useState<'form' | 'review' | 'done'>('form');
  const [body, setBody] = useState<Body | null>(null);
  const [declined, setDeclined] = useState<ApiError | null>(null);
  const attempt = useRef<string | null>(null);
  const sending = useRef(false);
  const heading = useRef<HTMLHeadingElement>(null);

  // Each step starts at its heading, so a keyboard or screen-reader user lands on what changed
  // (not on the first load: the page's own heading comes first then).
  const moved = useRef(false);
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs when the step or decline changes
  useEffect(() => {
    if (moved.current) heading.current?.focus();
    moved.current = true;
  }, [step, declined]);

  const preview = useMutation({
    mutationFn: async (b: Body) =>
      unwrap(await portalApi.POST('/api/v1/portal/payments/preview', { body: b })),
  });
  const pay = useMutation({
    mutationFn: async (b: Body) =>
      unwrap(
        await portalApi.POST('/api/v1/portal/payments', {
          body: b,
          params: { header: { 'Idempotency-Key': attempt.current ?? crypto.randomUUID() } },
        } as never),
      ) as PayResult,
    onSuccess: async () => {
      setStep('done');
      await queryClient.invalidateQueries({ queryKey: ['portal', me.customer.id] });
    },
    onError: (err) => {
      // A new attempt gets a new key; the form comes back as it was.
      attempt.current = null;
      if (err instanceof ApiError && err.code === 'payment_declined') {
        setDeclined(err);
        // A card entered now was used up by the attempt: it must be entered again.
        if (form.method === NEW) setForm((f) => ({ ...f, newMethod: null }));
        setStep('form');
      }
    },
  });

  const review = async () => {
    setDeclined(null);
    const { body: raw, order } = bodyOf(options, form);
    const parsed = PortalPayInput.safeParse(raw);
    if (!parsed.success) {
      setErrors(
        Object.fromEntries(
          parsed.error.issues
            .slice()
            .reverse()
            .map((i) => [fieldOf(i.path.join('.'), order), i.message]),
        ),
      );
      return;
    }
    setErrors({});
    try {
      await preview.mutateAsync(parsed.data);
      setBody(parsed.data);
      attempt.current = crypto.randomUUID();
      pay.reset();
      setStep('review');
    } catch (err) {
      const fields = errorsOfApi(err, order);
      if (fields) setErrors(fields);
    }
  };

  if (step === 'done' && pay.data) {
    return <Receipt result={pay.data} headingRef={heading} />;
  }
  if (step === 'review' && preview.data && body) {
    return (
      <Review
        preview={preview.data}
        newMethod={form.method === NEW ? form.newMethod : null}
        headingRef={heading}
        paying={pay.isPending}
        error={
          pay.isError && !(pay.error instanceof ApiError && pay.error.code === 'payment_declined')
            ? pay.error
            : null
        }
        onBack={() => setStep('form')}
        onConfirm={() => {
          // A second click before the answer sends nothing (and would carry the same key).
          if (sending.current) return;
          sending.current = true;
          pay.mutate(body, {
            onSettled: () => {
              sending.current = false;
            },
          });
        }}
      />
    );
  }
  return (
    <PayForm
      options={options}
      form={form}
      setForm={setForm}
      errors={errors}
      clearError={(field) =>
        setErrors((e) => {
          if (!(field in e)) return e;
          const { [field]: _gone, ...rest } = e;
          return rest;
        })
      }
      declined={declined}
      headingRef={heading}
      checking={preview.isPending}
      otherError={
        preview.isError && !errorsOfApi(preview.error, bodyOf(options, form).order)
          ? preview.error
          : null
      }
      onReview={() => void review()}
    />
  );
}

function PayForm({
  options: o,
  form,
  setForm,
  errors,
  clearError,
  declined,
  headingRef,
  checking,
  otherError,
  onReview,
}: {
  options: PayOptions;
  form: FormState;
  setForm: (f: (prev: FormState) => FormState) => void;
  errors: Errors;
  clearError: (field: string) => void;
  declined: ApiError | null;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  checking: boolean;
  otherError: unknown;
  onReview: () => void;
}) {
  const payable = o.invoices.filter((i) => i.available > 0);
  const chosen = payable.filter((i) => form.selected[i.id]).length;
  const all = chosen === payable.length && payable.length > 0;
  const toggleAll = () =>
    setForm((f) => ({
      ...f,
      selected: Object.fromEntries(payable.map((i) => [i.id, !all])),
    }));
  return (
    // Not one <form>: the new card or bank account is its own form (NewMethodForm), and forms
    // do not nest. "Review payment" checks everything with the API's schema.
    <Stack gap="lg">
      <Title order={2} size="h3" ref={headingRef} tabIndex={-1}>
        1. What to pay
      </Title>
      {declined && (
        <Alert color="red" variant="light" title="Your payment was declined" role="alert">
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              {declined.message}
            </Text>
            <Text size="sm">
              Nothing was charged. Check the details, or choose another card or bank account, and
              try again.
            </Text>
          </Stack>
        </Alert>
      )}
      <Stack gap="xs">
        {errors.invoices && (
          <Text size="sm" c="red.9" role="alert">
            {errors.invoices}
          </Text>
        )}
        {o.unlisted_count > 0 && (
          <Text size="sm">
            One payment pays up to {o.invoices.length} invoices, so the oldest are listed here. Pay
            these first; the other {o.unlisted_count}{' '}
            {o.unlisted_count === 1 ? 'invoice appears' : 'invoices appear'} here after that.
          </Text>
        )}
        <Table.ScrollContainer minWidth={320} type="native">
          <Table verticalSpacing="sm">
            <Table.Caption>
              <VisuallyHidden>Open invoices, oldest first</VisuallyHidden>
            </Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col" w={40}>
                  <Checkbox
                    aria-label="Select all invoices"
                    checked={all}
                    indeterminate={chosen > 0 && !all}
                    onChange={toggleAll}
                    disabled={payable.length === 0}
                  />
                </Table.Th>
                <Table.Th scope="col">Invoice</Table.Th>
                <Table.Th scope="col" ta="right" visibleFrom="sm">
                  Open balance
                </Table.Th>
                <Table.Th scope="col" ta="right">
                  Amount to pay
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {o.invoices.map((inv) => {
                const name = inv.number ?? inv.id;
                const can = inv.available > 0;
                const checked = can && Boolean(form.selected[inv.id]);
                const err = errors[`amount:${inv.id}`];
                return (
                  <Table.Tr key={inv.id}>
                    <Table.Td>
                      <Checkbox
                        aria-label={`Pay invoice ${name}`}
                        checked={checked}
                        disabled={!can}
                        onChange={(e) => {
                          const on = e.currentTarget.checked;
                          setForm((f) => ({ ...f, selected: { ...f.selected, [inv.id]: on } }));
                          clearError('invoices');
                        }}
                      />
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" fw={600} style={{ whiteSpace: 'nowrap' }}>
                        {name}
                      </Text>
                      <Text size="xs">
                        {inv.due_date ? `Due ${formatBusinessDate(inv.due_date)}` : 'No due date'}
                      </Text>
                      {/* On a phone the balance moves under the invoice, where it has room. */}
                      <Text size="xs" hiddenFrom="sm">
                        Open balance <Money minor={inv.balance} currency={o.currency} />
                      </Text>
                      {inv.pending > 0 && (
                        <Text size="xs" c="dark.9" fw={600}>
                          A bank payment of <Money minor={inv.pending} currency={o.currency} /> is
                          on its way for this invoice.
                          {can ? '' : ' You do not need to pay it again.'}
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td ta="right" visibleFrom="sm">
                      <Money minor={inv.balance} currency={o.currency} />
                    </Table.Td>
                    <Table.Td ta="right">
                      {can ? (
                        <TextInput
                          aria-label={`Amount to pay on invoice ${name}, in dollars`}
                          inputMode="decimal"
                          leftSection="$"
                          w={120}
                          ml="auto"
                          disabled={!checked}
                          value={form.amounts[inv.id] ?? ''}
                          error={checked ? err : undefined}
                          onChange={(e) => {
                            const v = e.currentTarget.value;
                            setForm((f) => ({ ...f, amounts: { ...f.amounts, [inv.id]: v } }));
                            clearError(`amount:${inv.id}`);
                          }}
                        />
                      ) : (
                        <Text size="sm">Being paid</Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        <Text size="sm">
          Open now: <Money minor={o.total_available} currency={o.currency} /> in {o.payable_count}{' '}
          {o.payable_count === 1 ? 'invoice' : 'invoices'}. The amount of each invoice is its full
          open balance; change it to pay part.
        </Text>
      </Stack>

      <Radio.Group
        label={
          <Title order={2} size="h3">
            2. How to pay
          </Title>
        }
        value={form.method ?? ''}
        onChange={(v) => {
          setForm((f) => ({ ...f, method: v }));
          clearError('method');
        }}
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
                m.id === o.last_used_method_id && 'used last',
                m.is_default && 'default',
                m.inherited && 'shared by your parent account',
              ]
                .filter(Boolean)
                .join(' · ')}
            />
          ))}
          <Radio value={NEW} label="A new card or bank account" />
        </Stack>
      </Radio.Group>
      {form.method === NEW && (
        <NewPaymentMethod
          value={form.newMethod}
          onChange={(v) => {
            setForm((f) => ({ ...f, newMethod: v }));
            clearError('new');
          }}
          error={errors.new}
          gateway={o.new_method.gateway}
          kinds={o.new_method.kinds}
        />
      )}

      <Radio.Group
        label={
          <Title order={2} size="h3">
            3. When
          </Title>
        }
        value={form.when}
        onChange={(v) => setForm((f) => ({ ...f, when: v as 'now' | 'later' }))}
      >
        <Stack gap="xs" mt="xs">
          <Radio value="now" label={`Now (${formatBusinessDate(o.today)})`} />
          <Radio value="later" label="On a later date" />
        </Stack>
      </Radio.Group>
      {form.when === 'later' && (
        <TextInput
          type="date"
          label="Payment date"
          description="We charge the payment on this date."
          min={o.today}
          w={220}
          value={form.payOn}
          error={errors.pay_on}
          onChange={(e) => {
            const v = e.currentTarget.value;
            setForm((f) => ({ ...f, payOn: v }));
            clearError('pay_on');
          }}
        />
      )}
      {errors.form && (
        <Text size="sm" c="red.9" role="alert">
          {errors.form}
        </Text>
      )}
      {otherError ? <ErrorAlert error={otherError} title="Could not check the payment" /> : null}
      <Group>
        <Button onClick={onReview} loading={checking}>
          Review payment
        </Button>
        <Button variant="default" renderRoot={(p) => <Link {...p} to="/" />}>
          Cancel
        </Button>
      </Group>
    </Stack>
  );
}

function Review({
  preview: p,
  newMethod,
  headingRef,
  paying,
  error,
  onBack,
  onConfirm,
}: {
  preview: Preview;
  newMethod: NewMethodValue | null;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
  paying: boolean;
  error: unknown;
  onBack: () => void;
  onConfirm: () => void;
}) {
  const c = p.currency;
  const methodName = p.method?.label ?? newMethod?.label ?? 'A new card or bank account';
  return (
    <Stack gap="md">
      <Title order={2} ref={headingRef} tabIndex={-1}>
        Review your payment
      </Title>
      <Table.ScrollContainer minWidth={320} type="native">
        <Table verticalSpacing="sm">
          <Table.Caption>
            <VisuallyHidden>What will be paid on each invoice</VisuallyHidden>
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Invoice</Table.Th>
              <Table.Th scope="col" ta="right">
                Open balance
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Paying
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Left to pay
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.lines.map((l) => (
              <Table.Tr key={l.invoice_id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{l.number ?? l.invoice_id}</Table.Td>
                <Table.Td ta="right">
                  <Money minor={l.balance} currency={c} />
                </Table.Td>
                <Table.Td ta="right">
                  <Money minor={l.amount} currency={c} />
                </Table.Td>
                <Table.Td ta="right">
                  <Money minor={l.remaining} currency={c} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr>
              <Table.Th scope="row">Total</Table.Th>
              <Table.Td />
              <Table.Td ta="right" fw={700}>
                <Money minor={p.total} currency={c} />
              </Table.Td>
              <Table.Td />
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>
      <Paper withBorder p="md" radius="md">
        <Stack gap={6}>
          <Fact label="Pay with">
            {methodName}
            {p.new_method?.save ? ' (saved for later)' : ''}
          </Fact>
          <Fact label="When">
            {p.pay_on
              ? `On ${formatBusinessDate(p.pay_on)}`
              : `Now (${formatBusinessDate(p.today)})`}
          </Fact>
          <Fact label="Total">
            <Money minor={p.total} currency={c} />
          </Fact>
        </Stack>
      </Paper>
      {p.reduces.length > 0 && (
        <Notice color="blue" title="This lowers a payment you already have planned" role="status">
          <Stack gap={4}>
            {p.reduces.map((r) => {
              const what = r.source === 'autopay' ? 'autopay payment' : 'scheduled payment';
              const on = r.scheduled_for ? ` on ${formatBusinessDate(r.scheduled_for)}` : '';
              return (
                <Text size="sm" key={r.id}>
                  {r.new_amount === null ? (
                    <>
                      Your {what} of <Money minor={r.old_amount} currency={c} />
                      {on} will be cancelled: this payment covers what it was to pay.
                    </>
                  ) : (
                    <>
                      Your {what} of <Money minor={r.old_amount} currency={c} />
                      {on} will be lowered to <Money minor={r.new_amount} currency={c} />.
                    </>
                  )}
                </Text>
              );
            })}
          </Stack>
        </Notice>
      )}
      {error ? <ErrorAlert error={error} title="The payment was not made" /> : null}
      <Group>
        <Button onClick={onConfirm} loading={paying}>
          {`${p.pay_on ? 'Schedule payment of' : 'Pay'} ${formatMoney(p.total, c)}`}
        </Button>
        <Button variant="default" onClick={onBack} disabled={paying}>
          Change
        </Button>
      </Group>
    </Stack>
  );
}

function Receipt({
  result: r,
  headingRef,
}: {
  result: PayResult;
  headingRef: React.RefObject<HTMLHeadingElement | null>;
}) {
  const me = usePortalMe();
  const pay = r.payment;
  const title =
    pay.status === 'scheduled'
      ? 'Payment scheduled'
      : pay.status === 'pending'
        ? 'Payment submitted'
        : 'Payment received';
  return (
    <Stack gap="md">
      <Title order={2} ref={headingRef} tabIndex={-1}>
        {title}
      </Title>
      <Notice color="blue" title="Thank you" role="status">
        <Text size="sm">
          {pay.status === 'scheduled' && pay.scheduled_for
            ? `We will charge ${pay.method_label} on ${formatBusinessDate(pay.scheduled_for)}.`
            : pay.status === 'pending'
              ? `Your bank payment is on its way${
                  pay.expected_settlement_date
                    ? `; it should settle by ${formatBusinessDate(pay.expected_settlement_date)}`
                    : ''
                }. Do not pay these invoices again.`
              : `Your payment was charged to ${pay.method_label}.`}
        </Text>
        {r.receipt_emailed_to.length > 0 && (
          <Text size="sm" mt={4}>
            A receipt was emailed to {r.receipt_emailed_to.join(', ')}.
          </Text>
        )}
      </Notice>
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="receipt-title">
        <Stack gap="sm">
          <Title order={3} id="receipt-title">
            Receipt
          </Title>
          <Stack gap={6}>
            <Fact label="Payment">{pay.id}</Fact>
            <Fact label="Date">{formatInstant(pay.created_at, me.tenant.time_zone)}</Fact>
            <Fact label="Method">{pay.method_label}</Fact>
            {r.saved_method_id && <Fact label="Saved">This method is saved for later.</Fact>}
          </Stack>
          <Table>
            <Table.Caption>
              <VisuallyHidden>What was paid on each invoice</VisuallyHidden>
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
              {r.invoices.map((i) => (
                <Table.Tr key={i.invoice_id}>
                  <Table.Td>
                    <Anchor
                      renderRoot={(p) => (
                        <Link
                          {...p}
                          to="/invoices/$invoiceId"
                          params={{ invoiceId: i.invoice_id }}
                        />
                      )}
                    >
                      {i.number ?? i.invoice_id}
                    </Anchor>
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={i.amount} currency={pay.currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
            <Table.Tfoot>
              <Table.Tr>
                <Table.Th scope="row">Total</Table.Th>
                <Table.Td ta="right" fw={700}>
                  <Money minor={pay.amount} currency={pay.currency} />
                </Table.Td>
              </Table.Tr>
            </Table.Tfoot>
          </Table>
          {r.reduced_scheduled.map((x) => (
            <Text size="sm" key={x.id}>
              Your planned payment of <Money minor={x.old_amount} currency={pay.currency} />{' '}
              {x.new_amount === null ? (
                'was cancelled: this payment covers it.'
              ) : (
                <>
                  was lowered to <Money minor={x.new_amount} currency={pay.currency} />.
                </>
              )}
            </Text>
          ))}
        </Stack>
      </Paper>
      <Group>
        <Button renderRoot={(p) => <Link {...p} to="/" />}>Back to the dashboard</Button>
        <Button variant="default" renderRoot={(p) => <Link {...p} to="/payments" search={{}} />}>
          Your payments
        </Button>
      </Group>
    </Stack>
  );
}
