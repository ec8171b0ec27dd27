// A Triton Inference Server model repository for a serving fleet: one directory per model with
// config.pbtxt (ONNX Runtime backend, dynamic batching) and 1/model.onnx. Triton batches every
// input along a leading batch axis it adds itself, so the models placed here take only per-request
// tensors: the student (features → item_embedding) and a scorer with the item matrix and k baked
// in (a snapshot: re-export after adding items).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type TensorSignature } from '../model/index.ts';

const TRITON_TYPE: Record<string, string> = { float32: 'TYPE_FP32', int64: 'TYPE_INT64', int32: 'TYPE_INT32' };

export const TRITON_MAX_BATCH = 256;
export const TRITON_QUEUE_DELAY_US = 500;

export interface TritonModel { name: string; onnx: Uint8Array; inputs: TensorSignature[]; outputs: TensorSignature[] }

/** config.pbtxt text: the signature without its batch axis, which Triton adds. */
export function tritonConfig(m: TritonModel): string {
  const tensor = (t: TensorSignature) => {
    if (t.shape[0] !== 'batch') throw new Error(`triton: ${m.name}.${t.name} must lead with the batch axis, got [${t.shape.join(', ')}]`);
    const dims = t.shape.slice(1);
    if (dims.some((d) => typeof d !== 'number')) throw new Error(`triton: ${m.name}.${t.name} has a symbolic non-batch axis [${t.shape.join(', ')}]`);
    const type = TRITON_TYPE[t.dtype];
    if (!type) throw new Error(`triton: ${m.name}.${t.name}: dtype ${t.dtype} has no Triton type here`);
    return `  {\n    name: "${t.name}"\n    data_type: ${type}\n    dims: [ ${dims.join(', ')} ]\n  }`;
  };
  return [
    `name: "${m.name}"`,
    'backend: "onnxruntime"',
    `max_batch_size: ${TRITON_MAX_BATCH}`,
    `input [\n${m.inputs.map(tensor).join(',\n')}\n]`,
    `output [\n${m.outputs.map(tensor).join(',\n')}\n]`,
    `dynamic_batching {\n  max_queue_delay_microseconds: ${TRITON_QUEUE_DELAY_US}\n}`,
    '',
  ].join('\n');
}

/** Writes `<root>/<name>/config.pbtxt` and `<root>/<name>/1/model.onnx` per model; returns the paths. */
export function writeTritonRepository(root: string, models: TritonModel[]): string[] {
  const written: string[] = [];
  for (const m of models) {
    const config = tritonConfig(m);
    mkdirSync(join(root, m.name, '1'), { recursive: true });
    writeFileSync(join(root, m.name, 'config.pbtxt'), config);
    writeFileSync(join(root, m.name, '1', 'model.onnx'), m.onnx);
    written.push(join(m.name, 'config.pbtxt'), join(m.name, '1', 'model.onnx'));
  }
  return written;
}
