/**
 * Emailing (J4): send the account statement (a PDF of open invoices, recent payments, credits and
 * the balance) to the billing contacts, and the customer's email audit trail — every email to the
 * customer and its contacts, with its delivery status, the last error, and re-send. The trail is
 * also the contact card's own history (`EmailHistory` with a contact).
 */
import { Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { EmailTable } from '../../emails';
import { customerRoute } from '../../router';
import { can, useMe } from '../../session';
import type { SectionProps } from './sections';
import { profileKey } from './types';

/** The key of every email list of a customer, so a send refreshes them all. */
export const emailsKey = (customerId: string) => [...profileKey(customerId), 'emails'] as const;

export function EmailsSection({ customerId }: SectionProps) {
  const me = useMe();
  // The trail's page is in the address (`?emails_cursor=`): a reload or Back keeps it.
  const search = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  const page: ListPage = {
    cursor: search.emails_cursor,
    setCursor: (cursor) => void navigate({ search: (s) => ({ ...s, emails_cursor: cursor }) }),
  };
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
        <EmailHistory customerId={customerId} label="Email audit trail" page={page} />
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

/** Which page of a list is shown, and how to show another. */
interface ListPage {
  cursor: string | undefined;
  setCursor: (cursor: string | undefined) => void;
}

/**
 * An email list: a customer's (with `customerId` only) or one contact's, with re-send. Its page
 * is `page` when given (the address), otherwise its own.
 */
export function EmailHistory({
  customerId,
  contactId,
  label,
  page,
}: {
  customerId: string;
  contactId?: string;
  label: string;
  page?: ListPage;
}) {
  const [ownCursor, setOwnCursor] = useState<string | undefined>(undefined);
  const { cursor, setCursor } = page ?? { cursor: ownCursor, setCursor: setOwnCursor };
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
      <EmailTable emails={emails.data.data} label={label} />
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
