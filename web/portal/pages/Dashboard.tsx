/** The signed-in landing page; the dashboard's figures (I1) come with the portal API. */
import { Stack, Text, Title } from '@mantine/core';
import { describeTimeZone } from '../../shared/format';
import { usePortalMe } from '../session';

export function DashboardPage() {
  const me = usePortalMe();
  return (
    <Stack>
      <Title order={1}>{me.customer.name}</Title>
      <Text size="sm">Dates are in {describeTimeZone(me.tenant.time_zone)}.</Text>
      <Text>Welcome{me.contact.name ? `, ${me.contact.name}` : ''}.</Text>
    </Stack>
  );
}
