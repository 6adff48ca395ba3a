/**
 * Accounting (K2): the journal of a date range as CSV, for a tenant that closes its books without
 * an accounting adapter. The range lives in the URL (`?from=&to=`, business dates); Download is a
 * plain link to GET /accounting/journal, so the browser streams the file with the session cookie.
 * The page computes nothing: the API derives and balances the entries.
 */
import { Anchor, Button, Group, Paper, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { type FormEvent, useEffect, useState } from 'react';
import { api, unwrap } from '../../shared/api';
import { Notice } from '../../shared/display';
import { ErrorAlert } from '../../shared/errors';
import { describeTimeZone, formatBusinessDate } from '../../shared/format';
import { Loading } from '../../shared/states';
import { accountingRoute } from '../router';
import { can, useMe } from '../session';

const ACCOUNTS: [string, string, string][] = [
  ['1000', 'Cash and gateway clearing', 'money received, less refunds and bank returns'],
  ['1100', 'Accounts receivable', 'what invoices have open'],
  ['2100', 'Unapplied payments', 'money received and not yet applied to an invoice'],
  ['2200', 'Customer credit', 'credit memos not yet applied'],
  ['4000', 'Revenue', 'posted invoices (a void reverses them)'],
  ['4900', 'Credits and adjustments', 'credit memos and invoice adjustments'],
];

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function AccountingPage() {
  const me = useMe();
  const search = accountingRoute.useSearch();
  const navigate = useNavigate({ from: '/accounting' });
  const clock = useQuery({
    queryKey: ['clock'],
    queryFn: async () => unwrap(await api.GET('/api/v1/clock')),
  });
  const today = clock.data?.today;
  const from = search.from ?? (today ? `${today.slice(0, 8)}01` : '');
  const to = search.to ?? today ?? '';
  const [fromText, setFromText] = useState(from);
  const [toText, setToText] = useState(to);
  useEffect(() => setFromText(from), [from]);
  useEffect(() => setToText(to), [to]);

  if (!can(me, 'billing:read')) {
    return (
      <Stack>
        <Title order={1}>Accounting</Title>
        <Notice title="Not available to your role" color="gray">
          The journal shows invoices and payments; your role may not see them.
        </Notice>
      </Stack>
    );
  }
  if (clock.isError) return <ErrorAlert error={clock.error} />;
  if (!today) return <Loading />;

  const problem =
    !DATE.test(fromText) || !DATE.test(toText)
      ? 'Choose both dates'
      : fromText > toText
        ? 'The first date must not be after the last'
        : null;
  const applied = fromText === from && toText === to;
  const href = `/api/v1/accounting/journal?from=${from}&to=${to}`;

  function apply(e: FormEvent) {
    e.preventDefault();
    if (problem) return;
    void navigate({ search: { from: fromText, to: toText } });
  }

  return (
    <Stack gap="lg">
      <div>
        <Title order={1}>Accounting</Title>
        <Text size="sm" c="gray.8">
          The journal: every posting of a date range, one line per account, each entry balancing to
          zero. Dates are business dates in{' '}
          {describeTimeZone(clock.data?.time_zone ?? me.tenant.time_zone)}.
        </Text>
      </div>
      <Paper withBorder p="md" radius="md">
        <form onSubmit={apply} aria-label="Journal range">
          <Stack gap="sm">
            <Title order={2} size="h3">
              Journal export
            </Title>
            <Group align="flex-end" gap="sm" wrap="wrap">
              <TextInput
                type="date"
                label="From"
                value={fromText}
                onChange={(e) => setFromText(e.currentTarget.value)}
                w={170}
                required
              />
              <TextInput
                type="date"
                label="To"
                value={toText}
                onChange={(e) => setToText(e.currentTarget.value)}
                error={problem}
                w={170}
                required
              />
              {!applied && (
                <Button type="submit" variant="default" disabled={problem !== null}>
                  Use these dates
                </Button>
              )}
            </Group>
            <Group gap="sm" wrap="wrap">
              <Button
                component="a"
                href={applied && !problem ? href : undefined}
                download={`journal-${from}-${to}.csv`}
                data-disabled={!applied || problem !== null || undefined}
                aria-disabled={!applied || problem !== null}
                onClick={(e) => {
                  if (!applied || problem) e.preventDefault();
                }}
              >
                Download CSV
              </Button>
              <Text size="sm">
                {formatBusinessDate(from)} to {formatBusinessDate(to)}
                {!applied && ' — use the new dates first'}
              </Text>
            </Group>
          </Stack>
        </form>
      </Paper>
      <Stack gap="xs">
        <Title order={2} size="h3">
          Accounts
        </Title>
        <Table striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th scope="col">Account</Table.Th>
              <Table.Th scope="col">Name</Table.Th>
              <Table.Th scope="col">Holds</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {ACCOUNTS.map(([code, name, holds]) => (
              <Table.Tr key={code}>
                <Table.Td>{code}</Table.Td>
                <Table.Td>{name}</Table.Td>
                <Table.Td>{holds}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Text size="sm">
          Columns and entry types are described in the{' '}
          <Anchor href="/api/docs">API documentation</Anchor> (exportJournal).
        </Text>
      </Stack>
    </Stack>
  );
}
