/**
 * My account: the contact's own data, read-only (staff keep it), what its profile allows, and a
 * password change (the current password is needed; every other session ends).
 */
import { Button, Paper, PasswordInput, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { ApiError, setCsrfToken, unwrap } from '../../shared/api';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { portalApi } from '../api';
import { AutopayCard } from '../components/Autopay';
import { permissionName } from '../components/Reads';
import { may, usePortalMe } from '../session';
import { PASSWORD_RULE } from './Auth';

export function AccountPage() {
  const me = usePortalMe();
  return (
    <Stack gap="md" maw={720}>
      <Title order={1}>My account</Title>
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="details-title">
        <Stack gap="sm">
          <Title order={2} size="h3" id="details-title">
            Your details
          </Title>
          <Table variant="vertical" layout="fixed" withTableBorder={false}>
            <Table.Tbody>
              <Row label="Name">{me.contact.name}</Row>
              <Row label="Email">{me.contact.email}</Row>
              <Row label="Sign-in email">{me.login_email}</Row>
              <Row label="Account">
                {me.customer.name} ({me.customer.number})
              </Row>
              <Row label="Billed by">{me.tenant.name}</Row>
              <Row label="You may">
                {me.permissions.length === 0
                  ? 'Nothing yet'
                  : me.permissions
                      .filter((p) => !p.startsWith('receive_'))
                      .map(permissionName)
                      .join(', ')}
              </Row>
            </Table.Tbody>
          </Table>
          <Text size="sm">To change these details, ask the billing team of {me.tenant.name}.</Text>
        </Stack>
      </Paper>
      {may(me, 'manage_autopay') && <AutopayCard />}
      <ChangePassword />
    </Stack>
  );
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Table.Tr>
      <Table.Th w={140}>{label}</Table.Th>
      <Table.Td style={{ overflowWrap: 'anywhere' }}>{children}</Table.Td>
    </Table.Tr>
  );
}

function ChangePassword() {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [done, setDone] = useState(false);
  const change = useMutation({
    mutationFn: async () =>
      unwrap(
        await portalApi.POST('/api/v1/portal/password/change', {
          body: { current_password: current, new_password: next },
        }),
      ),
    onSuccess: async (signed) => {
      // The change ended every session and opened this new one, with its own CSRF token.
      setCsrfToken(signed.csrf_token);
      setCurrent('');
      setNext('');
      setDone(true);
      await queryClient.invalidateQueries({ queryKey: ['portal-me'] });
    },
  });
  const fields = fieldErrors(change.error);
  const err = change.error;
  if (err instanceof ApiError && err.code === 'portal_password_weak') {
    fields.new_password = err.message;
  }
  if (err instanceof ApiError && err.code === 'portal_password_wrong') {
    fields.current_password = err.message;
  }
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="password-title">
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          setDone(false);
          change.mutate();
        }}
      >
        <Stack gap="sm">
          <Title order={2} size="h3" id="password-title">
            Change password
          </Title>
          {done && (
            <Text role="status" c="dark.9" fw={600}>
              Your password is changed. Other devices signed in as you have been signed out.
            </Text>
          )}
          {change.isError && !fields.current_password && !fields.new_password && (
            <ErrorAlert error={change.error} title="Could not change the password" />
          )}
          <PasswordInput
            label="Current password"
            autoComplete="current-password"
            required
            maxLength={200}
            value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)}
            error={fields.current_password}
          />
          <PasswordInput
            label="New password"
            description={PASSWORD_RULE}
            autoComplete="new-password"
            required
            maxLength={200}
            value={next}
            onChange={(e) => setNext(e.currentTarget.value)}
            error={fields.new_password}
          />
          <Button type="submit" loading={change.isPending} w="fit-content">
            Change password
          </Button>
        </Stack>
      </form>
    </Paper>
  );
}
