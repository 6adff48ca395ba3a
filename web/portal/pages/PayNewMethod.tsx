/**
 * "A new card or bank account" on the Pay page: the shared NewMethodForm sends the numbers to the
 * gateway's tokenization endpoint and hands back a single-use token, with the authorisation tick
 * and "save for later"; the payment then carries only the token. Once entered, the method is
 * shown by its name with a way to enter another.
 */
import { Button, Group, Paper, Stack, Text } from '@mantine/core';
import { NewMethodForm } from '../components/NewMethodForm';

export interface NewMethodValue {
  gateway_token: string;
  label: string;
  authorized: true;
  save: boolean;
}

export function NewPaymentMethod({
  value,
  onChange,
  error,
  gateway,
  kinds,
}: {
  value: NewMethodValue | null;
  onChange: (v: NewMethodValue | null) => void;
  error: string | undefined;
  gateway: 'sandbox' | 'stripe' | null;
  kinds: ('card' | 'bank_account')[];
}) {
  if (value) {
    return (
      <Paper withBorder p="md" radius="md">
        <Group justify="space-between" wrap="wrap" gap="sm">
          <Stack gap={2}>
            <Text size="sm" fw={600}>
              {value.label}
            </Text>
            <Text size="sm">
              {value.save
                ? 'Saved for later payments once you pay.'
                : 'Used for this payment only.'}
            </Text>
          </Stack>
          <Button variant="default" size="sm" onClick={() => onChange(null)}>
            Enter another
          </Button>
        </Group>
      </Paper>
    );
  }
  return (
    <Paper withBorder p="md" radius="md">
      <Stack gap="sm">
        {error && (
          <Text size="sm" c="red.9" role="alert">
            {error}
          </Text>
        )}
        <NewMethodForm
          kinds={kinds}
          gateway={gateway}
          showSaveForLater
          submitLabel="Use this for the payment"
          onToken={(t) =>
            onChange({
              gateway_token: t.token,
              label: t.label,
              authorized: true,
              save: t.saveForLater,
            })
          }
        />
      </Stack>
    </Paper>
  );
}
