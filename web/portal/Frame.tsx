/** The portal's page frame, signed in (navigation, who, sign-out) and signed out. */
import { Box, Button, Text } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, Outlet, useNavigate } from '@tanstack/react-router';
import { type ReactNode, useState } from 'react';
import { setCsrfToken } from '../shared/api';
import { Notice } from '../shared/display';
import { Layout } from '../shared/Layout';
import { portalApi } from './api';
import { may, usePortalMe } from './session';

export function SignedOutFrame({ children }: { children: ReactNode }) {
  return <Layout appName="customer portal">{children}</Layout>;
}

function NavLink({
  to,
  children,
}: {
  to: '/' | '/invoices' | '/payments' | '/credits' | '/usage' | '/payment-methods' | '/account';
  children: ReactNode;
}) {
  return (
    <Link
      to={to}
      className="nav-link"
      activeProps={{ className: 'nav-link active' }}
      activeOptions={{ exact: to === '/', includeSearch: false }}
    >
      {children}
    </Link>
  );
}

export function SignedInFrame() {
  const me = usePortalMe();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [leaving, setLeaving] = useState(false);

  async function signOut() {
    setLeaving(true);
    try {
      await portalApi.POST('/api/v1/portal/logout');
    } finally {
      setCsrfToken(null);
      queryClient.clear();
      await navigate({ to: '/sign-in' });
    }
  }

  return (
    <Layout
      appName="customer portal"
      nav={
        <>
          <NavLink to="/">Dashboard</NavLink>
          {may(me, 'view_invoices') && <NavLink to="/invoices">Invoices</NavLink>}
          {may(me, 'view_payments') && <NavLink to="/payments">Payments</NavLink>}
          {may(me, 'view_credits') && <NavLink to="/credits">Credits</NavLink>}
          {me.has_usage && may(me, 'view_usage') && <NavLink to="/usage">Usage</NavLink>}
          {(may(me, 'manage_payment_methods') || may(me, 'make_payments')) && (
            <NavLink to="/payment-methods">Payment methods</NavLink>
          )}
          {!me.view_as && <NavLink to="/account">My account</NavLink>}
        </>
      }
      account={
        <>
          <Text size="sm" visibleFrom="xs">
            {me.contact.name || me.contact.email} · {me.customer.name}
          </Text>
          <Button size="xs" variant="default" onClick={signOut} loading={leaving}>
            Sign out
          </Button>
        </>
      }
    >
      {me.view_as && (
        <Box mb="md">
          <Notice color="blue" role="status" title={`Viewing as ${me.customer.name} — read only`}>
            <Text size="sm">
              {me.view_as.staff_name} is seeing what this customer’s contacts see. Nothing can be
              paid or changed here; the view ends after 15 minutes or on sign-out.
            </Text>
          </Notice>
        </Box>
      )}
      <Outlet />
    </Layout>
  );
}
