/**
 * A real SMTP server on loopback for tests: every accepted message is parsed with mailparser and
 * kept. Recipients can be refused on purpose, temporarily (4xx) or for good (5xx).
 */
import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface Received {
  /** Envelope recipients. */
  rcpt: string[];
  mail: ParsedMail;
}

export interface TestSmtp {
  /** smtp://127.0.0.1:<port> */
  url: string;
  received: Received[];
  /** Recipient attempts per address, refused or not. */
  rcptAttempts: Map<string, number>;
  /** Answers RCPT TO for `address` with this SMTP code and text (4xx or 5xx) from now on. */
  refuse(address: string, code: number, text?: string): void;
  /** Messages that had `address` as a recipient. */
  to(address: string): Received[];
  close(): Promise<void>;
}

export async function startSmtp(): Promise<TestSmtp> {
  const received: Received[] = [];
  const rcptAttempts = new Map<string, number>();
  const refusals = new Map<string, { code: number; text: string }>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const addr = address.address.toLowerCase();
      rcptAttempts.set(addr, (rcptAttempts.get(addr) ?? 0) + 1);
      const refusal = refusals.get(addr);
      if (!refusal) return callback();
      const err = Object.assign(new Error(refusal.text), { responseCode: refusal.code });
      return callback(err);
    },
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((mail) => {
          const rcpt = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
          received.push({ rcpt, mail });
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.server.address() as AddressInfo;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rcptAttempts,
    refuse(address, code, text = code >= 500 ? 'No such user here' : 'Try again later') {
      refusals.set(address.toLowerCase(), { code, text });
    },
    to: (address) => received.filter((r) => r.rcpt.includes(address.toLowerCase())),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
