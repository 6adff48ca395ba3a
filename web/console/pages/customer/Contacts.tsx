/**
 * Contacts (A4): the people at this customer, sorted and searched on the server, the search,
 * order and page in the address. Expanding a
 * contact (`?contact=ID`, which global search links to) shows its profile — change it, or
 * "Revoke access", then Save — its portal access, the emails staff send it (welcome, password
 * reset, account statement) and its own email history. A contact whose profile cannot view
 * invoices is flagged: that is the usual cause of "I can't see my invoices".
 */
import {
  Accordion,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import type { paths } from '../../../../generated/api';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { formatInstant } from '../../../shared/format';
import { Pager } from '../../../shared/Pager';
import { Empty, Loading } from '../../../shared/states';
import { customerRoute } from '../../router';
import { can, useMe } from '../../session';
import { contactRows } from './contactRows';
import { EmailHistory, emailsKey } from './Emails';
import type { SectionProps } from './sections';
import { profileKey } from './types';

type Contact =
  paths['/api/v1/contacts/{id}']['get']['responses'][200]['content']['application/json'];
type Sort = 'newest' | 'name' | 'email';

const REVOKE = 'revoke';
const NO_INVOICES =
  'This contact cannot see invoices in the portal — that is the usual cause of “I can’t see my invoices”. Give it a profile that can view invoices.';

const contactsKey = (customerId: string) => [...profileKey(customerId), 'contacts'] as const;

export function ContactsSection({ customerId }: SectionProps) {
  const me = useMe();
  const canWrite = can(me, 'customers:write');
  const search = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  // The search, the order and the page live in the address (`?contacts_q=`, `?contacts_sort=`,
  // `?contacts_cursor=`): a reload or Back shows the same list. The box writes its text there a
  // moment after typing stops, which starts the list again on its first page.
  const q = search.contacts_q ?? '';
  const sort: Sort = search.contacts_sort ?? 'name';
  const cursor = search.contacts_cursor;
  const [text, setText] = useState(q);
  const [typed] = useDebouncedValue(text.trim(), 250);
  const setList = (
    next: { q?: string; sort?: Sort; cursor?: string | undefined },
    replace = false,
  ) => {
    const order = next.sort ?? sort;
    void navigate({
      search: (s) => ({
        ...s,
        contacts_q: (next.q ?? q) || undefined,
        contacts_sort: order === 'name' ? undefined : order,
        contacts_cursor: next.cursor,
      }),
      replace,
    });
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: only a new typed text writes the address
  useEffect(() => {
    if (typed !== q) setList({ q: typed }, true);
  }, [typed]);
  const [adding, setAdding] = useState(false);
  const expanded = search.contact ?? null;
  const setExpanded = (id: string | null) =>
    void navigate({ search: (s) => ({ ...s, contact: id ?? undefined }), replace: true });

  const list = useQuery({
    queryKey: [...contactsKey(customerId), q, sort, cursor ?? ''],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/contacts', {
          params: {
            path: { id: customerId },
            query: { sort, limit: 25, ...(q && { q }), ...(cursor && { cursor }) },
          },
        }),
      ),
    placeholderData: keepPreviousData,
  });
  // A contact linked to (`?contact=`) but not on this page still opens, above the list.
  const linked = useQuery({
    queryKey: [...contactsKey(customerId), 'one', expanded],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/contacts/{id}', { params: { path: { id: expanded ?? '' } } })),
    enabled: expanded !== null && list.isSuccess && !list.data.data.some((c) => c.id === expanded),
  });
  const profiles = useQuery({
    queryKey: ['contact-profiles'],
    queryFn: async () => unwrap(await api.GET('/api/v1/contact-profiles')),
    staleTime: 60_000,
  });
  const rows = contactRows(list.data?.data ?? [], linked.data, customerId);

  return (
    <Stack gap="md" component="section" aria-labelledby="contacts-title">
      <Group justify="space-between" align="end" wrap="wrap" gap="sm">
        <Title order={2} size="h3" id="contacts-title">
          Contacts
        </Title>
        {canWrite && <Button onClick={() => setAdding(true)}>Add contact</Button>}
      </Group>
      <Group gap="sm" wrap="wrap" align="end">
        <TextInput
          label="Search contacts"
          placeholder="Name or email"
          type="search"
          value={text}
          maxLength={200}
          onChange={(e) => setText(e.currentTarget.value)}
          w={{ base: '100%', xs: 280 }}
        />
        <Select
          label="Sort by"
          data={[
            { value: 'name', label: 'Name' },
            { value: 'email', label: 'Email' },
            { value: 'newest', label: 'Newest first' },
          ]}
          value={sort}
          allowDeselect={false}
          onChange={(v) => setList({ sort: (v as Sort | null) ?? 'name' })}
          w={{ base: '100%', xs: 180 }}
        />
      </Group>
      {list.isPending ? (
        <Loading label="Loading contacts…" />
      ) : list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : rows.length === 0 ? (
        <Empty title={q ? `No contact matches “${q}”` : 'No contacts yet'}>
          {q
            ? 'Try part of the name or of the email address.'
            : 'Add the people who receive invoices and use the portal.'}
        </Empty>
      ) : (
        <Accordion
          variant="separated"
          value={expanded}
          onChange={setExpanded}
          chevronPosition="left"
        >
          {rows.map((c) => (
            <Accordion.Item key={c.id} value={c.id} data-contact={c.id}>
              <Accordion.Control aria-label={`${c.name}, ${c.email}`}>
                <ContactLine contact={c} />
              </Accordion.Control>
              <Accordion.Panel>
                {expanded === c.id && (
                  <ContactCard
                    customerId={customerId}
                    contact={c}
                    profiles={profiles.data?.data ?? []}
                    canWrite={canWrite}
                  />
                )}
              </Accordion.Panel>
            </Accordion.Item>
          ))}
        </Accordion>
      )}
      {list.data && (
        <Pager
          onFirst={cursor ? () => setList({}) : undefined}
          onNext={
            list.data.next_cursor
              ? () => setList({ cursor: list.data.next_cursor ?? undefined })
              : undefined
          }
        />
      )}
      <AddContact
        customerId={customerId}
        opened={adding}
        profiles={profiles.data?.data ?? []}
        onClose={(id) => {
          setAdding(false);
          if (id) setExpanded(id);
        }}
      />
    </Stack>
  );
}

function ContactLine({ contact: c }: { contact: Contact }) {
  return (
    <Group gap="sm" wrap="wrap" justify="space-between">
      <Stack gap={0} style={{ minWidth: 0 }}>
        <Text fw={600}>{c.name}</Text>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          {c.email}
        </Text>
      </Stack>
      <Group gap="xs" wrap="wrap">
        {c.status === 'revoked' ? (
          <Badge variant="light" color="gray" c="dark.9" radius="sm">
            Access revoked
          </Badge>
        ) : (
          <Badge variant="light" color="blue" c="dark.9" radius="sm">
            {c.profile.name}
          </Badge>
        )}
        {c.status === 'active' && !c.can_view_invoices && (
          <Badge variant="light" color="yellow" c="dark.9" radius="sm">
            Cannot see invoices
          </Badge>
        )}
      </Group>
    </Group>
  );
}

function ContactCard({
  customerId,
  contact: c,
  profiles,
  canWrite,
}: {
  customerId: string;
  contact: Contact;
  profiles: { id: string; name: string; permissions: string[] }[];
  canWrite: boolean;
}) {
  const me = useMe();
  const queryClient = useQueryClient();
  const [choice, setChoice] = useState<string>(c.profile.id);
  const active = c.status === 'active';
  const refresh = () => queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
  const access = useQuery({
    queryKey: [...contactsKey(customerId), c.id, 'portal-access'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/contacts/{id}/portal-access', { params: { path: { id: c.id } } }),
      ),
  });
  const save = useMutation({
    mutationFn: async () => {
      const path = { path: { id: c.id } };
      if (choice === REVOKE)
        return unwrap(await api.POST('/api/v1/contacts/{id}/revoke', { params: path }));
      return unwrap(
        await api.PATCH('/api/v1/contacts/{id}', { params: path, body: { profile_id: choice } }),
      );
    },
    onSuccess: refresh,
  });
  const send = useMutation({
    mutationFn: async (what: 'welcome' | 'reset' | 'statement') => {
      const path = { path: { id: c.id } };
      if (what === 'welcome')
        unwrap(await api.POST('/api/v1/contacts/{id}/invitations', { params: path }));
      else if (what === 'reset')
        unwrap(await api.POST('/api/v1/contacts/{id}/password-reset', { params: path }));
      else
        unwrap(
          await api.POST('/api/v1/customers/{id}/statement/email', {
            params: { path: { id: customerId } },
            body: { contact_id: c.id },
          }),
        );
      return what;
    },
    onSuccess: () => {
      void queryClient.invalidateQueries({ queryKey: emailsKey(customerId) });
      void access.refetch();
    },
  });
  const chosen = profiles.find((p) => p.id === choice);
  const SENT = {
    welcome: 'Welcome email (portal invitation) queued.',
    reset: 'Password reset link queued.',
    statement: 'Account statement queued.',
  } as const;
  const accessText: Record<string, string> = {
    none: 'Not invited to the portal yet.',
    invited: 'Invited; the link has not been used yet.',
    expired: 'The invitation expired; send the welcome email again.',
    active: 'Has a portal password.',
    revoked: 'Access revoked.',
  };

  return (
    <Stack gap="md">
      {active && !c.can_view_invoices && (
        <Notice color="yellow" title="Cannot see invoices">
          <Text size="sm">{NO_INVOICES}</Text>
        </Notice>
      )}
      <Group gap="lg" wrap="wrap">
        {c.title && <Text size="sm">Title: {c.title}</Text>}
        {c.phone && <Text size="sm">Phone: {c.phone}</Text>}
        <Text size="sm">
          Portal: {access.data ? (accessText[access.data.status] ?? access.data.status) : '…'}
        </Text>
        {c.revoked_at && (
          <Text size="sm">Revoked {formatInstant(c.revoked_at, me.tenant.time_zone)}</Text>
        )}
      </Group>
      {active && canWrite && (
        <Paper withBorder p="sm" radius="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              save.mutate();
            }}
          >
            <Stack gap="xs">
              <Group gap="sm" align="end" wrap="wrap">
                <Select
                  label="Profile"
                  data={[
                    ...profiles.map((p) => ({ value: p.id, label: p.name })),
                    { value: REVOKE, label: 'Revoke access' },
                  ]}
                  value={choice}
                  allowDeselect={false}
                  onChange={(v) => setChoice(v ?? c.profile.id)}
                  w={{ base: '100%', xs: 240 }}
                />
                <Button type="submit" loading={save.isPending} disabled={choice === c.profile.id}>
                  Save
                </Button>
              </Group>
              {choice === REVOKE && (
                <Text size="sm" c="red.9">
                  Saving ends this contact’s portal access for good, and signs it out at once.
                </Text>
              )}
              {chosen &&
                choice !== c.profile.id &&
                !chosen.permissions.includes('view_invoices') && (
                  <Text size="sm">With {chosen.name}, this contact will not see invoices.</Text>
                )}
              {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
            </Stack>
          </form>
        </Paper>
      )}
      {active && canWrite && (
        <Stack gap="xs">
          <Text fw={600} size="sm">
            Email this contact
          </Text>
          <Group gap="xs" wrap="wrap">
            <Button
              variant="default"
              onClick={() => send.mutate('welcome')}
              loading={send.isPending && send.variables === 'welcome'}
            >
              Send welcome
            </Button>
            <Button
              variant="default"
              onClick={() => send.mutate('reset')}
              loading={send.isPending && send.variables === 'reset'}
            >
              Send password reset
            </Button>
            {can(me, 'billing:write') && (
              <Button
                variant="default"
                onClick={() => send.mutate('statement')}
                loading={send.isPending && send.variables === 'statement'}
              >
                Send statement
              </Button>
            )}
          </Group>
          {send.isError && <ErrorAlert error={send.error} title="Not sent" />}
          {send.isSuccess && (
            <Notice color="blue" role="status" title="Email queued">
              <Text size="sm">{SENT[send.data]}</Text>
            </Notice>
          )}
        </Stack>
      )}
      {can(me, 'billing:read') && (
        <Stack gap="xs">
          <Text fw={600} size="sm">
            Email history of {c.name}
          </Text>
          <EmailHistory
            customerId={customerId}
            contactId={c.id}
            label={`Email history of ${c.name}`}
          />
        </Stack>
      )}
    </Stack>
  );
}

function AddContact({
  customerId,
  opened,
  profiles,
  onClose,
}: {
  customerId: string;
  opened: boolean;
  profiles: { id: string; name: string; is_default: boolean }[];
  onClose: (createdId?: string) => void;
}) {
  const queryClient = useQueryClient();
  const [profile, setProfile] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async (body: { name: string; email: string; profile_id?: string }) =>
      unwrap(
        await api.POST('/api/v1/customers/{id}/contacts', {
          params: { path: { id: customerId } },
          body,
        }),
      ),
    onSuccess: (c) => {
      void queryClient.invalidateQueries({ queryKey: contactsKey(customerId) });
      create.reset();
      setProfile(null);
      onClose(c.id);
    },
  });
  const errors = fieldErrors(create.error);
  const fallback = profiles.find((p) => p.is_default)?.id ?? null;
  const submit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const data = new FormData(e.currentTarget);
    const chosen = profile ?? fallback;
    create.mutate({
      name: String(data.get('name') ?? ''),
      email: String(data.get('email') ?? ''),
      ...(chosen && { profile_id: chosen }),
    });
  };
  return (
    <Modal opened={opened} onClose={() => onClose()} title="Add a contact">
      <form onSubmit={submit}>
        <Stack gap="sm">
          <TextInput name="name" label="Name" required maxLength={200} error={errors.name} />
          <TextInput
            name="email"
            label="Email"
            type="email"
            required
            maxLength={320}
            error={errors.email}
          />
          <Select
            label="Profile"
            data={profiles.map((p) => ({ value: p.id, label: p.name }))}
            value={profile ?? fallback}
            allowDeselect={false}
            onChange={setProfile}
            error={errors.profile_id}
          />
          {create.isError && Object.keys(errors).length === 0 && (
            <ErrorAlert error={create.error} title="Not added" />
          )}
          <Group justify="end" gap="xs">
            <Button variant="default" onClick={() => onClose()}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending}>
              Add contact
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
