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
   * ORT's CPU arena (default on). It keeps a session's peak, in power-of-two blocks, until the session
   * closes. Forward graphs (representations, teacher outputs, serving tables: one run per evaluation)
   * turn it off, so their peak is not held beside the train step's own arena between validations
   * (Toys-sized BM3: −90 to −115 MB peak RSS, same evaluation time; issue 12). Train steps and top-K
   * chunks, run many times, keep it (a train step without it is ×6 slower).
   */
  arena?: boolean;
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
      enableCpuMemArena: o.arena ?? true,
      enableProfiling: !!o.profilePrefix,
      profileFilePrefix: o.profilePrefix,
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
export type Fetched = Record<string, ort.Tensor>;

export { ort };
