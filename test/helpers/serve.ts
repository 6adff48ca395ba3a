/**
 * `billow serve` as a real process on a fresh embedded data directory, and `billow` commands run
 * beside it against the same directory: the two-command promise, tested as a user meets it.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { scoped } from './scoped.js';

const run = promisify(execFile);
const BIN = join(import.meta.dirname, '../../bin/billow.js');

export interface ServeProcess {
  /** Where the server listens, as it printed it. */
  url: string;
  dataDir: string;
  /** Runs `billow …args` on the same data directory; its standard output. */
  billow(...args: string[]): Promise<string>;
  /** Starts `billow …args` (a long-running command such as `worker`) with the same settings. */
  spawnBillow(...args: string[]): ChildProcess;
  /** Stops the server (SIGTERM); its exit code. */
  stop(): Promise<number | null>;
  /** Kills the server without warning (SIGKILL), as a crash or power loss would. */
  kill(): Promise<void>;
}

export interface ServeOptions {
  /** The data directory of the embedded database (default: a new one); a restart passes it. */
  dataDir?: string;
  /** PostgreSQL instead of the embedded database. */
  databaseUrl?: string;
  /** More arguments of `billow serve`, such as --no-worker. */
  args?: string[];
  /** More environment of the server and of the commands run beside it. */
  env?: Record<string, string>;
}

/** Starts `billow serve` on a new data directory, or as `options` say. */
export async function startServe(options: ServeOptions = {}): Promise<ServeProcess> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'billow-cli-'));
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const env: NodeJS.ProcessEnv = {
    ...rest,
    BILLOW_DATA_DIR: dataDir,
    PORT: '0',
    LOG_LEVEL: 'warn',
    ...(options.databaseUrl && { DATABASE_URL: options.databaseUrl }),
    ...options.env,
  };
  const server: ChildProcess = spawn(process.execPath, [BIN, 'serve', ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<number | null>((resolve) => {
      if (server.exitCode !== null) return resolve(server.exitCode);
      server.once('exit', (code) => resolve(code));
      server.kill('SIGTERM');
    });
  const kill = () =>
    new Promise<void>((resolve) => {
      if (server.exitCode !== null || server.signalCode !== null) return resolve();
      server.once('exit', () => resolve());
      server.kill('SIGKILL');
    });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`serve did not start: ${out}`)), 110_000);
      server.stdout?.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/[^\s]+)/.exec(out);
        if (match?.[1]) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      server.stderr?.on('data', (chunk) => {
        out += chunk;
      });
      server.once('exit', (code) => reject(new Error(`serve exited ${code}: ${out}`)));
    });
    return {
      url,
      dataDir,
      billow: async (...args) =>
        (await run(process.execPath, [BIN, ...args], { env, timeout: 60_000 })).stdout,
      spawnBillow: (...args) =>
        spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] }),
      stop,
      kill,
    };
  } catch (err) {
    await stop();
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}

/** A server process for the enclosing block; stopped and its data directory removed after. */
export function useServe(): ServeProcess {
  return scoped('the server process', startServe, {
    stop: async (s) => {
      await s.stop();
      rmSync(s.dataDir, { recursive: true, force: true });
    },
    timeoutMs: 120_000,
  });
}
