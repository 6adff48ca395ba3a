/**
 * The customer profile (J3): the header with its link chips, then tabs (`?tab=`). The overview
 * holds the balance card, the open invoices with "Pay selected" and the pending and scheduled
 * payments; the other tabs are the sections listed in `sections.tsx`. The invoice summary
 * (`?invoice=ID`) opens over any tab. Every figure comes from the API; the role decides which
 * tabs and actions show (a member without billing permissions sees the header and the sections
 * its role reads, and the API refuses the rest).
 */
import { Anchor, Stack, Tabs, Text } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState } from 'react';
import { api, unwrap } from '../../../shared/api';
import { Notice } from '../../../shared/display';
import { ErrorAlert } from '../../../shared/errors';
import { describeTimeZone } from '../../../shared/format';
import { Loading } from '../../../shared/states';
import { customerRoute } from '../../router';
import { can, useMe } from '../../session';
import { BalanceCard } from './BalanceCard';
import { ProfileHeader } from './Header';
import { InvoiceSummaryDrawer } from './InvoiceSummary';
import { OpenInvoices } from './OpenInvoices';
import { PayDialog } from './PayDialog';
import { PaymentDetailDrawer } from './PaymentDetail';
import { PlannedPayments } from './PlannedPayments';
import { SECTIONS } from './sections';
import { profileKey } from './types';

/** A list's cursor once it has no further page. */
const DONE = 'done';

export function CustomerProfilePage() {
  const me = useMe();
  const { customerId } = customerRoute.useParams();
  const search = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  const customer = useQuery({
    queryKey: [...profileKey(customerId), 'customer'],
    queryFn: async () =>
      unwrap(await api.GET('/api/v1/customers/{id}', { params: { path: { id: customerId } } })),
  });
  const billing = can(me, 'billing:read');
  const sections = SECTIONS.filter((s) => can(me, s.permission));
  // `?contact=ID` alone (a global search hit) opens the contacts tab on that contact.
  const asked = search.tab ?? (search.contact ? 'contacts' : undefined);
  const tab = sections.some((s) => s.value === asked) ? (asked as string) : 'overview';
  const openInvoice = (id: string | null) =>
    void navigate({ search: (s) => ({ ...s, invoice: id ?? undefined }) });
  const openPayment = (id: string | null) =>
    void navigate({ search: (s) => ({ ...s, payment: id ?? undefined }) });
  return (
    <Stack gap="lg">
      <Anchor renderRoot={(p) => <Link {...p} to="/customers" search={{}} />} size="sm">
        ← Back to customers
      </Anchor>
      {customer.isPending ? (
        <Loading label="Loading the customer…" />
      ) : customer.isError ? (
        <ErrorAlert error={customer.error} onRetry={() => void customer.refetch()} />
      ) : (
        <>
          <ProfileHeader customer={customer.data} />
          <Text size="sm">Dates are in {describeTimeZone(me.tenant.time_zone)}.</Text>
          <Tabs
            value={tab}
            onChange={(v) =>
              void navigate({
                search: (s) => ({ ...s, tab: !v || v === 'overview' ? undefined : v }),
              })
            }
          >
            <Tabs.List>
              <Tabs.Tab value="overview">Overview</Tabs.Tab>
              {sections.map((s) => (
                <Tabs.Tab key={s.value} value={s.value}>
                  {s.label}
                </Tabs.Tab>
              ))}
            </Tabs.List>
            <Tabs.Panel value="overview" pt="md">
              {billing ? (
                tab === 'overview' && (
                  <Stack gap="lg">
                    <Billing
                      customerId={customerId}
                      invoiceId={search.invoice}
                      openInvoice={openInvoice}
                      overview
                    />
                  </Stack>
                )
              ) : (
                <Notice color="gray" title="Billing is not part of your role">
                  <Text size="sm">
                    Your role shows customers and contacts only: balances, invoices and payments are
                    hidden. Ask an administrator if you need them.
                  </Text>
                </Notice>
              )}
            </Tabs.Panel>
            {sections.map((s) => (
              <Tabs.Panel key={s.value} value={s.value} pt="md">
                {tab === s.value && s.render({ customerId, openInvoice, openPayment })}
              </Tabs.Panel>
            ))}
          </Tabs>
          {/* On another tab, the invoice summary and the pay dialog still open from `?invoice=`. */}
          {billing && tab !== 'overview' && (
            <Billing
              customerId={customerId}
              invoiceId={search.invoice}
              openInvoice={openInvoice}
              overview={false}
            />
          )}
          {/* `?payment=` (the history tab, the global search) opens the transaction over any tab. */}
          {billing && (
            <PaymentDetailDrawer
              customerId={customerId}
              paymentId={search.payment}
              canRefund={can(me, 'billing:write')}
              timeZone={me.tenant.time_zone}
              onOpenInvoice={(id) =>
                void navigate({ search: (s) => ({ ...s, payment: undefined, invoice: id }) })
              }
              onClose={() => openPayment(null)}
            />
          )}
        </>
      )}
    </Stack>
  );
}

function Billing({
  customerId,
  invoiceId,
  openInvoice,
  overview,
}: {
  customerId: string;
  invoiceId: string | undefined;
  openInvoice: (id: string | null) => void;
  /** Whether to show the overview's cards, or only the drawer and the dialog they open. */
  overview: boolean;
}) {
  const me = useMe();
  const canPay = can(me, 'billing:write');
  const [paying, setPaying] = useState<string[] | null>(null);
  const options = useQuery({
    queryKey: [...profileKey(customerId), 'pay-options'],
    queryFn: async () =>
      unwrap(
        await api.GET('/api/v1/customers/{id}/pay-options', {
          params: { path: { id: customerId } },
        }),
      ),
  });
  // Pending and scheduled payments are paged by the server, both lists a page at a time: the
  // cursors of each page seen (DONE once a list has no more pages).
  const [pages, setPages] = useState<Record<'scheduled' | 'pending', string | undefined>[]>([]);
  const at = pages.at(-1);
  const payments = (status: 'scheduled' | 'pending') => {
    const cursor = at?.[status];
    return {
      queryKey: [...profileKey(customerId), 'payments', status, cursor ?? null],
      placeholderData: keepPreviousData,
      queryFn: async () =>
        cursor === DONE
          ? { data: [], next_cursor: null }
          : unwrap(
              await api.GET('/api/v1/payments', {
                params: {
                  query: { customer: customerId, status, limit: 50, ...(cursor && { cursor }) },
                },
              }),
            ),
    };
  };
  const scheduled = useQuery(payments('scheduled'));
  const pending = useQuery(payments('pending'));
  const nextScheduled = scheduled.data?.next_cursor;
  const nextPending = pending.data?.next_cursor;
  const plannedPages = {
    onFirst: pages.length > 0 ? () => setPages([]) : undefined,
    onNext:
      nextScheduled || nextPending
        ? () =>
            setPages((p) => [
              ...p,
              { scheduled: nextScheduled ?? DONE, pending: nextPending ?? DONE },
            ])
        : undefined,
  };
  // The scheduled payments as they were when the dialog opened: the E3 message names them.
  const [scheduledAtPay, setScheduledAtPay] = useState(scheduled.data?.data ?? []);

  const pay = (ids: string[]) => {
    setScheduledAtPay(scheduled.data?.data ?? []);
    setPaying(ids);
  };

  return (
    <>
      {overview && (
        <>
          <BalanceCard customerId={customerId} onViewInvoice={openInvoice} />
          <OpenInvoices options={options} canPay={canPay} onView={openInvoice} onPay={pay} />
          <PlannedPayments
            customerId={customerId}
            scheduled={scheduled}
            pending={pending}
            options={options.data}
            canChange={canPay}
            timeZone={me.tenant.time_zone}
            pages={plannedPages}
          />
        </>
      )}
      <InvoiceSummaryDrawer
        customerId={customerId}
        invoiceId={invoiceId}
        canPay={canPay}
        canEmail={canPay}
        timeZone={me.tenant.time_zone}
        onPay={(id) => {
          openInvoice(null);
          pay([id]);
        }}
        onClose={() => openInvoice(null)}
      />
      {options.data && (
        <PayDialog
          options={options.data}
          invoiceIds={paying}
          scheduled={scheduledAtPay}
          onClose={() => setPaying(null)}
        />
      )}
    </>
  );
}
