/**
 * Payment methods (D1–D7): the account's cards and bank accounts with the default starred, the
 * parent's shared ones, adding a card or bank account (NewMethodForm: the numbers go to the
 * gateway, never here), making one the default, verifying a bank account's micro-deposits, and
 * deleting — a refusal says why. Changing a method is deleting it and adding it again.
 */
import { Badge, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, unwrap } from '../../shared/api';
import {
  DeleteMethodDialog,
  MethodHeading,
  RefusalAlert as SharedRefusalAlert,
  VerifyDepositsDialog,
} from '../../shared/MethodPieces';
import { methodDescription, methodUsedBy } from '../../shared/methods';
import { Empty } from '../../shared/states';
import { type MethodKind, type PortalMethod, type PortalMethodList, portalApi } from '../api';
import { methodName } from '../components/methods';
import { NewMethodForm } from '../components/NewMethodForm';
import { Read } from '../components/Reads';
import { may, usePortalMe } from '../session';

/** The sentence a refusal deserves in this page's words; the API's own message otherwise. */
function reason(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.code === 'payment_method_in_use') {
    const { what, them } = methodUsedBy(err.details);
    return `This method is used by ${what}, so it cannot be deleted. Ask the billing team to move ${them} to another method, or cancel ${them}, first.`;
  }
  if (err.code === 'verification_failed') {
    const left = Number(err.details?.attempts_left ?? 0);
    if (err.details?.reason === 'micro_deposits_returned') {
      return 'The bank returned the test deposits. Delete this account and add it again.';
    }
    return left > 0
      ? `The amounts do not match the two deposits. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`
      : 'The amounts do not match, and no attempts are left: this account is locked. Delete it and add it again.';
  }
  if (err.code === 'verification_locked') {
    return 'Too many wrong attempts: this account is locked. Delete it and add it again to get new deposits.';
  }
  if (err.code === 'payment_method_unverified') {
    return 'Verify this bank account with its two deposits before making it the default.';
  }
  if (err.code === 'card_expired') return 'This card has expired and cannot be the default.';
  return undefined;
}

function RefusalAlert({ error, title }: { error: unknown; title: string }) {
  return <SharedRefusalAlert error={error} title={title} reason={reason} />;
}

const refusal = (error: unknown, title: string) => <RefusalAlert error={error} title={title} />;

export const methodsQueryKey = (customerId: string) => ['portal', customerId, 'payment-methods'];

export function PaymentMethodsPage() {
  const me = usePortalMe();
  const methods = useQuery({
    queryKey: methodsQueryKey(me.customer.id),
    queryFn: async () => unwrap(await portalApi.GET('/api/v1/portal/payment-methods')),
  });
  return (
    <Stack gap="md" maw={820}>
      <div>
        <Title order={1}>Payment methods</Title>
        <Text size="sm">
          The cards and bank accounts {me.tenant.name} can charge for this account. To change one,
          delete it and add it again.
        </Text>
      </div>
      <Read query={methods} label="your payment methods">
        {(list) => <Methods list={list} manage={may(me, 'manage_payment_methods')} />}
      </Read>
    </Stack>
  );
}

function Methods({ list, manage }: { list: PortalMethodList; manage: boolean }) {
  const me = usePortalMe();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState<MethodKind | null>(null);
  const [added, setAdded] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['portal', me.customer.id] });
  const own = list.data.filter((m) => !m.inherited);
  const shared = list.data.filter((m) => m.inherited);
  return (
    <Stack gap="md">
      {added && (
        <Text role="status" c="dark.9" fw={600}>
          {added}
        </Text>
      )}
      {own.length === 0 ? (
        <Empty title="No payment method saved">
          {manage ? 'Add a card or a bank account below.' : 'Ask the billing team to add one.'}
        </Empty>
      ) : (
        <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
          {own.map((m) => (
            <MethodRow
              key={m.id}
              method={m}
              manage={manage}
              isDefault={list.default_method_id === m.id}
              onChanged={refresh}
            />
          ))}
        </Stack>
      )}
      {shared.length > 0 && (
        <Stack gap="sm" component="section" aria-labelledby="shared-title">
          <Title order={2} size="h4" id="shared-title">
            Shared by your parent account
          </Title>
          <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
            {shared.map((m) => (
              <MethodRow
                key={m.id}
                method={m}
                manage={false}
                isDefault={list.default_method_id === m.id}
                onChanged={refresh}
              />
            ))}
          </Stack>
        </Stack>
      )}
      {manage && (
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="add-title">
          <Stack gap="sm">
            <Title order={2} size="h3" id="add-title">
              {adding === 'card'
                ? 'Add a card'
                : adding === 'bank_account'
                  ? 'Add a bank account'
                  : 'Add a payment method'}
            </Title>
            {adding === null ? (
              list.gateway === 'sandbox' && list.accepted_kinds.length > 0 ? (
                <Group gap="sm">
                  {list.accepted_kinds.includes('card') && (
                    <Button onClick={() => setAdding('card')}>Add card</Button>
                  )}
                  {list.accepted_kinds.includes('bank_account') && (
                    <Button onClick={() => setAdding('bank_account')}>Add bank account</Button>
                  )}
                </Group>
              ) : (
                <NewMethodForm kinds={list.accepted_kinds} gateway={list.gateway} />
              )
            ) : (
              <NewMethodForm
                key={adding}
                kinds={[adding]}
                gateway={list.gateway}
                canShareWithChildren={list.can_share_with_children}
                onCancel={() => setAdding(null)}
                onSaved={async (m) => {
                  setAdding(null);
                  setAdded(
                    m.kind === 'bank_account'
                      ? `${methodName(m)} is saved. Two small deposits are on their way to it: when they arrive, choose Verify and enter both amounts.`
                      : `${methodName(m)} is saved.`,
                  );
                  await refresh();
                }}
              />
            )}
          </Stack>
        </Paper>
      )}
    </Stack>
  );
}

function statusBadge(m: PortalMethod) {
  const map: Record<string, { label: string; color: string } | undefined> = {
    unverified: { label: 'Verification pending', color: 'yellow' },
    verification_locked: { label: 'Verification locked', color: 'red' },
    expired: { label: 'Expired', color: 'red' },
  };
  const s = map[m.status];
  if (!s) return null;
  return (
    <Badge variant="light" color={s.color} c="dark.9" radius="sm">
      {s.label}
    </Badge>
  );
}

function MethodRow({
  method: m,
  manage,
  isDefault,
  onChanged,
}: {
  method: PortalMethod;
  manage: boolean;
  isDefault: boolean;
  onChanged: () => Promise<void>;
}) {
  const [deleting, setDeleting] = useState(false);
  const [verifying, setVerifying] = useState(false);
  const makeDefault = useMutation({
    mutationFn: async () =>
      unwrap(
        await portalApi.POST('/api/v1/portal/payment-methods/{id}/default', {
          params: { path: { id: m.id } },
        }),
      ),
    onSuccess: onChanged,
  });
  const name = methodName(m);
  const headingId = `pm-${m.id}`;
  return (
    <Paper withBorder p="md" radius="md" component="li" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <MethodHeading id={headingId} label={name} isDefault={isDefault}>
            {statusBadge(m)}
            {m.shared_with_children && !m.inherited && (
              <Badge variant="outline" color="gray" c="dark.9" radius="sm">
                Available to child accounts
              </Badge>
            )}
          </MethodHeading>
          {manage && (
            <Group gap="xs">
              {m.status === 'unverified' && (
                <Button size="xs" onClick={() => setVerifying(true)}>
                  Verify
                </Button>
              )}
              {!isDefault && m.usable && (
                <Button
                  size="xs"
                  variant="default"
                  loading={makeDefault.isPending}
                  onClick={() => makeDefault.mutate()}
                  aria-label={`Make ${name} the default`}
                >
                  Make default
                </Button>
              )}
              <Button
                size="xs"
                variant="default"
                c="red.9"
                onClick={() => setDeleting(true)}
                aria-label={`Delete ${name}`}
              >
                Delete
              </Button>
            </Group>
          )}
        </Group>
        <Text size="sm">{methodDescription(m, 'Shared by your parent account')}</Text>
        {makeDefault.isError && (
          <RefusalAlert error={makeDefault.error} title="Could not make it the default" />
        )}
      </Stack>
      {deleting && (
        <DeleteDialog method={m} onClose={() => setDeleting(false)} onDeleted={onChanged} />
      )}
      {verifying && (
        <VerifyDialog method={m} onClose={() => setVerifying(false)} onVerified={onChanged} />
      )}
    </Paper>
  );
}

function DeleteDialog({
  method,
  onClose,
  onDeleted,
}: {
  method: PortalMethod;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  return (
    <DeleteMethodDialog
      name={methodName(method)}
      remove={async () =>
        unwrap(
          await portalApi.DELETE('/api/v1/portal/payment-methods/{id}', {
            params: { path: { id: method.id } },
          }),
        )
      }
      explanation="It can no longer pay invoices of this account. Payments already made with it stay in your history."
      closeLabel="Close dialog"
      refusal={refusal}
      onClose={onClose}
      onDeleted={onDeleted}
    />
  );
}

function VerifyDialog({
  method,
  onClose,
  onVerified,
}: {
  method: PortalMethod;
  onClose: () => void;
  onVerified: () => Promise<void>;
}) {
  return (
    <VerifyDepositsDialog
      name={methodName(method)}
      attemptsLeft={method.verification?.attempts_left}
      verify={async (amounts) =>
        unwrap(
          await portalApi.POST('/api/v1/portal/payment-methods/{id}/verify', {
            params: { path: { id: method.id } },
            body: { amounts },
          }),
        )
      }
      instructions="Two deposits of less than $1 were sent to this account. Enter both amounts in cents, in any order."
      closeLabel="Close dialog"
      refusal={refusal}
      onClose={onClose}
      onVerified={onVerified}
    />
  );
}
