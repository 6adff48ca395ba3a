/** The portal's small display pieces: invoice and payment status badges, money, a stat card. */
import { Badge, Paper, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { formatMoney } from '../../shared/format';
import type { InvoiceStatus } from '../api';

/** Badge text is dark on every pale background: shade 9 of yellow and green fails contrast. */
function textOf(_color: string): string {
  return 'dark.9';
}

const INVOICE_STATUS: Record<InvoiceStatus, { label: string; color: string }> = {
  draft: { label: 'Draft', color: 'gray' },
  open: { label: 'Open', color: 'blue' },
  partially_paid: { label: 'Partially paid', color: 'yellow' },
  paid: { label: 'Paid', color: 'green' },
  past_due: { label: 'Past due', color: 'red' },
  void: { label: 'Void', color: 'gray' },
};

export const INVOICE_STATUS_LABELS = INVOICE_STATUS;

/** A light badge: its dark text on a pale background passes contrast in every colour. */
export function InvoiceStatusBadge({ status }: { status: InvoiceStatus }) {
  const s = INVOICE_STATUS[status];
  return (
    <Badge variant="light" color={s.color} c={textOf(s.color)} radius="sm">
      {s.label}
    </Badge>
  );
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

export function PaymentStatusBadge({ status }: { status: string }) {
  const s = PAYMENT_STATUS[status] ?? { label: status.replaceAll('_', ' '), color: 'gray' };
  return (
    <Badge variant="light" color={s.color} c={textOf(s.color)} radius="sm">
      {s.label}
    </Badge>
  );
}

const METHOD: Record<string, string> = {
  card: 'Card',
  bank_account: 'Bank account',
  check: 'Check',
  cash: 'Cash',
  wire: 'Wire transfer',
};

export function methodLabel(type: string): string {
  return METHOD[type] ?? type.replaceAll('_', ' ');
}

/** An amount the API gave, in minor units, formatted only. */
export function Money({ minor, currency = 'USD' }: { minor: number; currency?: string }) {
  return <span style={{ whiteSpace: 'nowrap' }}>{formatMoney(minor, currency)}</span>;
}

/** One figure of the dashboard: a label, the figure, and a line under it. */
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
