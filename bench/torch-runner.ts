// Long-lived worker processes driven over JSON lines (one request line in, one answer line out), so
// a bench can interleave rounds of ours and torch's in one run: `JsonWorker` for any child (our side
// in its own node process, for a per-workload peak RSS), `TorchRunner` for a PyTorch script
// (bench/torch_*.py). Absent torch → `TorchRunner.start()` gives a null runner.
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const ENGINE_SCRIPT = fileURLToPath(new URL('./torch_engine.py', import.meta.url));
/**
 * Set on some processors because older OpenBLAS builds misbehave there; they force a slower kernel.
 * The machine notes say: for a fair comparison unset both in the benchmark's command alone, and
 * check which kernel then runs (the worker reports OpenBLAS's core name and an sgemm error check).
 */
export const OPENBLAS_VARS = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'] as const;
/** The line a bench prints when the baseline cannot run at all. */
export const TORCH_MISSING = 'skipped: python3-torch not installed (apt-get install -y python3-torch libopenblas0-pthread libopenblas0-openmp) → torch baseline na';

/**
 * glibc malloc settings for the torch child of the whole-step baselines: keep freed memory for reuse
 * instead of a fresh mmap per tensor above 32 MB (and trimming the heap). Without them every large
 * activation is page-faulted in anew each step — on this VM a torch GRCN step at the Last.fm shape
 * took ~8 s (~280k page faults) instead of ~0.8 s — a cost PyTorch's caching allocators avoid elsewhere.
 */
export const TORCH_MALLOC = { GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=4294967296:glibc.malloc.trim_threshold=4294967296' };

/** Where Debian installs OpenBLAS built on OpenMP (package libopenblas0-openmp). */
export const OPENMP_BLAS_DIRS = ['/usr/lib/x86_64-linux-gnu/openblas-openmp', '/usr/lib/aarch64-linux-gnu/openblas-openmp'];

/**
 * The OpenBLAS a torch child at `threads` threads should load, as a library directory to put first
 * on LD_LIBRARY_PATH; null to keep the system's choice. PyTorch's own threads are OpenMP's, and
 * Debian's default OpenBLAS (the pthread build) keeps a pool of its own whose threads spin after each
 * product: above one thread the two pools fight for the cores (here torch's SGFD-BM3 epochs ran
 * 2.2–2.9× slower at 2 threads than on the OpenMP build). One thread has no pool: the system's choice
 * stays, as in every earlier one-thread run.
 */
export function openmpBlasDir(threads: number, exists: (dir: string) => boolean = existsSync): string | null {
  return threads > 1 ? OPENMP_BLAS_DIRS.find((d) => exists(d)) ?? null : null;
}

/** What the bench says of torch's OpenBLAS at `threads` threads. */
export function blasNote(threads: number, dir = openmpBlasDir(threads)): string {
  if (threads <= 1) return 'OpenBLAS as the system picks it (one thread: no thread pool)';
  return dir ? `OpenBLAS's OpenMP build (${dir}), sharing torch's OpenMP threads`
    : 'WARNING: no OpenMP build of OpenBLAS (apt-get install libopenblas0-openmp): the pthread build\'s threads and torch\'s OpenMP threads oversubscribe the cores, and torch\'s times are slower than they should be';
}

export class JsonWorker {
  private readonly pending: ((line: string) => void)[] = [];
  private dead: Error | null = null;
  private stderr = '';
  protected constructor(private readonly child: ChildProcessWithoutNullStreams, readonly label: string) {
    createInterface({ input: child.stdout }).on('line', (l) => this.pending.shift()?.(l));
    child.stderr.on('data', (d: Buffer) => { this.stderr = (this.stderr + d.toString()).slice(-2000); });
    child.on('exit', (code) => {
      this.dead = new Error(`${label} worker exited (${code}): ${this.stderr.trim()}`);
      for (const f of this.pending.splice(0)) f('');
    });
  }

  static spawn(label: string, command: string, args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): JsonWorker {
    return new JsonWorker(spawn(command, args, { env: o.env ?? process.env, cwd: o.cwd, stdio: ['pipe', 'pipe', 'pipe'] }), label);
  }

  get pid(): number { return this.child.pid ?? -1; }

  async request<T>(req: Record<string, unknown>): Promise<T> {
    if (this.dead) throw this.dead;
    const line = await new Promise<string>((resolve) => {
      this.pending.push(resolve);
      this.child.stdin.write(`${JSON.stringify(req)}\n`);
    });
    if (this.dead) throw this.dead;
    const out = JSON.parse(line) as T & { error?: string };
    if (out.error) throw new Error(`${this.label} worker: ${out.error}`);
    return out;
  }

  /** The process's peak resident set (VmHWM in /proc/<pid>/status), MB; null once it has exited. */
  peakRssMb(): number | null {
    if (this.dead) return null;
    try {
      const m = /VmHWM:\s*(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Math.round(Number(m[1]) / 1024) : null;
    } catch { return null; }
  }

  async stop(): Promise<void> {
    if (this.dead) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.stdin.end(`${JSON.stringify({ cmd: 'quit' })}\n`);
    await exited;
  }
}

export class TorchRunner extends JsonWorker {
  /**
   * Starts `script` (default bench/torch_engine.py) when `import torch` works; null otherwise.
   * Unsets the OpenBLAS vars (reported as `dropped`); `threads` also pins OpenMP/OpenBLAS to that many
   * and, above one, loads OpenBLAS's OpenMP build where installed (openmpBlasDir); `env` adds
   * variables (e.g. TORCH_MALLOC).
   */
  static start(o: { script?: string; threads?: number; env?: Record<string, string> } = {}): { runner: TorchRunner | null; dropped: string[] } {
    const env: NodeJS.ProcessEnv = { ...process.env, GLIBC_TUNABLES: undefined, ...o.env }; // not ours (bench/run.ts)
    if (env.GLIBC_TUNABLES === undefined) delete env.GLIBC_TUNABLES;
    const dropped = OPENBLAS_VARS.filter((k) => env[k] !== undefined).map((k) => `${k}=${env[k]}`);
    for (const k of OPENBLAS_VARS) delete env[k];
    if (o.threads !== undefined) for (const k of ['OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS']) env[k] = String(o.threads);
    const blas = openmpBlasDir(o.threads ?? 1);
    if (blas) env.LD_LIBRARY_PATH = [blas, env.LD_LIBRARY_PATH].filter(Boolean).join(':');
    if (!torchAvailable(env)) return { runner: null, dropped };
    const child = spawn(PYTHON, [o.script ?? ENGINE_SCRIPT], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    return { runner: new TorchRunner(child, 'torch'), dropped };
  }

  /** Per-step wall times (ms) of `steps` torch train steps of `model` (bench/torch_engine.py). */
  async time(model: string, steps: number): Promise<number[]> {
    return (await this.request<{ ms: number[] }>({ cmd: 'time', model, steps })).ms;
  }
}

let probed: boolean | null = null;
/** Whether /usr/bin/python3 can import torch (probed once per process). */
export function torchAvailable(env: NodeJS.ProcessEnv = process.env): boolean {
  if (probed === null) {
    const probe = spawnSync(PYTHON, ['-c', 'import torch'], { env, stdio: 'ignore', timeout: 60_000 });
    probed = !probe.error && probe.status === 0;
  }
  return probed;
}
