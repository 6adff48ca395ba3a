/** Error display from the API's error codes: a message a person can act on, never a stack. */
import { Alert, Button, Stack, Text } from '@mantine/core';
import { ApiError } from './api';

/** Plain words for the codes a person meets in the apps; the API's own message otherwise. */
const FRIENDLY: Record<string, string> = {
  invalid_credentials: 'The email or password is not correct.',
  rate_limited: 'Too many attempts. Wait a minute and try again.',
  unauthenticated: 'Your session has ended. Sign in again.',
  forbidden: 'Your role does not allow this.',
  csrf_failed: 'This page is out of date. Reload it and try again.',
  tenant_required:
    'This email belongs to staff of several companies. Ask your administrator for the right sign-in.',
  network_error: 'Billow could not be reached. Check your connection and try again.',
};

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return FRIENDLY[err.code] ?? err.message;
  if (err instanceof TypeError) return FRIENDLY.network_error as string;
  return 'Something went wrong. Try again.';
}

/** Field messages of a validation_failed answer, keyed by field path. */
export function fieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof ApiError) || err.code !== 'validation_failed') return {};
  const issues = (err.details?.issues ?? []) as { path?: string; message?: string }[];
  return Object.fromEntries(issues.map((i) => [i.path ?? '', i.message ?? 'Not valid']));
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  return (
    <Alert color="red" variant="light" title="Something went wrong" role="alert">
      <Stack gap="xs">
        <Text size="sm">{errorMessage(error)}</Text>
        {error instanceof ApiError && (
          <Text size="xs" c="dimmed">
            Code: {error.code}
          </Text>
        )}
        {onRetry && (
          <Button size="xs" variant="outline" onClick={onRetry} w="fit-content">
            Try again
          </Button>
        )}
      </Stack>
    </Alert>
  );
}
