/**
 * Email templates: the built-in defaults, the placeholders each may use, and rendering — plain
 * `{{name}}` substitution, HTML-escaped in the HTML body, plus Mustache-style conditional
 * sections: `{{#name}}…{{/name}}` keeps its text only when `name` has a value, `{{^name}}…{{/name}}`
 * only when it has none (sections may nest). All pure; the tenant's edited copies are loaded by
 * template-store.ts.
 */

export const TEMPLATE_KEYS = [
  'invoice',
  'receipt',
  'payment_failed',
  'statement',
  'question',
  'welcome',
  'password_reset',
  'portal_confirmation',
] as const;
export type TemplateKey = (typeof TEMPLATE_KEYS)[number];

export function isTemplateKey(key: string): key is TemplateKey {
  return (TEMPLATE_KEYS as readonly string[]).includes(key);
}

const COMMON = ['tenant.name', 'customer.name', 'customer.number', 'contact.name', 'portal_url'];

/** The placeholders each template may use. Money values arrive formatted ("$1,234.56"). */
export const TEMPLATE_VARIABLES: Record<TemplateKey, readonly string[]> = {
  invoice: [
    ...COMMON,
    'invoice.number',
    'invoice.date',
    'invoice.due_date',
    'invoice.po_number',
    'invoice.total',
    'invoice.balance',
    'invoice.url',
  ],
  receipt: [...COMMON, 'payment.id', 'payment.date', 'payment.amount', 'payment.method'],
  payment_failed: [
    ...COMMON,
    'payment.id',
    'payment.date',
    'payment.amount',
    'payment.method',
    'payment.failure_reason',
    'payment.next_retry_date',
  ],
  statement: [
    ...COMMON,
    'statement.date',
    'statement.balance',
    'statement.past_due',
    'statement.open_invoices',
  ],
  question: [...COMMON, 'invoice.number', 'question.text', 'question.from', 'console_url'],
  welcome: [...COMMON, 'invite_url', 'invite.expires_at'],
  password_reset: [...COMMON, 'reset_url', 'reset.expires_at'],
  portal_confirmation: [...COMMON],
};

export interface TemplateText {
  subject: string;
  body_text: string;
}

export const DEFAULT_TEMPLATES: Record<TemplateKey, TemplateText> = {
  invoice: {
    subject: 'Invoice {{invoice.number}} from {{tenant.name}}',
    body_text:
      'Hello {{customer.name}},\n\n' +
      'Invoice {{invoice.number}} for {{invoice.total}} is attached. It is due on ' +
      '{{invoice.due_date}}; the open balance is {{invoice.balance}}.\n\n' +
      'You can view and pay it in the portal: {{portal_url}}\n\n' +
      'Thank you,\n{{tenant.name}}',
  },
  receipt: {
    subject: 'Payment received: {{payment.amount}}',
    body_text:
      'Hello {{customer.name}},\n\n' +
      'We received your payment of {{payment.amount}} on {{payment.date}} ' +
      '({{payment.method}}). Reference: {{payment.id}}.\n\n' +
      'Thank you,\n{{tenant.name}}',
  },
  payment_failed: {
    subject: 'Your payment of {{payment.amount}} did not go through',
    body_text:
      'Hello {{customer.name}},\n\n' +
      'Your payment of {{payment.amount}} on {{payment.date}} ({{payment.method}}) failed: ' +
      '{{payment.failure_reason}}.\n\n' +
      '{{#payment.next_retry_date}}We will try again on {{payment.next_retry_date}}.\n\n' +
      '{{/payment.next_retry_date}}' +
      'Please check your payment method in the portal: {{portal_url}}\n\n' +
      '{{tenant.name}}',
  },
  statement: {
    subject: 'Your statement from {{tenant.name}} as of {{statement.date}}',
    body_text:
      'Hello {{customer.name}},\n\n' +
      'As of {{statement.date}} your balance is {{statement.balance}} across ' +
      '{{statement.open_invoices}} open invoice(s), of which {{statement.past_due}} is past due.\n\n' +
      'Details and payment: {{portal_url}}\n\n' +
      '{{tenant.name}}',
  },
  question: {
    subject: 'Question about invoice {{invoice.number}} from {{customer.name}}',
    body_text:
      '{{question.from}} ({{customer.name}}, {{customer.number}}) asks about invoice ' +
      '{{invoice.number}}:\n\n{{question.text}}\n\n{{console_url}}',
  },
  welcome: {
    subject: 'Welcome to the {{tenant.name}} billing portal',
    body_text:
      'Hello {{contact.name}},\n\n' +
      '{{tenant.name}} invites you to its billing portal for {{customer.name}}. Set your ' +
      'password here (the link is valid until {{invite.expires_at}}):\n\n{{invite_url}}\n\n' +
      '{{tenant.name}}',
  },
  password_reset: {
    subject: 'Reset your {{tenant.name}} portal password',
    body_text:
      'Hello {{contact.name}},\n\n' +
      'Choose a new password here (the link is valid until {{reset.expires_at}}):\n\n' +
      '{{reset_url}}\n\n' +
      'If you did not ask for this, ignore this email.\n\n{{tenant.name}}',
  },
  portal_confirmation: {
    subject: 'Your {{tenant.name}} portal access is ready',
    body_text:
      'Hello {{contact.name}},\n\n' +
      'Your password for the {{tenant.name}} billing portal is set. You can sign in any time ' +
      'to see and pay the invoices of {{customer.name}}:\n\n{{portal_url}}\n\n' +
      'If you did not do this, reply to this email at once.\n\n{{tenant.name}}',
  },
};

/** Values for the placeholders: nested objects ({ invoice: { number } }) or dotted keys. */
export type TemplateValue = string | number | null | undefined;
export interface TemplateVariables {
  [name: string]: TemplateValue | TemplateVariables;
}

const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;
/** A section tag: `{{#name}}` (shown when name has a value), `{{^name}}` (when not), `{{/name}}`. */
const SECTION_TAG = /\{\{\s*([#^/])\s*([^{}]*?)\s*\}\}/g;

export interface TemplateProblem {
  field: 'subject' | 'body_text';
  placeholder: string;
  problem: 'unknown_placeholder' | 'unbalanced_braces' | 'unbalanced_section';
}

/**
 * The first problem of a template, if any: a placeholder or section `key` does not know, a
 * stray brace pair, or a section that is not closed (or closed out of order).
 */
export function templateProblem(
  key: TemplateKey,
  template: TemplateText,
): TemplateProblem | undefined {
  const allowed = TEMPLATE_VARIABLES[key];
  for (const field of ['subject', 'body_text'] as const) {
    const text = template[field];
    const open: string[] = [];
    for (const match of text.matchAll(PLACEHOLDER)) {
      const tag = match[1] ?? '';
      const section = /^([#^/])\s*(.*)$/.exec(tag);
      const name = section ? (section[2] ?? '') : tag;
      if (!allowed.includes(name)) {
        return { field, placeholder: tag, problem: 'unknown_placeholder' };
      }
      if (!section) continue;
      if (section[1] !== '/') open.push(name);
      else if (open.pop() !== name) {
        return { field, placeholder: `{{/${name}}}`, problem: 'unbalanced_section' };
      }
    }
    const unclosed = open.pop();
    if (unclosed !== undefined) {
      return { field, placeholder: `{{#${unclosed}}}`, problem: 'unbalanced_section' };
    }
    const rest = text.replace(PLACEHOLDER, '');
    const stray = /\{\{|\}\}/.exec(rest);
    if (stray) return { field, placeholder: stray[0], problem: 'unbalanced_braces' };
  }
  return undefined;
}

function lookup(vars: TemplateVariables, name: string): string {
  const flat = vars[name];
  if (flat !== undefined && (flat === null || typeof flat !== 'object')) {
    return flat === null ? '' : String(flat);
  }
  let node: TemplateValue | TemplateVariables = vars;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object') return '';
    node = node[part];
  }
  return node === null || node === undefined || typeof node === 'object' ? '' : String(node);
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * Keeps or drops the text of each section by its value, and removes the section tags: what is
 * left has plain placeholders only. Works on the template's own text, so a value is never read
 * as a tag. Tolerant of unbalanced sections (saving refuses them; see templateProblem).
 */
export function resolveSections(text: string, vars: TemplateVariables): string {
  let out = '';
  let last = 0;
  const shown: boolean[] = [];
  const visible = () => shown.every(Boolean);
  for (const match of text.matchAll(SECTION_TAG)) {
    if (visible()) out += text.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[1] === '/') {
      shown.pop();
      continue;
    }
    const present = lookup(vars, match[2] ?? '') !== '';
    shown.push(match[1] === '#' ? present : !present);
  }
  if (visible()) out += text.slice(last);
  return out;
}

/** Substitutes the placeholders in plain text; a missing value renders as nothing. */
export function substitute(text: string, vars: TemplateVariables): string {
  return resolveSections(text, vars).replace(PLACEHOLDER, (_, name: string) => lookup(vars, name));
}

/**
 * The HTML body: the template text and the values escaped, blank lines as paragraphs, single
 * line breaks kept, and http(s) values of `*_url` placeholders made into links.
 */
export function substituteHtml(template: string, vars: TemplateVariables): string {
  const text = resolveSections(template, vars);
  const parts: string[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    const name = match[1] ?? '';
    parts.push(escapeHtml(text.slice(last, match.index)));
    const value = lookup(vars, name);
    const escaped = escapeHtml(value);
    parts.push(
      /(^|\.|_)url$/.test(name) && /^https?:\/\//.test(value)
        ? `<a href="${escaped}">${escaped}</a>`
        : escaped,
    );
    last = match.index + match[0].length;
  }
  parts.push(escapeHtml(text.slice(last)));
  const paragraphs = parts
    .join('')
    .split(/\n{2,}/)
    .map((p) => `<p>${p.replace(/\n/g, '<br>\n')}</p>`);
  return `<!doctype html>\n<html><body>\n${paragraphs.join('\n')}\n</body></html>\n`;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

export function render(template: TemplateText, vars: TemplateVariables): RenderedEmail {
  return {
    // A subject is one line whatever the values hold.
    subject: substitute(template.subject, vars)
      .replace(/\s*[\r\n]+\s*/g, ' ')
      .trim(),
    text: substitute(template.body_text, vars),
    html: substituteHtml(template.body_text, vars),
  };
}
