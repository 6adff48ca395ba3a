/**
 * The floor under every statement and every HTTP answer (docs/performance.md): a round trip
 * between two processes over loopback TCP on this machine, with no Billow code in it. A child
 * process echoes 100-byte messages; this process sends the next one when the echo arrives, and
 * reports the wall time per round trip and its own CPU per round trip (user and system: each
 * round trip is one write here and one in the child). The same child is then measured in this
 * process's own event loop (no second process to wake), the baseline for the first figure.
 *
 *   npm run bench -- loopback [--trips 20000]
 *
 * Where waking a process on another core is dear (a virtual machine whose idle cores halt), the
 * cross-process figure is many times the in-process one, and a request that makes N database
 * round trips pays it N times over.
 */
import { fork } from 'node:child_process';
import net from 'node:net';
import { arg } from './harness.js';

const trips = arg('trips', 20_000);

if (process.argv.includes('--loopback-echo')) {
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  server.listen(0, '127.0.0.1', () => {
    process.send?.((server.address() as net.AddressInfo).port);
  });
} else {
  const measure = async (port: number) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    await new Promise((resolve) => socket.once('connect', resolve));
    const message = Buffer.alloc(100);
    const started = process.hrtime.bigint();
    const cpu = process.cpuUsage();
    let done = 0;
    await new Promise<void>((resolve) => {
      socket.on('data', () => {
        done += 1;
        if (done >= trips) resolve();
        else socket.write(message);
      });
      socket.write(message);
    });
    const wall = Number(process.hrtime.bigint() - started) / 1e3 / trips;
    const used = process.cpuUsage(cpu);
    socket.destroy();
    return { wall, user: used.user / trips, system: used.system / trips };
  };
  const line = (name: string, r: { wall: number; user: number; system: number }) =>
    console.log(
      `  ${name.padEnd(26)} ${r.wall.toFixed(1).padStart(7)} µs per round trip; ` +
        `this process's CPU ${r.user.toFixed(1)} µs user, ${r.system.toFixed(1)} µs system`,
    );

  const child = fork(new URL(import.meta.url).pathname, ['--loopback-echo'], {
    execArgv: ['--import', 'tsx'],
  });
  const port = await new Promise<number>((resolve) =>
    child.once('message', (p) => resolve(Number(p))),
  );
  console.log(`loopback round trips (${trips.toLocaleString('en-US')} of 100 bytes each)`);
  line('to another process', await measure(port));
  child.kill();

  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    socket.on('data', (data) => socket.write(data));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  line('within this process', await measure((server.address() as net.AddressInfo).port));
  server.close();
}
