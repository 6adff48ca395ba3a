/**
 * The page frame of both apps: a skip link, a header with the product name and the navigation,
 * and one main landmark that the skip link (and each route change) moves focus to.
 */
import { Box, Group, Text } from '@mantine/core';
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
  // The header is in the page's flow, not fixed: on a phone the navigation wraps onto more lines
  // and pushes the content down instead of covering it.
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <Box component="header" px="md" py={8} className="app-header">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="md" wrap="wrap">
            <Text fw={700} size="lg" c="indigo.9">
              Billow{' '}
              <Text span fw={500} c="gray.8">
                {appName}
              </Text>
            </Text>
            {nav && (
              <Box component="nav" aria-label="Main">
                <Group gap={4} wrap="wrap">
                  {nav}
                </Group>
              </Box>
            )}
          </Group>
          {account && (
            <Group gap="xs" wrap="wrap">
              {account}
            </Group>
          )}
        </Group>
      </Box>
      <Box component="main" id="main" tabIndex={-1} p="md">
        <Box maw={1200} mx="auto">
          {children}
        </Box>
      </Box>
    </>
  );
}
