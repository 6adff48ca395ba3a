/** The profile's calendar tab (E9): this customer's scheduled and autopay payments by day. */
import { useNavigate } from '@tanstack/react-router';
import { currentMonth, PaymentsCalendar } from '../../PaymentsCalendar';
import { customerRoute } from '../../router';
import { useMe } from '../../session';

export function CustomerCalendar({ customerId }: { customerId: string }) {
  const me = useMe();
  const { month } = customerRoute.useSearch();
  const navigate = useNavigate({ from: '/customers/$customerId' });
  return (
    <PaymentsCalendar
      customerId={customerId}
      month={month ?? currentMonth(me.tenant.time_zone)}
      onMonth={(m) => void navigate({ search: (s) => ({ ...s, month: m }) })}
    />
  );
}
