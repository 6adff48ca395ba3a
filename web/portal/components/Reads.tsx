/**
 * How a portal page shows a read that did not come: loading, and errors — a profile that lacks a
 * permission is told which one and whom to ask, instead of seeing an empty list.
 */
import { Text } from '@mantine/core';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { ApiError } from '../../shared/api';
import { Notice } from '../../shared/display';
import { ErrorAlert } from '../../shared/errors';

export { Notice };

import { Loading } from '../../shared/states';
import { usePortalMe } from '../session';

const PERMISSION_NAMES: Record<string, string> = {
  view_invoices: 'View invoices',
  view_payments: 'View payments',
  view_credits: 'View credits',
  view_usage: 'View usage',
  make_payments: 'Make payments',
  manage_payment_methods: 'Manage payment methods',
  manage_autopay: 'Manage autopay',
};

export function permissionName(permission: string): string {
  return PERMISSION_NAMES[permission] ?? permission;
}

/** The reason a contact may not see this page: the permission its profile lacks. */
export function PermissionDenied({ permission }: { permission: string | undefined }) {
  const me = usePortalMe();
  return (
    <Notice color="yellow" title="Your access does not include this" role="alert">
      <Text size="sm">
        {permission
          ? `Your contact profile does not include “${permissionName(permission)}”.`
          : 'Your contact profile does not allow this.'}{' '}
        Ask the billing team of {me.tenant.name} to change your access.
      </Text>
    </Notice>
  );
}

/** Renders the data of a query, or its loading state, or the reason it failed. */
export function Read<T>({
  query,
  label,
  children,
}: {
  query: UseQueryResult<T>;
  label: string;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) return <Loading label={`Loading ${label}…`} />;
  if (query.isError) {
    const err = query.error;
    if (err instanceof ApiError && err.code === 'portal_permission_denied') {
      const permission = err.details?.permission;
      return (
        <PermissionDenied permission={typeof permission === 'string' ? permission : undefined} />
      );
    }
    return (
      <ErrorAlert
        error={err}
        title={`Could not load ${label}`}
        onRetry={() => void query.refetch()}
      />
    );
  }
  return <>{children(query.data)}</>;
}
