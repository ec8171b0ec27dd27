// Runs a StagePlan (graph/stages.ts): a train step whose graph holds native nodes, as ONNX Runtime
// sessions with the native CSR kernels (runtime/native.ts) between them. It answers run() as one
// session would: every graph output, by name.
import { type StagePlan, type StageStep } from '../graph/index.ts';
import { type Feeds, type Fetched, type SessionOptions, createSession, ort, tensor } from './session.ts';
import { type NativeKernels, nativeKernels, nativeThreads } from './native.ts';

/** What a train step needs of the graph it runs: one ORT session, or a StagedSession. */
export interface StepSession {
  readonly inputNames: readonly string[];
  run(feeds: Feeds): Promise<Fetched>;
  endProfiling(): unknown;
  release(): Promise<void>;
}

/**
 * A session, or a native kernel with its output buffer when only later steps of the same run read it
 * (made once; null for the graph's outputs, new each run). ORT's outputs are not given buffers:
 * onnxruntime-node fills them and still returns a copy (slower: Last.fm GRCN 97–108 against 82–98 ms
 * a step).
 */
type Step =
  | { kind: 'session'; session: ort.InferenceSession; inputs: string[]; outputs: string[] }
  | (Extract<StageStep, { kind: 'native' }> & { out: Float32Array | null });

export class StagedSession implements StepSession {
  readonly inputNames: string[];
  private readonly constants: Fetched;
  private constructor(private readonly plan: StagePlan, private readonly steps: Step[], private readonly kernels: NativeKernels, private readonly threads: number) {
    this.constants = Object.fromEntries(plan.constants.map((c) => [c.name, tensor(c.data, c.dims)]));
    const made = new Set(plan.steps.flatMap((s) => (s.kind === 'native' ? [s.output] : s.outputs)));
    this.inputNames = [...new Set(plan.steps.flatMap((s) => s.inputs))].filter((n) => !made.has(n) && !this.constants[n]);
  }

  static async create(plan: StagePlan, o: SessionOptions = {}): Promise<StagedSession> {
    const { kernels, why } = nativeKernels();
    if (!kernels) throw new Error(`train step: this graph has native nodes, and the native kernels are not in use (${why}); compile it without the native option`);
    const steps: Step[] = [];
    const returned = new Set(plan.outputs);
    for (const s of plan.steps) {
      if (s.kind === 'native') {
        const size = s.call.kernel === 'rowSums' ? (s.call.csr.ptr.length - 1) * s.cols : s.call.csr.index.length;
        steps.push({ ...s, out: returned.has(s.output) ? null : new Float32Array(size) });
        continue;
      }
      const session = await createSession(s.bytes, { memPattern: false, ...o, spinning: false, profilePrefix: o.profilePrefix && `${o.profilePrefix}-${steps.length}` });
      steps.push({ kind: 'session', session, inputs: s.inputs, outputs: s.outputs });
    }
    return new StagedSession(plan, steps, kernels, nativeThreads(o.threads));
  }

  async run(feeds: Feeds): Promise<Fetched> {
    const values: Fetched = { ...this.constants, ...feeds };
    const take = (name: string) => {
      const t = values[name];
      if (!t) throw new Error(`train step: missing input '${name}'`);
      return t;
    };
    for (const s of this.steps) {
      if (s.kind === 'session') {
        const out = await s.session.run(Object.fromEntries(s.inputs.map((n) => [n, take(n)])));
        for (const n of s.outputs) values[n] = out[n];
      } else {
        values[s.output] = this.native(s, take(s.inputs[0]), take(s.inputs[1]));
      }
    }
    return Object.fromEntries(this.plan.outputs.map((n) => [n, values[n]]));
  }

  /** One native node: rowSums over [table, per-edge weights] → [owners, cols]; rowDots over [table, owner rows] → [edges]. */
  private native({ call, cols, out: reused }: Extract<Step, { kind: 'native' }>, a: ort.Tensor, b: ort.Tensor): ort.Tensor {
    const { ptr, index, order } = call.csr;
    const table = a.data as Float32Array;
    if (call.kernel === 'rowSums') {
      const out = reused ?? new Float32Array((ptr.length - 1) * cols);
      this.kernels.rowSums(table, cols, ptr, index, b.data as Float32Array, this.threads, out, null, 1, order);
      return tensor(out, [ptr.length - 1, cols]);
    }
    const out = reused ?? new Float32Array(index.length);
    this.kernels.rowDots(table, b.data as Float32Array, cols, ptr, index, this.threads, out, order);
    return tensor(out, [index.length]);
  }

  async endProfiling(): Promise<void> {
    for (const s of this.steps) if (s.kind === 'session') await s.session.endProfiling();
  }

  async release(): Promise<void> {
    for (const s of this.steps) if (s.kind === 'session') await s.session.release();
  }
}
