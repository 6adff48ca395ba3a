/** The portal's small display pieces: invoice and payment status badges, money, a stat card. */
import { Badge } from '@mantine/core';
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

export { Money, PaymentStatusBadge, Stat } from '../../shared/display';
