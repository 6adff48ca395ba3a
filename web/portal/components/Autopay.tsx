/**
 * "Autopay future invoices" (G1): a switch the contact turns on or off. It needs a usable
 * method (the default pays), and is shown disabled, with the reason, when there is none or when
 * the billing team locked it. Below it, the rules the billing team set (G2–G4) in the order they
 * are tried: the contact turns an unlocked one on or off; a locked one is greyed out and its switch
 * disabled, with the reason.
 */
import { Anchor, Badge, Group, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { type PortalAutopay, portalApi } from '../api';
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
              {a.rules.length > 0 && <AutopayRules rules={a.rules} queryKey={key} />}
            </Stack>
          )}
        </Read>
      </Stack>
    </Paper>
  );
}

/** The billing team's rules, tried top to bottom; the contact switches the unlocked ones. */
function AutopayRules({
  rules,
  queryKey,
}: {
  rules: PortalAutopay['rules'];
  queryKey: readonly unknown[];
}) {
  const queryClient = useQueryClient();
  const change = useMutation({
    mutationFn: async ({ id, enabled }: { id: string; enabled: boolean }) =>
      unwrap(
        await portalApi.PUT('/api/v1/portal/autopay-rules/{id}', {
          params: { path: { id } },
          body: { enabled },
        }),
      ),
    onSuccess: (data) => queryClient.setQueryData(queryKey, data),
  });
  return (
    <Stack gap="xs" component="section" aria-labelledby="autopay-rules-title" mt="sm">
      <Title order={3} size="h4" id="autopay-rules-title">
        Autopay rules
      </Title>
      <Text size="sm">
        Set up by the billing team. An invoice is paid by the first rule, from the top, that applies
        to it.
      </Text>
      <Stack gap="xs" component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
        {rules.map((r) => (
          <Paper
            key={r.id}
            component="li"
            withBorder
            p="sm"
            radius="md"
            bg={r.locked ? 'gray.1' : undefined}
            data-locked={r.locked || undefined}
          >
            <Group justify="space-between" wrap="wrap" gap="xs">
              <Stack gap={2}>
                <Group gap="xs">
                  <Text fw={600} c={r.locked ? 'gray.8' : undefined}>
                    {r.name}
                  </Text>
                  {r.locked && (
                    <Badge variant="light" color="gray" c="dark.9" radius="sm">
                      Locked
                    </Badge>
                  )}
                </Group>
                <Text size="sm" c={r.locked ? 'gray.8' : undefined}>
                  {r.method
                    ? `Pays with ${methodName(r.method)}`
                    : 'Pays with a method of the billing team’s choice'}
                </Text>
                {r.locked && (
                  <Text size="sm" c="gray.8" id={`rule-locked-${r.id}`}>
                    The billing team locked this rule; ask them to change it.
                  </Text>
                )}
              </Stack>
              <Switch
                label={r.enabled ? 'On' : 'Off'}
                aria-label={`Rule ${r.name} is on`}
                checked={r.enabled}
                disabled={r.locked || change.isPending}
                aria-describedby={r.locked ? `rule-locked-${r.id}` : undefined}
                onChange={(e) => change.mutate({ id: r.id, enabled: e.currentTarget.checked })}
              />
            </Group>
          </Paper>
        ))}
      </Stack>
      {change.isError && <ErrorAlert error={change.error} title="Rule not changed" />}
    </Stack>
  );
}
