import { describe, expect, it } from 'vitest';
import { passwordProblem } from './passwords.js';

describe('portal password rule', () => {
  const email = 'dana.lee@globex.example';
  it('refuses short passwords', () => {
    expect(passwordProblem('short pw', email, ['Dana Lee'])).toBe('too_short');
  });
  it('refuses the email local part and the name, in any case', () => {
    expect(passwordProblem('xxDANA.LEExx!', email, [])).toBe('contains_email');
    expect(passwordProblem('i am LEE forever', 'x@y.example', ['Dana Lee'])).toBe('contains_name');
    expect(passwordProblem('danalee-2026!', 'x@y.example', ['Dana Lee'])).toBe('contains_name');
  });
  it('accepts a long unrelated passphrase', () => {
    expect(passwordProblem('purple tractor umbrella', email, ['Dana Lee'])).toBeUndefined();
  });
});
