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
  /** Stops the server (SIGTERM); its exit code. */
  stop(): Promise<number | null>;
  /** Kills the server without warning (SIGKILL), as a crash or power loss would. */
  kill(): Promise<void>;
}

/** Starts `billow serve` on a new data directory, or on `dataDir` (a restart). */
export async function startServe(
  dataDir = mkdtempSync(join(tmpdir(), 'billow-cli-')),
): Promise<ServeProcess> {
  const { DATABASE_URL: _ignored, ...rest } = process.env;
  const env = { ...rest, BILLOW_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'warn' };
  const server: ChildProcess = spawn(process.execPath, [BIN, 'serve'], {
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
