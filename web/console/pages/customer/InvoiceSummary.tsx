/**
 * The invoice summary (C9) in a drawer that the address opens (`?invoice=ID`, so a link or the
 * global search can point at it): due date, total, open balance, PO number, attributes (payment
 * pending, scheduled, the autopay rule that would pay it), payments and credits applied, the
 * questions contacts asked; actions pay, view the PDF, email the invoice.
 */
import { Badge, Button, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Money, Notice, PaymentStatusBadge } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatBusinessDate, formatInstant, formatInstantDate } from '../../../shared/format';
import { Loading } from '../../../shared/states';
import { type InvoiceSummary, profileKey } from './types';

export function InvoiceSummaryDrawer({
  customerId,
  invoiceId,
  canPay,
  canEmail,
  timeZone,
  onPay,
  onClose,
}: {
  customerId: string;
  invoiceId: string | undefined;
  canPay: boolean;
  canEmail: boolean;
  timeZone: string;
  onPay: (invoiceId: string) => void;
  onClose: () => void;
}) {
  const phone = useMediaQuery('(max-width: 36em)');
  const summary = useQuery({
    queryKey: [...profileKey(customerId), 'invoice', invoiceId, 'summary'],
    enabled: invoiceId !== undefined,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/invoices/{id}/summary', {
          params: { path: { id: invoiceId ?? '' } },
        }),
      ),
  });
  const s = summary.data;
  return (
    <Drawer
      opened={invoiceId !== undefined}
      onClose={onClose}
      position="right"
      size={phone ? '100%' : 'md'}
      title={s ? `Invoice ${s.number ?? s.id}` : 'Invoice'}
      closeButtonProps={{ 'aria-label': 'Close the invoice summary' }}
    >
      {summary.isPending ? (
        <Loading label="Loading the invoice…" />
      ) : summary.isError ? (
        <ErrorAlert error={summary.error} onRetry={() => void summary.refetch()} />
      ) : s ? (
        <SummaryBody
          s={s}
          customerId={customerId}
          canPay={canPay}
          canEmail={canEmail}
          timeZone={timeZone}
          onPay={onPay}
        />
      ) : null}
    </Drawer>
  );
}

function SummaryBody({
  s,
  customerId,
  canPay,
  canEmail,
  timeZone,
  onPay,
}: {
  s: InvoiceSummary;
  customerId: string;
  canPay: boolean;
  canEmail: boolean;
  timeZone: string;
  onPay: (invoiceId: string) => void;
}) {
  const questions = useQuery({
    queryKey: [...profileKey(customerId), 'invoice', s.id, 'questions'],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/invoices/{id}/questions', { params: { path: { id: s.id } } })),
  });
  const email = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST('/api/v1/invoices/{id}/email', { params: { path: { id: s.id } } })),
  });
  const posted = s.status !== 'draft' && s.status !== 'void';
  return (
    <Stack gap="md">
      <dl className="stacked-fields">
        <Field label="Status">{s.status.replaceAll('_', ' ')}</Field>
        <Field label="Invoice date">{formatBusinessDate(s.invoice_date)}</Field>
        <Field label="Due date">{s.due_date ? formatBusinessDate(s.due_date) : 'None'}</Field>
        <Field label="Total">
          <Money minor={s.total} />
        </Field>
        <Field label="Open balance">
          <Money minor={s.balance} />
        </Field>
        <Field label="PO number">{s.po_number ?? 'None'}</Field>
      </dl>

      <Group gap="xs" wrap="wrap" aria-label="Attributes">
        {s.payment_pending && (
          <Badge variant="light" color="yellow" c="dark.9" radius="sm">
            Payment pending
          </Badge>
        )}
        {s.payment_scheduled.map((p) => (
          <Badge key={p.id} variant="light" color="blue" c="dark.9" radius="sm">
            Scheduled {formatBusinessDate(p.scheduled_for)}: <Money minor={p.amount} />
          </Badge>
        ))}
        {s.autopay_rule && (
          <Badge variant="light" color="indigo" c="dark.9" radius="sm">
            Autopay rule: {s.autopay_rule.name}
          </Badge>
        )}
        {!s.payment_pending && s.payment_scheduled.length === 0 && !s.autopay_rule && (
          <Text size="sm">No payment is pending or scheduled, and no autopay rule matches.</Text>
        )}
      </Group>

      <Group gap="xs" wrap="wrap">
        {canPay && s.balance > 0 && posted && <Button onClick={() => onPay(s.id)}>Pay</Button>}
        <Button
          variant="default"
          component="a"
          href={`/api/v1/invoices/${encodeURIComponent(s.id)}/pdf`}
          target="_blank"
          rel="noopener"
        >
          View PDF
        </Button>
        {canEmail && posted && (
          <Button variant="default" onClick={() => email.mutate()} loading={email.isPending}>
            Email invoice
          </Button>
        )}
      </Group>
      {email.isSuccess && (
        <Notice color="blue" title="Invoice emailed" role="status">
          <Text size="sm">Sent to {email.data.emails.join(', ') || 'no one'}.</Text>
        </Notice>
      )}
      {email.isError && <ErrorAlert error={email.error} title="The invoice was not emailed" />}

      <Stack gap={4}>
        <Title order={3} size="h5">
          Payments applied
        </Title>
        {s.payments.length === 0 ? (
          <Text size="sm">None.</Text>
        ) : (
          <Table>
            <Table.Thead>
              <Table.Tr>
                <Table.Th scope="col">Date</Table.Th>
                <Table.Th scope="col">Status</Table.Th>
                <Table.Th scope="col" ta="right">
                  Amount
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {s.payments.map((p) => (
                <Table.Tr key={p.payment_id}>
                  <Table.Td>{formatInstantDate(p.date, timeZone)}</Table.Td>
                  <Table.Td>
                    <PaymentStatusBadge status={p.status} />
                  </Table.Td>
                  <Table.Td ta="right">
                    <Money minor={p.amount} />
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Credits applied
        </Title>
        {s.credits.length === 0 ? (
          <Text size="sm">None.</Text>
        ) : (
          s.credits.map((c) => (
            <Text size="sm" key={c.credit_memo_id}>
              {formatInstantDate(c.date, timeZone)} · {c.credit_memo_id} ·{' '}
              <Money minor={c.amount} />
            </Text>
          ))
        )}
      </Stack>
      <Stack gap={4}>
        <Title order={3} size="h5">
          Questions from contacts
        </Title>
        {questions.isPending ? (
          <Loading label="Loading questions…" />
        ) : questions.isError ? (
          <ErrorAlert error={questions.error} />
        ) : questions.data.data.length === 0 ? (
          <Text size="sm">No contact has asked about this invoice.</Text>
        ) : (
          questions.data.data.map((q) => (
            <div key={q.id} className="record-card">
              <Text size="xs">{formatInstant(q.created_at, timeZone)}</Text>
              <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
                {q.message}
              </Text>
            </div>
          ))
        )}
      </Stack>
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
