/**
 * Settings → Email templates (J5): pick a template, edit its subject and text, see it rendered
 * BY THE API on sample data as you type (POST /email-templates/{key}/preview with the unsaved
 * edit), save it, reset it to the default, and send a test of it to an address you type.
 */
import {
  Badge,
  Button,
  Code,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import type { paths } from '../../../../generated/api';
import { api, unwrap } from '../../../shared/api';
import { ErrorAlert, fieldErrors } from '../../../shared/errors';
import { Loading } from '../../../shared/states';

type TemplateKey =
  paths['/api/v1/email-templates']['get']['responses'][200]['content']['application/json']['data'][number]['key'];

const LABELS: Record<TemplateKey, string> = {
  invoice: 'Invoice',
  receipt: 'Payment receipt',
  payment_failed: 'Payment failed',
  statement: 'Statement',
  question: 'Question from a customer (to staff)',
  welcome: 'Portal invitation',
  password_reset: 'Portal password reset',
  portal_confirmation: 'Portal access confirmed',
};

const WRAP = { whiteSpace: 'pre-wrap', overflowWrap: 'anywhere' } as const;

export function EmailTemplatesTab() {
  const queryClient = useQueryClient();
  const templates = useQuery({
    queryKey: ['email-templates'],
    queryFn: async () => unwrap(await api.GET('/api/v1/email-templates')),
  });
  const [key, setKey] = useState<TemplateKey>('invoice');
  const current = templates.data?.data.find((t) => t.key === key);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  useEffect(() => {
    if (!current) return;
    setSubject(current.subject);
    setBody(current.body_text);
  }, [current]);

  const [draft] = useDebouncedValue({ subject, body }, 300);
  const preview = useQuery({
    queryKey: ['email-template-preview', key, draft.subject, draft.body],
    enabled: Boolean(current) && draft.subject.trim() !== '' && draft.body !== '',
    placeholderData: keepPreviousData,
    retry: false,
    queryFn: async () =>
      unwrap(
        await api.POST('/api/v1/email-templates/{key}/preview', {
          params: { path: { key } },
          body: { subject: draft.subject, body_text: draft.body },
        }),
      ),
  });

  const save = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.PUT('/api/v1/email-templates/{key}', {
          params: { path: { key } },
          body: { subject, body_text: body },
        }),
      ),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['email-templates'] }),
  });
  const reset = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE('/api/v1/email-templates/{key}', { params: { path: { key } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ['email-templates'] }),
  });
  const [to, setTo] = useState('');
  const test = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST('/api/v1/email-templates/{key}/test', {
          params: { path: { key } },
          body: { to: to.trim(), subject, body_text: body },
        }),
      ),
  });

  if (templates.isError) return <ErrorAlert error={templates.error} />;
  if (!templates.data || !current) return <Loading />;
  const changed = subject !== current.subject || body !== current.body_text;
  const fields = fieldErrors(save.error);
  const testFields = fieldErrors(test.error);

  function choose(next: string | null) {
    if (!next) return;
    setKey(next as TemplateKey);
    save.reset();
    reset.reset();
    test.reset();
  }
  function submit(e: FormEvent) {
    e.preventDefault();
    reset.reset();
    save.mutate();
  }
  function sendTest(e: FormEvent) {
    e.preventDefault();
    test.mutate();
  }

  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md">
        <Stack gap="sm">
          <Title order={2} size="h3">
            Email templates
          </Title>
          <Group align="flex-end" gap="sm" wrap="wrap">
            <Select
              label="Template"
              data={templates.data.data.map((t) => ({
                value: t.key,
                label: `${LABELS[t.key]}${t.customized ? ' (edited)' : ''}`,
              }))}
              value={key}
              onChange={choose}
              allowDeselect={false}
              w={320}
              maw="100%"
            />
            <Badge variant="light" color={current.customized ? 'blue' : 'gray'} c="dark.9">
              {current.customized ? 'Edited' : 'Built-in default'}
            </Badge>
          </Group>
          <form onSubmit={submit} aria-label="Edit template">
            <Stack gap="sm">
              {save.isError && <ErrorAlert error={save.error} title="Not saved" />}
              {reset.isError && <ErrorAlert error={reset.error} title="Not reset" />}
              <TextInput
                label="Subject"
                value={subject}
                onChange={(e) => setSubject(e.currentTarget.value)}
                required
                maxLength={998}
                error={fields.subject}
              />
              <Textarea
                label="Text"
                description="Blank lines make paragraphs in the HTML version"
                value={body}
                onChange={(e) => setBody(e.currentTarget.value)}
                required
                autosize
                minRows={8}
                maxRows={24}
                error={fields.body_text}
              />
              <Text size="sm">
                Placeholders:{' '}
                {current.variables.map((v) => (
                  <Code key={v} mr={4}>{`{{${v}}}`}</Code>
                ))}
              </Text>
              <Text size="sm">
                Wrap text in <Code>{'{{#name}}…{{/name}}'}</Code> to show it only when a value is
                there, or <Code>{'{{^name}}…{{/name}}'}</Code> only when it is not.
              </Text>
              <Group gap="sm" wrap="wrap">
                <Button type="submit" loading={save.isPending} disabled={!changed}>
                  Save template
                </Button>
                <Button
                  variant="default"
                  onClick={() => {
                    save.reset();
                    reset.mutate();
                  }}
                  loading={reset.isPending}
                  disabled={!current.customized}
                >
                  Reset to default
                </Button>
                {changed && <Text size="sm">Unsaved changes</Text>}
                {!changed && save.isSuccess && (
                  <Text size="sm" role="status" fw={600}>
                    Saved
                  </Text>
                )}
                {!changed && reset.isSuccess && (
                  <Text size="sm" role="status" fw={600}>
                    Reset to the default
                  </Text>
                )}
              </Group>
            </Stack>
          </form>
        </Stack>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="md">
        <Paper withBorder p="md" radius="md" component="section" aria-label="Preview">
          <Stack gap="xs">
            <Title order={2} size="h3">
              Preview on sample data
            </Title>
            {preview.isError ? (
              <ErrorAlert error={preview.error} title="Cannot preview this text" />
            ) : !preview.data ? (
              <Loading label="Rendering…" />
            ) : (
              <>
                <Text size="sm" fw={600} data-testid="preview-subject" style={WRAP}>
                  {preview.data.subject}
                </Text>
                <Text size="sm" data-testid="preview-text" style={WRAP}>
                  {preview.data.text}
                </Text>
              </>
            )}
          </Stack>
        </Paper>
        <Paper withBorder p="md" radius="md">
          <form onSubmit={sendTest} aria-label="Send a test">
            <Stack gap="sm">
              <Title order={2} size="h3">
                Send a test
              </Title>
              <Text size="sm">
                The text above, with the sample data, goes to this address through the outbox; the
                subject starts with “[Test]”.
              </Text>
              {test.isError && !testFields.to && (
                <ErrorAlert error={test.error} title="Test not sent" />
              )}
              <TextInput
                label="Send to"
                type="email"
                value={to}
                onChange={(e) => setTo(e.currentTarget.value)}
                required
                maxLength={320}
                error={testFields.to}
              />
              <Group>
                <Button type="submit" variant="default" loading={test.isPending}>
                  Send test
                </Button>
              </Group>
              {test.isSuccess && (
                <Text size="sm" role="status" fw={600} style={WRAP}>
                  Test queued to {test.data.to} ({test.data.status}); see it in the email outbox.
                </Text>
              )}
            </Stack>
          </form>
        </Paper>
      </SimpleGrid>
    </Stack>
  );
}
