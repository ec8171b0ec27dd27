// ONNX Runtime sessions: execution-provider choice, thread settings, typed feeds and fetches.
import ort from 'onnxruntime-node';
import { type TypedArray, type DType, dtypeOfArray } from '../graph/index.ts';

export type Device = 'cpu' | 'cuda';

export interface SessionOptions {
  device?: Device;
  /** Intra-op threads (default: 2, this project's reference machine; 0 lets ORT decide). */
  threads?: number;
  /** Write ORT's JSON profile with this file prefix. */
  profilePrefix?: string;
  /**
   * ORT's memory pattern (pre-planned activation blocks, default on). Train steps turn it off: their
   * shapes change from batch to batch (distinct items, index plans), so ORT keeps a plan per shape
   * set; off, peak RSS drops by 90–200 MB on Last.fm/Office-sized BM3 at the same speed (issue 12).
   */
  memPattern?: boolean;
  /**
   * ORT's CPU arena. It keeps a session's peak, in power-of-two blocks, until the session closes.
   * Default: off under this project's malloc settings (`mallocTuned`), else on. Forward graphs
   * (representations, teacher outputs, serving tables: one run per evaluation) always turn it off, so
   * their peak is not held beside the train step's between validations (Toys-sized BM3: −90 to −115 MB
   * peak RSS at the same speed). A train step without the arena under glibc's default malloc is ×6
   * slower (fresh pages for every large tensor); under the tuned malloc it runs at the arena's speed
   * with 94–160 MB less peak RSS on a Toys-sized BM3 epoch (six interleaved rounds; issue 12).
   */
  arena?: boolean;
  /**
   * Whether ORT's intra-op workers spin between the kernels of a run (ORT's default: yes). Every
   * session has its own workers; where several sessions take turns (a staged train step) spinning
   * workers of the idle ones take the cores from the one running: Office GRCN at 2 threads ran
   * 313 ms a step spinning against 201 for the fused step (≈ 20 sessions).
   */
  spinning?: boolean;
}

/**
 * How a session that ranks users in chunks allocates (validation, batch scoring, serving). Its input
 * shapes change from chunk to chunk (users, excluded pairs, candidates fetched), so ORT's memory
 * pattern would plan each chunk anew; with it, and without ORT's arena under `bin/sgfd`'s malloc, a
 * MAML validation on Last.fm 2K peaked at 2.1 GB, and each later one of a training run added
 * 0.4–1.2 GB (5 GB after seven). Without the pattern and with the arena: 430–450 MB, as fast.
 */
export const RANKING_SESSION: SessionOptions = { memPattern: false, arena: true };

/**
 * glibc malloc settings that let ORT run without its arena (bin/sgfd sets them; they must be in the
 * environment when the process starts): one malloc arena for every thread, no mmap for large blocks,
 * freed memory kept for reuse — so a step's large tensors reuse the same pages instead of fresh ones.
 */
export const TUNED_MALLOC = ['glibc.malloc.arena_max=1', 'glibc.malloc.mmap_max=0', 'glibc.malloc.trim_threshold=4294967296'];

/** Whether this process runs on glibc (musl and other platforms ignore GLIBC_TUNABLES). */
export const onGlibc = (() => {
  let known: boolean | undefined;
  return () => (known ??= process.platform === 'linux'
    && !!(process.report.getReport() as { header?: { glibcVersionRuntime?: string } }).header?.glibcVersionRuntime);
})();

/** Whether this process started on glibc with every one of `TUNED_MALLOC` in GLIBC_TUNABLES. */
export function mallocTuned(env: NodeJS.ProcessEnv = process.env): boolean {
  const set = new Set((env.GLIBC_TUNABLES ?? '').split(':'));
  return TUNED_MALLOC.every((t) => set.has(t)) && onGlibc();
}

export class DeviceError extends Error {}

const CUDA_HELP = 'the CUDA execution provider is not installed in onnxruntime-node; on a machine with '
  + 'CUDA 12 and cuDNN 9 run `npm install onnxruntime-node --onnxruntime-node-install=cuda12` '
  + '(this project\'s .npmrc skips that download), or use --device cpu';

/** Throws a DeviceError saying how to install the provider when `device` is unavailable. */
export function checkDevice(device: Device, backends = ort.listSupportedBackends()): void {
  if (device === 'cpu') return;
  if (device !== 'cuda') throw new DeviceError(`unknown device '${device}': use cpu or cuda`);
  const cuda = backends.find((b) => b.name === 'cuda');
  if (!cuda || !cuda.bundled) throw new DeviceError(`--device cuda: ${CUDA_HELP}`);
}

export async function createSession(model: Uint8Array, o: SessionOptions = {}): Promise<ort.InferenceSession> {
  const device = o.device ?? 'cpu';
  checkDevice(device);
  try {
    return await ort.InferenceSession.create(model, {
      executionProviders: [device],
      intraOpNumThreads: o.threads ?? 2,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      enableMemPattern: o.memPattern ?? true,
      enableCpuMemArena: o.arena ?? !mallocTuned(),
      enableProfiling: !!o.profilePrefix,
      profileFilePrefix: o.profilePrefix,
      ...(o.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (e) {
    if (device === 'cuda') throw new DeviceError(`--device cuda: ORT could not start the CUDA provider (${(e as Error).message.split('\n')[0]}); ${CUDA_HELP}`);
    throw e;
  }
}

const ORT_TYPE: Record<DType, ort.Tensor.Type> = {
  float32: 'float32', float64: 'float64', int64: 'int64', int32: 'int32', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

/** Wraps a typed array as an ORT tensor without copying. */
export function tensor(data: TypedArray, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(ORT_TYPE[dtypeOfArray(data)], data as never, dims);
}

export type Feeds = Record<string, ort.Tensor>;

/** The feeds a session takes, by its input names (a missing one is an error naming it). */
export function feedsOf(session: { readonly inputNames: readonly string[] }, feeds: Feeds): Feeds {
  return Object.fromEntries(session.inputNames.map((n) => {
    if (!feeds[n]) throw new Error(`train step: missing batch input '${n}'`);
    return [n, feeds[n]];
  }));
}
export type Fetched = Record<string, ort.Tensor>;

export { ort };
