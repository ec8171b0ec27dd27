// artifact.json: what a directory of ONNX training artifacts holds — every graph's inputs and outputs
// with dtype, shape (symbolic axes named), role and how to build it, the output → input feedback of
// a step, the stages in order, provenance, and the size and SHA-256 of every file.
import { type DecodedModel } from '../graph/index.ts';
import { STEP_INPUT, LR_INPUT, nextName } from '../runtime/index.ts';
import { type DerivedInput } from '../graph/index.ts';
import { type InputSource, planSource, type DEFINITIONS } from './sources.ts';

export const ARTIFACT_FORMAT = 'sgfd-training-artifact';
export const ARTIFACT_VERSION = 1;
export const MANIFEST_FILE = 'artifact.json';

/** Every file an artifact directory may hold (which exist depends on the configuration). */
export const ARTIFACT_FILES = {
  trainStep: 'train_step.onnx',
  eval: 'eval.onnx',
  teacherStep: 'teacher_step.onnx',
  teacherFeatures: 'teacher_features.onnx',
  student: 'student.onnx',
  initial: 'initial.safetensors',
  teacherInitial: 'teacher_initial.safetensors',
  teacherFeatureTables: 'teacher_features.safetensors',
  firstBatch: 'first_batch.safetensors',
} as const;

export type InputRole = 'batch' | 'table' | 'derived' | 'parameter' | 'frozen_parameter' | 'optimizer_state' | 'step' | 'lr';
export type OutputRole = 'loss' | 'loss_term' | 'updated_parameter' | 'updated_optimizer_state' | 'diagnostic' | 'output';

export interface TensorEntry {
  name: string;
  dtype: string;
  shape: (number | string)[];
  role: InputRole | OutputRole;
  doc: string;
  source?: InputSource;
}

export type GraphKind = 'train_step' | 'eval' | 'teacher_step' | 'teacher_features' | 'student';

export interface GraphEntry {
  file: string;
  kind: GraphKind;
  doc: string;
  inputs: TensorEntry[];
  outputs: TensorEntry[];
  /** Steps: output → the input it is fed back as at the next step (updated parameters and optimiser state). */
  feedback?: Record<string, string>;
  /** The safetensors file holding the initial value of every parameter and optimiser-state input. */
  initial?: string;
  /** Steps: the optimiser the graph has inside (lr is fed as optim.lr). */
  optimizer?: Record<string, unknown>;
  /** Steps: how batches are drawn (definitions.batches), and the epoch budget of `sgfd train`. */
  batching?: { rows: number; batch_size: number; steps_per_epoch: number; epochs: number };
}

export interface Stage1Entry {
  epochs: number; batch_size: number; lr: number; weight_decay: number; seed: number;
  /** Labelled items held out to measure accuracy: never in a stage-1 batch. */
  held_out_items: number[];
  train_items: number;
  /** True when the stage-2 files already hold stage 1's result (trained teacher, its feature tables). */
  applied: boolean;
  /** Stage-1 parameter → the frozen stage-2 parameter that takes its trained value. */
  handoff: Record<string, string>;
  note: string;
}

export interface ArtifactManifest {
  format: typeof ARTIFACT_FORMAT;
  format_version: typeof ARTIFACT_VERSION;
  producer: { name: 'sgfd'; version: string; onnx_ir_version: number; onnx_opset: number; checked_with: string };
  settings: Record<string, unknown>;
  settings_sha256: string;
  dataset: Record<string, unknown>;
  /** The order a consumer runs things in (stage 1, then stage 2). */
  procedure: string[];
  stage1: Stage1Entry | null;
  graphs: GraphEntry[];
  axes: Record<string, string>;
  definitions: typeof DEFINITIONS;
  files: Record<string, { bytes: number; sha256: string; doc: string }>;
  /** Files this configuration has no version of, and why (e.g. student.onnx of an ID-only backbone). */
  omitted?: Record<string, string>;
}

/** What classifies a graph's inputs and outputs. */
export interface IoContext {
  /** A training step (parameters are updated and fed back), or a forward graph. */
  step: boolean;
  trainable: Set<string>;
  params: Set<string>;
  state: Set<string>;
  derived: DerivedInput[];
  /** Batch and table inputs (everything that is not a parameter, state, step, lr or derived). */
  data: (name: string) => { role: 'batch' | 'table'; doc: string; source?: InputSource };
  /** Docs of plain outputs (eval, features, student). */
  outputDocs?: Record<string, string>;
}

function inputEntry(v: DecodedModel['inputs'][number], c: IoContext): TensorEntry {
  const base = { name: v.name, dtype: v.dtype, shape: v.shape };
  if (v.name === STEP_INPUT) return { ...base, role: 'step', doc: 'the 1-based number of this step (Adam\'s t), float32 scalar' };
  if (v.name === LR_INPUT) return { ...base, role: 'lr', doc: 'learning rate of this step, float32 scalar' };
  if (c.state.has(v.name)) return { ...base, role: 'optimizer_state', doc: `optimiser state; starts at zero; fed back from '${nextName(v.name)}'` };
  if (c.params.has(v.name) && !c.step) return { ...base, role: 'parameter', doc: 'parameter: its current value (the initial values, or what a training step fed back)' };
  if (c.trainable.has(v.name)) return { ...base, role: 'parameter', doc: `trainable parameter; fed back from '${nextName(v.name)}'` };
  if (c.params.has(v.name)) return { ...base, role: 'frozen_parameter', doc: 'parameter read but not updated by this step' };
  const d = c.derived.find((x) => x.name === v.name);
  if (d) {
    const p = planSource(d.source, d.part, d.numRows);
    return { ...base, role: 'derived', doc: p.doc, source: p.source };
  }
  const doc = c.data(v.name);
  return { ...base, role: doc.role, doc: doc.doc, source: doc.source };
}

function outputEntry(v: DecodedModel['outputs'][number], c: IoContext, inputs: Set<string>): TensorEntry {
  const base = { name: v.name, dtype: v.dtype, shape: v.shape };
  if (v.name === 'loss') return { ...base, role: 'loss', doc: 'the objective minimised by this step (before the update)' };
  if (v.name.startsWith('loss.')) return { ...base, role: 'loss_term', doc: `loss term '${v.name.slice(5)}' (reported, part of loss)` };
  if (v.name.startsWith('gradnorm.')) return { ...base, role: 'diagnostic', doc: 'L2 norm of a loss term\'s gradient over a parameter group (gradnorm.<term>.<group>)' };
  const next = v.name.endsWith('.next') ? v.name.slice(0, -'.next'.length) : null;
  if (next && inputs.has(next)) {
    return c.state.has(next)
      ? { ...base, role: 'updated_optimizer_state', doc: `'${next}' after this step: feed it back as '${next}'` }
      : { ...base, role: 'updated_parameter', doc: `'${next}' after this step: feed it back as '${next}'` };
  }
  return { ...base, role: 'output', doc: c.outputDocs?.[v.name] ?? '' };
}

/** The manifest entry of one graph from its decoded signature. */
export function graphEntry(file: string, kind: GraphKind, doc: string, sig: DecodedModel, c: IoContext): GraphEntry {
  const inputs = sig.inputs.map((v) => inputEntry(v, c));
  const names = new Set(inputs.map((v) => v.name));
  const outputs = sig.outputs.map((v) => outputEntry(v, c, names));
  const feedback = Object.fromEntries(outputs.filter((o) => o.role === 'updated_parameter' || o.role === 'updated_optimizer_state').map((o) => [o.name, o.name.slice(0, -'.next'.length)]));
  return { file, kind, doc, inputs, outputs, ...(Object.keys(feedback).length ? { feedback } : {}) };
}

/** One line per symbolic axis found in the graphs. */
export function axesOf(graphs: GraphEntry[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const g of graphs) {
    for (const t of [...g.inputs, ...g.outputs]) {
      for (const d of t.shape) {
        if (typeof d !== 'string' || out[d]) continue;
        if (d === 'batch' || d === 'B') out[d] = 'rows of the step\'s batch (any size ≥ 1; batching.batch_size in training)';
        else if (d.endsWith('.unique')) out[d] = `number of distinct values in input '${d.slice(0, -'.unique'.length)}'`;
        else if (d.endsWith('.numel')) out[d] = `number of elements of input '${d.slice(0, -'.numel'.length)}'`;
        else out[d] = 'free dimension';
      }
    }
  }
  return out;
}

/** ONNX doc strings for a graph's inputs and outputs, from its manifest entry. */
export function docsOf(g: GraphEntry): Record<string, string> {
  const docs: Record<string, string> = {};
  for (const t of [...g.inputs, ...g.outputs]) docs[t.name] = `[${t.role}] ${t.doc}`;
  return docs;
}
