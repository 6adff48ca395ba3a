/**
 * Settings → Gateway (J5, K1): sandbox or Stripe. The Stripe secret key is write-only (only its
 * last four characters come back); "Check connection" asks the API, which asks the gateway.
 */
import {
  Button,
  Group,
  Paper,
  PasswordInput,
  Radio,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { Loading } from '../../../shared/states';

export function GatewayTab() {
  const queryClient = useQueryClient();
  const settings = useQuery({
    queryKey: ['gateway-settings'],
    queryFn: async () => unwrap(await api.GET('/api/v1/gateway-settings')),
  });
  const [gateway, setGateway] = useState<'sandbox' | 'stripe'>('sandbox');
  const [secret, setSecret] = useState('');
  const [publishable, setPublishable] = useState('');
  useEffect(() => {
    if (!settings.data) return;
    setGateway(settings.data.gateway ?? (settings.data.sandbox.available ? 'sandbox' : 'stripe'));
    setPublishable(settings.data.stripe.publishable_key ?? '');
  }, [settings.data]);
  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT('/api/v1/gateway-settings', {
          body: {
            gateway,
            ...(secret.trim() && { stripe_secret_key: secret.trim() }),
            ...(gateway === 'stripe' && { stripe_publishable_key: publishable.trim() || null }),
          },
        }),
      ),
    onSuccess: (s) => {
      setSecret('');
      queryClient.setQueryData(['gateway-settings'], s);
      check.reset();
    },
  });
  const check = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/gateway-settings/check', {})),
  });
  if (settings.isError) return <ErrorAlert error={settings.error} />;
  if (!settings.data) return <Loading />;
  const s = settings.data;

  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md">
        <form onSubmit={submit} aria-label="Payment gateway">
          <Stack gap="sm" maw={560}>
            <Title order={2} size="h3">
              Payment gateway
            </Title>
            {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
            <Radio.Group
              label="New payment methods go to"
              value={gateway}
              onChange={(v) => setGateway(v as 'sandbox' | 'stripe')}
            >
              <Stack gap="xs" mt="xs">
                <Radio
                  value="sandbox"
                  label="Sandbox (test cards, no real money)"
                  disabled={!s.sandbox.available}
                  description={s.sandbox.available ? undefined : 'Only for sandbox tenants'}
                />
                <Radio value="stripe" label="Stripe" />
              </Stack>
            </Radio.Group>
            {gateway === 'stripe' && (
              <>
                <PasswordInput
                  label="Stripe secret key"
                  description={
                    s.stripe.secret_key_last4
                      ? `A key ending in …${s.stripe.secret_key_last4} is saved; type a new one to replace it`
                      : 'sk_… or rk_…; it is stored sealed and never shown again'
                  }
                  value={secret}
                  onChange={(e) => setSecret(e.currentTarget.value)}
                  autoComplete="off"
                  required={!s.stripe.configured}
                />
                <TextInput
                  label="Stripe publishable key"
                  value={publishable}
                  onChange={(e) => setPublishable(e.currentTarget.value)}
                />
              </>
            )}
            <Group>
              <Button type="submit" loading={save.isPending}>
                Save gateway
              </Button>
              {save.isSuccess && (
                <Text size="sm" role="status" fw={600}>
                  Saved
                </Text>
              )}
            </Group>
          </Stack>
        </form>
      </Paper>
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm" maw={560}>
          <Title order={2} size="h3">
            Connection
          </Title>
          <Text size="sm">Asks the saved gateway whether it answers with the saved key.</Text>
          <Group>
            <Button variant="default" onClick={() => check.mutate()} loading={check.isPending}>
              Check connection
            </Button>
          </Group>
          {check.isError && <ErrorAlert error={check.error} title="Not checked" />}
          {check.data &&
            (check.data.ok ? (
              <Notice color="blue" title="Connected" role="status">
                The {check.data.gateway} gateway answered.
              </Notice>
            ) : (
              <Notice color="yellow" title="The gateway did not answer" role="status">
                {check.data.reason}: {check.data.message}
              </Notice>
            ))}
        </Stack>
      </Paper>
    </Stack>
  );
}
