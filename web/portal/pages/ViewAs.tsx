/**
 * The page a staff member's "view as customer" link opens (`/portal/view-as#<token>`): it
 * exchanges the one-time token in the fragment (never sent to a server in a URL) for a read-only
 * portal session and goes to the dashboard. A used or expired link says so.
 */
import { Anchor, Paper, Stack, Text, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { setCsrfToken, unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { Loading } from '../../shared/states';
import { portalApi } from '../api';
import { SignedOutFrame } from '../Frame';
import { portalMeQuery } from '../session';

export function ViewAsPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [error, setError] = useState<unknown>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const token = window.location.hash.slice(1);
    // The token works once: out of the address bar and the history at once.
    window.history.replaceState(null, '', window.location.pathname);
    void (async () => {
      try {
        const signed = unwrap(await portalApi.POST('/api/v1/portal/view-as', { body: { token } }));
        setCsrfToken(signed.csrf_token);
        queryClient.clear();
        await queryClient.fetchQuery({ ...portalMeQuery, staleTime: 0 });
        await navigate({ to: '/', replace: true });
      } catch (err) {
        setError(err);
      }
    })();
  }, [navigate, queryClient]);
  return (
    <SignedOutFrame>
      <Paper withBorder p="lg" radius="md" maw={520} mx="auto">
        <Stack gap="sm">
          <Title order={1} size="h2">
            View as customer
          </Title>
          {error ? (
            <>
              <ErrorAlert error={error} title="This view link cannot be used" />
              <Text size="sm">
                A view link works once and for 15 minutes. Open the customer in the console and
                choose “View as customer” again.
              </Text>
              <Anchor href="/console/">Back to the console</Anchor>
            </>
          ) : (
            <Loading label="Opening the customer’s portal, read-only…" />
          )}
        </Stack>
      </Paper>
    </SignedOutFrame>
  );
}
