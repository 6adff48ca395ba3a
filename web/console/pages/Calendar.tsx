/** The tenant's payments calendar (E9): every customer's scheduled and autopay payments by day. */

import { Text } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { Notice } from '../../shared/display';
import { currentMonth, PaymentsCalendar } from '../PaymentsCalendar';
import { calendarRoute } from '../router';
import { can, useMe } from '../session';

export function CalendarPage() {
  const me = useMe();
  const { month } = calendarRoute.useSearch();
  const navigate = useNavigate({ from: '/calendar' });
  if (!can(me, 'billing:read'))
    return (
      <Notice color="gray" title="Billing is not part of your role">
        <Text size="sm">The payments calendar needs the billing:read permission.</Text>
      </Notice>
    );
  return (
    <PaymentsCalendar
      month={month ?? currentMonth(me.tenant.time_zone)}
      onMonth={(m) => void navigate({ search: { month: m } })}
      headingOrder={1}
    />
  );
}
