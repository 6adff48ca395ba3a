/**
 * The email outbox (issue 13, J4, L4): every email of the tenant, newest first, paged and
 * filtered by the server (status, kind, recipient text, all in the URL); `?email=ID` opens one
 * to read — without SMTP this is where staff read messages — with its delivery record and
 * re-send.
 */
import { Anchor, Button, Group, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { Pager } from '../../shared/Pager';
import { Empty, Loading } from '../../shared/states';
import { EMAIL_KIND, EMAIL_STATUS, EMAILS_KEY, EmailReader, EmailTable } from '../emails';
import { type OutboxSearch, outboxRoute } from '../router';

const PAGE_SIZE = 25;

const STATUS_FILTERS = [
  { value: 'all', label: 'Any status' },
  ...Object.entries(EMAIL_STATUS).map(([value, s]) => ({ value, label: s.label })),
];
const KIND_FILTERS = [
  { value: 'all', label: 'Any kind' },
  ...Object.entries(EMAIL_KIND).map(([value, label]) => ({ value, label })),
];

export function OutboxPage() {
  const search = outboxRoute.useSearch();
  const navigate = useNavigate({ from: '/emails' });
  const [to, setTo] = useState(search.to ?? '');
  useEffect(() => setTo(search.to ?? ''), [search.to]);

  const emails = useQuery({
    queryKey: [...EMAILS_KEY, 'outbox', search.status, search.kind, search.to, search.cursor],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/emails', {
          params: {
            query: {
              limit: PAGE_SIZE,
              ...(search.status && { status: search.status }),
              ...(search.kind && { kind: search.kind }),
              ...(search.to && { to: search.to }),
              ...(search.cursor && { cursor: search.cursor }),
            },
          },
        }),
      ),
    placeholderData: keepPreviousData,
    // A queued message is being sent: follow it until it settles.
    refetchInterval: (q) =>
      (q.state.data?.data ?? []).some((e) => e.status === 'queued') ? 5000 : false,
  });

  function filter(s: Partial<OutboxSearch>) {
    void navigate({ search: (old) => ({ ...old, ...s, cursor: undefined }) });
  }
  function submit(event: FormEvent) {
    event.preventDefault();
    filter({ to: to.trim() || undefined });
  }
  const filtered = Boolean(search.status || search.kind || search.to);

  return (
    <Stack gap="md">
      <div>
        <Title order={1}>Email outbox</Title>
        <Text size="sm">
          Every email Billow has sent or will send for your organisation, newest first, with its
          delivery status. Open one to read it; when no SMTP server is configured, messages wait
          here.
        </Text>
      </div>
      <Group align="flex-end" wrap="wrap" gap="sm">
        <form onSubmit={submit} style={{ flex: '1 1 260px' }} aria-label="Find by recipient">
          <Group align="flex-end" gap="xs" wrap="nowrap">
            <TextInput
              label="Recipient"
              description="Part of the email address"
              value={to}
              maxLength={320}
              onChange={(e) => setTo(e.currentTarget.value)}
              style={{ flex: 1 }}
            />
            <Button type="submit" variant="default">
              Find
            </Button>
          </Group>
        </form>
        <Select
          label="Status"
          data={STATUS_FILTERS}
          value={search.status ?? 'all'}
          allowDeselect={false}
          w={160}
          onChange={(v) =>
            filter({
              status: v && v !== 'all' ? (v as NonNullable<OutboxSearch['status']>) : undefined,
            })
          }
        />
        <Select
          label="Kind"
          data={KIND_FILTERS}
          value={search.kind ?? 'all'}
          allowDeselect={false}
          w={200}
          onChange={(v) =>
            filter({
              kind: v && v !== 'all' ? (v as NonNullable<OutboxSearch['kind']>) : undefined,
            })
          }
        />
        {filtered && (
          <Button
            variant="subtle"
            onClick={() => filter({ status: undefined, kind: undefined, to: undefined })}
          >
            Clear filters
          </Button>
        )}
      </Group>
      {emails.isPending ? (
        <Loading label="Loading the outbox…" />
      ) : emails.isError ? (
        <ErrorAlert error={emails.error} onRetry={() => void emails.refetch()} />
      ) : emails.data.data.length === 0 ? (
        <Empty title="No emails">
          {filtered
            ? 'No email matches these filters.'
            : 'Invoices, receipts, statements and portal emails will show here once sent.'}
        </Empty>
      ) : (
        <Stack gap="xs">
          <EmailTable
            emails={emails.data.data}
            label="Email outbox"
            open={(e) => (
              <Anchor
                renderRoot={(p) => (
                  <Link {...p} from="/emails" search={(old) => ({ ...old, email: e.id })} />
                )}
                aria-label={`Read “${e.subject}” to ${e.to}`}
              >
                {e.subject}
              </Anchor>
            )}
          />
          <Pager
            onFirst={
              search.cursor
                ? () => void navigate({ search: (old) => ({ ...old, cursor: undefined }) })
                : undefined
            }
            onNext={
              emails.data.next_cursor
                ? () =>
                    void navigate({
                      search: (old) => ({ ...old, cursor: emails.data.next_cursor ?? undefined }),
                    })
                : undefined
            }
          />
        </Stack>
      )}
      <EmailReader
        id={search.email}
        onClose={() => void navigate({ search: (old) => ({ ...old, email: undefined }) })}
      />
    </Stack>
  );
}
