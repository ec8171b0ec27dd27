// A configuration's training graphs as files: everything `sgfd train` would compile for it — the
// fused stage-2 step exactly as the trainer compiles it, the evaluation graph, stage 1 for two-stage
// SGFD, the cold-start student — with its initial values for the seed, described by artifact.json.
import { createHash } from 'node:crypto';
import * as G from '../graph/index.ts';
import { InputBinder, initialValues, type Parameter } from '../nn/index.ts';
import { compileTrainStep } from '../nn/index.ts';
import { encodeSafetensors, stepGraphBytes, type NamedTensor } from '../runtime/index.ts';
import { readDataset } from '../data/index.ts';
import { type Dataset } from '../data/index.ts';
import { Rng } from '../data/index.ts';
import { batches } from '../data/index.ts';
import { backboneSpec, type Backbone } from '../backbones/index.ts';
import { tableName } from '../sgfd/index.ts';
import { TEACHER_STAGE_DEFAULTS } from '../sgfd/index.ts';
import { resolveSettings, type RunSettings } from '../train/index.ts';
import { type ResolvedConfig } from '../run/index.ts';
import { libraryVersion } from '../run/index.ts';
import { graphFile, initialFile, type BuiltGraph } from './graph-file.ts';
import { buildStage1, type Stage1Settings } from './stage1.ts';
import { stage1Result, type Stage1Result } from './stage1-result.ts';
import { studentFile } from './student.ts';
import { ARTIFACT_FILES, ARTIFACT_FORMAT, ARTIFACT_VERSION, axesOf, type ArtifactManifest, type IoContext } from './manifest.ts';
import { batchSource, tableSource, DEFINITIONS } from './sources.ts';

export interface ArtifactOptions {
  /**
   * Two-stage configurations: run stage 1 first (the teacher cache, trained on a miss, as `sgfd train`
   * does), so initial.safetensors holds exactly what the trainer starts stage 2 from. Default: not.
   */
  trainedTeacher?: boolean;
  /** Also write first_batch.safetensors: the batch inputs of the trainer's first step for this seed. */
  firstBatch?: boolean;
  gradNorms?: boolean;
  threads?: number;
  log?: (message: string) => void;
}

export interface ArtifactSet { files: Map<string, Uint8Array>; manifest: Omit<ArtifactManifest, 'files'>; docs: Record<string, string> }

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** SHA-256 over the dataset's content (counts, interactions, labels, features): independent of where it lives. */
export function datasetContentSha256(ds: Dataset): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ users: ds.nUsers, items: ds.nItems, labels: ds.nLabels, modalities: ds.modalities.map((m) => [m.name, m.dim]) }));
  for (const a of [ds.interactions.user, ds.interactions.item, ds.interactions.split, ds.labels ?? new Int32Array(0), ...ds.modalities.map((m) => m.data)]) h.update(bytesOf(a));
  return h.digest('hex');
}

/** The resolved settings without what varies by machine (dataset path, device, threads). */
function portableSettings(c: ResolvedConfig): Record<string, unknown> {
  const { path: _p, ...dataset } = c.dataset;
  const { device: _d, threads: _t, ...train } = c.train;
  return { ...c, dataset, train };
}

const profileOf = (c: ResolvedConfig) => c.sgfd?.profile ?? c.teacher?.profile ?? 'none';

export async function buildArtifacts(s: RunSettings, o: ArtifactOptions = {}): Promise<ArtifactSet> {
  const ds = readDataset(s.data);
  const config = resolveSettings(s, ds);
  const settings = portableSettings(config);
  const settingsSha = sha256(JSON.stringify(settings));
  const dataSha = datasetContentSha256(ds);
  const metadata: Record<string, string> = {
    'sgfd.backbone': config.backbone, 'sgfd.variant': config.variant, 'sgfd.profile': profileOf(config), 'sgfd.seed': String(config.train.seed),
    'sgfd.settings_sha256': settingsSha, 'sgfd.dataset': ds.meta.name, 'sgfd.dataset_sha256': dataSha, 'sgfd.artifact_format': String(ARTIFACT_VERSION),
  };
  const stage: Stage1Settings = { ...TEACHER_STAGE_DEFAULTS, epochs: s.teacherEpochs, seed: config.teacher_seed ?? TEACHER_STAGE_DEFAULTS.seed };
  const trained: Stage1Result | null = config.teacher && o.trainedTeacher ? await stage1Result(ds, config, s.data, stage, o) : null;
  const sgfd = config.sgfd && trained?.decision?.uninformative.length ? { ...config.sgfd, distilled: trained.decision.distilled } : config.sgfd;
  const extractor = config.extractor === 'sgfd' ? undefined : config.extractor;
  const backbone = backboneSpec(config.backbone).create(ds, config.backbone_config, sgfd, trained?.features ?? null, extractor);
  const params = backbone.model.namedParameters();
  // The trainer's start: initial values from the run seed, then stage 1's values on the `…sgfd.` parameters.
  const rng = new Rng(config.train.seed);
  const values = initialValues(params, rng);
  for (const name of params.keys()) {
    const at = name.indexOf('sgfd.');
    const v = at >= 0 ? trained?.parameters.get(name.slice(at)) : undefined;
    if (v) values.set(name, v);
  }
  const compiled = compileTrainStep(params, (b) => backbone.buildLoss(b), backbone.optimizer, { gradNorms: o.gradNorms });
  const modalities = ds.modalities.map((m) => m.name);
  const data = (name: string) => {
    const t = tableSource(name, modalities);
    return t ? { role: 'table' as const, ...t } : { role: 'batch' as const, ...batchSource(config.backbone, config.backbone_config, ds.nUsers, name) };
  };
  const names = new Set(params.keys());
  const what = `${config.backbone} (${config.variant}${config.sgfd || config.teacher ? `, ${profileOf(config)} profile` : ''})`;
  const step = graphFile(ARTIFACT_FILES.trainStep, 'train_step',
    `One fused training step of ${what}, exactly as sgfd train runs it: forward, loss, backward and the ${backbone.optimizer.type} update in one graph. `
    + 'Feed every input (artifact.json says what each holds); outputs are the loss, its terms and `<input>.next` for every updated parameter and optimiser state.',
    stepGraphBytes(compiled), { step: true, trainable: new Set(compiled.trainable), params: names, state: new Set(compiled.state.map((x) => x.name)), derived: compiled.derived, data }, metadata);
  step.entry.initial = ARTIFACT_FILES.initial;
  step.entry.optimizer = { ...backbone.optimizer };
  step.entry.batching = { rows: backbone.trainRows, batch_size: backbone.batchSize, steps_per_epoch: Math.ceil(backbone.trainRows / backbone.batchSize), epochs: config.train.epochs };
  const evalGraph = evalFile(backbone, params, data, metadata, what);
  const graphs: BuiltGraph[] = [step, evalGraph];
  const files = new Map<string, Uint8Array>();
  const stage2Params = [...step.entry.inputs, ...evalGraph.entry.inputs].filter((t) => names.has(t.name)).map((t) => t.name);
  files.set(ARTIFACT_FILES.initial, initialFile([step.entry, evalGraph.entry], values, `stage 2 (${what}), seed ${config.train.seed}${trained ? ', stage 1 applied' : ''}`));
  let stage1 = null;
  if (config.teacher) {
    const st = buildStage1(ds, config.teacher, stage, stage2Params, !!trained, metadata);
    graphs.unshift(st.step, st.features);
    files.set(ARTIFACT_FILES.teacherInitial, st.initial);
    stage1 = { ...st.entry, ...(trained?.decision ? { distillation: trained.decision } : {}) };
    if (trained) files.set(ARTIFACT_FILES.teacherFeatureTables, featureTables(ds, trained.features));
  }
  const student = studentFile(config, ds, backbone, values, trained, metadata);
  if ('graph' in student) graphs.push(student.graph);
  for (const g of graphs) files.set(g.entry.file, g.bytes);
  if (o.firstBatch) {
    const rows = batches(backbone.trainRows, backbone.batchSize, rng).next().value as Int32Array;
    const feeds = backbone.batchFeeds(rows, rng);
    files.set(ARTIFACT_FILES.firstBatch, encodeSafetensors(new Map(Object.entries(feeds).map(([k, t]) => [k, { data: t.data, shape: t.dims } as NamedTensor])), { content: `the batch inputs of sgfd train's first step, seed ${config.train.seed}` }));
  }
  const manifest: Omit<ArtifactManifest, 'files'> = {
    format: ARTIFACT_FORMAT, format_version: ARTIFACT_VERSION,
    producer: { name: 'sgfd', version: libraryVersion(), onnx_ir_version: G.IR_VERSION, onnx_opset: G.OPSET, checked_with: '' },
    settings, settings_sha256: settingsSha,
    dataset: { name: ds.meta.name, synthetic: ds.meta.synthetic, source: ds.meta.source, notes: ds.meta.notes, users: ds.nUsers, items: ds.nItems, train_interactions: backbone.trainRows, labels: ds.nLabels, modalities: Object.fromEntries(ds.modalities.map((m) => [m.name, m.dim])), content_sha256: dataSha },
    procedure: procedure(!!config.teacher, !!trained, 'graph' in student),
    stage1,
    graphs: graphs.map((g) => g.entry),
    axes: axesOf(graphs.map((g) => g.entry)),
    definitions: DEFINITIONS,
    ...('reason' in student ? { omitted: { [ARTIFACT_FILES.student]: student.reason } } : {}),
  };
  return { files, manifest, docs: fileDocs(!!config.teacher) };
}

/** eval.onnx: the backbone's representations (dot-product models) or per-user scores (pairwise models), parameters as inputs. */
function evalFile(backbone: Backbone, params: Map<string, Parameter>, data: IoContext['data'], metadata: Record<string, string>, what: string): BuiltGraph {
  const g = new G.Graph('eval');
  const b = new InputBinder(g);
  let doc: string;
  const outputDocs: Record<string, string> = {};
  if (backbone.buildScoring) {
    const { users, items } = g.moduleScope('eval', () => backbone.buildScoring!(b));
    g.output(users, 'users');
    g.output(items, 'items');
    doc = `Evaluation of ${what}: the final user and item representations; score(u, i) = users[u] · items[i] (what sgfd ranks all items by).`;
    Object.assign(outputDocs, { users: 'final representation of every user, row u = user u', items: 'final representation of every item, row i = item i' });
  } else {
    const ids = g.input('eval.users', 'int64', ['batch']);
    g.output(g.moduleScope('eval', () => backbone.buildUserScores!(b, ids)), 'scores');
    doc = `Evaluation of ${what}: the score of every item for each user in eval.users (higher = better; what sgfd ranks all items by).`;
    outputDocs.scores = 'scores [users, items], row k = user eval.users[k]';
  }
  const evalData: IoContext['data'] = (name) => (name === 'eval.users' ? { role: 'batch', doc: 'dense ids of the users to score' } : data(name));
  return graphFile(ARTIFACT_FILES.eval, 'eval', doc, G.serialize(g), { step: false, trainable: new Set(), params: new Set(params.keys()), state: new Set(), derived: g.derived, data: evalData, outputDocs }, metadata);
}

/** Stage 1's feature tables under stage 2's input names. */
function featureTables(ds: Dataset, features: Float32Array[]): Uint8Array {
  const dim = features[0].length / ds.nItems;
  return encodeSafetensors(new Map(ds.modalities.map((m, i) => [tableName.teacher(m.name), { data: features[i], shape: [ds.nItems, dim] }])), { content: 'stage 1\'s teacher features of every item' });
}

function procedure(twoStage: boolean, applied: boolean, student: boolean): string[] {
  const steps: string[] = [];
  if (twoStage && !applied) {
    steps.push('stage 1: start from teacher_initial.safetensors; run teacher_step.onnx for stage1.epochs epochs of batches of stage-1 items, feeding its `.next` outputs back (feedback)');
    steps.push('stage 1 → 2: run teacher_features.onnx with stage 1\'s parameters to get the teacher_features.* tables; copy each stage1.handoff parameter into the stage-2 values');
  }
  if (twoStage && applied) steps.push('stage 1 is applied: initial.safetensors holds its trained values and teacher_features.safetensors its feature tables (teacher_step.onnx and teacher_initial.safetensors show how they were made)');
  steps.push('stage 2: start from initial.safetensors; run train_step.onnx on batches (definitions.batches), feeding its `.next` outputs back (feedback)');
  steps.push('evaluate: run eval.onnx with the current parameters');
  if (student) steps.push('cold start: student.onnx maps a new item\'s raw features to its item row (its parameters are baked in: the initial values; sgfd export writes a trained one)');
  return steps;
}

function fileDocs(twoStage: boolean): Record<string, string> {
  const docs: Record<string, string> = {
    [ARTIFACT_FILES.trainStep]: 'the fused training step (stage 2, or the only stage)',
    [ARTIFACT_FILES.eval]: 'the evaluation graph: representations or per-user scores',
    [ARTIFACT_FILES.initial]: 'initial parameters and optimiser state of train_step.onnx (and eval.onnx) for the seed',
    [ARTIFACT_FILES.firstBatch]: 'the batch inputs of sgfd train\'s first step (derived inputs excluded)',
  };
  if (twoStage) {
    Object.assign(docs, {
      [ARTIFACT_FILES.teacherStep]: 'stage 1: the teacher\'s fused training step on item labels',
      [ARTIFACT_FILES.teacherFeatures]: 'stage 1 → 2: the trained teacher\'s feature tables',
      [ARTIFACT_FILES.teacherInitial]: 'initial parameters and optimiser state of teacher_step.onnx for the teacher seed',
      [ARTIFACT_FILES.teacherFeatureTables]: 'stage 1\'s feature tables (teacher_features.*), when stage 1 is applied',
    });
  }
  docs[ARTIFACT_FILES.student] = 'cold start: raw item features → item row, as sgfd export writes it (initial parameters baked in)';
  return docs;
}
