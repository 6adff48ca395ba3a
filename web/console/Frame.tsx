/** The console's page frame, signed in (navigation, global search, who, sign-out) and signed out. */
import { Badge, Box, Button, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import type { ReactNode } from 'react';
import { useState } from 'react';
import { api, setCsrfToken } from '../shared/api';
import { Layout } from '../shared/Layout';
import { GlobalSearch } from './GlobalSearch';
import { SandboxClock } from './SandboxClock';
import { can, useMe } from './session';

export function SignedOutFrame({ children }: { children: ReactNode }) {
  return <Layout appName="console">{children}</Layout>;
}

export function SignedInFrame() {
  const me = useMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [leaving, setLeaving] = useState(false);

  async function signOut() {
    setLeaving(true);
    try {
      await api.POST('/api/v1/auth/logout');
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    }
  }

  return (
    <Layout
      appName="console"
      sideNav
      nav={
        <>
          <Link
            to="/customers"
            search={{}}
            className="nav-link"
            activeProps={{ className: 'nav-link active' }}
          >
            Customers
          </Link>
          {can(me, 'billing:read') && (
            <>
              <Link
                to="/catalog"
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Catalog
              </Link>
              <Link
                to="/bill-runs"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Bill runs
              </Link>
              <Link
                to="/payment-runs"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Payment runs
              </Link>
              <Link
                to="/payments/failed"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Failed payments
              </Link>
              <Link
                to="/calendar"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Calendar
              </Link>
              <Link
                to="/accounting"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Accounting
              </Link>
              <Link
                to="/emails"
                search={{}}
                className="nav-link"
                activeProps={{ className: 'nav-link active' }}
              >
                Email outbox
              </Link>
            </>
          )}
          {can(me, 'audit:read') && (
            <Link
              to="/audit"
              search={{}}
              className="nav-link"
              activeProps={{ className: 'nav-link active' }}
            >
              Audit log
            </Link>
          )}
          {can(me, 'tenant:manage') && (
            <Link
              to="/settings"
              search={{}}
              className="nav-link"
              activeProps={{ className: 'nav-link active' }}
            >
              Settings
            </Link>
          )}
        </>
      }
      account={
        <>
          <Box role="search" style={{ flex: '1 1 240px' }}>
            <GlobalSearch />
          </Box>
          <SandboxClock />
          <Text size="sm" visibleFrom="xs">
            {me.staff?.name ?? 'API key'} · {me.tenant.name}
          </Text>
          <Badge variant="light" color="gray" c="gray.9">
            {me.role.replace('_', ' ')}
          </Badge>
          <Button size="xs" variant="default" onClick={signOut} loading={leaving}>
            Sign out
          </Button>
        </>
      }
    >
      <Outlet />
    </Layout>
  );
}
