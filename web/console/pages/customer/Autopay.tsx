/**
 * The Autopay tab (G1–G4): the simple "autopay future invoices" flag and its lock, then the
 * customer's rules in the order they are tried (order = priority). Staff with billing:write
 * reorder them by dragging the handle (pointer, or keyboard: Space, arrows, Space) or with the
 * "Move up" / "Move down" buttons; each move is saved through the reorder endpoint. A new or
 * changed rule goes through the rule form; a rule is enabled, disabled, locked or unlocked in
 * place. A locked rule cannot be edited or switched until it is unlocked (the API refuses too),
 * and contacts see it greyed out in the portal.
 */
import {
  closestCenter,
  DndContext,
  type DragEndEvent,
  KeyboardSensor,
  PointerSensor,
  useSensor,
  useSensors,
} from '@dnd-kit/core';
import {
  arrayMove,
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from '@dnd-kit/sortable';
import { CSS } from '@dnd-kit/utilities';
import {
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  Stack,
  Switch,
  Text,
  Title,
  UnstyledButton,
} from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { ErrorAlert } from '../../../shared/errors';
import { Empty, Loading } from '../../../shared/states';
import { can, useMe } from '../../session';
import { AutopayRuleForm, describeCriterion, type RuleDraft } from './AutopayRuleForm';
import { profileKey } from './types';

type AutopayView = Awaited<ReturnType<typeof fetchAutopay>>;
type Rule = AutopayView['rules'][number];

async function fetchAutopay(customerId: string) {
  return unwrap(
    await api.GET('/api/v1/customers/{id}/autopay-rules', {
      params: { path: { id: customerId } },
    }),
  );
}

export function AutopaySection({ customerId }: { customerId: string }) {
  const me = useMe();
  const canWrite = can(me, 'billing:write');
  const queryClient = useQueryClient();
  const key = [...profileKey(customerId), 'autopay'];
  const autopay = useQuery({ queryKey: key, queryFn: () => fetchAutopay(customerId) });
  const options = useQuery({
    queryKey: [...profileKey(customerId), 'pay-options'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/pay-options', {
          params: { path: { id: customerId } },
        }),
      ),
  });
  const methods = options.data?.methods ?? [];
  const [editing, setEditing] = useState<Rule | 'new' | null>(null);
  const [announce, setAnnounce] = useState('');
  const phone = useMediaQuery('(max-width: 36em)');

  const set = (data: AutopayView) => queryClient.setQueryData(key, data);

  const flag = useMutation({
    mutationFn: async (body: { enabled?: boolean; locked?: boolean }) =>
      unwrap(
        await api.PATCH('/api/v1/customers/{id}/autopay', {
          params: { path: { id: customerId } },
          body,
        }),
      ),
    onSuccess: set,
  });
  const reorder = useMutation({
    mutationFn: async (ids: string[]) =>
      unwrap(
        await api.POST('/api/v1/customers/{id}/autopay-rules/reorder', {
          params: { path: { id: customerId } },
          body: { ids },
        }),
      ),
    onMutate: (ids) => {
      const before = queryClient.getQueryData<AutopayView>(key);
      if (before) {
        const byId = new Map(before.rules.map((r) => [r.id, r]));
        set({ ...before, rules: ids.map((i) => byId.get(i) as Rule) });
      }
      return { before };
    },
    onError: (_e, _ids, c) => c?.before && set(c.before),
    onSuccess: (data) => {
      set(data);
      setAnnounce(`Order saved: ${data.rules.map((r, i) => `${i + 1}. ${r.name}`).join(', ')}`);
    },
  });
  const patch = useMutation({
    mutationFn: async ({ id, body }: { id: string; body: Partial<RuleDraft> & Flags }) =>
      unwrap(await api.PATCH('/api/v1/autopay-rules/{id}', { params: { path: { id } }, body })),
    onSuccess: async () => {
      setEditing(null);
      await queryClient.invalidateQueries({ queryKey: key });
    },
  });
  const create = useMutation({
    mutationFn: async (rule: RuleDraft) => {
      const now = autopay.data?.rules ?? [];
      return unwrap(
        await api.PUT('/api/v1/customers/{id}/autopay-rules', {
          params: { path: { id: customerId } },
          body: {
            rules: [
              ...now.map((r) => ({
                id: r.id,
                name: r.name,
                payment_method_id: r.payment_method_id,
                criteria: r.criteria,
                enabled: r.enabled,
                locked: r.locked,
              })),
              { ...rule, enabled: true, locked: false },
            ],
          },
        }),
      );
    },
    onSuccess: (data) => {
      set(data);
      setEditing(null);
    },
  });

  const sensors = useSensors(
    useSensor(PointerSensor, { activationConstraint: { distance: 4 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );

  if (autopay.isPending) return <Loading label="Loading autopay…" />;
  if (autopay.isError) {
    return <ErrorAlert error={autopay.error} onRetry={() => void autopay.refetch()} />;
  }
  const a = autopay.data;
  const ids = a.rules.map((r) => r.id);
  const move = (from: number, to: number) => {
    if (to < 0 || to >= ids.length || from === to) return;
    reorder.mutate(arrayMove(ids, from, to));
  };
  const onDragEnd = ({ active, over }: DragEndEvent) => {
    if (!over || active.id === over.id) return;
    move(ids.indexOf(String(active.id)), ids.indexOf(String(over.id)));
  };
  const methodLabel = (id: string) =>
    methods.find((m) => m.id === id)?.label ?? 'a method that is no longer usable';
  const busy = reorder.isPending || patch.isPending;

  return (
    <Stack gap="lg">
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="simple-autopay">
        <Stack gap="xs">
          <Title order={2} size="h3" id="simple-autopay">
            Simple autopay
          </Title>
          <Switch
            label="Autopay future invoices"
            description="Invoices no rule matches are paid with the default method when due."
            checked={a.enabled}
            disabled={!canWrite || flag.isPending}
            onChange={(e) => flag.mutate({ enabled: e.currentTarget.checked })}
          />
          <Switch
            label="Locked for contacts"
            description="Contacts cannot turn simple autopay on or off in the portal."
            checked={a.locked}
            disabled={!canWrite || flag.isPending}
            onChange={(e) => flag.mutate({ locked: e.currentTarget.checked })}
          />
          {!a.default_payment_method_id && (
            <Text size="sm">There is no default method: simple autopay cannot be turned on.</Text>
          )}
          {flag.isError && <ErrorAlert error={flag.error} title="Autopay not changed" />}
        </Stack>
      </Paper>

      <Stack gap="sm" component="section" aria-labelledby="autopay-rules">
        <Group justify="space-between">
          <Title order={2} size="h3" id="autopay-rules">
            Autopay rules
          </Title>
          {canWrite && (
            <Button onClick={() => setEditing('new')} disabled={methods.length === 0}>
              New rule
            </Button>
          )}
        </Group>
        <Text size="sm">
          Tried from the top: the first enabled rule whose criteria all hold pays an invoice.
          {canWrite &&
            ' Drag a rule by its handle, or use Move up and Move down, to change the order.'}
        </Text>
        {a.rules.length === 0 ? (
          <Empty title="No autopay rules">
            {canWrite ? 'Add a rule to pay some invoices with a particular method.' : undefined}
          </Empty>
        ) : (
          <DndContext
            sensors={sensors}
            collisionDetection={closestCenter}
            onDragEnd={onDragEnd}
            accessibility={{
              screenReaderInstructions: {
                draggable:
                  'To move a rule, press Space, then the up and down arrows, then Space again to drop it or Escape to cancel.',
              },
            }}
          >
            <SortableContext items={ids} strategy={verticalListSortingStrategy}>
              <Stack gap="xs" component="ol" p={0} m={0} style={{ listStyle: 'none' }}>
                {a.rules.map((r, i) => (
                  <RuleItem
                    key={r.id}
                    rule={r}
                    index={i}
                    count={a.rules.length}
                    methodLabel={methodLabel(r.payment_method_id)}
                    canWrite={canWrite}
                    busy={busy}
                    onMove={(to) => move(i, to)}
                    onEdit={() => setEditing(r)}
                    onPatch={(body) => patch.mutate({ id: r.id, body })}
                  />
                ))}
              </Stack>
            </SortableContext>
          </DndContext>
        )}
        <Text size="sm" role="status" aria-live="polite">
          {announce}
        </Text>
        {reorder.isError && <ErrorAlert error={reorder.error} title="The order was not saved" />}
        {patch.isError && !editing && (
          <ErrorAlert error={patch.error} title="The rule was not changed" />
        )}
      </Stack>

      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        title={editing === 'new' ? 'New autopay rule' : 'Edit autopay rule'}
        size="xl"
        fullScreen={Boolean(phone)}
        closeButtonProps={{ 'aria-label': 'Close' }}
      >
        {editing !== null && (
          <Stack gap="sm">
            <AutopayRuleForm
              initial={editing === 'new' ? null : editing}
              methods={methods}
              saving={create.isPending || patch.isPending}
              onCancel={() => setEditing(null)}
              onSave={(rule) =>
                editing === 'new'
                  ? create.mutate(rule)
                  : patch.mutate({ id: editing.id, body: rule })
              }
            />
            {create.isError && <ErrorAlert error={create.error} title="The rule was not saved" />}
            {patch.isError && <ErrorAlert error={patch.error} title="The rule was not saved" />}
          </Stack>
        )}
      </Modal>
    </Stack>
  );
}

type Flags = { enabled?: boolean; locked?: boolean };

function RuleItem({
  rule: r,
  index,
  count,
  methodLabel,
  canWrite,
  busy,
  onMove,
  onEdit,
  onPatch,
}: {
  rule: Rule;
  index: number;
  count: number;
  methodLabel: string;
  canWrite: boolean;
  busy: boolean;
  onMove: (to: number) => void;
  onEdit: () => void;
  onPatch: (body: Flags) => void;
}) {
  const { attributes, listeners, setNodeRef, setActivatorNodeRef, transform, transition } =
    useSortable({ id: r.id, disabled: !canWrite });
  return (
    <Paper
      ref={setNodeRef}
      component="li"
      withBorder
      p="sm"
      radius="md"
      bg={r.locked ? 'gray.1' : undefined}
      style={{ transform: CSS.Transform.toString(transform), transition }}
      aria-label={`Rule ${index + 1}: ${r.name}`}
    >
      <Group justify="space-between" align="flex-start" wrap="wrap" gap="sm">
        <Group align="flex-start" gap="sm" wrap="nowrap" style={{ minWidth: 0, flex: 1 }}>
          {canWrite && (
            <UnstyledButton
              ref={setActivatorNodeRef}
              {...attributes}
              {...listeners}
              aria-label={`Drag to reorder rule ${r.name}`}
              px={6}
              style={{ cursor: 'grab', fontSize: 18, lineHeight: 1.2 }}
            >
              <span aria-hidden>⠿</span>
            </UnstyledButton>
          )}
          <Stack gap={2} style={{ minWidth: 0 }}>
            <Group gap="xs">
              <Text fw={700}>
                {index + 1}. {r.name}
              </Text>
              <Badge variant="light" color={r.enabled ? 'green' : 'gray'} c="dark.9" radius="sm">
                {r.enabled ? 'Enabled' : 'Disabled'}
              </Badge>
              {r.locked && (
                <Badge variant="light" color="gray" c="dark.9" radius="sm">
                  Locked
                </Badge>
              )}
            </Group>
            <Text size="sm">Pays with {methodLabel}</Text>
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              {r.criteria.length === 0
                ? 'Every invoice'
                : r.criteria.map(describeCriterion).join('; and ')}
            </Text>
          </Stack>
        </Group>
        {canWrite && (
          <Group gap={6} wrap="wrap">
            <Button
              size="xs"
              variant="default"
              disabled={index === 0 || busy}
              onClick={() => onMove(index - 1)}
              aria-label={`Move ${r.name} up`}
            >
              Move up
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={index === count - 1 || busy}
              onClick={() => onMove(index + 1)}
              aria-label={`Move ${r.name} down`}
            >
              Move down
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={r.locked || busy}
              onClick={onEdit}
              aria-label={`Edit ${r.name}`}
            >
              Edit
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={r.locked || busy}
              onClick={() => onPatch({ enabled: !r.enabled })}
              aria-label={`${r.enabled ? 'Disable' : 'Enable'} ${r.name}`}
            >
              {r.enabled ? 'Disable' : 'Enable'}
            </Button>
            <Button
              size="xs"
              variant="default"
              disabled={busy}
              onClick={() => onPatch({ locked: !r.locked })}
              aria-label={`${r.locked ? 'Unlock' : 'Lock'} ${r.name}`}
            >
              {r.locked ? 'Unlock' : 'Lock'}
            </Button>
          </Group>
        )}
      </Group>
      {r.locked && canWrite && (
        <Text size="sm" mt={4} c="gray.8">
          Locked: unlock it to change it. Contacts see it greyed out in the portal.
        </Text>
      )}
    </Paper>
  );
}
