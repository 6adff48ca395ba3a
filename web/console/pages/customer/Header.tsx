/**
 * The profile's header: name, number, billing email and the link chips (A6). A missing link is
 * shown as such, with what it means for this customer.
 */
import { Anchor, Badge, Button, Group, List, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { ErrorAlert } from '../../../shared/errors';
import { can, useMe } from '../../session';
import type { Customer } from './types';

const LINKS = {
  crm: {
    name: 'CRM',
    missing:
      'No CRM company is linked: contacts and notes kept in the CRM are not matched to this customer.',
  },
  accounting: {
    name: 'Accounting',
    missing:
      'No accounting customer is linked: the accounting system cannot place this customer’s invoices and payments until one is.',
  },
  gateway: {
    name: 'Gateway',
    missing:
      'No gateway customer is linked: the payment gateway has no customer record named for this customer.',
  },
} as const;

/**
 * "View as customer" (J3): opens the portal's read-only view of this customer in a new tab, for
 * 15 minutes, audited. The tab is opened on the click (so no pop-up blocker stops it) and sent to
 * the one-time link once the API gave it.
 */
function ViewAsCustomer({ customerId }: { customerId: string }) {
  const [error, setError] = useState<unknown>(null);
  const [opening, setOpening] = useState(false);
  async function open() {
    setError(null);
    setOpening(true);
    const tab = window.open('about:blank', '_blank');
    if (tab) tab.opener = null;
    try {
      const link = unwrap(
        await api.POST('/api/v1/customers/{id}/portal-view', {
          params: { path: { id: customerId } },
        }),
      );
      if (tab) tab.location.href = link.path;
      else window.location.assign(link.path);
    } catch (err) {
      tab?.close();
      setError(err);
    } finally {
      setOpening(false);
    }
  }
  return (
    <Stack gap={4} align="flex-end">
      <Button variant="default" onClick={() => void open()} loading={opening}>
        View as customer
      </Button>
      {error !== null && <ErrorAlert error={error} title="The portal view did not open" />}
    </Stack>
  );
}

export function ProfileHeader({ customer: c }: { customer: Customer }) {
  const me = useMe();
  const kinds = ['crm', 'accounting', 'gateway'] as const;
  const missing = kinds.filter((k) => c.links[k] === null);
  return (
    <Stack gap="xs">
      <Group gap="sm" align="baseline" wrap="wrap" justify="space-between">
        <Group gap="sm" align="baseline" wrap="wrap">
          <Title order={1}>{c.name}</Title>
          {c.status === 'archived' && (
            <Badge variant="light" color="gray" c="dark.9">
              Archived
            </Badge>
          )}
        </Group>
        {can(me, 'billing:read') && <ViewAsCustomer customerId={c.id} />}
      </Group>
      <Group gap="lg" wrap="wrap">
        <Text size="sm">
          <Text span fw={600}>
            Number
          </Text>{' '}
          {c.number}
        </Text>
        <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
          <Text span fw={600}>
            Billing email
          </Text>{' '}
          {c.billing_email ?? 'none'}
        </Text>
        {c.parent_id && (
          <Text size="sm">
            <Text span fw={600}>
              Child account of
            </Text>{' '}
            <Anchor
              renderRoot={(p) => (
                <Link
                  {...p}
                  to="/customers/$customerId"
                  params={{ customerId: c.parent_id ?? '' }}
                />
              )}
            >
              its parent
            </Anchor>
          </Text>
        )}
      </Group>
      <Group gap="xs" wrap="wrap" aria-label="Links to other systems" role="list">
        {kinds.map((k) => {
          const id = c.links[k];
          return (
            <Badge
              key={k}
              role="listitem"
              variant={id ? 'light' : 'outline'}
              color={id ? 'green' : 'gray'}
              c="dark.9"
              radius="sm"
              title={id ?? LINKS[k].missing}
            >
              {id ? `${LINKS[k].name}: ${id}` : `${LINKS[k].name}: not linked`}
            </Badge>
          );
        })}
      </Group>
      {missing.length > 0 && (
        <List size="sm" spacing={2}>
          {missing.map((k) => (
            <List.Item key={k}>{LINKS[k].missing}</List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
