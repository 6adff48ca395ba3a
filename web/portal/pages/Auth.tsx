/**
 * The portal's signed-out pages: sign in, forgot password, reset password and accept an
 * invitation (set a first password). Each posts to /api/v1/portal/… and shows the API's error.
 */
import { Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { type FormEvent, type ReactNode, useState } from 'react';
import { setCsrfToken, unwrap } from '../../shared/api';
import { ErrorAlert, fieldErrors } from '../../shared/errors';
import { portalApi } from '../api';
import { SignedOutFrame } from '../Frame';
import { portalMeQuery } from '../session';

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <SignedOutFrame>
      <Paper withBorder shadow="sm" p="lg" maw={440} mx="auto" mt="xl" radius="md">
        <Stack>
          <Title order={1} size="h2">
            {title}
          </Title>
          {children}
        </Stack>
      </Paper>
    </SignedOutFrame>
  );
}

function useSubmit(action: () => Promise<void>) {
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }
  return { error, busy, onSubmit };
}

export function PortalSignInPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const form = useSubmit(async () => {
    try {
      const me = unwrap(
        await portalApi.POST('/api/v1/portal/login', { body: { email: email.trim(), password } }),
      );
      setCsrfToken(me.csrf_token);
      // One email may be a contact of several customers: the first is opened until the
      // account chooser arrives.
      if (!me.account && me.accounts[0]) {
        unwrap(
          await portalApi.POST('/api/v1/portal/account', {
            body: { customer_id: me.accounts[0].customer_id },
          }),
        );
      }
      await queryClient.fetchQuery({ ...portalMeQuery, staleTime: 0 });
      setCsrfToken(me.csrf_token);
      await navigate({ to: '/' });
    } finally {
      setPassword('');
    }
  });
  return (
    <Card title="Sign in to your billing account">
      <form onSubmit={form.onSubmit} noValidate>
        <Stack>
          {form.error !== null && <ErrorAlert error={form.error} title="Could not sign in" />}
          <TextInput
            label="Email"
            type="email"
            autoComplete="username"
            required
            maxLength={320}
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            maxLength={200}
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          <Button type="submit" loading={form.busy}>
            Sign in
          </Button>
          <Anchor component={Link} to="/forgot-password" size="sm">
            Forgot your password?
          </Anchor>
        </Stack>
      </form>
    </Card>
  );
}

export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const form = useSubmit(async () => {
    unwrap(
      await portalApi.POST('/api/v1/portal/password/forgot', { body: { email: email.trim() } }),
    );
    setSent(true);
  });
  return (
    <Card title="Reset your password">
      {sent ? (
        <Text role="status">
          If an account uses this email, a link to choose a new password is on its way. It works
          once and for a short time.
        </Text>
      ) : (
        <form onSubmit={form.onSubmit} noValidate>
          <Stack>
            {form.error !== null && <ErrorAlert error={form.error} />}
            <TextInput
              label="Email"
              type="email"
              autoComplete="username"
              required
              maxLength={320}
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
            />
            <Button type="submit" loading={form.busy}>
              Email me a link
            </Button>
          </Stack>
        </form>
      )}
      <Anchor component={Link} to="/sign-in" size="sm">
        Back to sign-in
      </Anchor>
    </Card>
  );
}

/** Choosing a password from an emailed link: a reset, or accepting an invitation. */
function SetPassword({
  title,
  done,
  post,
  token,
}: {
  title: string;
  done: string;
  post: (body: { token: string; password: string }) => Promise<void>;
  token: string | undefined;
}) {
  const [password, setPassword] = useState('');
  const [finished, setFinished] = useState(false);
  const form = useSubmit(async () => {
    await post({ token: token ?? '', password });
    setFinished(true);
  });
  const fields = fieldErrors(form.error);
  if (!token) {
    return (
      <Card title={title}>
        <Text>
          This link is incomplete. Open the link from the email again, or ask for a new one.
        </Text>
      </Card>
    );
  }
  return (
    <Card title={title}>
      {finished ? (
        <Stack>
          <Text role="status">{done}</Text>
          <Anchor component={Link} to="/sign-in">
            Sign in
          </Anchor>
        </Stack>
      ) : (
        <form onSubmit={form.onSubmit} noValidate>
          <Stack>
            {form.error !== null && !fields.password && <ErrorAlert error={form.error} />}
            <PasswordInput
              label="New password"
              description="At least 12 characters; not your email or name"
              autoComplete="new-password"
              required
              maxLength={200}
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              error={fields.password}
            />
            <Button type="submit" loading={form.busy}>
              Save password
            </Button>
          </Stack>
        </form>
      )}
    </Card>
  );
}

export function ResetPasswordPage() {
  const { token } = useSearch({ from: '/reset' });
  return (
    <SetPassword
      title="Choose a new password"
      done="Your password is changed, and every other session of yours has ended."
      token={token}
      post={async (body) => {
        unwrap(await portalApi.POST('/api/v1/portal/password/reset', { body }));
      }}
    />
  );
}

export function AcceptInvitationPage() {
  const { token } = useSearch({ from: '/accept' });
  return (
    <SetPassword
      title="Set up your billing account"
      done="Your password is set. Sign in with your email and this password."
      token={token}
      post={async (body) => {
        unwrap(await portalApi.POST('/api/v1/portal/invitations/accept', { body }));
      }}
    />
  );
}
