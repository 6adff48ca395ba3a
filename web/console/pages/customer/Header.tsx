/**
 * The profile's header: name, number, billing email and the link chips (A6). A missing link is
 * shown as such, with what it means for this customer.
 */
import { Anchor, Badge, Group, List, Stack, Text, Title } from '@mantine/core';
import { Link } from '@tanstack/react-router';
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

export function ProfileHeader({ customer: c }: { customer: Customer }) {
  const kinds = ['crm', 'accounting', 'gateway'] as const;
  const missing = kinds.filter((k) => c.links[k] === null);
  return (
    <Stack gap="xs">
      <Group gap="sm" align="baseline" wrap="wrap">
        <Title order={1}>{c.name}</Title>
        {c.status === 'archived' && (
          <Badge variant="light" color="gray" c="dark.9">
            Archived
          </Badge>
        )}
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
