/**
 * The first run (A1): on an installation with no tenant yet, create the organisation and its owner
 * (sandbox by default) or load the demo data with this owner; either way the owner is signed in.
 * POST /setup refuses once a tenant exists, so a second browser that raced this one is told so.
 */
import {
  Button,
  Checkbox,
  Paper,
  PasswordInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useMemo, useState } from 'react';
import { api, setCsrfToken, unwrap } from '../../shared/api';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { SignedOutFrame } from '../Frame';
import { meQuery, setupQuery } from '../session';

type Kind = 'organisation' | 'demo';

/** The browser's zone when it is one of the list (a browser on UTC gets the API's default). */
function browserZone(zones: string[]): string {
  try {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && zones.includes(zone)) return zone;
  } catch {
    /* the default below */
  }
  return 'America/New_York';
}

export function FirstRunPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const zones = useMemo(() => Intl.supportedValuesOf('timeZone'), []);
  const [kind, setKind] = useState<Kind>('organisation');
  const [tenantName, setTenantName] = useState('');
  const [timeZone, setTimeZone] = useState<string | null>(() => browserZone(zones));
  const narrow = useMediaQuery('(max-width: 30em)');
  const [live, setLive] = useState(false);
  const [ownerName, setOwnerName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const fields = fieldErrors(error);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const owner = { owner_name: ownerName.trim(), email: email.trim(), password };
    try {
      const session = unwrap(
        await api.POST('/api/v1/setup', {
          body:
            kind === 'demo'
              ? { kind: 'demo', ...owner }
              : {
                  kind: 'organisation',
                  tenant_name: tenantName.trim(),
                  ...(timeZone && { time_zone: timeZone }),
                  ...(live && { live: true }),
                  ...owner,
                },
        }),
      );
      setCsrfToken(session.csrf_token);
      queryClient.setQueryData(setupQuery.queryKey, { needed: false });
      await queryClient.fetchQuery({ ...meQuery, staleTime: 0 });
      await navigate({ to: '/customers' });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <SignedOutFrame>
      <Paper withBorder shadow="sm" p="lg" maw={520} mx="auto" mt="xl" radius="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            <div>
              <Title order={1} size="h2">
                Welcome to Billow
              </Title>
              <Text size="sm" c="gray.8">
                This installation has no organisation yet. Create yours, or load the demo data to
                look around first; you become its owner and are signed in.
              </Text>
            </div>
            <SegmentedControl
              aria-label="How to start"
              value={kind}
              onChange={(v) => setKind(v as Kind)}
              data={[
                { value: 'organisation', label: 'Create your organisation' },
                { value: 'demo', label: 'Load the demo data' },
              ]}
              fullWidth
              orientation={narrow ? 'vertical' : 'horizontal'}
            />
            {error !== null && <ErrorAlert error={error} title="Could not set up Billow" />}
            {kind === 'organisation' ? (
              <>
                <TextInput
                  label="Organisation name"
                  required
                  value={tenantName}
                  onChange={(e) => setTenantName(e.currentTarget.value)}
                  maxLength={200}
                  error={fields.tenant_name}
                />
                <Select
                  label="Time zone"
                  description="Every invoice date, due date and “today” is a date in this zone"
                  data={zones}
                  searchable
                  value={timeZone}
                  onChange={setTimeZone}
                  allowDeselect={false}
                  error={fields.time_zone}
                />
                <Checkbox
                  label="Live mode (real payments); leave off for a sandbox with test cards and a movable clock"
                  checked={live}
                  onChange={(e) => setLive(e.currentTarget.checked)}
                />
              </>
            ) : (
              <Text size="sm">
                “Demo Hosting Co”: customers, a catalog, subscriptions since last month, usage and a
                posted bill run, in a sandbox. It takes a few seconds.
              </Text>
            )}
            <TextInput
              label="Your name"
              required
              autoComplete="name"
              value={ownerName}
              onChange={(e) => setOwnerName(e.currentTarget.value)}
              maxLength={200}
              error={fields.owner_name}
            />
            <TextInput
              label="Email"
              type="email"
              required
              autoComplete="username"
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              maxLength={320}
              error={fields.email}
            />
            <PasswordInput
              label="Password"
              description="At least 12 characters"
              required
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              maxLength={200}
              error={fields.password}
            />
            <Button type="submit" loading={busy}>
              {kind === 'demo' ? 'Load the demo data' : 'Create the organisation'}
            </Button>
          </Stack>
        </form>
      </Paper>
    </SignedOutFrame>
  );
}
