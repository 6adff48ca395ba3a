/** Staff sign-in: email and password against POST /auth/login; the error said next to the form. */
import { Button, Paper, PasswordInput, Stack, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { type FormEvent, useState } from 'react';
import { api, setCsrfToken, unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { SignedOutFrame } from '../Frame';
import { meQuery } from '../session';

/** Only a path inside the console: a sign-in link must not send anyone to another site. */
function safeRedirect(target: string | undefined): string {
  if (!target) return '/customers';
  const path = target.startsWith('/console') ? target.slice('/console'.length) : target;
  return path.startsWith('/') && !path.startsWith('//') && path !== '/sign-in'
    ? path
    : '/customers';
}

export function SignInPage() {
  const search = useSearch({ from: '/sign-in' });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = unwrap(
        await api.POST('/api/v1/auth/login', { body: { email: email.trim(), password } }),
      );
      setCsrfToken(session.csrf_token);
      await queryClient.fetchQuery({ ...meQuery, staleTime: 0 });
      await navigate({ to: safeRedirect(search.redirect) });
    } catch (err) {
      setError(err);
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <SignedOutFrame>
      <Paper withBorder shadow="sm" p="lg" maw={420} mx="auto" mt="xl" radius="md">
        <form onSubmit={submit} noValidate>
          <Stack>
            <Title order={1} size="h2">
              Sign in to the console
            </Title>
            {error !== null && <ErrorAlert error={error} />}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              maxLength={320}
            />
            <PasswordInput
              label="Password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              maxLength={200}
            />
            <Button type="submit" loading={busy}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </SignedOutFrame>
  );
}
