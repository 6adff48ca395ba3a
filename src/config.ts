/** Configuration from the environment, checked once at start with clear messages. */
import { isIP } from 'node:net';
import { z } from 'zod';

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .optional(),
  BILLOW_DATA_DIR: z.string().default('./data'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  BILLOW_SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
    .optional(),
  BILLOW_EMAIL_FROM: z.email().default('billing@localhost'),
  BILLOW_PUBLIC_URL: z
    .string()
    .regex(
      /^https?:\/\/[^/?#\s]+(\/[^?#\s]*)?$/,
      'must be an http:// or https:// URL without query',
    )
    .optional(),
  BILLOW_WEBHOOKS_ALLOW_PRIVATE: z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.enum(['', '0', '1', 'false', 'true'], 'must be 1, true, 0 or false'))
    .default(''),
  BILLOW_WEB_DIR: z.string().optional(),
  BILLOW_JOB_POLL_SECONDS: z.coerce
    .number('must be a number of seconds')
    .min(0.1, 'must be at least 0.1')
    .max(60, 'must be at most 60')
    .default(2),
  BILLOW_TRUST_PROXY: z
    .string()
    .trim()
    .refine(
      (v) => v === '' || /^([1-9]|10)$/.test(v) || v.split(',').every(proxyAddress),
      'must be a number of proxies (1 to 10) or their addresses (10.0.0.5, 10.0.0.0/8, …)',
    )
    .default(''),
  BILLOW_DB_POOL_SIZE: z.coerce
    .number('must be a whole number of connections')
    .int('must be a whole number of connections')
    .min(2, 'must be at least 2')
    .max(100, 'must be at most 100')
    .default(10),
});

/** An address or a CIDR range (10.0.0.0/8, fd00::/8) of a reverse proxy in front of Billow. */
function proxyAddress(entry: string): boolean {
  const [address = '', bits, ...more] = entry.trim().split('/');
  const version = isIP(address);
  if (version === 0 || more.length > 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d{1,3}$/.test(bits) && n <= (version === 4 ? 32 : 128);
}

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: string;
  /** Where email is sent (smtp://user:pass@host:587); without it the outbox only queues (L4). */
  smtpUrl: string | undefined;
  /** The sender address of tenants that have not set their own. */
  emailFrom: string;
  /**
   * Webhooks may target private, loopback and link-local addresses (an installation whose
   * receivers are its own internal services). Off by default: a tenant admin must not be able
   * to make the worker POST into the network Billow runs in.
   */
  webhooksAllowPrivate: boolean;
  /** The built web apps (default web/dist of this checkout). */
  webDir?: string | undefined;
  /**
   * The address people reach Billow at (https://billing.example.com), used in the links emails
   * carry (/portal/accept?token=…). Undefined: the address the server listens on.
   */
  publicUrl: string | undefined;
  /**
   * How often an idle worker asks the job queue for new work (default 2 s): the longest a job
   * waits before a worker takes it, against one small query per queue per interval.
   */
  jobPollSeconds: number;
  /**
   * Connections the server keeps to the database (default 10), shared by requests and workers.
   * More than about four per core of the database's machine makes queries wait on each other
   * for the cores rather than in the pool (docs/performance.md).
   */
  poolSize: number;
  /**
   * The reverse proxies in front of Billow (BILLOW_TRUST_PROXY): a number of hops, or their
   * addresses and ranges. A request's client address — what login and forgot-password rate
   * limits count by — is then read from X-Forwarded-For past them; without it, from the
   * connection (behind a proxy every client would share the proxy's limit). Undefined: none.
   */
  trustProxy: number | string[] | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.BILLOW_DATA_DIR,
    logLevel: e.LOG_LEVEL,
    smtpUrl: e.BILLOW_SMTP_URL || undefined,
    emailFrom: e.BILLOW_EMAIL_FROM,
    webhooksAllowPrivate: ['1', 'true'].includes(e.BILLOW_WEBHOOKS_ALLOW_PRIVATE),
    webDir: e.BILLOW_WEB_DIR || undefined,
    publicUrl: e.BILLOW_PUBLIC_URL ? e.BILLOW_PUBLIC_URL.replace(/\/+$/, '') : undefined,
    jobPollSeconds: e.BILLOW_JOB_POLL_SECONDS,
    poolSize: e.BILLOW_DB_POOL_SIZE,
    trustProxy:
      e.BILLOW_TRUST_PROXY === ''
        ? undefined
        : /^\d+$/.test(e.BILLOW_TRUST_PROXY)
          ? Number(e.BILLOW_TRUST_PROXY)
          : e.BILLOW_TRUST_PROXY.split(',').map((a) => a.trim()),
  };
}
