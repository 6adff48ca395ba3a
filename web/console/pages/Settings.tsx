/**
 * Settings (A1, A2, K3), for tenant:manage: the tenant (name, time zone, payment terms, currency
 * shown), billing rules (auto-post, auto-email, retry schedule, the bill-run day, the payment
 * run after it and the daily payment run), staff and roles, API keys (the secret shown once);
 * webhook endpoints with their delivery log are settings/Webhooks.tsx. One tab per area, `?tab=` in the URL. Every change goes through the API,
 * which validates it; its field errors show next to the fields.
 */
import {
  Badge,
  Button,
  Checkbox,
  Code,
  Group,
  NumberInput,
  PasswordInput,
  Select,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useMemo, useState } from 'react';
import type { paths } from '../../../generated/api';
import { api, unwrap } from '../../shared/api';
import { Notice } from '../../shared/display';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { formatInstant } from '../../shared/format';
import { Empty, Loading } from '../../shared/states';
import { settingsRoute } from '../router';
import { can, useMe } from '../session';
import { MORE_SETTINGS_TABS } from './settings/more';
import { Section } from './settings/Section';
import { WebhooksTab } from './settings/Webhooks';

const ROLES = [
  { value: 'owner', label: 'Owner' },
  { value: 'admin', label: 'Admin' },
  { value: 'billing', label: 'Billing' },
  { value: 'read_only', label: 'Read-only' },
];
const TABS = [
  { value: 'tenant', label: 'Organisation' },
  { value: 'billing', label: 'Billing rules' },
  { value: 'staff', label: 'Staff' },
  { value: 'api-keys', label: 'API keys' },
  { value: 'webhooks', label: 'Webhooks' },
  ...MORE_SETTINGS_TABS,
] as const;

/** A secret or URL breaks anywhere rather than widening the page on a phone. */
const WRAP = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

const tenantQuery = {
  queryKey: ['tenant'],
  queryFn: async () => unwrap(await api.GET('/api/v1/tenant')),
};

export function SettingsPage() {
  const me = useMe();
  const search = settingsRoute.useSearch();
  const navigate = useNavigate({ from: '/settings' });
  const tab = TABS.some((t) => t.value === search.tab) ? (search.tab as string) : 'tenant';
  if (!can(me, 'tenant:manage')) {
    return (
      <Stack>
        <Title order={1}>Settings</Title>
        <Notice title="Not available to your role" color="gray">
          Only an owner or an admin changes the organisation’s settings.
        </Notice>
      </Stack>
    );
  }
  return (
    <Stack gap="md">
      <Title order={1}>Settings</Title>
      <Tabs
        value={tab}
        onChange={(v) => void navigate({ search: { tab: v ?? 'tenant' } })}
        keepMounted={false}
      >
        <Tabs.List>
          {TABS.map((t) => (
            <Tabs.Tab key={t.value} value={t.value}>
              {t.label}
            </Tabs.Tab>
          ))}
        </Tabs.List>
        <Tabs.Panel value="tenant" pt="md">
          <TenantTab />
        </Tabs.Panel>
        <Tabs.Panel value="billing" pt="md">
          <BillingTab />
        </Tabs.Panel>
        <Tabs.Panel value="staff" pt="md">
          <StaffTab />
        </Tabs.Panel>
        <Tabs.Panel value="api-keys" pt="md">
          <ApiKeysTab />
        </Tabs.Panel>
        <Tabs.Panel value="webhooks" pt="md">
          <WebhooksTab />
        </Tabs.Panel>
        {MORE_SETTINGS_TABS.map((t) => (
          <Tabs.Panel key={t.value} value={t.value} pt="md">
            {t.render()}
          </Tabs.Panel>
        ))}
      </Tabs>
    </Stack>
  );
}

type TenantPatch = paths['/api/v1/tenant']['patch']['requestBody']['content']['application/json'];

function useTenantSave() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: async (body: TenantPatch) => unwrap(await api.PATCH('/api/v1/tenant', { body })),
    onSuccess: (t) => {
      queryClient.setQueryData(tenantQuery.queryKey, t);
      void queryClient.invalidateQueries({ queryKey: ['me'] });
    },
  });
}

function Saved({ show }: { show: boolean }) {
  return show ? (
    <Text size="sm" role="status" fw={600}>
      Saved
    </Text>
  ) : null;
}

function TenantTab() {
  const tenant = useQuery(tenantQuery);
  const save = useTenantSave();
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const [name, setName] = useState('');
  const [zone, setZone] = useState<string | null>(null);
  const [terms, setTerms] = useState<number | string>(30);
  useEffect(() => {
    if (!tenant.data) return;
    setName(tenant.data.name);
    setZone(tenant.data.time_zone);
    setTerms(tenant.data.settings.payment_terms_days);
  }, [tenant.data]);
  if (tenant.isError) return <ErrorAlert error={tenant.error} />;
  if (!tenant.data) return <Loading />;
  const fields = fieldErrors(save.error);

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({
      name: name.trim(),
      ...(zone && { time_zone: zone }),
      settings: { payment_terms_days: Number(terms) },
    });
  }
  return (
    <Section title="Organisation">
      <form onSubmit={submit} aria-label="Organisation">
        <Stack gap="sm" maw={480}>
          {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
          <TextInput
            label="Name"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            maxLength={200}
            required
            error={fields.name}
          />
          <Select
            label="Time zone"
            description="Invoice dates, due dates and “today” are dates in this zone"
            data={zones}
            searchable
            allowDeselect={false}
            value={zone}
            onChange={setZone}
            error={fields.time_zone}
          />
          <NumberInput
            label="Payment terms (days from invoice date to due date)"
            min={0}
            max={365}
            allowDecimal={false}
            value={terms}
            onChange={setTerms}
            error={fields['settings.payment_terms_days']}
          />
          <TextInput label="Currency" value={tenant.data.currency} readOnly />
          <Text size="sm">
            Mode:{' '}
            <Badge variant="light" color="gray" c="dark.9">
              {tenant.data.mode}
            </Badge>
          </Text>
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save organisation
            </Button>
            <Saved show={save.isSuccess} />
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function BillingTab() {
  const tenant = useQuery(tenantQuery);
  const save = useTenantSave();
  const [autoPost, setAutoPost] = useState(false);
  const [autoEmail, setAutoEmail] = useState(false);
  const [retry, setRetry] = useState('');
  const [day, setDay] = useState<number | string>('');
  const [runAfter, setRunAfter] = useState(false);
  const [runDaily, setRunDaily] = useState(false);
  useEffect(() => {
    const s = tenant.data?.settings;
    if (!s) return;
    setAutoPost(s.auto_post);
    setAutoEmail(s.auto_email);
    setRetry(s.retry_schedule_days.join(', '));
    setDay(s.bill_run_day ?? '');
    setRunAfter(s.payment_run_after_bill_run);
    setRunDaily(s.payment_run_daily);
  }, [tenant.data]);
  if (tenant.isError) return <ErrorAlert error={tenant.error} />;
  if (!tenant.data) return <Loading />;
  const fields = fieldErrors(save.error);
  const retryDays = retry
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((d) => Number(d));
  const retryProblem = retryDays.some((d) => !Number.isInteger(d))
    ? 'Whole numbers of days, separated by commas'
    : undefined;

  function submit(e: FormEvent) {
    e.preventDefault();
    if (retryProblem) return;
    save.mutate({
      settings: {
        auto_post: autoPost,
        auto_email: autoEmail,
        retry_schedule_days: retryDays,
        bill_run_day: day === '' ? null : Number(day),
        payment_run_after_bill_run: runAfter,
        payment_run_daily: runDaily,
      },
    });
  }
  return (
    <Section title="Billing rules">
      <form onSubmit={submit} aria-label="Billing rules">
        <Stack gap="sm" maw={560}>
          {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
          <Checkbox
            label="Post a bill run’s invoices as soon as it finishes (auto-post)"
            checked={autoPost}
            onChange={(e) => setAutoPost(e.currentTarget.checked)}
          />
          <Checkbox
            label="Email invoices as soon as they are posted (auto-email)"
            checked={autoEmail}
            onChange={(e) => setAutoEmail(e.currentTarget.checked)}
          />
          <TextInput
            label="Retry a failed payment after (days)"
            description="Each number is days after the failure, e.g. 3, 5, 7; empty for no retries"
            value={retry}
            onChange={(e) => setRetry(e.currentTarget.value)}
            error={retryProblem ?? fields['settings.retry_schedule_days']}
          />
          <NumberInput
            label="Bill-run day of the month"
            description="A bill run starts by itself on this day (1–31, short months clamp); empty for none"
            min={1}
            max={31}
            allowDecimal={false}
            value={day}
            onChange={setDay}
            error={fields['settings.bill_run_day']}
          />
          <Checkbox
            label="Start a payment run for autopay customers when a bill run is posted"
            description="It collects what is due by then: with payment terms of some days, little is due right after a bill run"
            checked={runAfter}
            onChange={(e) => setRunAfter(e.currentTarget.checked)}
          />
          <Checkbox
            label="Start a payment run for autopay customers every day"
            description="Once a day, when the organisation’s day begins, it collects the posted invoices due by that day"
            checked={runDaily}
            onChange={(e) => setRunDaily(e.currentTarget.checked)}
          />
          <Group>
            <Button type="submit" loading={save.isPending}>
              Save billing rules
            </Button>
            <Saved show={save.isSuccess} />
          </Group>
        </Stack>
      </form>
    </Section>
  );
}

function StaffTab() {
  const me = useMe();
  const queryClient = useQueryClient();
  const staff = useQuery({
    queryKey: ['staff'],
    queryFn: async () => unwrap(await api.GET('/api/v1/staff')),
  });
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<string | null>('billing');
  const [password, setPassword] = useState('');
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/staff', {
          body: {
            name: name.trim(),
            email: email.trim(),
            role: (role ?? 'billing') as 'billing',
            password,
          },
        }),
      ),
    onSuccess: () => {
      setName('');
      setEmail('');
      setPassword('');
      void queryClient.invalidateQueries({ queryKey: ['staff'] });
    },
  });
  const change = useMutation({
    mutationFn: async (v: { id: string; role: string }) =>
      unwrap(
        await api.PATCH('/api/v1/staff/{id}', {
          params: { path: { id: v.id } },
          body: { role: v.role as 'billing' },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['staff'] }),
  });
  if (!can(me, 'staff:manage')) {
    return (
      <Notice title="Staff are managed by owners and admins" color="gray">
        —
      </Notice>
    );
  }
  const fields = fieldErrors(create.error);
  return (
    <Stack gap="md">
      <Section title="Staff users">
        {change.isError && <ErrorAlert error={change.error} title="Role not changed" />}
        {staff.isError && <ErrorAlert error={staff.error} />}
        {!staff.data ? (
          <Loading />
        ) : (
          <Table.ScrollContainer minWidth={300} type="native">
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Staff member</Table.Th>
                  <Table.Th scope="col">Role</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {staff.data.data.map((s) => (
                  <Table.Tr key={s.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {s.name}
                        {s.disabled && ' (disabled)'}
                      </Text>
                      <Text size="sm" style={WRAP}>
                        {s.email}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      <Select
                        aria-label={`Role of ${s.name}`}
                        data={ROLES}
                        value={s.role}
                        allowDeselect={false}
                        disabled={s.id === me.staff?.id}
                        onChange={(v) => v && v !== s.role && change.mutate({ id: s.id, role: v })}
                        w={140}
                      />
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      <Section title="Add a staff user">
        <form
          aria-label="Add a staff user"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack gap="sm" maw={480}>
            {create.isError && <ErrorAlert error={create.error} title="Not added" />}
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              maxLength={200}
              error={fields.name}
            />
            <TextInput
              label="Email"
              type="email"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              required
              maxLength={320}
              error={fields.email}
            />
            <Select
              label="Role"
              data={ROLES}
              value={role}
              onChange={setRole}
              allowDeselect={false}
            />
            <PasswordInput
              label="First password"
              description="At least 12 characters; tell it to them in person"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              required
              autoComplete="new-password"
              error={fields.password}
            />
            <Group>
              <Button type="submit" loading={create.isPending}>
                Add staff user
              </Button>
              <Saved show={create.isSuccess} />
            </Group>
          </Stack>
        </form>
      </Section>
    </Stack>
  );
}

function ApiKeysTab() {
  const queryClient = useQueryClient();
  const keys = useQuery({
    queryKey: ['api-keys'],
    queryFn: async () => unwrap(await api.GET('/api/v1/api-keys')),
  });
  const [name, setName] = useState('');
  const [role, setRole] = useState<string | null>('billing');
  const [secret, setSecret] = useState<string | null>(null);
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/api-keys', {
          body: { name: name.trim(), role: (role ?? 'billing') as 'billing' },
        }),
      ),
    onSuccess: (k) => {
      setSecret(k.secret);
      setName('');
      void queryClient.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST('/api/v1/api-keys/{id}/revoke', { params: { path: { id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['api-keys'] }),
  });
  const me = useMe();
  const fields = fieldErrors(create.error);
  return (
    <Stack gap="md">
      {secret && (
        <Notice color="blue" title="Copy the new key now" role="status">
          <Stack gap={4}>
            <Text size="sm" c="dark.9">
              It is shown this once; Billow keeps only its hash.
            </Text>
            <Code block aria-label="New API key" style={WRAP}>
              {secret}
            </Code>
            <Group>
              <Button size="xs" variant="default" onClick={() => setSecret(null)}>
                I have copied it
              </Button>
            </Group>
          </Stack>
        </Notice>
      )}
      <Section title="API keys">
        {revoke.isError && <ErrorAlert error={revoke.error} title="Not revoked" />}
        {keys.isError && <ErrorAlert error={keys.error} />}
        {!keys.data ? (
          <Loading />
        ) : keys.data.data.length === 0 ? (
          <Empty title="No API keys" />
        ) : (
          <Table.ScrollContainer minWidth={300} type="native">
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th scope="col">Key</Table.Th>
                  <Table.Th scope="col">Status</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {keys.data.data.map((k) => (
                  <Table.Tr key={k.id}>
                    <Table.Td>
                      <Text size="sm" fw={600}>
                        {k.name}
                      </Text>
                      <Text size="sm">
                        {ROLES.find((r) => r.value === k.role)?.label ?? k.role} · ends in …
                        {k.last4}
                        {' · last used '}
                        {k.last_used_at
                          ? formatInstant(k.last_used_at, me.tenant.time_zone)
                          : 'never'}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {k.revoked_at ? (
                        <Badge variant="light" color="gray" c="dark.9">
                          Revoked
                        </Badge>
                      ) : (
                        <Button
                          size="xs"
                          variant="default"
                          color="red"
                          onClick={() => revoke.mutate(k.id)}
                          aria-label={`Revoke ${k.name}`}
                        >
                          Revoke
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Section>
      <Section title="Create an API key">
        <form
          aria-label="Create an API key"
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Group align="flex-end" gap="sm" wrap="wrap">
            <TextInput
              label="Name"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              required
              maxLength={200}
              error={fields.name}
            />
            <Select
              label="Role"
              data={ROLES}
              value={role}
              onChange={setRole}
              allowDeselect={false}
              w={160}
            />
            <Button type="submit" loading={create.isPending}>
              Create key
            </Button>
          </Group>
        </form>
      </Section>
    </Stack>
  );
}
