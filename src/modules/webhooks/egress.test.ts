import type { LookupAddress, LookupOptions } from 'node:dns';
import { describe, expect, it } from 'vitest';
import { PrivateTargetError, publicOnlyLookup } from './egress.js';
import { isPrivateAddress, privateHostOf } from './model.js';

describe('isPrivateAddress', () => {
  it.each([
    '0.0.0.0',
    '0.1.2.3',
    '10.0.0.1',
    '10.255.255.255',
    '100.64.0.1',
    '100.100.100.200',
    '127.0.0.1',
    '127.255.0.9',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.192',
    '192.168.0.1',
    '198.18.0.1',
    '224.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:a00:1',
    '::ffff:169.254.169.254',
    '64:ff9b::10.0.0.1',
    '64:ff9b::7f00:1',
    '2002:c0a8:101::1',
  ])('%s is private', (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each([
    '1.1.1.1',
    '8.8.8.8',
    '9.255.255.255',
    '11.0.0.1',
    '100.63.255.255',
    '100.128.0.1',
    '172.15.255.255',
    '172.32.0.1',
    '192.167.255.255',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4001::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    'example.com',
    'localhost',
  ])('%s is not', (address) => {
    expect(isPrivateAddress(address)).toBe(false);
  });
});

describe('privateHostOf', () => {
  it('finds a literal private host after the URL parser normalises it', () => {
    expect(privateHostOf('http://127.0.0.1:8080/hook')).toBe('127.0.0.1');
    expect(privateHostOf('http://127.1/')).toBe('127.0.0.1');
    expect(privateHostOf('http://0x7f000001/')).toBe('127.0.0.1');
    expect(privateHostOf('http://2130706433/')).toBe('127.0.0.1');
    expect(privateHostOf('http://0/')).toBe('0.0.0.0');
    expect(privateHostOf('https://[0:0:0:0:0:0:0:1]:8443/')).toBe('::1');
    expect(privateHostOf('http://[::ffff:169.254.169.254]/')).toBe('::ffff:a9fe:a9fe');
  });

  it('leaves public addresses and host names alone (they are checked when delivering)', () => {
    expect(privateHostOf('https://8.8.8.8/hook')).toBeNull();
    expect(privateHostOf('https://hooks.example.com/hook')).toBeNull();
    expect(privateHostOf('http://localhost:3000/hook')).toBeNull();
    expect(privateHostOf('not a url')).toBeNull();
  });
});

type Answer = { err: Error | null; address: string | LookupAddress[]; family?: number | undefined };

const lookup = (host: string, options: LookupOptions = {}) =>
  new Promise<Answer>((resolve) =>
    publicOnlyLookup(host, options, (err, address, family) => resolve({ err, address, family })),
  );

describe('publicOnlyLookup', () => {
  it('answers a public address in the shape asked for', async () => {
    expect(await lookup('8.8.8.8')).toEqual({ err: null, address: '8.8.8.8', family: 4 });
    expect(await lookup('8.8.8.8', { all: true })).toMatchObject({
      err: null,
      address: [{ address: '8.8.8.8', family: 4 }],
    });
  });

  it('refuses a name or address that resolves to a private address', async () => {
    const named = await lookup('localhost', { all: true });
    expect(named.err).toBeInstanceOf(PrivateTargetError);
    expect(named.err?.message).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1),/);
    const literal = await lookup('169.254.169.254');
    expect(literal.err).toBeInstanceOf(PrivateTargetError);
    expect(literal.err?.message).toMatch(/^refused: 169\.254\.169\.254 is a private address/);
  });
});
