// sgfd graphs for bm3, grcn and maml, vanilla and SGFD, both profiles: every graph loads in ONNX
// Runtime with graph optimisations off and on; the manifest describes every input; and for a few
// configurations a batch built by a plain consumer from the manifest alone gives the same step as
// sgfd's own TrainStep on that batch, from the seed's initial values.
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { writeDataset, readDataset } from '../../src/data/arrow-io.ts';
import { Rng } from '../../src/data/rng.ts';
import { initialValues } from '../../src/nn/index.ts';
import { decodeModel } from '../../src/graph/index.ts';
import { ModelProto } from '../../src/graph/onnx-schema.ts';
import { backboneSpec } from '../../src/backbones/index.ts';
import { TrainStep } from '../../src/runtime/train-step.ts';
import { compileTrainStep } from '../../src/nn/train-step-graph.ts';
import { resolveSettings } from '../../src/train/run.ts';
import { artifactSettings, type GraphChoices } from '../../src/artifacts/settings.ts';
import { writeArtifacts } from '../../src/artifacts/write.ts';
import { readManifest, graphOf, readSafetensors, readArrowDataset, feedsFor, batchFromManifest, prng, session, type Tensor } from './plain-ort.ts';
import { TINY, maxScaledDiff } from './fixtures.ts';

const root = mkdtempSync(join(tmpdir(), 'sgfd-artifact-configs-'));
const data = join(root, 'data');
test.after(() => rmSync(root, { recursive: true, force: true }));

const SMALL = { embedding_dim: '8' };
const CONFIGS: (Omit<GraphChoices, 'data'> & { name: string; step?: boolean })[] = [
  { name: 'bm3-vanilla', backbone: 'bm3', set: SMALL, step: true },
  { name: 'bm3-sgfd-paper', backbone: 'bm3', sgfd: true, profile: 'paper', set: SMALL },
  { name: 'bm3-sgfd-reference', backbone: 'bm3', sgfd: true, profile: 'reference', set: SMALL },
  { name: 'grcn-vanilla', backbone: 'grcn', set: SMALL },
  { name: 'grcn-sgfd-paper', backbone: 'grcn', sgfd: true, profile: 'paper', set: SMALL, step: true },
  { name: 'grcn-sgfd-reference', backbone: 'grcn', sgfd: true, profile: 'reference', set: SMALL },
  { name: 'maml-vanilla', backbone: 'maml', set: SMALL },
  { name: 'maml-sgfd-paper', backbone: 'maml', sgfd: true, profile: 'paper', set: SMALL },
  { name: 'maml-sgfd-reference', backbone: 'maml', sgfd: true, profile: 'reference', set: SMALL, step: true },
];

const EXPECTED_FILES = (twoStage: boolean) => ['artifact.json', 'eval.onnx', 'initial.safetensors', 'student.onnx', 'train_step.onnx',
  ...(twoStage ? ['teacher_features.onnx', 'teacher_initial.safetensors', 'teacher_step.onnx'] : [])].sort();

for (const c of CONFIGS) {
  test(`sgfd graphs ${c.name}: loadable artifacts${c.step ? '; a manifest-built batch steps like sgfd\'s TrainStep' : ''}`, async () => {
    if (!existsSync(data)) await writeDataset(data, generateSynthetic(TINY));
    const dir = join(root, c.name);
    const settings = artifactSettings({ ...c, data, defaults: 'plain', threads: 1 });
    const m = await writeArtifacts(dir, settings, { threads: 1 });
    const twoStage = c.profile === 'paper';
    assert.deepEqual([...Object.keys(m.files), 'artifact.json'].sort(), EXPECTED_FILES(twoStage));
    for (const g of m.graphs) {
      for (const e of g.inputs) {
        if (e.role === 'batch' || e.role === 'table' || e.role === 'derived') assert.ok(e.source || g.kind === 'student' || g.kind === 'eval', `${g.file}: ${e.name} has a source`);
        assert.ok(e.doc, `${g.file}: ${e.name} has a doc`);
      }
      const raw = readFileSync(join(dir, g.file));
      const info = decodeModel(raw);
      assert.equal(info.metadata['sgfd.backbone'], c.backbone);
      assert.equal(info.metadata['sgfd.graph'], g.kind);
      assert.equal(info.metadata['sgfd.profile'], c.sgfd ? c.profile : 'none');
      const names = (ModelProto.decode(raw) as unknown as { graph: { node: { name: string }[] } }).graph.node.map((n) => n.name);
      assert.deepEqual(names.filter((n) => !/^[\w.]+(\/[\w.]+)*\/\w+$/.test(n)), [], `${g.file}: every node is named <module scope>/<op>`);
      assert.equal(new Set(names).size, names.length, `${g.file}: node names are unique`);
      for (const level of ['disabled', 'all'] as const) await (await session(join(dir, g.file), level)).release();
    }
    const step = graphOf(readManifest(dir), 'train_step.onnx');
    assert.deepEqual(Object.values(step.feedback!).filter((n) => !n.startsWith('optim.')).sort(),
      step.inputs.filter((e) => e.role === 'parameter').map((e) => e.name).sort(), 'every trainable parameter is fed back');
    if (c.step) await sameStep(dir, settings);
  });
}

/** A plain consumer's step on a batch it built from the manifest = sgfd's TrainStep on that batch. */
async function sameStep(dir: string, settings: ReturnType<typeof artifactSettings>) {
  const m = readManifest(dir);
  const g = graphOf(m, 'train_step.onnx');
  const ads = readArrowDataset(data, m);
  const values = readSafetensors(join(dir, g.initial!));
  const rows = Array.from({ length: 24 }, (_, r) => (r * 7) % ads.trainUsers.length);
  const batch = batchFromManifest(g, ads, rows, prng(3));
  let teacher: Map<string, Tensor> | undefined;
  if (m.stage1) {
    // Stage 1 not applied: the consumer computes the tables with teacher_features.onnx itself.
    const f = graphOf(m, 'teacher_features.onnx');
    const s = await session(join(dir, f.file));
    const out = await s.run(feedsFor(f, ads, {}, readSafetensors(join(dir, 'teacher_initial.safetensors')), 1));
    await s.release();
    teacher = new Map(f.outputs.map((o) => [o.name, { data: out[o.name].data as Float32Array, dims: out[o.name].dims as number[] }]));
  }
  const s = await session(join(dir, g.file));
  const plain = await s.run(feedsFor(g, ads, batch, values, 1, teacher));
  await s.release();

  // sgfd's side: the trainer's construction, initial values from the seed.
  const ds = readDataset(data);
  const config = resolveSettings(settings, ds);
  const cache = teacher ? ds.modalities.map((md) => teacher!.get(`teacher_features.${md.name}`)!.data as Float32Array) : null;
  const backbone = backboneSpec(config.backbone).create(ds, config.backbone_config, config.sgfd, cache);
  const params = backbone.model.namedParameters();
  const init = initialValues(params, new Rng(config.train.seed));
  for (const [name, t] of values) if (!name.startsWith('optim.')) assert.deepEqual(t.data, init.get(name), `initial.safetensors ${name} = the seed's initial value`);
  const ts = await TrainStep.create(compileTrainStep(params, (b) => backbone.buildLoss(b), backbone.optimizer), init, backbone.optimizer, { threads: 1 });
  ts.setFixedInputs(backbone.fixedFeeds());
  const terms = await ts.run(batch);
  for (const t of g.outputs.filter((o) => o.role === 'loss' || o.role === 'loss_term')) {
    const got = (plain[t.name].data as Float32Array)[0];
    assert.ok(Math.abs(got - terms[t.name]) <= 1e-5 * Math.max(1, Math.abs(got)), `${t.name}: plain ${got}, sgfd ${terms[t.name]}`);
  }
  const after = ts.checkpointTensors();
  for (const [output, input] of Object.entries(g.feedback!)) {
    const diff = maxScaledDiff(plain[output].data as Float32Array, after.get(input)!.data as Float32Array);
    assert.ok(diff <= 1e-5, `${output}: ${diff}`);
  }
  await ts.release();
}
