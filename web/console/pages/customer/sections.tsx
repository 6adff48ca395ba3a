/**
 * The profile's sections below the overview, one tab each (`?tab=`). A section is one file in
 * this folder and one entry here; the permission decides whether the tab shows at all (the API
 * refuses the same reads and writes on its own).
 */
import type { ReactNode } from 'react';
import type { Me } from '../../session';
import { AutopaySection } from './Autopay';
import { CustomerCalendar } from './Calendar';
import { ContactsSection } from './Contacts';
import { CustomerCredits } from './Credits';
import { EmailsSection } from './Emails';
import { HistorySection } from './History';
import { CustomerMethods } from './Methods';
import { SubscriptionsSection } from './Subscriptions';

export type SectionProps = {
  customerId: string;
  /** Opens (or, with null, closes) the invoice summary drawer, `?invoice=ID`. */
  openInvoice: (id: string | null) => void;
  /** Opens (or, with null, closes) a transaction's detail drawer, `?payment=ID`. */
  openPayment: (id: string | null) => void;
};

export type Section = {
  /** The tab's value in the URL: `/customers/ID?tab=value`. */
  value: string;
  label: string;
  permission: Me['permissions'][number];
  render: (props: SectionProps) => ReactNode;
};

/** In the order the tabs show. Overview (balance, open invoices, planned payments) comes first. */
export const SECTIONS: Section[] = [
  {
    value: 'subscriptions',
    label: 'Subscriptions',
    permission: 'billing:read',
    render: ({ customerId }) => <SubscriptionsSection customerId={customerId} />,
  },
  {
    value: 'contacts',
    label: 'Contacts',
    permission: 'customers:read',
    render: (p) => <ContactsSection {...p} />,
  },
  {
    value: 'emails',
    label: 'Emailing',
    permission: 'billing:read',
    render: (p) => <EmailsSection {...p} />,
  },
  {
    value: 'calendar',
    label: 'Calendar',
    permission: 'billing:read',
    render: ({ customerId }) => <CustomerCalendar customerId={customerId} />,
  },
  {
    value: 'autopay',
    label: 'Autopay',
    permission: 'billing:read',
    render: ({ customerId }) => <AutopaySection customerId={customerId} />,
  },
  {
    value: 'credits',
    label: 'Credits',
    permission: 'billing:read',
    render: ({ customerId }) => <CustomerCredits customerId={customerId} />,
  },
  {
    value: 'methods',
    label: 'Payment methods',
    permission: 'billing:read',
    render: ({ customerId }) => <CustomerMethods customerId={customerId} />,
  },
  {
    value: 'history',
    label: 'History',
    permission: 'billing:read',
    render: (props) => <HistorySection {...props} />,
  },
];
