/**
 * One invoice: its lines and totals, what is open, and its summary (C9) — payments and credits
 * applied, refunds and what each meant (credited, or owed again), a payment on its way, scheduled
 * payments and the autopay rule that will pay it — with the PDF. Every amount is the API's.
 */
import {
  Anchor,
  Button,
  Group,
  List,
  Paper,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { unwrap } from '../../shared/api';
import { describeTimeZone, formatBusinessDate, formatInstantDate } from '../../shared/format';
import { type PortalInvoice, portalApi } from '../api';
import { Notice, Read } from '../components/Reads';
import { InvoiceStatusBadge, Money, methodLabel, PaymentStatusBadge } from '../components/status';
import { invoiceRoute } from '../router';
import { may, usePortalMe } from '../session';

/** A summary date: a business date (YYYY-MM-DD) as is, an instant in the tenant's zone. */
function summaryDate(value: string, zone: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? formatBusinessDate(value)
    : formatInstantDate(value, zone);
}

export function InvoiceDetailPage() {
  const me = usePortalMe();
  const { invoiceId } = invoiceRoute.useParams();
  const invoice = useQuery({
    queryKey: ['portal', me.customer.id, 'invoice', invoiceId],
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/invoices/{id}', {
          params: { path: { id: invoiceId } },
        }),
      ),
  });
  return (
    <Stack gap="md">
      <Anchor size="sm" renderRoot={(props) => <Link {...props} to="/invoices" search={{}} />}>
        ← All invoices
      </Anchor>
      <Read query={invoice} label="the invoice">
        {(inv) => <Invoice inv={inv} zone={me.tenant.time_zone} />}
      </Read>
    </Stack>
  );
}

function Invoice({ inv, zone }: { inv: PortalInvoice; zone: string }) {
  const me = usePortalMe();
  const c = inv.currency;
  const s = inv.summary;
  // The API says what is open; the Pay page says what of it is already on its way.
  const payable =
    may(me, 'make_payments') &&
    inv.customer_id === me.customer.id &&
    inv.status !== 'void' &&
    inv.balance > 0;
  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <div>
          <Group gap="sm" align="center">
            <Title order={1}>Invoice {inv.number ?? inv.id}</Title>
            <InvoiceStatusBadge status={inv.status} />
          </Group>
          <Text size="sm">Dates are in {describeTimeZone(zone)}.</Text>
        </div>
        <Group gap="sm">
          {payable && (
            <Button
              renderRoot={(props) => <Link {...props} to="/pay" search={{ invoice: inv.id }} />}
            >
              Pay
            </Button>
          )}
          <Button
            component="a"
            href={`/api/v1/portal/invoices/${encodeURIComponent(inv.id)}/pdf`}
            target="_blank"
            rel="noopener"
            variant="default"
          >
            Download PDF
          </Button>
        </Group>
      </Group>

      {inv.status === 'void' && (
        <Notice color="gray" title="This invoice is void">
          <Text size="sm">{inv.void_reason ?? 'Nothing is owed on it.'}</Text>
        </Notice>
      )}
      {s.payment_pending && (
        <Notice color="yellow" title="A payment is on its way" role="status">
          <Text size="sm">
            A bank payment for this invoice is settling. You do not need to pay it again.
          </Text>
        </Notice>
      )}

      <SimpleGrid cols={{ base: 2, sm: 4 }}>
        <Fact label="Invoice date">{formatBusinessDate(inv.invoice_date)}</Fact>
        <Fact label="Due date">{inv.due_date ? formatBusinessDate(inv.due_date) : '—'}</Fact>
        <Fact label="Total">
          <Money minor={inv.total} currency={c} />
        </Fact>
        <Fact label="Open balance" strong>
          <Money minor={inv.balance} currency={c} />
        </Fact>
      </SimpleGrid>
      {inv.po_number && <Text size="sm">Purchase order: {inv.po_number}</Text>}
      {inv.memo && <Text size="sm">{inv.memo}</Text>}

      <InvoiceLinesStacked inv={inv} />
      <Table.ScrollContainer
        minWidth={480}
        type="native"
        tabIndex={0}
        role="region"
        aria-label="Invoice lines"
        visibleFrom="sm"
      >
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Description</Table.Th>
              <Table.Th scope="col">Period</Table.Th>
              <Table.Th scope="col" ta="right">
                Quantity
              </Table.Th>
              <Table.Th scope="col" ta="right">
                Amount
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {inv.lines.map((l) => (
              <Table.Tr key={l.id}>
                <Table.Td>{l.description}</Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{period(l)}</Table.Td>
                <Table.Td ta="right">{l.quantity ?? '—'}</Table.Td>
                <Table.Td ta="right">
                  <Money minor={l.amount} currency={c} />
                </Table.Td>
              </Table.Tr>
            ))}
            {inv.adjustments.map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td colSpan={3}>
                  {a.kind === 'credit' ? 'Credit' : 'Charge'}: {a.reason}
                </Table.Td>
                <Table.Td ta="right">
                  <Money minor={a.amount} currency={c} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Total label="Subtotal" minor={inv.subtotal} currency={c} />
            {inv.adjustments_total !== 0 && (
              <Total label="Adjustments" minor={inv.adjustments_total} currency={c} />
            )}
            <Total label="Total" minor={inv.total} currency={c} />
            <Total label="Paid" minor={inv.amount_paid} currency={c} />
            <Total label="Credits applied" minor={inv.credits_applied} currency={c} />
            <Total label="Open balance" minor={inv.balance} currency={c} strong />
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>

      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="summary-title">
        <Stack gap="sm">
          <Title order={2} size="h3" id="summary-title">
            Payments and credits
          </Title>
          {s.payments.length === 0 && s.credits.length === 0 && s.refunds.length === 0 ? (
            <Text size="sm">Nothing has been paid or credited on this invoice yet.</Text>
          ) : (
            <List spacing={4} size="sm">
              {s.payments.map((p) => (
                <List.Item key={p.payment_id}>
                  <Group gap="xs" wrap="wrap">
                    <span>
                      {summaryDate(p.date, zone)} · {methodLabel(p.method_type)} ·{' '}
                      <Money minor={p.amount} currency={c} />
                    </span>
                    <PaymentStatusBadge status={p.status} />
                  </Group>
                </List.Item>
              ))}
              {s.credits.map((cr) => (
                <List.Item key={cr.credit_memo_id}>
                  {summaryDate(cr.date, zone)} ·{' '}
                  {cr.refund_id ? 'Credit for a refund' : 'Credit memo'} {cr.credit_memo_id} ·{' '}
                  <Money minor={cr.amount} currency={c} />
                </List.Item>
              ))}
              {s.refunds.map((r) => (
                <List.Item key={r.refund_id}>
                  {summaryDate(r.date, zone)} · Refund of <Money minor={r.amount} currency={c} /> ·{' '}
                  {r.outcome === 'credit'
                    ? 'credited: nothing more is owed for it'
                    : 'owed again: the amount is open on this invoice'}
                </List.Item>
              ))}
            </List>
          )}
          {s.payment_scheduled.length > 0 && (
            <Stack gap={4}>
              <Text size="sm" fw={600}>
                Scheduled
              </Text>
              <List spacing={4} size="sm">
                {s.payment_scheduled.map((p) => (
                  <List.Item key={p.id}>
                    <Money minor={p.amount} currency={c} /> on {summaryDate(p.scheduled_for, zone)}
                  </List.Item>
                ))}
              </List>
            </Stack>
          )}
          <Text size="sm">
            {s.autopay_rule
              ? `Autopay: the rule “${s.autopay_rule.name}” will pay this invoice.`
              : 'Autopay: no autopay rule pays this invoice.'}
          </Text>
        </Stack>
      </Paper>
    </Stack>
  );
}

function Fact({
  label,
  children,
  strong,
}: {
  label: string;
  children: ReactNode;
  strong?: boolean;
}) {
  return (
    <Stack gap={2}>
      <Text size="sm" c="gray.8">
        {label}
      </Text>
      <Text fw={strong ? 700 : 500}>{children}</Text>
    </Stack>
  );
}

function period(l: PortalInvoice['lines'][number]): string {
  return l.period_start && l.period_end
    ? `${formatBusinessDate(l.period_start)} – ${formatBusinessDate(l.period_end)}`
    : '—';
}

/**
 * The lines on a phone: one card per line (description, then period, quantity, amount), and the
 * totals as label/value pairs, instead of a four-column table that scrolls sideways.
 */
function InvoiceLinesStacked({ inv }: { inv: PortalInvoice }) {
  const c = inv.currency;
  const totals: [string, number, boolean?][] = [
    ['Subtotal', inv.subtotal],
    ...(inv.adjustments_total !== 0
      ? [['Adjustments', inv.adjustments_total] as [string, number]]
      : []),
    ['Total', inv.total],
    ['Paid', inv.amount_paid],
    ['Credits applied', inv.credits_applied],
    ['Open balance', inv.balance, true],
  ];
  return (
    <Stack gap="xs" hiddenFrom="sm">
      <Title order={2} size="h4">
        Invoice lines
      </Title>
      <Stack gap="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }}>
        {inv.lines.map((l) => (
          <li key={l.id} className="record-card">
            <Text size="sm" fw={600}>
              {l.description}
            </Text>
            <dl className="stacked-fields">
              <div>
                <dt>Period</dt>
                <dd>{period(l)}</dd>
              </div>
              {l.quantity !== null && (
                <div>
                  <dt>Quantity</dt>
                  <dd>{l.quantity}</dd>
                </div>
              )}
              <div>
                <dt>Amount</dt>
                <dd>
                  <Money minor={l.amount} currency={c} />
                </dd>
              </div>
            </dl>
          </li>
        ))}
        {inv.adjustments.map((a) => (
          <li key={a.id} className="record-card">
            <dl className="stacked-fields">
              <div>
                <dt>
                  {a.kind === 'credit' ? 'Credit' : 'Charge'}: {a.reason}
                </dt>
                <dd>
                  <Money minor={a.amount} currency={c} />
                </dd>
              </div>
            </dl>
          </li>
        ))}
      </Stack>
      <dl className="stacked-fields">
        {totals.map(([label, minor, strong]) => (
          <div key={label} style={strong ? { fontWeight: 700 } : undefined}>
            <dt>{label}</dt>
            <dd>
              <Money minor={minor} currency={c} />
            </dd>
          </div>
        ))}
      </dl>
    </Stack>
  );
}

function Total({
  label,
  minor,
  currency,
  strong,
}: {
  label: string;
  minor: number;
  currency: string;
  strong?: boolean;
}) {
  return (
    <Table.Tr>
      <Table.Th scope="row" colSpan={3} ta="right" fw={strong ? 700 : 500}>
        {label}
      </Table.Th>
      <Table.Td ta="right" fw={strong ? 700 : undefined}>
        <Money minor={minor} currency={currency} />
      </Table.Td>
    </Table.Tr>
  );
}
