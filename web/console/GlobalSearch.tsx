/**
 * The header's global search (J1): one box, no query syntax. Results come from GET /search,
 * grouped by kind; arrow keys move through them, Enter opens one, Escape closes the list. A term
 * that is exactly one thing (an id, an invoice number) is offered first as "Go to …", so Enter
 * jumps straight to it.
 *
 * Everything opens on the customer's profile (`/customers/$id`), which reads `?invoice=`,
 * `?payment=` or `?contact=` to show that item.
 */
import { Combobox, Group, Loader, Text, TextInput, useCombobox } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useRouter } from '@tanstack/react-router';
import { useEffect, useRef, useState } from 'react';
import { api, unwrap } from '../shared/api';
import { formatMoney } from '../shared/format';
import { useMe } from './session';

type Results = Awaited<ReturnType<typeof fetchResults>>;
type Kind = 'customer' | 'contact' | 'invoice' | 'transaction';

async function fetchResults(q: string) {
  return unwrap(await api.GET('/api/v1/search', { params: { query: { q, limit: 5 } } }));
}

/** The console path that shows a hit: its customer's profile, pointed at the item. */
export function pathOf(kind: Kind, id: string, customerId: string): string {
  const base = `/customers/${encodeURIComponent(customerId)}`;
  if (kind === 'customer') return base;
  const param = kind === 'transaction' ? 'payment' : kind;
  return `${base}?${param}=${encodeURIComponent(id)}`;
}

const STATUS: Record<string, string> = {
  draft: 'draft',
  posted: 'posted',
  void: 'void',
  revoked: 'access revoked',
  archived: 'archived',
};

export function GlobalSearch() {
  const router = useRouter();
  const currency = useMe().tenant.currency;
  const combobox = useCombobox({
    onDropdownClose: () => combobox.resetSelectedOption(),
  });
  const [text, setText] = useState('');
  const [q] = useDebouncedValue(text.trim(), 200);
  const results = useQuery({
    queryKey: ['search', q],
    queryFn: () => fetchResults(q),
    enabled: q.length > 0 && q.length <= 100,
    placeholderData: keepPreviousData,
    staleTime: 10_000,
  });
  const data: Results | undefined = q ? results.data : undefined;
  const upToDate = data?.q === q;

  // With fresh results, the first option is selected, so Enter opens the best hit (the jump).
  // Only when the results change: the store is a new object on every render, and selecting again
  // then would undo the arrow keys.
  const select = useRef(combobox.selectFirstOption);
  select.current = combobox.selectFirstOption;
  useEffect(() => {
    if (data && upToDate) select.current();
  }, [data, upToDate]);

  function open(value: string) {
    const [kind, id, customerId] = value.split('|') as [Kind, string, string];
    combobox.closeDropdown();
    setText('');
    router.history.push(`/console${pathOf(kind, id, customerId)}`);
  }

  const groups: { label: string; options: { value: string; title: string; detail: string }[] }[] =
    [];
  if (data) {
    if (data.jump) {
      const j = data.jump;
      const title =
        j.kind === 'invoice'
          ? `Invoice ${data.invoices.find((i) => i.id === j.id)?.number ?? j.id}`
          : j.kind === 'customer'
            ? `Customer ${data.customers.find((c) => c.id === j.id)?.name ?? j.id}`
            : j.kind === 'contact'
              ? `Contact ${data.contacts.find((c) => c.id === j.id)?.name ?? j.id}`
              : `Payment ${j.id}`;
      groups.push({
        label: 'Go to',
        options: [
          { value: `${j.kind}|${j.id}|${j.customer_id}|jump`, title, detail: 'Exact match' },
        ],
      });
    }
    groups.push({
      label: 'Customers',
      options: data.customers.map((c) => ({
        value: `customer|${c.id}|${c.id}`,
        title: c.name,
        detail: [c.number, c.billing_email, c.status === 'archived' ? 'archived' : null]
          .filter(Boolean)
          .join(' · '),
      })),
    });
    groups.push({
      label: 'Contacts',
      options: data.contacts.map((c) => ({
        value: `contact|${c.id}|${c.customer_id}`,
        title: `${c.name} <${c.email}>`,
        detail: [c.customer_name, c.status === 'revoked' ? STATUS.revoked : null]
          .filter(Boolean)
          .join(' · '),
      })),
    });
    groups.push({
      label: 'Invoices',
      options: data.invoices.map((i) => ({
        value: `invoice|${i.id}|${i.customer_id}`,
        title: `${i.number ?? 'Draft'}${i.po_number ? ` · PO ${i.po_number}` : ''}`,
        detail: `${i.customer_name} · ${formatMoney(i.total, currency)} · ${STATUS[i.status] ?? i.status}`,
      })),
    });
    groups.push({
      label: 'Transactions',
      options: data.transactions.map((p) => ({
        value: `transaction|${p.id}|${p.customer_id}`,
        title: `${formatMoney(p.amount, currency)} · ${methodLabel(p.method_type, p.last4, p.reference)}`,
        detail: `${p.customer_name} · ${p.status}`,
      })),
    });
  }
  const shown = groups.filter((g) => g.options.length > 0);
  const count = shown.reduce((n, g) => n + g.options.length, 0);

  return (
    <Combobox
      store={combobox}
      onOptionSubmit={open}
      width="min(36rem, calc(100vw - 2rem))"
      position="bottom-start"
      withinPortal
    >
      <Combobox.Target>
        <TextInput
          aria-label="Search everything"
          placeholder="Name, email, number, amount…"
          type="search"
          size="sm"
          maxLength={100}
          value={text}
          w={{ base: '100%', xs: 340 }}
          rightSection={results.isFetching ? <Loader size="xs" aria-label="Searching" /> : null}
          onChange={(e) => {
            setText(e.currentTarget.value);
            combobox.openDropdown();
          }}
          onFocus={() => text.trim() && combobox.openDropdown()}
          onBlur={() => combobox.closeDropdown()}
          onKeyDown={(e) => {
            if (e.key === 'Escape') {
              combobox.closeDropdown();
            }
          }}
        />
      </Combobox.Target>
      <Combobox.Dropdown hidden={!text.trim()}>
        <Combobox.Options mah={420} style={{ overflowY: 'auto' }} aria-label="Search results">
          {!data || !upToDate ? (
            <Combobox.Empty>Searching…</Combobox.Empty>
          ) : count === 0 ? (
            <Combobox.Empty>Nothing found for “{data.q}”.</Combobox.Empty>
          ) : (
            shown.map((g) => (
              <Combobox.Group key={g.label} label={g.label}>
                {g.options.map((o) => (
                  <Combobox.Option key={o.value} value={o.value}>
                    <Group gap={6} wrap="nowrap" justify="space-between">
                      <Text size="sm" fw={500} truncate>
                        {o.title}
                      </Text>
                    </Group>
                    <Text size="xs" className="search-hit-detail" truncate>
                      {o.detail}
                    </Text>
                  </Combobox.Option>
                ))}
              </Combobox.Group>
            ))
          )}
          {data && upToDate && data.not_searched.length > 0 && (
            <Text size="xs" c="gray.8" px="sm" py={4}>
              Your role does not search {data.not_searched.map(plural).join(' or ')}.
            </Text>
          )}
        </Combobox.Options>
      </Combobox.Dropdown>
    </Combobox>
  );
}

function plural(kind: string): string {
  return `${kind}s`;
}

function methodLabel(type: string, last4: string | null, reference: string | null): string {
  if (type === 'card') return `card •••• ${last4 ?? ''}`.trim();
  if (type === 'bank_account') return `bank •••• ${last4 ?? ''}`.trim();
  return `${type}${reference ? ` ${reference}` : ''}`;
}
