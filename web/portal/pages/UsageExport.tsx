/**
 * The page an export email links to (/portal/usage-export?token=…): what the file holds and a
 * download button. It needs no sign-in (the link's token opens this one file for 24 hours); an
 * unknown or expired link says so plainly and where to get a new one.
 */
import { Anchor, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ApiError, unwrap } from '../../shared/api';
import { ErrorAlert } from '../../shared/errors';
import { describeTimeZone, formatInstant } from '../../shared/format';
import { Loading } from '../../shared/states';
import { portalApi } from '../api';
import { Notice } from '../components/Reads';
import { SignedOutFrame } from '../Frame';
import { usageExportRoute } from '../router';

export function UsageExportPage() {
  const { token } = usageExportRoute.useSearch();
  const link = useQuery({
    queryKey: ['usage-export', token],
    enabled: Boolean(token),
    retry: false,
    queryFn: async () =>
      unwrap(
        await portalApi.GET('/api/v1/portal/usage-exports/link', {
          params: { query: { token: token ?? '' } },
        }),
      ),
  });
  const expired =
    !token || (link.error instanceof ApiError && link.error.code === 'usage_export_not_found');
  return (
    <SignedOutFrame>
      <Paper withBorder shadow="sm" p="lg" maw={520} mx="auto" mt="xl" radius="md">
        <Stack>
          <Title order={1} size="h2">
            Your usage export
          </Title>
          {expired ? (
            <Notice color="yellow" title="This download link no longer works" role="alert">
              <Text size="sm">
                Links to an export work for 24 hours and only for the file they were sent for. Sign
                in, open Usage and choose “Export to Excel” again to get a new link.
              </Text>
            </Notice>
          ) : link.isPending ? (
            <Loading label="Checking the link…" />
          ) : link.isError ? (
            <ErrorAlert error={link.error} onRetry={() => void link.refetch()} />
          ) : (
            <>
              <Text>
                {link.data.rows} usage record{link.data.rows === 1 ? '' : 's'}, as an Excel file (
                {link.data.file_name}). The link works until{' '}
                {formatInstant(link.data.expires_at, link.data.time_zone)},{' '}
                {describeTimeZone(link.data.time_zone)}.
              </Text>
              <Button
                component="a"
                href={`/api/v1/portal/usage-exports/file?token=${encodeURIComponent(token ?? '')}`}
                download={link.data.file_name}
                w="fit-content"
              >
                Download the file
              </Button>
            </>
          )}
          <Anchor component={Link} to="/usage" size="sm">
            Go to your usage
          </Anchor>
        </Stack>
      </Paper>
    </SignedOutFrame>
  );
}
