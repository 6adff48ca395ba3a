/**
 * The page frame of both apps: a skip link, a header with the product name and the navigation,
 * and one main landmark that the skip link (and each route change) moves focus to.
 */
import { AppShell, Box, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';

export function Layout({
  appName,
  nav,
  account,
  children,
}: {
  appName: string;
  /** Links of the main navigation (absent before sign-in). */
  nav?: ReactNode;
  /** The signed-in person and sign-out, at the end of the header. */
  account?: ReactNode;
  children: ReactNode;
}) {
  return (
    <AppShell header={{ height: { base: nav ? 96 : 56, sm: 56 } }} padding="md">
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <AppShell.Header px="md">
        <Group h="100%" justify="space-between" wrap="wrap" gap="xs" py={6}>
          <Group gap="md" wrap="wrap">
            <Text fw={700} size="lg" c="indigo.9">
              Billow{' '}
              <Text span fw={500} c="gray.8">
                {appName}
              </Text>
            </Text>
            {nav && (
              <Box component="nav" aria-label="Main">
                <Group gap={4}>{nav}</Group>
              </Box>
            )}
          </Group>
          {account && <Group gap="xs">{account}</Group>}
        </Group>
      </AppShell.Header>
      <AppShell.Main id="main" tabIndex={-1}>
        <Box maw={1200} mx="auto">
          {children}
        </Box>
      </AppShell.Main>
    </AppShell>
  );
}
