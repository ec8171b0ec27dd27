// Fixtures for the queue tests: a real redis-server on a free loopback port (no persistence, its
// own temporary directory, a password), `sgfd worker` processes whose output is kept, and waiting
// for a line to appear. Everything started here is stopped by the returned handles.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SGFD_BIN } from '../run-cli.ts';
import { QUEUE_NAME } from '../../src/queue/jobs.ts';

/** Why the queue tests cannot run here (no redis-server binary), or null. */
export function redisMissing(): string | null {
  const r = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? null : 'redis-server is not installed (.ci/run installs it with apt-get): queue tests skipped';
}

/** A port nothing listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface RedisHandle { port: number; password: string; url: string; stop(): Promise<void> }

export async function startRedis(): Promise<RedisHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-redis-'));
  const port = await freePort();
  const password = `pw-${randomBytes(8).toString('hex')}`;
  const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--requirepass', password], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (b: Buffer) => { log += b.toString(); });
  await waitFor(() => log.includes('Ready to accept connections'), 10_000, () => `redis-server did not start:\n${log}`);
  return {
    port, password, url: `redis://:${password}@127.0.0.1:${port}`,
    stop: async () => {
      await stopProcess(proc, 'SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface CliProcess { proc: ChildProcess; output: () => string; exited: Promise<number | null> }

/** `sgfd ARGS` in the background, stdout and stderr kept together. */
export function startSgfd(args: string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const proc = spawn(process.execPath, [SGFD_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
  let out = '';
  proc.stdout!.on('data', (b: Buffer) => { out += b.toString(); });
  proc.stderr!.on('data', (b: Buffer) => { out += b.toString(); });
  const exited = new Promise<number | null>((resolve) => proc.on('close', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

/** An `sgfd worker` (one job at a time, one thread, a short stall period), ready for jobs. */
export async function startWorker(url: string, name: string, stallSeconds = 3): Promise<CliProcess> {
  const w = startSgfd(['worker', '--queue', url, '--name', name, '--threads', '1', '--stall-seconds', String(stallSeconds)]);
  await waitFor(() => w.output().includes('waiting for jobs'), 60_000, () => `worker ${name} did not start:\n${w.output()}`);
  return w;
}

/** Sends `signal` and waits until the process is gone (SIGKILL after 10 s). */
export async function stopProcess(proc: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
  await gone;
  clearTimeout(timer);
}

export async function waitFor(ok: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Jobs waiting in the sgfd queue (read with a client of its own). */
export async function waitingJobs(port: number, password: string): Promise<number> {
  const connection = new Redis({ host: '127.0.0.1', port, password, maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection });
  try {
    const counts = await queue.getJobCounts('waiting', 'prioritized', 'delayed');
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
    connection.disconnect();
  }
}
