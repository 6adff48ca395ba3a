/**
 * The sandbox clock in the console header (sandbox tenants only): the tenant's business date,
 * and "Advance" to a later date, after which the dialog says what fell due (bill runs started,
 * payment runs started, scheduled payments and retries handed to the worker, settlements). When
 * no bill run started, it says how to bill what is due: subscriptions whose period ended are not
 * "due" until a bill run bills them, and "Nothing fell due" alone left a new user stuck.
 */
import { Anchor, Button, Group, List, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../shared/api';
import { Notice } from '../shared/display';
import { ErrorAlert, fieldErrors } from '../shared/errors';
import { formatBusinessDate } from '../shared/format';
import { useClock } from './pages/runs/parts';
import { can, useMe } from './session';

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function SandboxClock() {
  const me = useMe();
  const clock = useClock();
  const [open, setOpen] = useState(false);
  if (me.tenant.mode !== 'sandbox' || !clock.data) return null;
  return (
    <Group gap={6} wrap="nowrap">
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        Sandbox date: <strong>{formatBusinessDate(clock.data.today)}</strong>
      </Text>
      {can(me, 'clock:advance') && (
        <Button size="xs" variant="default" onClick={() => setOpen(true)}>
          Advance
        </Button>
      )}
      <AdvanceDialog opened={open} today={clock.data.today} onClose={() => setOpen(false)} />
    </Group>
  );
}

function AdvanceDialog({
  opened,
  today,
  onClose,
}: {
  opened: boolean;
  today: string;
  onClose: () => void;
}) {
  const queryClient = useQueryClient();
  const [to, setTo] = useState('');
  const advance = useMutation({
    mutationFn: async () => unwrap(await api.POST('/api/v1/clock/advance', { body: { to } })),
    // Every date the console shows may have changed: read everything again.
    onSuccess: () => void queryClient.invalidateQueries(),
  });
  const fields = fieldErrors(advance.error);
  const done = advance.data;
  const fell = done?.fell_due;
  const nothing =
    fell &&
    fell.bill_runs.length +
      fell.payment_runs.length +
      fell.scheduled_payments +
      fell.retries +
      fell.settlements ===
      0;

  function close() {
    advance.reset();
    setTo('');
    onClose();
  }

  return (
    <Modal
      opened={opened}
      onClose={close}
      title="Advance the sandbox clock"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {done && fell ? (
        <Stack>
          <Notice
            title={`The sandbox date is ${formatBusinessDate(done.today)}`}
            color="blue"
            role="status"
          >
            {nothing ? (
              'Nothing fell due.'
            ) : (
              <List size="sm">
                {fell.bill_runs.map((id) => (
                  <List.Item key={id}>
                    A scheduled{' '}
                    <Anchor
                      size="sm"
                      renderRoot={(p) => (
                        <Link
                          {...p}
                          to="/bill-runs/$runId"
                          params={{ runId: id }}
                          onClick={close}
                        />
                      )}
                    >
                      bill run
                    </Anchor>{' '}
                    started
                  </List.Item>
                ))}
                {fell.payment_runs.map((id) => (
                  <List.Item key={id}>
                    A scheduled{' '}
                    <Anchor
                      size="sm"
                      renderRoot={(p) => (
                        <Link
                          {...p}
                          to="/payment-runs/$runId"
                          params={{ runId: id }}
                          onClick={close}
                        />
                      )}
                    >
                      payment run
                    </Anchor>{' '}
                    started
                  </List.Item>
                ))}
                {fell.scheduled_payments > 0 && (
                  <List.Item>
                    {plural(fell.scheduled_payments, 'scheduled payment', 'scheduled payments')}{' '}
                    due, being charged
                  </List.Item>
                )}
                {fell.retries > 0 && (
                  <List.Item>
                    {plural(fell.retries, 'automatic retry', 'automatic retries')} of failed
                    payments due, being made
                  </List.Item>
                )}
                {fell.settlements > 0 && (
                  <List.Item>
                    {plural(fell.settlements, 'bank debit', 'bank debits')} settled or returned
                  </List.Item>
                )}
              </List>
            )}
          </Notice>
          {fell.bill_runs.length === 0 && (
            <Text size="sm">
              Bill runs start by themselves only on the bill-run day of the billing rules. To bill
              what is due by this date now,{' '}
              <Anchor size="sm" renderRoot={(p) => <Link {...p} to="/bill-runs" onClick={close} />}>
                start a bill run
              </Anchor>
              .
            </Text>
          )}
          <Group justify="flex-end">
            <Button onClick={close}>Done</Button>
          </Group>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            advance.mutate();
          }}
          noValidate
        >
          <Stack>
            <Text size="sm">
              Today is {formatBusinessDate(today)} in this sandbox. Moving forward runs what falls
              due on the way: scheduled bill runs and payment runs, scheduled payments, retries and
              bank settlements. The clock never goes back.
            </Text>
            {advance.isError && Object.keys(fields).length === 0 && (
              <ErrorAlert error={advance.error} />
            )}
            <TextInput
              type="date"
              label="Advance to"
              required
              min={today}
              value={to}
              onChange={(e) => setTo(e.currentTarget.value)}
              error={fields.to}
            />
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>
                Cancel
              </Button>
              <Button type="submit" loading={advance.isPending} disabled={!to}>
                Advance the clock
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}
