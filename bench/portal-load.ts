/**
 * The portal benchmark's load generator (bench/portal.ts): drives one endpoint at a steady rate
 * over real HTTP (undici, open loop: requests leave on schedule whether or not earlier ones have
 * answered, so a slow server shows up as latency, not as a lower rate) and measures each request
 * from when it was due, so queueing in the client counts too.
 *
 * bench/portal.ts forks this file as its own process by default, so the server's event loop is
 * not shared with the load generator (`--in-process` runs `runPhase` beside the server instead,
 * as the first measurements did). The parent sends one `LoadJob` per phase over IPC and gets a
 * `PhaseResult` back.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Pool } from 'undici';

export interface LoadJob {
  origin: string;
  /** One request path per session, in session order; request k uses session k % paths.length. */
  paths: string[];
  /** The portal cookie's token per session. */
  tokens: string[];
  rate: number;
  seconds: number;
}

export interface PhaseResult {
  n: number;
  errors: number;
  p50: number;
  p99: number;
  achieved: number;
  /** Requests slower than `slowMs`, and in how many 250 ms windows of the phase they fell. */
  slow: number;
  slowWindows: number;
  /** How late this generator's own event loop ran, at worst (ms): a stall of the generator. */
  generatorLateMax: number;
  /** CPU this generator used per request (ms, user and system), its share of the machine. */
  generatorCpuMs: number;
}

/** What counts as a slow request in PhaseResult (the portal target's p99). */
const SLOW_MS = 20;
const WINDOW_MS = 250;

const pools = new Map<string, Pool>();

function poolFor(origin: string): Pool {
  let pool = pools.get(origin);
  if (!pool) {
    pool = new Pool(origin, { connections: 64, pipelining: 1 });
    pools.set(origin, pool);
  }
  return pool;
}

export async function closePools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

export async function runPhase(job: LoadJob): Promise<PhaseResult> {
  const pool = poolFor(job.origin);
  const sessions = job.tokens.length;
  const total = Math.round(job.rate * job.seconds);
  const latencies: number[] = [];
  const slowWindows = new Set<number>();
  let errors = 0;
  const inFlight: Promise<void>[] = [];
  const lateness = monitorEventLoopDelay({ resolution: 5 });
  lateness.enable();
  const cpu = process.cpuUsage();
  const start = performance.now();
  for (let k = 0; k < total; k++) {
    // Open loop: request k leaves at start + k / rate, whatever happened to the others.
    const due = start + (k * 1000) / job.rate;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    const s = k % sessions;
    inFlight.push(
      (async () => {
        try {
          const res = await pool.request({
            method: 'GET',
            path: job.paths[s] ?? '/',
            headers: { cookie: `billow_portal=${job.tokens[s]}` },
          });
          await res.body.arrayBuffer();
          if (res.statusCode !== 200) errors++;
        } catch {
          errors++;
        }
        const latency = performance.now() - due;
        latencies.push(latency);
        if (latency > SLOW_MS) slowWindows.add(Math.floor((due - start) / WINDOW_MS));
      })(),
    );
  }
  await Promise.all(inFlight);
  const elapsed = (performance.now() - start) / 1000;
  lateness.disable();
  const used = process.cpuUsage(cpu);
  latencies.sort((a, c) => a - c);
  const at = (q: number) =>
    latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN;
  return {
    n: total,
    errors,
    p50: at(0.5),
    p99: at(0.99),
    achieved: total / elapsed,
    slow: latencies.filter((l) => l > SLOW_MS).length,
    slowWindows: slowWindows.size,
    // The histogram counts from its resolution: a loop on time reads about 5 ms.
    generatorLateMax: Math.max(0, lateness.max / 1e6 - 5),
    generatorCpuMs: (used.user + used.system) / 1000 / total,
  };
}

// As a child process: one job per message, one result back; 'close' ends it.
if (process.send && process.argv.includes('--portal-load-child')) {
  const send = process.send.bind(process);
  process.on('message', async (message: LoadJob | 'close') => {
    if (message === 'close') {
      await closePools();
      process.disconnect();
      return;
    }
    send({ result: await runPhase(message) });
  });
  send({ ready: true });
}
