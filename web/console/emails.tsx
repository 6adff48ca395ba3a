/**
 * The console's email pieces, shared by the outbox (/emails) and a customer's Emailing tab: the
 * kind and status labels, the email table (with re-send, and optionally a link that opens a
 * message) and the reader that shows one message as it was sent, with its delivery record.
 */
import {
  Anchor,
  Badge,
  Button,
  Drawer,
  Group,
  Stack,
  Table,
  Text,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import type { paths } from '../../generated/api';
import { api, unwrap } from '../shared/api';
import { Fact, Notice } from '../shared/display';
import { ErrorAlert } from '../shared/errors';
import { formatInstant } from '../shared/format';
import { Loading } from '../shared/states';
import { can, useMe } from './session';

export type EmailSummary =
  paths['/api/v1/emails']['get']['responses'][200]['content']['application/json']['data'][number];

export const EMAIL_KIND: Record<string, string> = {
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

export const EMAIL_STATUS: Record<string, { label: string; color: string }> = {
  queued: { label: 'Queued', color: 'blue' },
  sent: { label: 'Sent', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
};

export const kindLabel = (kind: string) => EMAIL_KIND[kind] ?? kind;

/**
 * The outbox's queries start with this key; every email list of the console has 'emails' in its
 * key (a customer's under the profile's key), so a re-send refreshes them all.
 */
export const EMAILS_KEY = ['emails'] as const;

/** The status badge with the last error and, while not sent, the attempts made. */
export function EmailStatusCell({ email }: { email: EmailSummary }) {
  const status = EMAIL_STATUS[email.status] ?? { label: email.status, color: 'gray' };
  return (
    <>
      <Badge variant="light" color={status.color} c="dark.9" radius="sm">
        {status.label}
      </Badge>
      {email.last_error && (
        <Text size="xs" c="red.9">
          {email.last_error}
        </Text>
      )}
      {email.status !== 'sent' && email.attempts > 0 && (
        <Text size="xs">
          {email.attempts} attempt{email.attempts === 1 ? '' : 's'}
        </Text>
      )}
    </>
  );
}

/** Queues a copy of an email; every email list refreshes. */
export function useResend(onDone?: () => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/emails/{id}/resend', { params: { path: { id } } })),
    onSuccess: () => {
      onDone?.();
      return queryClient.invalidateQueries({
        predicate: (q) => q.queryKey.includes('emails'),
      });
    },
  });
}

/**
 * A table of emails, newest first: queued, kind, to, subject, status, re-send. `open` makes the
 * subject a link that opens the message (the outbox's reader).
 */
export function EmailTable({
  emails,
  label,
  open,
}: {
  emails: EmailSummary[];
  label: string;
  open?: (email: EmailSummary) => ReactNode;
}) {
  const me = useMe();
  const timeZone = me.tenant.time_zone;
  const canResend = can(me, 'billing:write');
  const resend = useResend();
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
            {emails.map((e) => (
              <Table.Tr key={e.id} data-email={e.id}>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>
                  {formatInstant(e.created_at, timeZone)}
                </Table.Td>
                <Table.Td>
                  {kindLabel(e.kind)}
                  {e.attachments.length > 0 && (
                    <Text size="xs">
                      {e.attachments.length === 1
                        ? '1 attachment'
                        : `${e.attachments.length} attachments`}
                    </Text>
                  )}
                </Table.Td>
                <Table.Td style={{ whiteSpace: 'nowrap' }}>{e.to}</Table.Td>
                <Table.Td>{open ? open(e) : e.subject}</Table.Td>
                <Table.Td style={{ minWidth: 96 }}>
                  <EmailStatusCell email={e} />
                </Table.Td>
                {canResend && (
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      loading={resend.isPending && resend.variables === e.id}
                      onClick={() => resend.mutate(e.id)}
                      aria-label={`Re-send ${kindLabel(e.kind)} email to ${e.to}`}
                    >
                      Re-send
                    </Button>
                  </Table.Td>
                )}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Stack>
  );
}

/**
 * One email opened over the list: who it went to, the subject and the text as sent (without
 * SMTP this is where staff read messages), its delivery record, and re-send.
 */
export function EmailReader({ id, onClose }: { id: string | undefined; onClose: () => void }) {
  const me = useMe();
  const timeZone = me.tenant.time_zone;
  const email = useQuery({
    queryKey: [...EMAILS_KEY, 'one', id ?? ''],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/emails/{id}', { params: { path: { id: id ?? '' } } })),
    enabled: id !== undefined,
  });
  const resend = useResend();
  const e = email.data;
  return (
    <Drawer
      opened={id !== undefined}
      onClose={onClose}
      closeButtonProps={{ 'aria-label': 'Close the email' }}
      position="right"
      size="xl"
      title={
        <Title order={2} size="h3">
          {e ? e.subject : 'Email'}
        </Title>
      }
    >
      {email.isPending ? (
        <Loading label="Loading the email…" />
      ) : email.isError ? (
        <ErrorAlert error={email.error} onRetry={() => void email.refetch()} />
      ) : e ? (
        <Stack gap="md">
          <Stack gap={4}>
            <Fact label="To">{e.to}</Fact>
            {e.cc.length > 0 && <Fact label="Cc">{e.cc.join(', ')}</Fact>}
            <Fact label="Kind">{kindLabel(e.kind)}</Fact>
            <Fact label="Queued">{formatInstant(e.created_at, timeZone)}</Fact>
            {e.customer_id && (
              <Fact label="Customer">
                <Anchor
                  renderRoot={(p) => (
                    <Link
                      {...p}
                      to="/customers/$customerId"
                      params={{ customerId: e.customer_id ?? '' }}
                      search={e.invoice_id ? { invoice: e.invoice_id } : { tab: 'emails' }}
                    />
                  )}
                >
                  {e.invoice_id ? 'Open the invoice' : 'Open the customer'}
                </Anchor>
              </Fact>
            )}
            {e.attachments.length > 0 && (
              <Fact label="Attached">
                {e.attachments.map((a) => a.type.replaceAll('_', ' ')).join(', ')} (rendered when
                sent)
              </Fact>
            )}
          </Stack>
          <section aria-labelledby="email-delivery">
            <Stack gap={4}>
              <Title order={3} size="h4" id="email-delivery">
                Delivery
              </Title>
              <Group gap="xs">
                <EmailStatusCell email={e} />
              </Group>
              <Fact label="Attempts">{e.attempts}</Fact>
              {e.sent_at && <Fact label="Sent">{formatInstant(e.sent_at, timeZone)}</Fact>}
              {e.message_id && <Fact label="Message ID">{e.message_id}</Fact>}
              {e.resent_from && <Fact label="Copy of">{e.resent_from}</Fact>}
              {e.status === 'queued' && e.attempts === 0 && (
                <Text size="sm">
                  Waiting to be sent. Without an SMTP server configured, messages stay queued and
                  are read here.
                </Text>
              )}
            </Stack>
          </section>
          {can(me, 'billing:write') && (
            <Group gap="xs">
              <Button
                variant="default"
                onClick={() => resend.mutate(e.id)}
                loading={resend.isPending}
                aria-label={`Re-send this email to ${e.to}`}
              >
                Re-send
              </Button>
            </Group>
          )}
          {resend.isError && <ErrorAlert error={resend.error} title="The email was not re-sent" />}
          {resend.isSuccess && (
            <Notice color="blue" role="status" title="Copy queued">
              <Text size="sm">A copy to {resend.data.to} is queued; it shows in the outbox.</Text>
            </Notice>
          )}
          <section aria-labelledby="email-body">
            <Stack gap={4}>
              <Title order={3} size="h4" id="email-body">
                Message
              </Title>
              <Text
                component="pre"
                size="sm"
                p="sm"
                bg="gray.0"
                style={{
                  whiteSpace: 'pre-wrap',
                  overflowWrap: 'anywhere',
                  fontFamily: 'inherit',
                  margin: 0,
                  borderRadius: 4,
                }}
                data-testid="email-body"
              >
                {e.body_text}
              </Text>
            </Stack>
          </section>
        </Stack>
      ) : null}
    </Drawer>
  );
}
