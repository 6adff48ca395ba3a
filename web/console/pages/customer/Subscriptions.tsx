/**
 * The profile's subscriptions tab (B2, A7, C1): the customer's subscriptions; subscribe (price,
 * start date, quantity, anchor day) — a customer whose billing is not set up gets the steps to
 * take instead (billing_not_set_up); cancel now or at period end in a dialog that shows first
 * what the API's preview says follows (the end, the credit, what is still to bill); one-time charges (add, list, delete a pending one); and the upcoming
 * invoice, clearly an estimate. Every figure is the API's: the tab computes no money.
 */
import {
  Anchor,
  Badge,
  Button,
  Group,
  List,
  Modal,
  NativeSelect,
  Paper,
  Radio,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import type { paths } from '../../../../generated/api';
import { SubscriptionCreate } from '../../../../src/modules/subscriptions/model';
import { ApiError, api, unwrap } from '../../../shared/api';
import { Money, Notice } from '../../../shared/display';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { formatBusinessDate } from '../../../shared/format';
import { Empty, Loading } from '../../../shared/states';
import { can, useMe } from '../../session';
import { describePrice } from '../Catalog';
import { profileKey } from './types';

type Subscription =
  paths['/api/v1/subscriptions']['get']['responses'][200]['content']['application/json']['data'][number];
type Canceled =
  paths['/api/v1/subscriptions/{id}/cancel']['post']['responses'][200]['content']['application/json'];
type CancelPreview =
  paths['/api/v1/subscriptions/{id}/cancel/preview']['post']['responses'][200]['content']['application/json'];
type ToFollow = NonNullable<Canceled['credit_to_follow']>;

export function SubscriptionsSection({ customerId }: { customerId: string }) {
  const me = useMe();
  const canWrite = can(me, 'billing:write');
  const [subscribing, setSubscribing] = useState(false);
  const [canceled, setCanceled] = useState<Canceled | null>(null);
  const subs = useQuery({
    queryKey: [...profileKey(customerId), 'subscriptions'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/subscriptions', {
          params: { query: { customer: customerId, limit: 100 } },
        }),
      ),
  });
  return (
    <Stack gap="lg">
      <Stack gap="sm" component="section" aria-labelledby="subscriptions-title">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Title order={2} size="h3" id="subscriptions-title">
            Subscriptions
          </Title>
          {canWrite && !subscribing && (
            <Button size="xs" onClick={() => setSubscribing(true)}>
              Subscribe
            </Button>
          )}
        </Group>
        {subscribing && (
          <SubscribeForm customerId={customerId} onDone={() => setSubscribing(false)} />
        )}
        {canceled && <CanceledNotice canceled={canceled} />}
        {subs.isPending ? (
          <Loading label="Loading subscriptions…" />
        ) : subs.isError ? (
          <ErrorAlert error={subs.error} onRetry={() => void subs.refetch()} />
        ) : subs.data.data.length === 0 ? (
          <Empty title="No subscriptions">This customer subscribes to nothing yet.</Empty>
        ) : (
          <Table.ScrollContainer minWidth={640}>
            <Table>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Product</Table.Th>
                  <Table.Th>Quantity</Table.Th>
                  <Table.Th>Status</Table.Th>
                  <Table.Th>Current period</Table.Th>
                  {canWrite && <Table.Th>Cancel</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {subs.data.data.map((s) => (
                  <SubscriptionRow
                    key={s.id}
                    sub={s}
                    customerId={customerId}
                    canWrite={canWrite}
                    onCanceled={setCanceled}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      <UpcomingInvoice customerId={customerId} />
      <Charges customerId={customerId} canWrite={canWrite} />
    </Stack>
  );
}

function SubscriptionRow({
  sub,
  customerId,
  canWrite,
  onCanceled,
}: {
  sub: Subscription;
  customerId: string;
  canWrite: boolean;
  onCanceled: (c: Canceled) => void;
}) {
  const [cancelling, setCancelling] = useState(false);
  const name = `${sub.price.product_name}${sub.price.nickname ? ` — ${sub.price.nickname}` : ''}`;
  const ending = sub.status === 'active' && sub.end_date !== null;
  return (
    <Table.Tr>
      <Table.Td>
        <Text size="sm" fw={500}>
          {name}
        </Text>
        <Text size="xs" c="dimmed">
          {describePrice(sub.price)} · since {formatBusinessDate(sub.start_date)} · periods start on
          day {sub.billing_anchor_day}
        </Text>
      </Table.Td>
      <Table.Td>{sub.quantity}</Table.Td>
      <Table.Td>
        <Badge variant="light" color={sub.status === 'active' ? 'green' : 'gray'} c="gray.9">
          {sub.status}
        </Badge>
        {sub.end_date && (
          <Text size="xs">
            {ending ? 'Ends' : 'Ended'} {formatBusinessDate(sub.end_date)}
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        {sub.current_period
          ? `${formatBusinessDate(sub.current_period.start)} – ${formatBusinessDate(sub.current_period.end)}`
          : '—'}
      </Table.Td>
      {canWrite && (
        <Table.Td>
          {sub.status === 'active' && (
            <Button
              size="xs"
              variant="light"
              color="red"
              aria-label={`Cancel ${name}`}
              onClick={() => setCancelling(true)}
            >
              Cancel…
            </Button>
          )}
          {cancelling && (
            <CancelDialog
              sub={sub}
              name={name}
              customerId={customerId}
              onClose={() => setCancelling(false)}
              onCanceled={onCanceled}
            />
          )}
        </Table.Td>
      )}
    </Table.Tr>
  );
}

/** Lines that follow a subscription's end, as the API sums them (positive amounts). */
function FollowLines({ title, follow, what }: { title: string; follow: ToFollow; what: string }) {
  return (
    <Stack gap={2}>
      <Text size="sm">
        {title}: <Money minor={follow.amount} /> {what}
      </Text>
      <List size="sm">
        {follow.lines.map((l) => (
          <List.Item key={`${l.period_start}-${l.description}`}>
            {l.description} ({formatBusinessDate(l.period_start)} –{' '}
            {formatBusinessDate(l.period_end)}): <Money minor={l.amount} />
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}

/** The end, the credit and the charges that follow a cancel, as the API answers them. */
function Outcome({
  result,
  usage,
}: {
  result: Pick<Canceled, 'end_date' | 'credit_to_follow' | 'charges_to_follow'>;
  usage: boolean;
}) {
  const credit = result.credit_to_follow;
  const charges = result.charges_to_follow;
  return (
    <Stack gap={4}>
      <Text size="sm">
        Service ends at the start of {result.end_date ? formatBusinessDate(result.end_date) : '—'}.
      </Text>
      {credit && (
        <FollowLines
          title="Credit to follow"
          follow={credit}
          what="for days billed in advance and no longer served."
        />
      )}
      {charges && (
        <FollowLines
          title="Still to bill"
          follow={charges}
          what="for days served that no invoice billed yet, the last period prorated by day."
        />
      )}
      {usage ? (
        <Text size="sm">
          Usage recorded until the end is billed in arrears by the next bill run.
        </Text>
      ) : (
        !credit &&
        !charges && (
          <Text size="sm">
            No credit and no charge follow: every day served is billed, no more.
          </Text>
        )
      )}
    </Stack>
  );
}

/** What the cancel answer says follows: the service's end and what the next runs give. */
function CanceledNotice({ canceled }: { canceled: Canceled }) {
  return (
    <Notice
      color="blue"
      role="status"
      title={`${canceled.price.product_name} ${canceled.cancel_at_period_end ? 'ends at period end' : 'is canceled'}`}
    >
      <Outcome result={canceled} usage={canceled.price.kind === 'usage'} />
    </Notice>
  );
}

/**
 * Cancel, previewed: the API answers what this cancel would do (POST …/cancel/preview, nothing
 * written, the cancel's own computation) before Confirm sends the same body to the cancel.
 */
function CancelDialog({
  sub,
  name,
  customerId,
  onClose,
  onCanceled,
}: {
  sub: Subscription;
  name: string;
  customerId: string;
  onClose: () => void;
  onCanceled: (c: Canceled) => void;
}) {
  const phone = Boolean(useMediaQuery('(max-width: 36em)'));
  const queryClient = useQueryClient();
  const [at, setAt] = useState<'period_end' | 'now'>(
    sub.cancel_at_period_end ? 'now' : 'period_end',
  );
  const preview = useQuery({
    queryKey: ['cancel-preview', sub.id, at],
    gcTime: 0,
    staleTime: 0,
    queryFn: async (): Promise<CancelPreview> =>
      unwrap(
        await api.POST('/api/v1/subscriptions/{id}/cancel/preview', {
          params: { path: { id: sub.id } },
          body: { at },
        }),
      ),
  });
  const cancel = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/subscriptions/{id}/cancel', {
          params: { path: { id: sub.id } },
          body: { at },
        }),
      ),
    onSuccess: async (c) => {
      onCanceled(c);
      onClose();
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
    },
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Cancel ${name}`}
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack gap="md">
        <Radio.Group
          label="When the service ends"
          value={at}
          onChange={(v) => setAt(v as 'period_end' | 'now')}
        >
          <Stack gap="xs" mt="xs">
            <Radio
              value="period_end"
              disabled={sub.cancel_at_period_end}
              label={
                sub.current_period
                  ? `At the end of the period (${formatBusinessDate(sub.current_period.end)})`
                  : 'At the end of the period'
              }
            />
            <Radio value="now" label="Now (today is not served)" />
          </Stack>
        </Radio.Group>
        <Paper withBorder p="sm" role="region" aria-label="What cancelling does">
          <Stack gap={4}>
            <Text size="sm" fw={600}>
              What cancelling does
            </Text>
            {preview.isPending ? (
              <Loading label="Asking what follows…" />
            ) : preview.isError ? (
              <ErrorAlert error={preview.error} onRetry={() => void preview.refetch()} />
            ) : (
              <Outcome result={preview.data} usage={sub.price.kind === 'usage'} />
            )}
          </Stack>
        </Paper>
        {cancel.isError && (
          <ErrorAlert error={cancel.error} title="The subscription was not canceled" />
        )}
        <Group justify="flex-end" gap="xs">
          <Button variant="default" onClick={onClose}>
            Keep the subscription
          </Button>
          <Button
            color="red"
            loading={cancel.isPending}
            disabled={!preview.isSuccess}
            onClick={() => cancel.mutate()}
          >
            Confirm cancellation
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/** The steps of the billing-readiness refusal (A7), in the console's words. */
function ReadinessSteps({ customerId }: { customerId: string }) {
  return (
    <Notice color="yellow" role="alert" title="Set up billing before subscribing">
      <Text size="sm">
        This customer has no usable payment method (own or shared by its parent). Do one of these,
        then subscribe again:
      </Text>
      <List type="ordered" size="sm" mt={4}>
        <List.Item>
          Add a card or bank account on the{' '}
          <Link
            to="/customers/$customerId"
            params={{ customerId }}
            search={(prev) => ({ ...prev, tab: 'methods' })}
            style={{ color: 'var(--mantine-color-anchor)' }}
          >
            Payment methods tab
          </Link>
          .
        </List.Item>
        <List.Item>Verify a bank account with its two micro-deposits.</List.Item>
        <List.Item>Or have a parent account share one of its methods with its children.</List.Item>
        <List.Item>Or put the customer on invoice-only terms (edit the customer).</List.Item>
      </List>
    </Notice>
  );
}

function usePrices(kinds: string[]) {
  return useQuery({
    // Sellable: active prices of active products (an archived product's prices are refused).
    queryKey: ['catalog', 'prices', 'sellable'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/prices', { params: { query: { sellable: 'true', limit: 100 } } }),
      ),
    select: (page) => page.data.filter((p) => kinds.includes(p.kind)),
  });
}

const priceLabel = (p: {
  nickname: string | null;
  id: string;
  kind: string;
  pricing_model: string;
  billing_interval: string | null;
  unit_of_measure: string | null;
}) => `${p.nickname ?? p.id} (${describePrice(p)})`;

function SubscribeForm({ customerId, onDone }: { customerId: string; onDone: () => void }) {
  const queryClient = useQueryClient();
  const prices = usePrices(['recurring', 'usage']);
  const [priceId, setPriceId] = useState('');
  const [startDate, setStartDate] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [anchor, setAnchor] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const create = useMutation({
    mutationFn: async (body: SubscriptionCreate) =>
      unwrap(await api.POST('/api/v1/subscriptions', { body })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
      onDone();
    },
    onError: (err) => setErrors(fieldErrors(err)),
  });
  const chosen = priceId || prices.data?.[0]?.id || '';
  function submit(e: FormEvent) {
    e.preventDefault();
    const parsed = SubscriptionCreate.safeParse({
      customer_id: customerId,
      price_id: chosen,
      quantity: quantity.trim() ? Number(quantity) : undefined,
      ...(startDate ? { start_date: startDate } : {}),
      ...(anchor.trim() ? { billing_anchor_day: Number(anchor) } : {}),
    });
    if (!parsed.success) {
      setErrors(Object.fromEntries(parsed.error.issues.map((i) => [String(i.path[0]), i.message])));
      return;
    }
    setErrors({});
    create.mutate(parsed.data);
  }
  const notReady = create.error instanceof ApiError && create.error.code === 'billing_not_set_up';
  return (
    <Paper withBorder p="md" component="form" onSubmit={submit} aria-label="Subscribe">
      <Stack gap="sm">
        <Title order={3} size="h4">
          Subscribe
        </Title>
        {prices.isPending ? (
          <Loading label="Loading prices…" />
        ) : prices.isError ? (
          <ErrorAlert error={prices.error} />
        ) : prices.data.length === 0 ? (
          <Text size="sm">
            No recurring or usage price yet:{' '}
            <Anchor component={Link} to="/catalog">
              add one in the catalog
            </Anchor>
            .
          </Text>
        ) : (
          <NativeSelect
            label="Price"
            value={chosen}
            onChange={(e) => setPriceId(e.currentTarget.value)}
            data={prices.data.map((p) => ({ value: p.id, label: priceLabel(p) }))}
            error={errors.price_id}
          />
        )}
        <Group gap="sm" align="flex-start" wrap="wrap">
          <TextInput
            type="date"
            label="Start date"
            description="Today when empty"
            value={startDate}
            onChange={(e) => setStartDate(e.currentTarget.value)}
            error={errors.start_date}
          />
          <TextInput
            label="Quantity"
            inputMode="numeric"
            value={quantity}
            onChange={(e) => setQuantity(e.currentTarget.value)}
            error={errors.quantity}
          />
          <TextInput
            label="Anchor day"
            description="Day periods start; the start day when empty"
            inputMode="numeric"
            value={anchor}
            onChange={(e) => setAnchor(e.currentTarget.value)}
            error={errors.billing_anchor_day}
          />
        </Group>
        {notReady ? (
          <ReadinessSteps customerId={customerId} />
        ) : (
          create.isError &&
          !Object.keys(fieldErrors(create.error)).length && <ErrorAlert error={create.error} />
        )}
        <Group gap="xs">
          <Button type="submit" loading={create.isPending} disabled={!chosen}>
            Start subscription
          </Button>
          <Button variant="default" onClick={onDone}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}

/** GET /customers/{id}/upcoming-invoice: what the next invoice will hold if nothing changes. */
function UpcomingInvoice({ customerId }: { customerId: string }) {
  const upcoming = useQuery({
    queryKey: [...profileKey(customerId), 'upcoming-invoice'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/upcoming-invoice', {
          params: { path: { id: customerId } },
        }),
      ),
  });
  return (
    <Stack gap="sm" component="section" aria-labelledby="upcoming-title">
      <Group gap="xs">
        <Title order={2} size="h3" id="upcoming-title">
          Upcoming invoice
        </Title>
        <Badge variant="light" color="yellow" c="dark.9">
          Estimate
        </Badge>
      </Group>
      {upcoming.isPending ? (
        <Loading label="Loading the estimate…" />
      ) : upcoming.isError ? (
        <ErrorAlert error={upcoming.error} onRetry={() => void upcoming.refetch()} />
      ) : (
        <Paper withBorder p="md">
          <Stack gap="xs">
            <Text size="sm">
              An estimate, not an invoice: what the bill run of{' '}
              {formatBusinessDate(upcoming.data.billing_date)} would bill if nothing changes. Usage
              recorded later and changes to subscriptions change it.
            </Text>
            {upcoming.data.lines.length === 0 ? (
              <Text size="sm" c="dimmed">
                Nothing to bill yet.
              </Text>
            ) : (
              <Table>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Line</Table.Th>
                    <Table.Th ta="right">Amount</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {upcoming.data.lines.map((l, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: estimate lines have no id
                    <Table.Tr key={i}>
                      <Table.Td>{l.description}</Table.Td>
                      <Table.Td ta="right">
                        <Money minor={l.amount} />
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            <Text fw={600}>
              Estimated total: <Money minor={upcoming.data.total} />
            </Text>
            {upcoming.data.account_credit_total > 0 && (
              <Stack gap={2}>
                <Text size="sm">
                  Credit to the account at that run, as a credit memo (no charge on the invoice
                  absorbs it): <Money minor={upcoming.data.account_credit_total} />
                </Text>
                <List size="sm">
                  {upcoming.data.account_credits.map((l) => (
                    <List.Item key={`${l.period_start}-${l.description}`}>
                      {l.description}: <Money minor={-l.amount} />
                    </List.Item>
                  ))}
                </List>
              </Stack>
            )}
            {upcoming.data.refused && (
              <Notice color="yellow" title="The bill run will not bill this as it stands">
                The {upcoming.data.refused.details.field} would exceed the largest amount Billow
                holds.
              </Notice>
            )}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

/** One-time charges: billed by the next bill run; a pending one can be deleted. */
function Charges({ customerId, canWrite }: { customerId: string; canWrite: boolean }) {
  const queryClient = useQueryClient();
  const prices = usePrices(['one_time']);
  const [priceId, setPriceId] = useState('');
  const [quantity, setQuantity] = useState('1');
  const [description, setDescription] = useState('');
  const [chargeDate, setChargeDate] = useState('');
  const charges = useQuery({
    queryKey: [...profileKey(customerId), 'charges'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/charges', {
          params: { path: { id: customerId }, query: { limit: 100 } },
        }),
      ),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/customers/{id}/charges', {
          params: { path: { id: customerId } },
          body: {
            price_id: priceId || prices.data?.[0]?.id || '',
            quantity: Number(quantity),
            ...(description.trim() ? { description } : {}),
            ...(chargeDate ? { charge_date: chargeDate } : {}),
          },
        }),
      ),
    onSuccess: async () => {
      setDescription('');
      setQuantity('1');
      setChargeDate('');
      await refresh();
    },
  });
  const remove = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE('/api/v1/charges/{id}', { params: { path: { id } } })),
    onSuccess: refresh,
  });
  const errs = fieldErrors(add.error);
  return (
    <Stack gap="sm" component="section" aria-labelledby="charges-title">
      <Title order={2} size="h3" id="charges-title">
        One-time charges
      </Title>
      {canWrite && prices.data && prices.data.length > 0 && (
        <form
          aria-label="Add a one-time charge"
          onSubmit={(e) => {
            e.preventDefault();
            add.mutate();
          }}
        >
          <Group gap="sm" align="flex-end" wrap="wrap">
            <NativeSelect
              label="One-time price"
              value={priceId || prices.data[0]?.id}
              onChange={(e) => setPriceId(e.currentTarget.value)}
              data={prices.data.map((p) => ({ value: p.id, label: p.nickname ?? p.id }))}
              error={errs.price_id}
            />
            <TextInput
              w={100}
              label="Quantity"
              inputMode="numeric"
              value={quantity}
              onChange={(e) => setQuantity(e.currentTarget.value)}
              error={errs.quantity}
            />
            <TextInput
              label="Description"
              placeholder="The price's name"
              value={description}
              onChange={(e) => setDescription(e.currentTarget.value)}
              error={errs.description}
            />
            <TextInput
              type="date"
              label="Bill on or after"
              description="Today when empty"
              value={chargeDate}
              onChange={(e) => setChargeDate(e.currentTarget.value)}
              error={errs.charge_date}
            />
            <Button type="submit" loading={add.isPending}>
              Add charge
            </Button>
          </Group>
        </form>
      )}
      {add.isError && !Object.keys(errs).length && <ErrorAlert error={add.error} />}
      {remove.isError && <ErrorAlert error={remove.error} />}
      {charges.isPending ? (
        <Loading label="Loading charges…" />
      ) : charges.isError ? (
        <ErrorAlert error={charges.error} onRetry={() => void charges.refetch()} />
      ) : charges.data.data.length === 0 ? (
        <Text size="sm" c="dimmed">
          No one-time charges.
        </Text>
      ) : (
        <Table.ScrollContainer minWidth={520}>
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Charge</Table.Th>
                <Table.Th>Date</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
                <Table.Th>Status</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {charges.data.data.map((c) => (
                <Table.Tr key={c.id}>
                  <Table.Td>
                    {c.description ?? c.price_id} × {c.quantity}
                  </Table.Td>
                  <Table.Td>{formatBusinessDate(c.charge_date)}</Table.Td>
                  <Table.Td ta="right">
                    <Money minor={c.amount} />
                  </Table.Td>
                  <Table.Td>
                    {c.pending ? (
                      <Group gap="xs" wrap="nowrap">
                        <Text size="sm">Pending</Text>
                        {canWrite && (
                          <Button
                            size="xs"
                            variant="subtle"
                            color="red"
                            aria-label={`Delete charge ${c.description ?? c.id}`}
                            loading={remove.isPending && remove.variables === c.id}
                            onClick={() => remove.mutate(c.id)}
                          >
                            Delete
                          </Button>
                        )}
                      </Group>
                    ) : (
                      <Text size="sm">Invoiced</Text>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
