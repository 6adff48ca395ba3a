/**
 * Pieces the bill-run and payment-run pages share: a run's status badge, its progress bar (live
 * while the page polls), and the sandbox clock's "today" that a run's date defaults to.
 */
import { Badge, Button, Group, Modal, Progress, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type ReactNode, useEffect, useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';

const STATUS: Record<string, { label: string; color: string }> = {
  pending: { label: 'Waiting to start', color: 'gray' },
  scheduled: { label: 'Scheduled', color: 'gray' },
  running: { label: 'Running', color: 'blue' },
  completed: { label: 'Ready for review', color: 'yellow' },
  posting: { label: 'Posting', color: 'blue' },
  posted: { label: 'Posted', color: 'green' },
  failed: { label: 'Failed', color: 'red' },
};

/** Completed means "ready for review" for a bill run, "done" for a payment run. */
export function RunStatusBadge({ status, kind }: { status: string; kind: 'bill' | 'payment' }) {
  const s =
    kind === 'payment' && status === 'completed'
      ? { label: 'Completed', color: 'green' }
      : (STATUS[status] ?? { label: status, color: 'gray' });
  return (
    // At least as wide as its word: in a narrow table cell a badge would otherwise shrink to an
    // ellipsis ("PO…") on a phone.
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

/** A labelled progress bar: "12 of 40 customers". */
export function RunProgress({
  processed,
  total,
  noun,
  label,
}: {
  processed: number;
  total: number;
  noun: string;
  label: string;
}) {
  const percent = total > 0 ? Math.round((processed / total) * 100) : 0;
  return (
    <Stack gap={4}>
      <Group justify="space-between" gap="xs">
        <Text size="sm" fw={500} id="run-progress-label">
          {label}
        </Text>
        <Text size="sm" aria-live="polite">
          {processed} of {total} {noun}
        </Text>
      </Group>
      <Progress
        value={percent}
        size="lg"
        aria-labelledby="run-progress-label"
        aria-valuetext={`${processed} of ${total} ${noun}`}
      />
    </Stack>
  );
}

/** The tenant's business date now (the sandbox clock's, for a sandbox tenant). */
export function useClock() {
  return useQuery({
    queryKey: ['clock'],
    queryFn: async () => unwrap(await api.GET('/api/v1/clock')),
  });
}

/** Polls while a run is still working, then stops. */
export function pollWhile(working: boolean): number | false {
  return working ? 1000 : false;
}

/** A start-run dialog's target date: empty until the clock answers, then today by default. */
export function useRunTarget(opened: boolean) {
  const clock = useClock();
  const today = clock.data?.today;
  const [target, setTarget] = useState('');
  useEffect(() => {
    if (opened && today) setTarget((t) => t || today);
  }, [opened, today]);
  return { today, target, setTarget };
}

/**
 * "Start a bill run" / "Start a payment run": the target date (its bounds given by the caller),
 * any options as children, a form-level error only when no field has one.
 */
export function StartRunDialog({
  opened,
  onClose,
  title,
  start,
  target,
  setTarget,
  dateLabel,
  dateDescription,
  min,
  max,
  submitLabel,
  children,
}: {
  opened: boolean;
  onClose: () => void;
  title: string;
  start: { mutate: () => void; isPending: boolean; isError: boolean; error: unknown };
  target: string;
  setTarget: (value: string) => void;
  dateLabel: string;
  dateDescription: string;
  min?: string | undefined;
  max?: string | undefined;
  submitLabel: string;
  children?: ReactNode;
}) {
  const fields = fieldErrors(start.error);
  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title={title}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          start.mutate();
        }}
        noValidate
      >
        <Stack>
          {start.isError && Object.keys(fields).length === 0 && <ErrorAlert error={start.error} />}
          <TextInput
            type="date"
            label={dateLabel}
            description={dateDescription}
            required
            value={target}
            min={min}
            max={max}
            onChange={(e) => setTarget(e.currentTarget.value)}
            error={fields.target_date}
          />
          {children}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={start.isPending} disabled={!target}>
              {submitLabel}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
