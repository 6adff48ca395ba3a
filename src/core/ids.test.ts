import { describe, expect, it } from 'vitest';
import { ID_PREFIXES, type IdKind, isId, newId, newSecret } from './ids.js';

const CROCKFORD = /^[0-9abcdefghjkmnpqrstvwxyz]+$/;
const KINDS = Object.keys(ID_PREFIXES) as IdKind[];

describe('newId', () => {
  it.each(KINDS)(
    'a %s id is its prefix, an underscore and a 26-character Crockford body',
    (kind) => {
      const id = newId(kind);
      const [prefix, body, ...rest] = id.split('_');
      expect(prefix).toBe(ID_PREFIXES[kind]);
      expect(rest).toEqual([]);
      expect(body).toHaveLength(26);
      expect(body).toMatch(CROCKFORD);
      expect(isId(kind, id)).toBe(true);
    },
  );

  it('has no two kinds sharing a prefix', () => {
    const prefixes = Object.values(ID_PREFIXES);
    expect(new Set(prefixes).size).toBe(prefixes.length);
  });

  it('makes 10,000 distinct ids, even within one millisecond', () => {
    const now = Date.UTC(2026, 10, 22, 15);
    const ids = new Set<string>();
    for (let i = 0; i < 10_000; i++) ids.add(newId('invoice', now));
    expect(ids.size).toBe(10_000);
    const fresh = new Set(Array.from({ length: 10_000 }, () => newId('customer')));
    expect(fresh.size).toBe(10_000);
  });

  it('sorts later milliseconds after earlier ones, as strings', () => {
    const t0 = Date.UTC(2026, 0, 1);
    const times = [
      t0,
      t0 + 1,
      t0 + 2,
      t0 + 1000,
      t0 + 86_400_000,
      Date.UTC(2099, 11, 31),
      2 ** 48 - 1,
    ];
    for (let round = 0; round < 200; round++) {
      const ids = times.map((t) => newId('payment', t));
      expect([...ids].sort()).toEqual(ids);
    }
  });

  it('encodes the creation time in its first ten characters', () => {
    const a = newId('event', Date.UTC(2026, 0, 1));
    const b = newId('event', Date.UTC(2026, 0, 1));
    const c = newId('event', Date.UTC(2026, 0, 1) + 1);
    expect(a.slice(4, 14)).toBe(b.slice(4, 14));
    expect(c.slice(4, 14) > a.slice(4, 14)).toBe(true);
    expect(newId('event', 0).slice(4, 14)).toBe('0000000000');
  });
});

describe('isId', () => {
  const good = newId('customer');
  it.each([
    ['the right kind', 'customer', good, true],
    ['another kind', 'invoice', good, false],
    ['no prefix', 'customer', good.slice(4), false],
    ['upper case', 'customer', good.toUpperCase(), false],
    ['upper-case body', 'customer', `cus_${good.slice(4).toUpperCase()}`, false],
    ['a short body', 'customer', good.slice(0, -1), false],
    ['a long body', 'customer', `${good}0`, false],
    ['an excluded letter (i, l, o, u)', 'customer', `${good.slice(0, -1)}u`, false],
    ['a trailing newline', 'customer', `${good}\n`, false],
    ['a longer prefix that starts the same (pr_ and prod_)', 'paymentRun', newId('product'), false],
    ['a shorter prefix that starts the same', 'product', newId('paymentRun'), false],
    ['the empty string', 'customer', '', false],
  ] as const)('%s', (_name, kind, id, expected) => {
    expect(isId(kind, id)).toBe(expected);
  });
});

describe('newSecret', () => {
  it('is 32 random bytes as 43 base64url characters', () => {
    const secrets = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const s = newSecret();
      expect(s).toMatch(/^[A-Za-z0-9_-]{43}$/);
      secrets.add(s);
    }
    expect(secrets.size).toBe(1000);
  });

  it('takes a length in bytes', () => {
    expect(newSecret(16)).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newSecret(48)).toMatch(/^[A-Za-z0-9_-]{64}$/);
  });
});
