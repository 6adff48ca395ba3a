/**
 * The tenant's email templates (C6, J5): the built-in default of each key until the tenant edits
 * it, edits checked against the placeholders the key knows, reset to the default, and rendering
 * with the tenant's current text.
 */
import { AppError } from '../../core/errors.js';
import type { Queryable } from '../../db/db.js';
import { recordChange } from '../audit/service.js';
import { type Ctx, requirePermission } from '../context.js';
import type { TemplateUpdate, TemplateView } from './model.js';
import {
  DEFAULT_TEMPLATES,
  isTemplateKey,
  type RenderedEmail,
  render,
  TEMPLATE_KEYS,
  TEMPLATE_VARIABLES,
  type TemplateKey,
  type TemplateText,
  type TemplateVariables,
  templateProblem,
} from './templates.js';

interface TemplateRow {
  key: string;
  subject: string;
  body_text: string;
  updated_at: Date;
}

function view(key: TemplateKey, row: TemplateRow | undefined): TemplateView {
  const text = row ?? DEFAULT_TEMPLATES[key];
  return {
    key,
    subject: text.subject,
    body_text: text.body_text,
    customized: row !== undefined,
    variables: [...TEMPLATE_VARIABLES[key]],
    updated_at: row?.updated_at.toISOString() ?? null,
  };
}

function templateKey(key: string): TemplateKey {
  if (!isTemplateKey(key)) {
    throw new AppError('email_template_not_found', { key, keys: [...TEMPLATE_KEYS] });
  }
  return key;
}

async function loadRow(db: Queryable, tenantId: string, key: TemplateKey, lock = false) {
  return db.maybeOne<TemplateRow>(
    `SELECT key, subject, body_text, updated_at FROM email_templates
      WHERE tenant_id = $1 AND key = $2 ${lock ? 'FOR NO KEY UPDATE' : ''}`,
    [tenantId, key],
  );
}

export async function listTemplates(ctx: Ctx): Promise<TemplateView[]> {
  requirePermission(ctx, 'billing:read');
  const rows = await ctx.db.query<TemplateRow>(
    'SELECT key, subject, body_text, updated_at FROM email_templates WHERE tenant_id = $1',
    [ctx.tenant.id],
  );
  const byKey = new Map(rows.map((r) => [r.key, r]));
  return TEMPLATE_KEYS.map((key) => view(key, byKey.get(key)));
}

export async function getTemplate(ctx: Ctx, key: string): Promise<TemplateView> {
  requirePermission(ctx, 'billing:read');
  const k = templateKey(key);
  return view(k, await loadRow(ctx.db, ctx.tenant.id, k));
}

/** Refuses a template text that uses a placeholder the key does not know or is malformed. */
function checkTemplate(k: TemplateKey, input: TemplateText): void {
  const problem = templateProblem(k, input);
  if (!problem) return;
  const message =
    problem.problem === 'unknown_placeholder'
      ? `{{${problem.placeholder}}} is not a placeholder of the ${k} template; use one of ` +
        `${TEMPLATE_VARIABLES[k].map((v) => `{{${v}}}`).join(', ')}.`
      : problem.problem === 'unbalanced_section'
        ? `${problem.placeholder} in ${problem.field} has no matching tag: close each ` +
          '{{#name}} or {{^name}} with {{/name}}, innermost first.'
        : `A lone "${problem.placeholder}" in ${problem.field}: write placeholders as {{name}}.`;
  throw new AppError(
    'email_template_invalid',
    { ...problem, key: k, allowed: [...TEMPLATE_VARIABLES[k]] },
    message,
  );
}

/** Replaces the tenant's text of a template; only the key's own placeholders are accepted. */
export async function updateTemplate(
  ctx: Ctx,
  key: string,
  input: TemplateUpdate,
): Promise<TemplateView> {
  requirePermission(ctx, 'tenant:manage');
  const k = templateKey(key);
  checkTemplate(k, input);
  return ctx.db.tx(async (tx) => {
    const before = view(k, await loadRow(tx, ctx.tenant.id, k, true));
    const row = await tx.one<TemplateRow>(
      `INSERT INTO email_templates (tenant_id, key, subject, body_text, updated_by, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (tenant_id, key) DO UPDATE
         SET subject = EXCLUDED.subject, body_text = EXCLUDED.body_text,
             updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at
       RETURNING key, subject, body_text, updated_at`,
      [ctx.tenant.id, k, input.subject, input.body_text, ctx.actor.id, ctx.clock.now()],
    );
    const after = view(k, row);
    await recordChange(tx, ctx, {
      action: 'email_template.updated',
      objectType: 'email_template',
      objectId: k,
      before,
      after,
    });
    return after;
  });
}

/** Drops the tenant's edit: the built-in default applies again. */
export async function resetTemplate(ctx: Ctx, key: string): Promise<TemplateView> {
  requirePermission(ctx, 'tenant:manage');
  const k = templateKey(key);
  return ctx.db.tx(async (tx) => {
    const row = await loadRow(tx, ctx.tenant.id, k, true);
    const after = view(k, undefined);
    if (!row) return after;
    await tx.query('DELETE FROM email_templates WHERE tenant_id = $1 AND key = $2', [
      ctx.tenant.id,
      k,
    ]);
    await recordChange(tx, ctx, {
      action: 'email_template.reset',
      objectType: 'email_template',
      objectId: k,
      before: view(k, row),
      after,
    });
    return after;
  });
}

/**
 * Renders the tenant's template `key` (its edit, or the default) with `variables`: subject and
 * text body substituted, and an HTML body with every value escaped. `tenant.name` defaults to
 * the tenant's name. Money values must come formatted (formatMoney). Pass the transaction as
 * `q` when inside one.
 */
export async function renderTemplate(
  q: Queryable,
  ctx: Pick<Ctx, 'tenant'>,
  key: TemplateKey,
  variables: TemplateVariables,
): Promise<RenderedEmail> {
  return (await templateRenderer(q, ctx, key))(variables);
}

/** renderTemplate for many messages of one template: the tenant's edit is read once. */
export async function templateRenderer(
  q: Queryable,
  ctx: Pick<Ctx, 'tenant'>,
  key: TemplateKey,
  /** Render this text instead of the tenant's (a preview of an unsaved edit). */
  text?: TemplateText,
): Promise<(variables: TemplateVariables) => RenderedEmail> {
  const row = text ? undefined : await loadRow(q, ctx.tenant.id, key);
  return (variables) => {
    const tenantVars = variables.tenant;
    const vars: TemplateVariables = {
      ...variables,
      tenant: {
        name: ctx.tenant.name,
        ...(tenantVars !== null && typeof tenantVars === 'object' ? tenantVars : {}),
      },
    };
    return render(text ?? row ?? DEFAULT_TEMPLATES[key], vars);
  };
}

/** Made-up values for every placeholder, for previews and test sends (money formatted). */
export function sampleVariables(ctx: Pick<Ctx, 'tenant'>): TemplateVariables {
  return {
    tenant: { name: ctx.tenant.name },
    customer: { name: 'Sample Customer Ltd', number: 'C-00042' },
    contact: { name: 'Sam Sample' },
    portal_url: 'https://billing.example/portal',
    console_url: 'https://billing.example/console/customers/cus_sample',
    invoice: {
      number: 'INV-0042',
      date: '2026-12-01',
      due_date: '2026-12-31',
      po_number: 'PO-7',
      total: '$1,234.50',
      balance: '$1,234.50',
      url: 'https://billing.example/portal/invoices/INV-0042',
    },
    payment: {
      id: 'pay_sample',
      date: '2026-12-01',
      amount: '$1,234.50',
      method: 'Visa ending 4242',
      failure_reason: 'Your card was declined',
      next_retry_date: '2026-12-04',
    },
    statement: {
      date: '2026-12-01',
      balance: '$2,469.00',
      past_due: '$1,234.50',
      open_invoices: '2',
    },
    question: { text: 'Why is this invoice higher than last month?', from: 'Sam Sample' },
    invite_url: 'https://billing.example/portal/invite#sample',
    invite: { expires_at: '2026-12-09 12:00' },
    reset_url: 'https://billing.example/portal/reset#sample',
    reset: { expires_at: '2026-12-02 13:00' },
  };
}

/**
 * The template rendered on sample data, by the same renderer real emails use: the saved text, or
 * `draft` (an unsaved edit, checked like a save) when given.
 */
export async function previewTemplate(
  ctx: Ctx,
  key: string,
  draft?: TemplateText | null,
): Promise<RenderedEmail> {
  requirePermission(ctx, 'billing:read');
  const k = templateKey(key);
  if (draft) checkTemplate(k, draft);
  return (await templateRenderer(ctx.db, ctx, k, draft ?? undefined))(sampleVariables(ctx));
}
