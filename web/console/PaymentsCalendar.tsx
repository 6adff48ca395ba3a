/**
 * The payments calendar (E9): a month of scheduled payments (SP) and projected autopay payments
 * (AP), per day the count and total of each kind as the API sums them; a day opens its breakdown
 * (customer, invoices, amount, rule) in a drawer. For one customer (the profile's tab) or the
 * whole tenant (/console/calendar). The month lives in the URL (`?month=YYYY-MM`). On a wide
 * screen a month grid; on a phone the days with payments as a list, which stays readable.
 */
import {
  Anchor,
  Box,
  Button,
  Drawer,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import type { paths } from '../../generated/api';
import { api, unwrap } from '../shared/api';
import { Money } from '../shared/display';
import { ErrorAlert } from '../shared/errors';
import { formatBusinessDate, formatMoney } from '../shared/format';
import { Empty, Loading } from '../shared/states';

type Calendar = paths['/api/v1/calendar']['get']['responses'][200]['content']['application/json'];
type Day = Calendar['days'][number];
type Entry = Day['breakdown'][number];

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const WEEKDAY_NAMES = [
  'Sunday',
  'Monday',
  'Tuesday',
  'Wednesday',
  'Thursday',
  'Friday',
  'Saturday',
];

/** `YYYY-MM` of today in the tenant's time zone: the month the calendar opens on. */
export function currentMonth(timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit' })
    .format(new Date())
    .slice(0, 7);
}

/** A month `YYYY-MM` moved by `delta` months (calendar arithmetic, no money). */
export function shiftMonth(month: string, delta: number): string {
  const [y, m] = month.split('-').map(Number) as [number, number];
  const d = new Date(Date.UTC(y, m - 1 + delta, 1));
  return d.toISOString().slice(0, 7);
}

function daysIn(month: string): number {
  const [y, m] = month.split('-').map(Number) as [number, number];
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}

function monthName(month: string): string {
  return new Intl.DateTimeFormat('en-US', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${month}-01T00:00:00Z`));
}

function longDate(date: string): string {
  return new Intl.DateTimeFormat('en-US', {
    dateStyle: 'full',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`));
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/** "2 scheduled payments, $50.00; 1 autopay payment, $30.00" — what a day's button says. */
function describeDay(day: Day, currency: string): string {
  const parts: string[] = [];
  if (day.scheduled.count > 0)
    parts.push(
      `${plural(day.scheduled.count, 'scheduled payment')}, ${formatMoney(day.scheduled.total, currency)}`,
    );
  if (day.autopay.count > 0)
    parts.push(
      `${plural(day.autopay.count, 'autopay payment')}, ${formatMoney(day.autopay.total, currency)}`,
    );
  return parts.join('; ');
}

/** The kinds of a day as short lines: "3 SP $116.37", "10 AP $1,204.00". */
function KindLines({ day, currency }: { day: Day; currency: string }) {
  return (
    <>
      {day.scheduled.count > 0 && (
        <Text size="xs" fw={600} c="blue.9" style={{ whiteSpace: 'nowrap' }} aria-hidden>
          {day.scheduled.count} SP <Money minor={day.scheduled.total} currency={currency} />
        </Text>
      )}
      {day.autopay.count > 0 && (
        <Text size="xs" fw={600} c="teal.9" style={{ whiteSpace: 'nowrap' }} aria-hidden>
          {day.autopay.count} AP <Money minor={day.autopay.total} currency={currency} />
        </Text>
      )}
    </>
  );
}

export function PaymentsCalendar({
  customerId,
  month,
  onMonth,
  headingOrder = 2,
}: {
  /** One customer's calendar; the tenant's when absent. */
  customerId?: string;
  month: string;
  onMonth: (month: string) => void;
  headingOrder?: 1 | 2;
}) {
  const [open, setOpen] = useState<string | null>(null);
  const from = `${month}-01`;
  const to = `${month}-${String(daysIn(month)).padStart(2, '0')}`;
  const calendar = useQuery({
    queryKey: ['calendar', customerId ?? 'tenant', month],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/calendar', {
          params: { query: { from, to, ...(customerId && { customer: customerId }) } },
        }),
      ),
  });
  const days = new Map((calendar.data?.days ?? []).map((d) => [d.date, d]));
  const currency = calendar.data?.currency ?? 'USD';
  const openDay = open ? days.get(open) : undefined;
  const title = monthName(month);

  return (
    <Stack gap="sm" component="section" aria-labelledby="calendar-title">
      <Group justify="space-between" wrap="wrap" gap="xs">
        <Title order={headingOrder} size={headingOrder === 1 ? 'h2' : 'h3'} id="calendar-title">
          Payments calendar: {title}
        </Title>
        <Group gap="xs">
          <Button size="xs" variant="default" onClick={() => onMonth(shiftMonth(month, -1))}>
            ← Previous month
          </Button>
          <Button size="xs" variant="default" onClick={() => onMonth(shiftMonth(month, 1))}>
            Next month →
          </Button>
        </Group>
      </Group>
      <Text size="sm">
        SP: scheduled payments, on the date they are set for. AP: autopay payments the calendar
        projects, on the invoice's due date (today when past due). Only invoices that exist show.
      </Text>
      {calendar.isPending ? (
        <Loading label="Loading the calendar…" />
      ) : calendar.isError ? (
        <ErrorAlert error={calendar.error} onRetry={() => void calendar.refetch()} />
      ) : (
        <>
          <Text size="sm" fw={600} role="status">
            {calendar.data.count === 0 ? (
              `No payments in ${title}.`
            ) : (
              <>
                {plural(calendar.data.count, 'payment')} in {title},{' '}
                <Money minor={calendar.data.total} currency={currency} />
              </>
            )}
          </Text>
          <Box visibleFrom="sm">
            <MonthGrid month={month} days={days} currency={currency} onOpen={setOpen} />
          </Box>
          <Box hiddenFrom="sm">
            {calendar.data.days.length === 0 ? (
              <Empty title="No payments this month">
                Scheduled payments and autopay projections appear here by day.
              </Empty>
            ) : (
              <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {calendar.data.days.map((d) => (
                  <li key={d.date}>
                    <UnstyledButton
                      className="record-card"
                      w="100%"
                      onClick={() => setOpen(d.date)}
                      aria-label={`${longDate(d.date)}: ${describeDay(d, currency)}. Show the breakdown`}
                    >
                      <Group justify="space-between" wrap="nowrap" align="flex-start">
                        <Text size="sm" fw={600}>
                          {formatBusinessDate(d.date)}
                        </Text>
                        <Stack gap={0} align="flex-end">
                          <KindLines day={d} currency={currency} />
                        </Stack>
                      </Group>
                    </UnstyledButton>
                  </li>
                ))}
              </Stack>
            )}
          </Box>
        </>
      )}
      <Drawer
        opened={Boolean(openDay)}
        onClose={() => setOpen(null)}
        position="right"
        size="lg"
        title={openDay ? `Payments on ${formatBusinessDate(openDay.date)}` : ''}
        styles={{ title: { fontWeight: 700 } }}
        closeButtonProps={{ 'aria-label': 'Close the breakdown' }}
      >
        {openDay && <Breakdown day={openDay} currency={currency} />}
      </Drawer>
    </Stack>
  );
}

function MonthGrid({
  month,
  days,
  currency,
  onOpen,
}: {
  month: string;
  days: Map<string, Day>;
  currency: string;
  onOpen: (date: string) => void;
}) {
  const first = new Date(`${month}-01T00:00:00Z`).getUTCDay();
  const count = daysIn(month);
  const cells: (string | null)[] = [
    ...Array.from({ length: first }, () => null),
    ...Array.from({ length: count }, (_, i) => `${month}-${String(i + 1).padStart(2, '0')}`),
  ];
  while (cells.length % 7 !== 0) cells.push(null);
  const weeks = Array.from({ length: cells.length / 7 }, (_, w) => cells.slice(w * 7, w * 7 + 7));
  return (
    <Table withTableBorder withColumnBorders layout="fixed" aria-label={`${monthName(month)}`}>
      <Table.Thead>
        <Table.Tr>
          {WEEKDAYS.map((d, i) => (
            <Table.Th key={d} scope="col" ta="center">
              <abbr title={WEEKDAY_NAMES[i]} style={{ textDecoration: 'none' }}>
                {d}
              </abbr>
            </Table.Th>
          ))}
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {weeks.map((week) => (
          <Table.Tr key={week.find(Boolean) ?? ''}>
            {week.map((date, i) => {
              const day = date ? days.get(date) : undefined;
              return (
                <Table.Td
                  key={date ?? `empty-${i}`}
                  h={88}
                  p={4}
                  style={{ verticalAlign: 'top' }}
                  bg={date ? undefined : 'gray.0'}
                >
                  {date && (
                    <Stack gap={2}>
                      <Text size="sm" c="gray.8">
                        {Number(date.slice(8))}
                      </Text>
                      {day && (
                        <UnstyledButton
                          onClick={() => onOpen(date)}
                          aria-label={`${longDate(date)}: ${describeDay(day, currency)}. Show the breakdown`}
                        >
                          <Paper bg="indigo.0" p={4} radius="sm">
                            <KindLines day={day} currency={currency} />
                          </Paper>
                        </UnstyledButton>
                      )}
                    </Stack>
                  )}
                </Table.Td>
              );
            })}
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function Breakdown({ day, currency }: { day: Day; currency: string }) {
  return (
    <Stack gap="sm">
      <Text size="sm">{describeDay(day, currency)}.</Text>
      <Stack gap="xs" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
        {day.breakdown.map((e) => (
          <li key={e.payment_id ?? `${e.type}-${e.invoice_id}`} className="record-card">
            <EntryFacts entry={e} currency={currency} />
          </li>
        ))}
      </Stack>
      <Group justify="space-between">
        <Text fw={700}>Total</Text>
        <Text fw={700}>
          <Money minor={day.total} currency={currency} />
        </Text>
      </Group>
    </Stack>
  );
}

function EntryFacts({ entry: e, currency }: { entry: Entry; currency: string }) {
  return (
    <dl className="stacked-fields">
      <div>
        <dt>Kind</dt>
        <dd>{e.type === 'scheduled' ? 'Scheduled payment (SP)' : 'Autopay, projected (AP)'}</dd>
      </div>
      <div>
        <dt>Customer</dt>
        <dd>
          <Anchor
            size="sm"
            renderRoot={(p) => (
              <Link {...p} to="/customers/$customerId" params={{ customerId: e.customer_id }} />
            )}
          >
            {e.customer_name} ({e.customer_number})
          </Anchor>
        </dd>
      </div>
      <div>
        <dt>Invoices</dt>
        <dd>
          {e.invoices.length === 0
            ? 'Oldest open first'
            : e.invoices.map((i, n) => (
                <span key={i.id}>
                  {n > 0 && ', '}
                  <Anchor
                    size="sm"
                    renderRoot={(p) => (
                      <Link
                        {...p}
                        to="/customers/$customerId"
                        params={{ customerId: e.customer_id }}
                        search={{ invoice: i.id }}
                      />
                    )}
                  >
                    {i.number ?? i.id}
                  </Anchor>
                </span>
              ))}
        </dd>
      </div>
      <div>
        <dt>Amount</dt>
        <dd>
          <Money minor={e.amount} currency={currency} />
        </dd>
      </div>
      <div>
        <dt>Rule</dt>
        <dd>{e.rule?.name ?? (e.type === 'autopay' ? 'Autopay (default method)' : '—')}</dd>
      </div>
    </dl>
  );
}
