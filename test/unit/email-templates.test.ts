/**
 * Email template rendering (J5): plain placeholders as before, and the conditional sections a
 * template may use — {{#name}}…{{/name}} when name has a value, {{^name}}…{{/name}} when not —
 * in the text, the HTML and the subject; and what saving a template refuses.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_TEMPLATES,
  render,
  TEMPLATE_KEYS,
  templateProblem,
} from '../../src/modules/email/templates.js';

const failed = (next: string | null) => ({
  tenant: { name: 'Northwind' },
  customer: { name: 'Acme' },
  payment: {
    id: 'pay_1',
    date: '2026-11-22',
    amount: '$70.00',
    method: 'visa ending 9995',
    failure_reason: 'Your card has insufficient funds',
    next_retry_date: next ?? '',
  },
  portal_url: '',
});

describe('the default payment_failed template', () => {
  it('names the next retry date when there is one', () => {
    const out = render(DEFAULT_TEMPLATES.payment_failed, failed('2026-11-25'));
    expect(out.text).toContain(
      'failed: Your card has insufficient funds.\n\nWe will try again on 2026-11-25.\n\n' +
        'Please check your payment method',
    );
    expect(out.html).toContain('<p>We will try again on 2026-11-25.</p>');
    expect(out.subject).toBe('Your payment of $70.00 did not go through');
  });

  it('says nothing about a retry when there is none', () => {
    const out = render(DEFAULT_TEMPLATES.payment_failed, failed(null));
    expect(out.text).toContain(
      'failed: Your card has insufficient funds.\n\nPlease check your payment method',
    );
    expect(out.text).not.toContain('try again');
    expect(out.html).not.toContain('try again');
    expect(out.html).not.toContain('<p></p>');
  });

  it('every default template is one saving would accept', () => {
    for (const key of TEMPLATE_KEYS) {
      expect(templateProblem(key, DEFAULT_TEMPLATES[key]), key).toBeUndefined();
    }
  });
});

describe('sections', () => {
  const tpl = (body_text: string, subject = 'S') => ({ subject, body_text });

  it('shows {{#x}} text when x has a value and {{^x}} text when it has none', () => {
    const body =
      '{{#payment.id}}id {{payment.id}}{{/payment.id}}{{^payment.id}}no id{{/payment.id}}';
    expect(render(tpl(body), { payment: { id: 'pay_9' } }).text).toBe('id pay_9');
    expect(render(tpl(body), { payment: { id: '' } }).text).toBe('no id');
    expect(render(tpl(body), { payment: { id: null } }).text).toBe('no id');
    expect(render(tpl(body), {}).text).toBe('no id');
    expect(render(tpl(body), { payment: { id: 0 } }).text).toBe('id 0');
  });

  it('nests, tolerates spaces in tags, and works in the subject', () => {
    const body = 'A{{# a }}B{{#b}}C{{/b}}{{^b}}D{{/b}}E{{/ a }}F';
    expect(render(tpl(body), { a: '1', b: '1' }).text).toBe('ABCEF');
    expect(render(tpl(body), { a: '1', b: '' }).text).toBe('ABDEF');
    expect(render(tpl(body), { a: '', b: '1' }).text).toBe('AF');
    const out = render(tpl('x', 'Paid{{#a}} by {{a}}{{/a}}'), { a: 'card' });
    expect(out.subject).toBe('Paid by card');
  });

  it('never reads a value as a tag, and escapes values in HTML', () => {
    const vars = { a: '{{^b}}shown{{/b}}', b: '<b>&' };
    const out = render(tpl('{{#a}}[{{a}}]{{/a}} {{#b}}{{b}}{{/b}}'), vars);
    expect(out.text).toBe('[{{^b}}shown{{/b}}] <b>&');
    expect(out.html).toContain('<p>[{{^b}}shown{{/b}}] &lt;b&gt;&amp;</p>');
  });

  it('renders a template without sections exactly as before', () => {
    const old = tpl('Failed: {{payment.failure_reason}} (next: {{payment.next_retry_date}})');
    expect(render(old, failed('2026-11-25')).text).toBe(
      'Failed: Your card has insufficient funds (next: 2026-11-25)',
    );
    expect(render(old, failed(null)).text).toBe(
      'Failed: Your card has insufficient funds (next: )',
    );
  });
});

describe('what saving a template refuses', () => {
  const check = (body_text: string) =>
    templateProblem('payment_failed', { subject: 'S', body_text });

  it('accepts balanced sections of known placeholders', () => {
    expect(check('{{#payment.next_retry_date}}x{{/payment.next_retry_date}}')).toBeUndefined();
    expect(check('{{^ payment.next_retry_date }}x{{/payment.next_retry_date}}')).toBeUndefined();
  });

  it('refuses a section on an unknown placeholder', () => {
    expect(check('{{#invoice.number}}x{{/invoice.number}}')).toEqual({
      field: 'body_text',
      placeholder: '#invoice.number',
      problem: 'unknown_placeholder',
    });
  });

  it('refuses unclosed, unopened and crossed sections', () => {
    expect(check('{{#payment.id}}x')).toMatchObject({
      placeholder: '{{#payment.id}}',
      problem: 'unbalanced_section',
    });
    expect(check('x{{/payment.id}}')).toMatchObject({ problem: 'unbalanced_section' });
    expect(
      check('{{#payment.id}}{{#payment.date}}x{{/payment.id}}{{/payment.date}}'),
    ).toMatchObject({ placeholder: '{{/payment.id}}', problem: 'unbalanced_section' });
    expect(
      templateProblem('payment_failed', { subject: '{{^payment.id}}x', body_text: 'y' }),
    ).toMatchObject({ field: 'subject', problem: 'unbalanced_section' });
  });
});
