// A long-lived PyTorch worker (bench/torch_engine.py) driven over JSON lines, so a bench can
// interleave rounds of ours and torch's in one run. Absent torch → `TorchRunner.start()` is null.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./torch_engine.py', import.meta.url));
/**
 * Set on some processors because older OpenBLAS builds misbehave there; they force a slower kernel.
 * The machine notes say: for a fair comparison unset both in the benchmark's command alone, and
 * check which kernel then runs (the worker reports OpenBLAS's core name and an sgemm error check).
 */
export const OPENBLAS_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;

export class TorchRunner {
  private readonly pending: ((line: string) => void)[] = [];
  private dead: Error | null = null;
  private stderr = '';
  private constructor(private readonly child: ChildProcessWithoutNullStreams, lines: Interface) {
    lines.on('line', (l) => this.pending.shift()?.(l));
    child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-2000); });
    child.on('exit', (code) => {
      this.dead = new Error(`torch worker exited (${code}): ${this.stderr.trim()}`);
      for (const f of this.pending.splice(0)) f('');
    });
  }

  /** Starts the worker when `import torch` works; null otherwise. Reports the OpenBLAS vars it dropped. */
  static start(): { runner: TorchRunner | null; dropped: string[] } {
    const env = { ...process.env };
    const dropped = OPENBLAS_VARS.filter((k) => env[k] !== undefined).map((k) => `${k}=${env[k]}`);
    for (const k of OPENBLAS_VARS) delete env[k];
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { env, stdio: 'ignore', timeout: 60_000 });
    if (probe.error || probe.status !== 0) return { runner: null, dropped };
    const child = spawn(PYTHON, [SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    return { runner: new TorchRunner(child, createInterface({ input: child.stdout })), dropped };
  }

  async request<T>(req: Record<string, unknown>): Promise<T> {
    if (this.dead) throw this.dead;
    const line = await new Promise<string>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
    if (this.dead) throw this.dead;
    const out = JSON.parse(line) as T & { error?: string };
    if (out.error) throw new Error(`torch worker: ${out.error}`);
    return out;
  }

  /** Per-step wall times (ms) of `steps` torch train steps of `model`. */
  async time(model: string, steps: number): Promise<number[]> {
    return (await this.request<{ ms: number[] }>({ cmd: 'time', model, steps })).ms;
  }

  async stop(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await exited;
  }
}
