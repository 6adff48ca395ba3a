/**
 * Emailing (J4): send the account statement (a PDF of open invoices, recent payments, credits and
 * the balance) to the billing contacts, and the customer's email audit trail — every email to the
 * customer and its contacts, with its delivery status, the last error, and re-send. The trail is
 * also the contact card's own history (`EmailHistory` with a contact).
 */
import {
  Badge,
  Button,
  Group,
  Paper,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { formatInstant } from '../../../shared/format';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { can, useMe } from '../../session';
import type { SectionProps } from './sections';
import { profileKey } from './types';

const KIND: Record<string, string> = {
  invoice: 'Invoice',
  receipt: 'Receipt',
  payment_failed: 'Payment failed',
  statement: 'Statement',
  question: 'Question',
  welcome: 'Welcome',
  password_reset: 'Password reset',
  portal_confirmation: 'Portal access ready',
  other: 'Other',
};

const STATUS: Record<string, { label: string; color: string }> = {
  queued: { label: 'Queued', color: 'blue' },
  sent: { label: 'Sent', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
};

/** The key of every email list of a customer, so a send refreshes them all. */
export const emailsKey = (customerId: string) => [...profileKey(customerId), 'emails'] as const;

export function EmailsSection({ customerId }: SectionProps) {
  const me = useMe();
  return (
    <Stack gap="lg">
      {can(me, 'billing:write') && <SendStatement customerId={customerId} />}
      <Stack gap="xs" component="section" aria-labelledby="email-trail-title">
        <Title order={2} size="h3" id="email-trail-title">
          Email audit trail
        </Title>
        <Text size="sm">
          Every email to this customer and its contacts, newest first, with its delivery status.
        </Text>
        <EmailHistory customerId={customerId} label="Email audit trail" />
      </Stack>
    </Stack>
  );
}

function SendStatement({ customerId }: { customerId: string }) {
  const queryClient = useQueryClient();
  const send = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/customers/{id}/statement/email', {
          params: { path: { id: customerId } },
          body: {},
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: emailsKey(customerId) }),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="statement-title">
      <Stack gap="xs">
        <Title order={2} size="h3" id="statement-title">
          Account statement
        </Title>
        <Text size="sm">
          A PDF of the open invoices, the payments of the last 90 days, the credits and the balance.
          It goes to the contacts whose profile receives invoices, or to the billing email when no
          contact does.
        </Text>
        <Group gap="xs" wrap="wrap">
          <Button onClick={() => send.mutate()} loading={send.isPending}>
            Email statement
          </Button>
          <Button
            variant="default"
            component="a"
            href={`/api/v1/customers/${encodeURIComponent(customerId)}/statement.pdf`}
            target="_blank"
            rel="noopener"
          >
            View statement PDF
          </Button>
        </Group>
        {send.isError && <ErrorAlert error={send.error} title="The statement was not sent" />}
        {send.isSuccess && (
          <Notice color="blue" role="status" title="Statement queued">
            <Text size="sm">
              Sent to {send.data.emails.map((e) => e.to).join(', ')}. Its delivery shows in the
              audit trail below.
            </Text>
          </Notice>
        )}
      </Stack>
    </Paper>
  );
}

/** An email list: a customer's (with `customerId` only) or one contact's, with re-send. */
export function EmailHistory({
  customerId,
  contactId,
  label,
}: {
  customerId: string;
  contactId?: string;
  label: string;
}) {
  const me = useMe();
  const timeZone = me.tenant.time_zone;
  const canResend = can(me, 'billing:write');
  const queryClient = useQueryClient();
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const emails = useQuery({
    queryKey: [...emailsKey(customerId), contactId ?? 'all', cursor ?? ''],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/emails', {
          params: {
            query: contactId
              ? { contact: contactId, limit: 10, cursor }
              : { customer: customerId, limit: 25, cursor },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  const resend = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/emails/{id}/resend', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: emailsKey(customerId) }),
  });
  if (emails.isPending) return <Loading label="Loading emails…" />;
  if (emails.isError)
    return <ErrorAlert error={emails.error} onRetry={() => void emails.refetch()} />;
  if (emails.data.data.length === 0)
    return (
      <Empty title="No emails yet">
        {contactId
          ? 'Welcome, reset and statement emails to this contact will show here.'
          : 'Invoices, receipts, statements and portal emails to this customer will show here.'}
      </Empty>
    );
  return (
    <Stack gap="xs">
      {resend.isError && <ErrorAlert error={resend.error} title="The email was not re-sent" />}
      <Table.ScrollContainer
        minWidth={720}
        type="native"
        tabIndex={0}
        role="region"
        aria-label={`${label} table`}
      >
        <Table verticalSpacing="xs">
          <Table.Caption>
            <VisuallyHidden>{label}, newest first</VisuallyHidden>
          </Table.Caption>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Queued</Table.Th>
              <Table.Th scope="col">Kind</Table.Th>
              <Table.Th scope="col">To</Table.Th>
              <Table.Th scope="col">Subject</Table.Th>
              <Table.Th scope="col">Status</Table.Th>
              {canResend && (
                <Table.Th scope="col" pos="relative">
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              )}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {emails.data.data.map((e) => {
              const status = STATUS[e.status] ?? { label: e.status, color: 'gray' };
              return (
                <Table.Tr key={e.id} data-email={e.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    {formatInstant(e.created_at, timeZone)}
                  </Table.Td>
                  <Table.Td>
                    {KIND[e.kind] ?? e.kind}
                    {e.attachments.length > 0 && (
                      <Text size="xs">
                        {e.attachments.length === 1
                          ? '1 attachment'
                          : `${e.attachments.length} attachments`}
                      </Text>
                    )}
                  </Table.Td>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{e.to}</Table.Td>
                  <Table.Td>{e.subject}</Table.Td>
                  <Table.Td>
                    <Badge variant="light" color={status.color} c="dark.9" radius="sm">
                      {status.label}
                    </Badge>
                    {e.last_error && (
                      <Text size="xs" c="red.9">
                        {e.last_error}
                      </Text>
                    )}
                    {e.status !== 'sent' && e.attempts > 0 && (
                      <Text size="xs">
                        {e.attempts} attempt{e.attempts === 1 ? '' : 's'}
                      </Text>
                    )}
                  </Table.Td>
                  {canResend && (
                    <Table.Td>
                      <Button
                        size="xs"
                        variant="default"
                        loading={resend.isPending && resend.variables === e.id}
                        onClick={() => resend.mutate(e.id)}
                        aria-label={`Re-send ${KIND[e.kind] ?? e.kind} email to ${e.to}`}
                      >
                        Re-send
                      </Button>
                    </Table.Td>
                  )}
                </Table.Tr>
              );
            })}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <Pager
        onFirst={cursor ? () => setCursor(undefined) : undefined}
        onNext={
          emails.data.next_cursor
            ? () => setCursor(emails.data.next_cursor ?? undefined)
            : undefined
        }
      />
    </Stack>
  );
}
