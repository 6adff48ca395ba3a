/**
 * A webhook receiver on loopback: it keeps every request it is sent and answers 200, or the
 * status codes a test sets for a path, in turn.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { scoped } from './scoped.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  // biome-ignore lint/suspicious/noExplicitAny: payloads are inspected freely
  body: any;
}

export interface Receiver {
  /** http://127.0.0.1:<port> */
  url: string;
  received: Received[];
  /** The requests sent to `path`. */
  at(path: string): Received[];
  /** Answers the next requests to `path` with these status codes, then 200 again. */
  answer(path: string, statuses: number[]): void;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const answers = new Map<string, number[]>();
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) });
      res.statusCode = answers.get(path)?.shift() ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    at: (path) => received.filter((r) => r.path === path),
    answer: (path, statuses) => answers.set(path, [...statuses]),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/** A receiver for the enclosing block, listening from before its first test to after its last. */
export function useReceiver(): Receiver {
  return scoped('the receiver', startReceiver, { stop: (r) => r.close() });
}
