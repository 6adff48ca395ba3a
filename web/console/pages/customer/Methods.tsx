/**
 * The profile's payment methods tab (D): the customer's cards and bank accounts (the default
 * marked, status, verification state) and the ones a parent shares. With `billing:write`: a new
 * card or bank account through the shared entry form (the numbers go from the browser straight to
 * the gateway's tokenization, POST /sandbox/tokens, never to a staff endpoint), edit = full
 * re-entry (POST /payment-methods/{id}/replace), make default, share with child accounts, verify
 * a bank account's micro-deposits, and delete — a refusal shows the API's reason.
 */
import { Badge, Button, Checkbox, Group, Modal, Paper, Stack, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import type { paths } from '../../../../generated/api';
import { ApiError, api, unwrap } from '../../../shared/api';
import { ErrorAlert } from '../../../shared/errors';
import { formatInstantDate } from '../../../shared/format';
import {
  DeleteMethodDialog,
  MethodHeading,
  RefusalAlert as SharedRefusalAlert,
  VerifyDepositsDialog,
} from '../../../shared/MethodPieces';
import { methodDescription, methodName, methodUsedBy } from '../../../shared/methods';
import { type MethodKind, NewMethodForm } from '../../../shared/NewMethodForm';
import { Empty, Loading } from '../../../shared/states';
import { can, useMe } from '../../session';
import { profileKey } from './types';

type MethodList =
  paths['/api/v1/customers/{id}/payment-methods']['get']['responses'][200]['content']['application/json'];
type Method = MethodList['data'][number];

/** The gateway's tokenization for staff: the one request that carries the numbers. */
async function tokenize(
  body: paths['/api/v1/sandbox/tokens']['post']['requestBody']['content']['application/json'],
) {
  return unwrap(await api.POST('/api/v1/sandbox/tokens', { body }));
}

/** The authorisation tick, in staff's words: the customer gave it (D7). */
function authorization(kind: MethodKind): string {
  return kind === 'card'
    ? 'The customer authorises charges to this card for its invoices'
    : 'The customer authorises debits from this bank account for its invoices, and two small test deposits to verify it';
}

/** A refusal in the console's words when the API gives details; its own message otherwise. */
function reason(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  if (err.code === 'payment_method_in_use') {
    const { what, total, them } = methodUsedBy(err.details);
    return `It cannot be deleted: ${what} of this customer ${total > 1 ? 'use' : 'uses'} it. Move ${them} to another method, or cancel ${them}, first.`;
  }
  if (err.code === 'verification_failed') {
    const left = Number(err.details?.attempts_left ?? 0);
    if (err.details?.reason === 'micro_deposits_returned')
      return 'The bank returned the test deposits. Delete this account and add it again.';
    return left > 0
      ? `The amounts do not match the two deposits. ${left} ${left === 1 ? 'attempt' : 'attempts'} left.`
      : 'The amounts do not match and no attempts are left: the account is locked. Delete it and add it again.';
  }
  return undefined;
}

function RefusalAlert({ error, title }: { error: unknown; title: string }) {
  return <SharedRefusalAlert error={error} title={title} reason={reason} showCode />;
}

const refusal = (error: unknown, title: string) => <RefusalAlert error={error} title={title} />;

const STATUS: Record<string, { label: string; color: string }> = {
  usable: { label: 'Usable', color: 'green' },
  deleted: { label: 'Deleted', color: 'gray' },
  unverified: { label: 'Verification pending', color: 'yellow' },
  verification_locked: { label: 'Verification locked', color: 'red' },
  expired: { label: 'Expired', color: 'red' },
};

function StatusBadge({ status }: { status: string }) {
  const s = STATUS[status] ?? { label: status.replaceAll('_', ' '), color: 'gray' };
  return (
    <Badge variant="light" color={s.color} c="dark.9" radius="sm">
      {s.label}
    </Badge>
  );
}

export function CustomerMethods({ customerId }: { customerId: string }) {
  const me = useMe();
  const manage = can(me, 'billing:write');
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState<MethodKind | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const key = [...profileKey(customerId), 'methods'];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/payment-methods', {
          params: { path: { id: customerId } },
        }),
      ),
  });
  const refresh = () => queryClient.invalidateQueries({ queryKey: profileKey(customerId) });
  const gateway = me.tenant.mode === 'sandbox' ? 'sandbox' : 'stripe';
  const own = list.data?.data.filter((m) => !m.inherited) ?? [];
  const shared = list.data?.data.filter((m) => m.inherited) ?? [];

  return (
    <Stack gap="md" component="section" aria-labelledby="methods-title">
      <Title order={2} size="h3" id="methods-title">
        Payment methods
      </Title>
      {done && (
        <Text role="status" fw={600}>
          {done}
        </Text>
      )}
      {list.isPending ? (
        <Loading label="Loading payment methods…" />
      ) : list.isError ? (
        <ErrorAlert error={list.error} onRetry={() => void list.refetch()} />
      ) : (
        <>
          {own.length === 0 ? (
            <Empty title="No payment method saved">
              {manage ? 'Add a card or a bank account below.' : 'None has been added yet.'}
            </Empty>
          ) : (
            <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
              {own.map((m) => (
                <MethodRow
                  key={m.id}
                  method={m}
                  manage={manage}
                  sandbox={gateway === 'sandbox'}
                  isDefault={list.data.default_method_id === m.id}
                  onChanged={refresh}
                  onDone={setDone}
                />
              ))}
            </Stack>
          )}
          {shared.length > 0 && (
            <Stack gap="sm" component="section" aria-labelledby="shared-methods-title">
              <Title order={3} size="h4" id="shared-methods-title">
                Shared by a parent account
              </Title>
              <Stack gap="sm" component="ul" p={0} m={0} style={{ listStyle: 'none' }}>
                {shared.map((m) => (
                  <MethodRow
                    key={m.id}
                    method={m}
                    manage={false}
                    sandbox={false}
                    isDefault={list.data.default_method_id === m.id}
                    onChanged={refresh}
                    onDone={setDone}
                  />
                ))}
              </Stack>
            </Stack>
          )}
        </>
      )}
      {manage && (
        <Paper withBorder p="md" radius="md" component="section" aria-labelledby="add-method-title">
          <Stack gap="sm">
            <Title order={3} size="h4" id="add-method-title">
              {adding === 'card'
                ? 'Add a card'
                : adding === 'bank_account'
                  ? 'Add a bank account'
                  : 'Add a payment method'}
            </Title>
            {adding === null ? (
              gateway === 'sandbox' ? (
                <Group gap="sm">
                  <Button onClick={() => setAdding('card')}>Add card</Button>
                  <Button variant="default" onClick={() => setAdding('bank_account')}>
                    Add bank account
                  </Button>
                </Group>
              ) : (
                <NewMethodForm kinds={['card']} gateway={gateway} tokenize={tokenize} />
              )
            ) : (
              <NewMethodForm<Method>
                key={adding}
                kinds={[adding]}
                gateway={gateway}
                tokenize={tokenize}
                withFriendlyName
                canShareWithChildren
                authorizationLabel={authorization}
                save={async (token, c) =>
                  unwrap(
                    await api.POST('/api/v1/customers/{id}/payment-methods', {
                      params: { path: { id: customerId } },
                      body: {
                        gateway_token: token,
                        authorized: true,
                        shared_with_children: c.sharedWithChildren,
                        ...(c.friendlyName && { friendly_name: c.friendlyName }),
                      },
                    }),
                  )
                }
                onCancel={() => setAdding(null)}
                onSaved={async (m) => {
                  setAdding(null);
                  setDone(
                    m.kind === 'bank_account'
                      ? `${methodName(m)} is saved. Two small deposits are on their way: verify it with both amounts.`
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

function MethodRow({
  method: m,
  manage,
  sandbox,
  isDefault,
  onChanged,
  onDone,
}: {
  method: Method;
  manage: boolean;
  sandbox: boolean;
  isDefault: boolean;
  onChanged: () => Promise<void>;
  onDone: (message: string) => void;
}) {
  const me = useMe();
  const [dialog, setDialog] = useState<'delete' | 'verify' | 'replace' | null>(null);
  const makeDefault = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/payment-methods/{id}/default', { params: { path: { id: m.id } } }),
      ),
    onSuccess: async () => {
      onDone(`${methodName(m)} is now the default.`);
      await onChanged();
    },
  });
  const share = useMutation({
    mutationFn: async (on: boolean) =>
      unwrap(
        await api.PATCH('/api/v1/payment-methods/{id}', {
          params: { path: { id: m.id } },
          body: { shared_with_children: on },
        }),
      ),
    onSuccess: onChanged,
  });
  const name = methodName(m);
  const label = m.friendly_name ? `${m.friendly_name} (${name})` : name;
  const headingId = `method-${m.id}`;
  const v = m.verification;
  return (
    <Paper withBorder p="md" radius="md" component="li" aria-labelledby={headingId}>
      <Stack gap="xs">
        <Group justify="space-between" wrap="wrap" gap="xs">
          <MethodHeading id={headingId} label={label} isDefault={isDefault}>
            <StatusBadge status={m.status} />
          </MethodHeading>
          {manage && (
            <Group gap="xs">
              {m.status === 'unverified' && (
                <Button size="xs" onClick={() => setDialog('verify')}>
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
                onClick={() => setDialog('replace')}
                aria-label={`Edit ${name} (enter it again)`}
              >
                Edit
              </Button>
              <Button
                size="xs"
                variant="default"
                c="red.9"
                onClick={() => setDialog('delete')}
                aria-label={`Delete ${name}`}
              >
                Delete
              </Button>
            </Group>
          )}
        </Group>
        <Text size="sm">{methodDescription(m, 'Shared by a parent account')}</Text>
        {m.kind === 'bank_account' && v && (
          <Text size="sm">
            {v.verified_at
              ? `Verified ${formatInstantDate(v.verified_at, me.tenant.time_zone)}`
              : v.locked_at
                ? 'Verification locked after too many wrong attempts'
                : `Micro-deposits sent${v.micro_deposits_sent_at ? ` ${formatInstantDate(v.micro_deposits_sent_at, me.tenant.time_zone)}` : ''}; ${v.attempts_left} ${v.attempts_left === 1 ? 'attempt' : 'attempts'} left`}
          </Text>
        )}
        {!m.inherited && (
          <Checkbox
            label="Available to child accounts"
            description="Child accounts without a method of their own can pay with it"
            checked={m.shared_with_children}
            disabled={!manage || share.isPending}
            onChange={(e) => share.mutate(e.currentTarget.checked)}
          />
        )}
        {makeDefault.isError && (
          <RefusalAlert error={makeDefault.error} title="Could not make it the default" />
        )}
        {share.isError && <ErrorAlert error={share.error} title="Sharing was not changed" />}
      </Stack>
      {dialog === 'delete' && (
        <DeleteDialog method={m} onClose={() => setDialog(null)} onDeleted={onChanged} />
      )}
      {dialog === 'verify' && (
        <VerifyDialog
          method={m}
          sandbox={sandbox}
          onClose={() => setDialog(null)}
          onVerified={onChanged}
        />
      )}
      {dialog === 'replace' && (
        <ReplaceDialog
          method={m}
          onClose={() => setDialog(null)}
          onReplaced={async () => {
            setDialog(null);
            onDone(`${name} was replaced with the new details.`);
            await onChanged();
          }}
        />
      )}
    </Paper>
  );
}

function ReplaceDialog({
  method,
  onClose,
  onReplaced,
}: {
  method: Method;
  onClose: () => void;
  onReplaced: () => Promise<void>;
}) {
  const phone = Boolean(useMediaQuery('(max-width: 36em)'));
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Edit ${methodName(method)}`}
      size="lg"
      fullScreen={phone}
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack gap="sm">
        <Text size="sm">
          Card and bank details change only by entering them again in full: the new{' '}
          {method.kind === 'card' ? 'card' : 'account'} takes this one's place (default, autopay
          rules and scheduled payments follow).
        </Text>
        <NewMethodForm<Method>
          kinds={[method.kind]}
          gateway="sandbox"
          tokenize={tokenize}
          withFriendlyName
          canShareWithChildren
          authorizationLabel={authorization}
          submitLabel="Replace"
          save={async (token, c) =>
            unwrap(
              await api.POST('/api/v1/payment-methods/{id}/replace', {
                params: { path: { id: method.id } },
                body: {
                  gateway_token: token,
                  authorized: true,
                  shared_with_children: c.sharedWithChildren,
                  ...(c.friendlyName && { friendly_name: c.friendlyName }),
                },
              }),
            )
          }
          onSaved={() => void onReplaced()}
          onCancel={onClose}
        />
      </Stack>
    </Modal>
  );
}

function DeleteDialog({
  method,
  onClose,
  onDeleted,
}: {
  method: Method;
  onClose: () => void;
  onDeleted: () => Promise<void>;
}) {
  return (
    <DeleteMethodDialog
      name={methodName(method)}
      remove={async () =>
        unwrap(
          await api.DELETE('/api/v1/payment-methods/{id}', { params: { path: { id: method.id } } }),
        )
      }
      explanation="It can no longer pay this customer's invoices. Payments already made with it stay in the history."
      closeLabel="Close"
      refusal={refusal}
      onClose={onClose}
      onDeleted={onDeleted}
    />
  );
}

function VerifyDialog({
  method,
  sandbox,
  onClose,
  onVerified,
}: {
  method: Method;
  sandbox: boolean;
  onClose: () => void;
  onVerified: () => Promise<void>;
}) {
  return (
    <VerifyDepositsDialog
      name={methodName(method)}
      attemptsLeft={method.verification?.attempts_left}
      verify={async (amounts) =>
        unwrap(
          await api.POST('/api/v1/payment-methods/{id}/verify', {
            params: { path: { id: method.id } },
            body: { amounts },
          }),
        )
      }
      instructions="Two deposits of less than $1 were sent to this account. Enter both amounts in cents, in any order, as the customer reads them on its statement."
      closeLabel="Close"
      refusal={refusal}
      extra={sandbox && <SandboxDeposits methodId={method.id} />}
      onClose={onClose}
      onVerified={onVerified}
    />
  );
}

/** Sandbox only: the two amounts the fake bank sent, so staff can complete a verification. */
function SandboxDeposits({ methodId }: { methodId: string }) {
  const deposits = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.GET('/api/v1/sandbox/payment-methods/{id}/micro-deposits', {
          params: { path: { id: methodId } },
        }),
      ),
  });
  return (
    <Stack gap={4}>
      <Button
        size="xs"
        variant="default"
        w="fit-content"
        loading={deposits.isPending}
        onClick={() => deposits.mutate()}
      >
        Show the sandbox deposits
      </Button>
      {deposits.data && (
        <Text size="sm" role="status">
          The sandbox sent {deposits.data.amounts[0]} and {deposits.data.amounts[1]} cents.
        </Text>
      )}
      {deposits.isError && <ErrorAlert error={deposits.error} />}
    </Stack>
  );
}
