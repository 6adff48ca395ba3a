/** The portal's password rule (A5): long enough, and not built from the contact's own name. */
import { AppError } from '../../core/errors.js';

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

const fold = (s: string) => s.normalize('NFKC').toLowerCase();

/**
 * Why `password` is refused for a person with `email` and `names` (every contact name the login
 * has), or undefined. Parts shorter than 3 characters are ignored ("Al" may be in anything).
 */
export function passwordProblem(
  password: string,
  email: string,
  names: readonly string[],
): 'too_short' | 'contains_email' | 'contains_name' | undefined {
  if ([...password].length < MIN_PASSWORD_LENGTH) return 'too_short';
  const p = fold(password);
  const local = fold(email.split('@')[0] ?? '');
  if (local.length >= 3 && p.includes(local)) return 'contains_email';
  for (const name of names) {
    const parts = [fold(name).replace(/\s+/g, ''), ...fold(name).split(/[\s.,'’-]+/)];
    if (parts.some((part) => part.length >= 3 && p.includes(part))) return 'contains_name';
  }
  return undefined;
}

export function checkPassword(password: string, email: string, names: readonly string[]): void {
  const reason = passwordProblem(password, email, names);
  if (reason) {
    throw new AppError('portal_password_weak', { reason, min_length: MIN_PASSWORD_LENGTH });
  }
}
