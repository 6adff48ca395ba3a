import { Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** The app's own not-found page, for any unknown path under its prefix. */
export function NotFoundPage({ home }: { home: ReactNode }) {
  return (
    <Stack gap="sm" py="xl">
      <Title order={1}>Page not found</Title>
      <Text>There is no page at this address. It may have moved, or the link may be mistyped.</Text>
      {home}
    </Stack>
  );
}
