/**
 * Small display pieces both apps use: money as the API gave it, a payment's status badge, a
 * notice whose title keeps its contrast, and one figure of a balance card.
 */
import { Alert, Badge, Group, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatMoney } from './format';

/** An amount the API gave, in minor units (or an exact decimal string of them), formatted only. */
export function Money({ minor, currency = 'USD' }: { minor: number | string; currency?: string }) {
  return <span style={{ whiteSpace: 'nowrap' }}>{formatMoney(minor, currency)}</span>;
}

const PAYMENT_STATUS: Record<string, { label: string; color: string }> = {
  scheduled: { label: 'Scheduled', color: 'blue' },
  pending: { label: 'Pending', color: 'yellow' },
  succeeded: { label: 'Succeeded', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
  cancelled: { label: 'Cancelled', color: 'gray' },
  returned: { label: 'Returned', color: 'red' },
  refunded: { label: 'Refunded', color: 'gray' },
};

/**
 * A light badge: its dark text on a pale background passes contrast in every colour. A pending
 * bank debit (give its method type) reads "Accepted — funds not yet received": it is not paid.
 */
export function PaymentStatusBadge({
  status,
  methodType,
}: {
  status: string;
  methodType?: string | undefined;
}) {
  const s =
    status === 'pending' && methodType === 'bank_account'
      ? { label: 'Accepted — funds not yet received', color: 'yellow' }
      : (PAYMENT_STATUS[status] ?? { label: status.replaceAll('_', ' '), color: 'gray' });
  return (
    <Badge
      variant="light"
      color={s.color}
      c="dark.9"
      radius="sm"
      style={{ flexShrink: 0, minWidth: 'max-content' }}
    >
      {s.label}
    </Badge>
  );
}

/**
 * A light alert whose title is dark: Mantine's light yellow and blue titles fail WCAG AA contrast.
 */
export function Notice({
  title,
  color,
  role,
  children,
}: {
  title: string;
  color: 'yellow' | 'blue' | 'gray';
  role?: 'alert' | 'status';
  children: ReactNode;
}) {
  return (
    <Alert
      color={color}
      variant="light"
      title={title}
      role={role}
      styles={{ title: { color: 'var(--mantine-color-dark-9)' } }}
    >
      {children}
    </Alert>
  );
}

/** One figure of a balance card: a label, the figure, and a line under it. */
export function Stat({
  label,
  children,
  note,
  tone,
}: {
  label: string;
  children: ReactNode;
  note?: ReactNode;
  tone?: 'alert';
}) {
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap={4}>
        <Text size="sm" fw={500} c="gray.8">
          {label}
        </Text>
        <Text fw={700} fz={26} c={tone === 'alert' ? 'red.9' : undefined}>
          {children}
        </Text>
        {note && <Text size="sm">{note}</Text>}
      </Stack>
    </Paper>
  );
}

/** One labelled fact of a review or a receipt: the label in a fixed column, the value wrapping. */
export function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text size="sm" fw={600} w={90} style={{ flexShrink: 0 }}>
        {label}
      </Text>
      <Text size="sm" style={{ overflowWrap: 'anywhere', minWidth: 0 }}>
        {children}
      </Text>
    </Group>
  );
}
