/**
 * The page frame of both apps: a skip link, a header with the product name, and one main
 * landmark that the skip link (and each route change) moves focus to. The navigation sits in the
 * header (the portal's few links) or, with `sideNav`, in a column on the left (the console's
 * many pages); on a phone that column folds away behind a "Menu" button in the header.
 */
import { Box, Button, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { useState } from 'react';

export function Layout({
  appName,
  nav,
  account,
  sideNav = false,
  children,
}: {
  appName: string;
  /** Links of the main navigation (absent before sign-in). */
  nav?: ReactNode;
  /** The signed-in person and sign-out, at the end of the header. */
  account?: ReactNode;
  /** Put the navigation in a left column instead of the header. */
  sideNav?: boolean;
  children: ReactNode;
}) {
  const [menuOpen, setMenuOpen] = useState(false);
  const brand = (
    <Text fw={700} size="lg" c="indigo.9">
      Billow{' '}
      <Text span fw={500} c="gray.8">
        {appName}
      </Text>
    </Text>
  );
  const main = (
    <Box component="main" id="main" tabIndex={-1} p="md">
      <Box maw={1200} mx="auto">
        {children}
      </Box>
    </Box>
  );
  const skip = (
    <a href="#main" className="skip-link">
      Skip to content
    </a>
  );

  if (sideNav && nav) {
    return (
      <>
        {skip}
        <Box component="header" px="md" py={8} className="app-header">
          <Group justify="space-between" wrap="wrap" gap="xs">
            <Group gap="sm" wrap="nowrap">
              {brand}
              <Button
                hiddenFrom="md"
                size="xs"
                variant="default"
                aria-expanded={menuOpen}
                aria-controls="main-nav"
                onClick={() => setMenuOpen((o) => !o)}
              >
                {menuOpen ? 'Close menu' : 'Menu'}
              </Button>
            </Group>
            {account && (
              <Group gap="xs" wrap="wrap" style={{ flex: '1 1 auto', justifyContent: 'flex-end' }}>
                {account}
              </Group>
            )}
          </Group>
        </Box>
        <div className="app-body">
          {/* A click on a link (bubbling up) folds the phone menu away again. */}
          <nav
            id="main-nav"
            aria-label="Main"
            className="app-sidebar"
            data-open={menuOpen}
            onClick={() => setMenuOpen(false)}
            onKeyDown={(e) => {
              if (e.key === 'Escape') setMenuOpen(false);
            }}
          >
            {nav}
          </nav>
          {main}
        </div>
      </>
    );
  }

  // The header is in the page's flow, not fixed: on a phone the navigation wraps onto more lines
  // and pushes the content down instead of covering it.
  return (
    <>
      {skip}
      <Box component="header" px="md" py={8} className="app-header">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <Group gap="md" wrap="wrap">
            {brand}
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
      {main}
    </>
  );
}
