/**
 * "Autopay future invoices" (G1): a switch the contact turns on or off. It needs a usable
 * method (the default pays), and is shown disabled, with the reason, when there is none or when
 * the billing team locked it.
 */
import { Anchor, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { portalApi } from '../api';
import { may, usePortalMe } from '../session';
import { methodName } from './methods';
import { Read } from './Reads';

export function AutopayCard() {
  const me = usePortalMe();
  const queryClient = useQueryClient();
  const key = ['portal', me.customer.id, 'autopay'];
  const autopay = useQuery({
    queryKey: key,
    queryFn: async () => unwrap(await portalApi.GET('/api/v1/portal/autopay')),
  });
  const change = useMutation({
    mutationFn: async (enabled: boolean) =>
      unwrap(await portalApi.PUT('/api/v1/portal/autopay', { body: { enabled } })),
    onSuccess: (data) => queryClient.setQueryData(key, data),
  });
  return (
    <Paper withBorder p="md" radius="md" component="section" aria-labelledby="autopay-title">
      <Stack gap="sm">
        <Title order={2} size="h3" id="autopay-title">
          Autopay
        </Title>
        <Read query={autopay} label="autopay">
          {(a) => (
            <Stack gap="xs">
              <Switch
                label="Autopay future invoices"
                description={
                  a.method
                    ? `New invoices are paid with ${methodName(a.method)} when they are due.`
                    : 'New invoices are paid with your default payment method when they are due.'
                }
                checked={a.enabled}
                disabled={a.blocked_reason !== null || change.isPending}
                onChange={(e) => change.mutate(e.currentTarget.checked)}
                aria-describedby={a.blocked_reason ? 'autopay-reason' : undefined}
              />
              {a.blocked_reason === 'locked' && (
                <Text size="sm" id="autopay-reason">
                  Autopay is {a.enabled ? 'on' : 'off'}. The billing team of {me.tenant.name} has
                  locked autopay for this account; ask them to change it.
                </Text>
              )}
              {a.blocked_reason === 'no_usable_method' && (
                <Text size="sm" id="autopay-reason">
                  Autopay needs a usable payment method.{' '}
                  {may(me, 'manage_payment_methods') ? (
                    <Anchor component={Link} to="/payment-methods">
                      Add a card or verify a bank account
                    </Anchor>
                  ) : (
                    'Ask the billing team to add one'
                  )}{' '}
                  first.
                </Text>
              )}
              {change.isSuccess && (
                <Text role="status" size="sm" c="dark.9" fw={600}>
                  Autopay is {change.data.enabled ? 'on' : 'off'}.
                </Text>
              )}
              {change.isError && <ErrorAlert error={change.error} title="Autopay not changed" />}
            </Stack>
          )}
        </Read>
      </Stack>
    </Paper>
  );
}
