/**
 * Payment-method pieces both apps show the same way (console profile tab D, portal page D1–D7):
 * the row heading (default starred), a refusal in the app's words, the delete confirmation and
 * the micro-deposit verify dialog. Each app passes in its own API call and wording; the console
 * adds its sandbox-deposits button to the verify dialog through `extra`.
 */
import {
  Badge,
  Button,
  Group,
  Modal,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  VisuallyHidden,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { ApiError } from './api';
import { Notice } from './display';
import { ErrorAlert } from './errors';

/** An API refusal told with `reason`'s sentence when it has one; the API's message otherwise. */
export function RefusalAlert({
  error,
  title,
  reason,
  showCode = false,
}: {
  error: unknown;
  title: string;
  reason: (err: unknown) => string | undefined;
  showCode?: boolean;
}) {
  const text = reason(error);
  if (!text) return <ErrorAlert error={error} title={title} />;
  return (
    <Notice color="yellow" title={title} role="alert">
      <Text size="sm">{text}</Text>
      {showCode && error instanceof ApiError && (
        <Text size="xs" c="gray.8">
          Code: {error.code}
        </Text>
      )}
    </Notice>
  );
}

/** A method row's heading: the star and "(default)" for the default, its label, then badges. */
export function MethodHeading({
  id,
  label,
  isDefault,
  children,
}: {
  id: string;
  label: string;
  isDefault: boolean;
  children?: ReactNode;
}) {
  return (
    <Group gap="xs" wrap="wrap">
      {isDefault && (
        <Text span c="yellow.9" fz="lg" aria-hidden>
          ★
        </Text>
      )}
      <Text fw={600} id={id}>
        {label}
        {isDefault && <VisuallyHidden> (default)</VisuallyHidden>}
      </Text>
      {isDefault && (
        <Badge variant="light" color="indigo" c="dark.9" radius="sm">
          Default
        </Badge>
      )}
      {children}
    </Group>
  );
}

/** "Delete Visa ending 4242?": Delete disappears once the API says the method is in use. */
export function DeleteMethodDialog({
  name,
  remove: removeMethod,
  explanation,
  closeLabel,
  refusal,
  onClose,
  onDeleted,
}: {
  name: string;
  remove: () => Promise<unknown>;
  explanation: string;
  closeLabel: string;
  refusal: (error: unknown, title: string) => ReactNode;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  const remove = useMutation({
    mutationFn: removeMethod,
    onSuccess: async () => {
      onClose();
      await onDeleted();
    },
  });
  const inUse = remove.error instanceof ApiError && remove.error.code === 'payment_method_in_use';
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Delete ${name}?`}
      centered
      closeButtonProps={{ 'aria-label': closeLabel }}
    >
      <Stack gap="sm">
        <Text size="sm">{explanation}</Text>
        {remove.isError && refusal(remove.error, 'Not deleted')}
        <Group gap="sm">
          {!inUse && (
            <Button color="red" loading={remove.isPending} onClick={() => remove.mutate()}>
              Delete
            </Button>
          )}
          <Button variant="default" onClick={onClose}>
            {remove.isError ? 'Close' : 'Cancel'}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

/**
 * The micro-deposit check: two amounts in cents (1 to 99, any order). A wrong pair refreshes the
 * list too (attempts left, locked) before the refusal is shown.
 */
export function VerifyDepositsDialog({
  name,
  attemptsLeft,
  verify: verifyAmounts,
  instructions,
  closeLabel,
  refusal,
  extra,
  onClose,
  onVerified,
}: {
  name: string;
  attemptsLeft: number | undefined;
  verify: (amounts: [number, number]) => Promise<unknown>;
  instructions: string;
  closeLabel: string;
  refusal: (error: unknown, title: string) => ReactNode;
  /** Shown between the instructions and the inputs (the console's sandbox deposits). */
  extra?: ReactNode;
  onClose: () => void;
  onVerified: () => Promise<void>;
}) {
  const [first, setFirst] = useState('');
  const [second, setSecond] = useState('');
  const [problem, setProblem] = useState<{ first?: string; second?: string }>({});
  const verify = useMutation({
    mutationFn: verifyAmounts,
    onSuccess: async () => {
      onClose();
      await onVerified();
    },
    onError: () => void onVerified(),
  });
  function submit(event: FormEvent) {
    event.preventDefault();
    const ok = (s: string) => /^\d{1,2}$/.test(s.trim()) && Number(s) >= 1;
    const message = 'Enter the deposit in cents, 1 to 99 (32 for $0.32)';
    const found = {
      ...(!ok(first) && { first: message }),
      ...(!ok(second) && { second: message }),
    };
    setProblem(found);
    if (found.first || found.second) return;
    verify.mutate([Number(first), Number(second)]);
  }
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Verify ${name}`}
      centered
      closeButtonProps={{ 'aria-label': closeLabel }}
    >
      <form onSubmit={submit} noValidate>
        <Stack gap="sm">
          <Text size="sm">
            {instructions} {attemptsLeft !== undefined && `${attemptsLeft} attempts left.`}
          </Text>
          {extra}
          {verify.isError && refusal(verify.error, 'Not verified')}
          <SimpleGrid cols={2}>
            <TextInput
              label="First deposit (cents)"
              inputMode="numeric"
              maxLength={2}
              required
              value={first}
              onChange={(e) => setFirst(e.currentTarget.value)}
              error={problem.first}
            />
            <TextInput
              label="Second deposit (cents)"
              inputMode="numeric"
              maxLength={2}
              required
              value={second}
              onChange={(e) => setSecond(e.currentTarget.value)}
              error={problem.second}
            />
          </SimpleGrid>
          <Group gap="sm">
            <Button type="submit" loading={verify.isPending}>
              Verify
            </Button>
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
