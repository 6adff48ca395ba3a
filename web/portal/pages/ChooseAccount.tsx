/**
 * The account choice after sign-in when one email is a contact of several customers: each
 * account is a button; the choice opens it and goes to its dashboard.
 */
import { Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { Loading } from '../../shared/states';
import { portalApi } from '../api';
import { SignedOutFrame } from '../Frame';
import { portalMeQuery, restoreCsrfToken } from '../session';

export function ChooseAccountPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const accounts = useQuery({
    queryKey: ['portal-accounts'],
    queryFn: async () => {
      restoreCsrfToken();
      return unwrap(await portalApi.GET('/api/v1/portal/accounts'));
    },
  });
  const choose = useMutation({
    mutationFn: async (customerId: string) =>
      unwrap(await portalApi.POST('/api/v1/portal/account', { body: { customer_id: customerId } })),
    onSuccess: async () => {
      queryClient.removeQueries({ queryKey: ['portal'] });
      await queryClient.fetchQuery({ ...portalMeQuery, staleTime: 0 });
      await navigate({ to: '/' });
    },
  });
  return (
    <SignedOutFrame>
      <Paper withBorder shadow="sm" p="lg" maw={520} mx="auto" mt="xl" radius="md">
        <Stack>
          <Title order={1} size="h2">
            Choose an account
          </Title>
          <Text size="sm">
            Your email is a contact of several accounts. Which one do you want to open?
          </Text>
          {choose.isError && <ErrorAlert error={choose.error} title="Could not open the account" />}
          {accounts.isPending ? (
            <Loading label="Loading your accounts…" />
          ) : accounts.isError ? (
            <ErrorAlert error={accounts.error} onRetry={() => void accounts.refetch()} />
          ) : (
            accounts.data.data.map((a) => (
              <Button
                key={a.customer_id}
                variant={a.customer_id === accounts.data.current ? 'filled' : 'default'}
                justify="space-between"
                h="auto"
                py="sm"
                loading={choose.isPending && choose.variables === a.customer_id}
                onClick={() => choose.mutate(a.customer_id)}
              >
                <Stack gap={0} align="flex-start">
                  <Text fw={600} inherit>
                    {a.customer_name}
                  </Text>
                  <Text size="xs" inherit>
                    {a.customer_number} · billed by {a.tenant_name}
                  </Text>
                </Stack>
              </Button>
            ))
          )}
        </Stack>
      </Paper>
    </SignedOutFrame>
  );
}
