/**
 * Contact profiles as a permission matrix (A4, issue 13 item 5): a row per permission a profile
 * can grant, a column per profile, a tick box in each cell. A column's ticks are kept here until
 * "Save" for that profile sends them (PATCH /contact-profiles/{id}), with the result under the
 * column. Add, rename, make default and delete are the contacts module's endpoints; the API's
 * refusals (a name taken, a profile contacts use, the default) are shown with its reason. On a
 * phone each profile is a list of its own (the matrix would not fit).
 */
import {
  Badge,
  Box,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  Paper,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import type { paths } from '../../../../generated/api';
import { CONTACT_PERMISSIONS } from '../../../../src/modules/contacts/model';
import { ApiError, api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert, errorMessage, fieldErrors } from '../../../shared/errors';
import { Loading } from '../../../shared/states';

type Profile =
  paths['/api/v1/contact-profiles']['get']['responses'][200]['content']['application/json']['data'][number];
type Permission = (typeof CONTACT_PERMISSIONS)[number];

/** The permissions in the words of SPEC A4, in the model's order. */
const PERMISSION_LABELS: Record<Permission, { label: string; hint: string }> = {
  view_invoices: { label: 'View invoices', hint: 'Without it, a contact sees no invoices' },
  view_payments: { label: 'View payments', hint: 'Payment history and receipts' },
  view_credits: { label: 'View credits', hint: 'Credit memos and unapplied payments' },
  view_usage: { label: 'View usage', hint: 'Usage records and their exports' },
  make_payments: { label: 'Make payments', hint: 'Pay invoices in the portal' },
  manage_payment_methods: { label: 'Manage payment methods', hint: 'Add, replace and remove' },
  manage_autopay: { label: 'Manage autopay', hint: 'Switch autopay and unlocked rules' },
  receive_invoice_emails: { label: 'Receive invoice emails', hint: 'Posted invoices by email' },
  receive_receipts: {
    label: 'Receive receipts and statements',
    hint: 'Payment receipts, failures and statements',
  },
};

const profilesKey = ['contact-profiles'];

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((p) => b.includes(p));
}

/** What the API's refusal to delete a profile means, in a sentence a person acts on. */
function deleteRefusal(err: unknown): string {
  if (err instanceof ApiError && err.code === 'contact_profile_in_use') {
    const n = Number(err.details?.active_contacts ?? 0);
    return `${n} active contact${n === 1 ? '' : 's'} use${n === 1 ? 's' : ''} this profile. Give ${n === 1 ? 'it' : 'them'} another profile on the customer’s Contacts tab first.`;
  }
  if (err instanceof ApiError && err.code === 'contact_profile_is_default') {
    return 'This is the default profile, which new contacts get. Make another profile the default first.';
  }
  return errorMessage(err);
}

export function ContactProfilesTab() {
  const queryClient = useQueryClient();
  const profiles = useQuery({
    queryKey: profilesKey,
    queryFn: async () => unwrap(await api.GET('/api/v1/contact-profiles')),
  });
  /** Unsaved ticks per profile id. */
  const [edits, setEdits] = useState<Record<string, Permission[]>>({});
  const [saved, setSaved] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Profile | null>(null);
  const [deleting, setDeleting] = useState<Profile | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: profilesKey });

  const save = useMutation({
    mutationFn: async (v: { id: string; permissions: Permission[] }) =>
      unwrap(
        await api.PATCH('/api/v1/contact-profiles/{id}', {
          params: { path: { id: v.id } },
          body: { permissions: v.permissions },
        }),
      ),
    onSuccess: async (p) => {
      setEdits(({ [p.id]: _done, ...rest }) => rest);
      setSaved(p.id);
      await refresh();
    },
  });
  const makeDefault = useMutation({
    mutationFn: async (id: string) =>
      unwrap(
        await api.PATCH('/api/v1/contact-profiles/{id}', {
          params: { path: { id } },
          body: { is_default: true },
        }),
      ),
    onSuccess: () => refresh(),
  });

  if (profiles.isError) return <ErrorAlert error={profiles.error} />;
  if (!profiles.data) return <Loading />;
  const list = profiles.data.data;
  const ticks = (p: Profile): Permission[] => edits[p.id] ?? (p.permissions as Permission[]);
  const toggle = (p: Profile, perm: Permission, on: boolean) => {
    setSaved(null);
    const next = on ? [...ticks(p), perm] : ticks(p).filter((x) => x !== perm);
    setEdits((e) => ({ ...e, [p.id]: CONTACT_PERMISSIONS.filter((x) => next.includes(x)) }));
  };
  const dirty = (p: Profile) => !!edits[p.id] && !sameSet(edits[p.id] ?? [], p.permissions);

  const head = (p: Profile) => (
    <Stack gap={4}>
      <Group gap={6} wrap="nowrap" justify="space-between">
        <Text fw={700} size="sm" style={{ overflowWrap: 'anywhere' }}>
          {p.name}
        </Text>
        <Menu position="bottom-end" withinPortal>
          <Menu.Target>
            <Button size="compact-xs" variant="default" aria-label={`Actions for ${p.name}`}>
              ⋯
            </Button>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Item onClick={() => setRenaming(p)}>Rename</Menu.Item>
            <Menu.Item disabled={p.is_default} onClick={() => makeDefault.mutate(p.id)}>
              Make default
            </Menu.Item>
            <Menu.Item color="red" onClick={() => setDeleting(p)}>
              Delete
            </Menu.Item>
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Group gap={4}>
        {p.is_default && (
          <Badge variant="light" color="blue" c="dark.9">
            Default
          </Badge>
        )}
        <Text size="xs" fw={400}>
          {p.active_contacts} contact{p.active_contacts === 1 ? '' : 's'}
        </Text>
      </Group>
    </Stack>
  );
  const saveControls = (p: Profile) => (
    <Stack gap={4} align="flex-start">
      <Button
        size="xs"
        disabled={!dirty(p)}
        loading={save.isPending && save.variables?.id === p.id}
        onClick={() => save.mutate({ id: p.id, permissions: ticks(p) })}
        aria-label={`Save ${p.name}`}
      >
        Save
      </Button>
      {dirty(p) && <Text size="xs">Unsaved changes</Text>}
      {saved === p.id && !dirty(p) && (
        <Text size="xs" role="status" fw={600}>
          Saved
        </Text>
      )}
      {save.isError && save.variables?.id === p.id && (
        <Text size="xs" c="red.9" role="alert">
          Not saved: {errorMessage(save.error)}
        </Text>
      )}
    </Stack>
  );
  const box = (p: Profile, perm: Permission, withLabel: boolean) => (
    <Checkbox
      aria-label={`${PERMISSION_LABELS[perm].label} — ${p.name}`}
      label={withLabel ? PERMISSION_LABELS[perm].label : undefined}
      checked={ticks(p).includes(perm)}
      onChange={(e) => toggle(p, perm, e.currentTarget.checked)}
    />
  );

  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Title order={2} size="h3">
            Contact profiles
          </Title>
          <Text size="sm">
            What a customer’s contacts may see and do in the portal. Tick a box, then save that
            profile; a contact whose profile lacks “View invoices” sees no invoices.
          </Text>
          {makeDefault.isError && (
            <ErrorAlert error={makeDefault.error} title="Default not changed" />
          )}
          <Box visibleFrom="sm">
            <Table.ScrollContainer minWidth={220 + 170 * list.length} type="native">
              <Table withColumnBorders aria-label="Contact profile permissions">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th scope="col">Permission</Table.Th>
                    {list.map((p) => (
                      <Table.Th key={p.id} scope="col" miw={150}>
                        {head(p)}
                      </Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {CONTACT_PERMISSIONS.map((perm) => (
                    <Table.Tr key={perm}>
                      <Table.Th scope="row" fw={400}>
                        <Text size="sm" fw={600}>
                          {PERMISSION_LABELS[perm].label}
                        </Text>
                        <Text size="xs">{PERMISSION_LABELS[perm].hint}</Text>
                      </Table.Th>
                      {list.map((p) => (
                        <Table.Td key={p.id}>{box(p, perm, false)}</Table.Td>
                      ))}
                    </Table.Tr>
                  ))}
                  <Table.Tr>
                    <Table.Th scope="row" fw={400}>
                      <Text size="sm" fw={600}>
                        Save
                      </Text>
                    </Table.Th>
                    {list.map((p) => (
                      <Table.Td key={p.id}>{saveControls(p)}</Table.Td>
                    ))}
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Box>
          {/* On a phone: one list of tick boxes per profile. */}
          <Stack hiddenFrom="sm" gap="sm">
            {list.map((p) => (
              <Paper
                key={p.id}
                withBorder
                p="sm"
                radius="sm"
                component="section"
                aria-label={p.name}
              >
                <Stack gap="xs">
                  {head(p)}
                  {CONTACT_PERMISSIONS.map((perm) => (
                    <div key={perm}>{box(p, perm, true)}</div>
                  ))}
                  {saveControls(p)}
                </Stack>
              </Paper>
            ))}
          </Stack>
        </Stack>
      </Paper>
      <AddProfile onAdded={refresh} />
      {renaming && <RenameDialog profile={renaming} onClose={() => setRenaming(null)} />}
      {deleting && <DeleteDialog profile={deleting} onClose={() => setDeleting(null)} />}
    </Stack>
  );
}

function AddProfile({ onAdded }: { onAdded: () => Promise<void> }) {
  const [name, setName] = useState('');
  const [asDefault, setAsDefault] = useState(false);
  const add = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/contact-profiles', {
          body: { name: name.trim(), permissions: [], is_default: asDefault },
        }),
      ),
    onSuccess: async () => {
      setName('');
      setAsDefault(false);
      await onAdded();
    },
  });
  const fields = fieldErrors(add.error);
  return (
    <Paper withBorder p="md" radius="md">
      <form
        aria-label="Add a contact profile"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Stack gap="sm" maw={480}>
          <Title order={2} size="h3">
            Add a contact profile
          </Title>
          {add.isError && !fields.name && <ErrorAlert error={add.error} title="Not added" />}
          <TextInput
            label="Profile name"
            description="It starts with no permissions: tick them in the table, then save"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            maxLength={100}
            error={fields.name}
          />
          <Checkbox
            label="Make it the default for new contacts"
            checked={asDefault}
            onChange={(e) => setAsDefault(e.currentTarget.checked)}
          />
          <Group>
            <Button type="submit" loading={add.isPending}>
              Add profile
            </Button>
            {add.isSuccess && (
              <Text size="sm" role="status" fw={600}>
                Added {add.data.name}
              </Text>
            )}
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}

function RenameDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(profile.name);
  const rename = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PATCH('/api/v1/contact-profiles/{id}', {
          params: { path: { id: profile.id } },
          body: { name: name.trim() },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profilesKey });
      onClose();
    },
  });
  const fields = fieldErrors(rename.error);
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Rename ${profile.name}`}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate();
        }}
      >
        <Stack gap="sm">
          {rename.isError && !fields.name && (
            <ErrorAlert error={rename.error} title="Not renamed" />
          )}
          <TextInput
            label="New name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
            maxLength={100}
            data-autofocus
            error={fields.name}
          />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={rename.isPending}>
              Rename
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

function DeleteDialog({ profile, onClose }: { profile: Profile; onClose: () => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE('/api/v1/contact-profiles/{id}', {
          params: { path: { id: profile.id } },
        }),
      ),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: profilesKey });
      onClose();
    },
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Delete ${profile.name}?`}
      closeButtonProps={{ 'aria-label': 'Close dialog' }}
    >
      <Stack gap="sm">
        {remove.isError ? (
          <Notice color="yellow" title="Not deleted" role="alert">
            {deleteRefusal(remove.error)}
          </Notice>
        ) : (
          <Text size="sm">
            Contacts can no longer be given this profile. Contacts who had it keep their history.
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            {remove.isError ? 'Close' : 'Cancel'}
          </Button>
          {!remove.isError && (
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete profile
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
