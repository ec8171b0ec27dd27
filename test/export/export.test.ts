// Export: the model directory's files, scores reproduced from the exported files alone, the
// cold-start student against a hand-written JS reference per backbone (and through the kept
// stage-1 teacher of a teacher-* run), ONNX metadata round-trips through our decoder, the Triton
// layout, and the one-line refusals (nothing written). Pairwise backbones: pairwise.test.ts.
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { decodeModel } from '../../src/graph/index.ts';
import { createSession, tensor } from '../../src/runtime/session.ts';
import { exportModel } from '../../src/export/export.ts';
import { readModelCard } from '../../src/model/model-card.ts';
import { readEmbeddings, MODEL_FILES } from '../../src/model/embeddings-arrow.ts';
import { ScorerSession } from '../../src/model/scorer-session.ts';
import { runEmbeddings } from '../../src/score/run-source.ts';
import { configSha256 } from '../../src/run/provenance.ts';
import { loadRun, type LoadedRun } from '../../src/run/load-run.ts';
import { readTeacherFeatures, TEACHER_FILES } from '../../src/run/teacher-files.ts';
import { tempDir, writeFixtureData, trainFixtureRun, bruteTopK, dot, assertRanking, itemName, linear, assertClose, runStudent } from '../run/fixtures.ts';

const l2 = (v: number[]) => { const n = Math.hypot(...v); return v.map((x) => x / Math.max(n, 1e-12)); };
/** SGFD student feature of modality m for item i: L2(LeakyReLU(x W + b)). */
function studentFeature(run: LoadedRun, m: number, i: number): number[] {
  const mod = run.ds.modalities[m];
  const p = (s: string) => run.values.get(`extractor.sgfd.student.extractors.${m}.${s}`)!;
  return l2(linear(mod.data.subarray(i * mod.dim, (i + 1) * mod.dim), p('weight'), p('bias')).map((x) => (x > 0 ? x : 0.01 * x)));
}

test('BM3 + SGFD export: files, scores reproduced from the exported files, student = g(mean_m f_m), metadata round trip, Triton', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, true);
  const runDir = await trainFixtureRun(root, data, 'bm3', 'bm3', true);
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, triton: true, tritonK: 5, modelVersion: 7, threads: 1 });
  for (const f of Object.values(MODEL_FILES).filter((f) => f !== MODEL_FILES.added)) assert.ok(existsSync(join(out, f)), f);
  assert.deepEqual(readModelCard(out), JSON.parse(JSON.stringify(card)));
  assert.equal(card.dataset.ids, 'original');
  assert.ok(card.checks!.scorer_max_abs_diff <= 1e-5 && card.checks!.student_max_abs_diff! <= 1e-5);
  assert.ok(card.metrics.test['recall@20'] >= 0 && card.cold_start.supported && card.cold_start.agreement.mean_cosine <= 1);

  // The exported scorer over the exported tables = brute force over the run's own representations.
  const run = loadRun(runDir);
  const emb = (await runEmbeddings(run))!;
  const users = readEmbeddings(join(out, MODEL_FILES.users), 'users', emb.dim);
  const items = readEmbeddings(join(out, MODEL_FILES.items), 'items', emb.dim);
  assert.deepEqual(items.ids.slice(0, 2), [itemName(0), itemName(1)]);
  const session = await ScorerSession.create(readFileSync(join(out, MODEL_FILES.scorer)), { userDim: emb.dim, itemDim: emb.dim, bytesPerPair: 12 });
  const k = 10;
  const top = await session.topK(users.data, run.ds.nUsers, items.data, run.ds.nItems, k);
  await session.release();
  for (let u = 0; u < run.ds.nUsers; u++) {
    const want = bruteTopK((i) => dot(emb.users, emb.items, emb.dim, u, i), run.ds.nItems, k, new Set());
    assertRanking({ items: top.items.subarray(u * k, (u + 1) * k), scores: top.scores.subarray(u * k, (u + 1) * k) }, want, 1e-5, `user ${u}`);
  }

  // Cold start: predictor(mean of the student's per-modality features), by hand.
  const picked = [0, 17, 59];
  const cold = await runStudent(out, run, picked);
  const d = emb.dim;
  picked.forEach((i, r) => {
    const f = run.ds.modalities.map((_, m) => studentFeature(run, m, i));
    const mean = f[0].map((_, c) => f.reduce((s, x) => s + x[c], 0) / f.length);
    assertClose(cold.subarray(r * d, (r + 1) * d), linear(mean, run.values.get('predictor.weight')!, run.values.get('predictor.bias')!), 1e-5, `item ${i}`);
  });

  // ONNX header and metadata_props, read back by our decoder.
  const student = decodeModel(readFileSync(join(out, MODEL_FILES.student)));
  assert.deepEqual([student.producerName, student.modelVersion], ['sgfd', 7]);
  assert.match(student.docString, /g\(mean_m f_m\)/);
  assert.deepEqual(student.inputs.map((i) => [i.name, i.shape]), [['image_features', ['batch', 20]], ['text_features', ['batch', 12]]]);
  assert.deepEqual(student.outputs, [{ name: 'item_embedding', dtype: 'float32', shape: ['batch', d] }]);
  assert.equal(student.metadata.config_sha256, configSha256(run.config));
  assert.deepEqual(JSON.parse(student.metadata.feature_dims), { image: 20, text: 12 });
  assert.equal(JSON.parse(student.metadata.metrics).test['recall@20'], card.metrics.test['recall@20']);
  assert.equal(student.metadata.backbone, 'bm3');
  assert.equal(decodeModel(readFileSync(join(out, MODEL_FILES.scorer))).metadata.embedding_dim, String(d));

  // Triton: config.pbtxt per model, matching the model's own signature; the scorer snapshot ranks as scorer.onnx.
  const config = readFileSync(join(out, 'triton', 'sgfd_scorer', 'config.pbtxt'), 'utf8');
  assert.match(config, /backend: "onnxruntime"/);
  assert.match(config, /dynamic_batching \{/);
  assert.match(config, new RegExp(`name: "user_embedding"\\n    data_type: TYPE_FP32\\n    dims: \\[ ${d} \\]`));
  assert.match(config, /name: "top_items"\n    data_type: TYPE_INT64\n    dims: \[ 5 \]/);
  assert.match(readFileSync(join(out, 'triton', 'sgfd_student', 'config.pbtxt'), 'utf8'), /name: "image_features"\n    data_type: TYPE_FP32\n    dims: \[ 20 \]/);
  const triton = await createSession(readFileSync(join(out, 'triton', 'sgfd_scorer', '1', 'model.onnx')));
  const snap = await triton.run({ user_embedding: tensor(users.data.subarray(0, 3 * d), [3, d]) });
  assert.deepEqual(Array.from(snap.top_items.data as BigInt64Array, Number), [0, 1, 2].flatMap((u) => Array.from(top.items.subarray(u * k, u * k + 5))));
  await triton.release();
});

test('GRCN export: student = [0 ‖ L2(f_1) ‖ L2(f_2)] and scores reproduced', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, false);
  const runDir = await trainFixtureRun(root, data, 'grcn', 'grcn', true);
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, threads: 1 });
  const run = loadRun(runDir);
  const d = 8;
  assert.equal(card.dims.embedding, 3 * d);
  assert.equal(card.dataset.ids, 'dense');
  assert.deepEqual(card.triton, []);
  const cold = await runStudent(out, run, [3, 41]);
  [3, 41].forEach((i, r) => {
    const want = [...new Array(d).fill(0), ...studentFeature(run, 0, i), ...studentFeature(run, 1, i)];
    assertClose(cold.subarray(r * 3 * d, (r + 1) * 3 * d), want, 1e-5, `item ${i}`);
  });
  assert.ok(card.cold_start.supported && /GRCN/.test(card.cold_start.rule));
  assert.ok(card.checks!.users_checked === run.ds.nUsers && card.checks!.scorer_max_abs_diff <= 1e-5);
});

test('export refuses occupied directories in one line, writing nothing; ID-only models export without a student', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, false);
  const lightgcn = await trainFixtureRun(root, data, 'lightgcn', 'lightgcn', false);
  const card = await exportModel({ run: lightgcn, out: join(root, 'm2') });
  assert.deepEqual(card.cold_start, { supported: false, reason: "backbone 'lightgcn' uses no item features (ID-only): a new item cannot be embedded" });
  assert.equal(existsSync(join(root, 'm2', MODEL_FILES.student)), false);
  mkdirSync(join(root, 'm3'));
  writeFileSync(join(root, 'm3', 'keep.txt'), 'mine');
  await assert.rejects(exportModel({ run: lightgcn, out: join(root, 'm3') }), /m3: expected a new or empty output directory, it exists \(pass --force to replace it\)/);
  assert.deepEqual(readdirSync(join(root, 'm3')), ['keep.txt']);
  assert.deepEqual(readdirSync(root).filter((f) => f.includes('partial')), [], 'no temporary directory left');
});

test('teacher-deep export: student.onnx = the kept stage-1 teacher on raw features → BM3\'s rule, reproducing the cached features; older runs refused in one line', async (t) => {
  const root = tempDir(t);
  const data = await writeFixtureData(root, false);
  const runDir = await trainFixtureRun(root, data, 'teacher-deep', 'bm3', false, 'teacher-deep');
  assert.ok(existsSync(join(runDir, TEACHER_FILES.parameters)), 'the run keeps the teacher');
  const out = join(root, 'model');
  const card = await exportModel({ run: runDir, out, threads: 1 });
  const run = loadRun(runDir);
  assert.equal(run.config.extractor, 'cached');
  assert.ok(card.cold_start.supported && /^f_m = the stage-1 teacher's features .*BM3: item_embedding = g\(mean_m f_m\)/.test(card.cold_start.rule));
  assert.ok(card.checks!.items_checked === 60 && card.checks!.student_max_abs_diff! <= 1e-5);

  // predictor(mean of the CACHED teacher features), by hand: what training scored these items with.
  const cached = readTeacherFeatures(runDir, run.ds)!;
  const d = 8;
  const picked = [0, 17, 59];
  const cold = await runStudent(out, run, picked);
  picked.forEach((i, r) => {
    const mean = Array.from({ length: d }, (_, c) => cached.reduce((s, f) => s + f[i * d + c], 0) / cached.length);
    assertClose(cold.subarray(r * d, (r + 1) * d), linear(mean, run.values.get('predictor.weight')!, run.values.get('predictor.bias')!), 1e-5, `item ${i}`);
  });
  assert.ok(readFileSync(join(out, MODEL_FILES.student)).includes(Buffer.from('sgfd.teacher.')), 'the teacher network is inside student.onnx');
  assert.match(decodeModel(readFileSync(join(out, MODEL_FILES.student))).docString, /^f_m = the stage-1 teacher's features/);

  // A run from before teacher weights were kept: scorer and tables export, the student is refused.
  rmSync(join(runDir, TEACHER_FILES.parameters));
  const old = await exportModel({ run: runDir, out: join(root, 'model-old'), threads: 1 });
  assert.ok(!old.cold_start.supported);
  assert.match(old.cold_start.reason, /^variant 'teacher-deep' scores with stage-1 teacher features cached per item; the teacher is not part of the run \(no teacher\.safetensors[^\n]*\), so a new item cannot be embedded$/);
  assert.equal(existsSync(join(root, 'model-old', MODEL_FILES.student)), false);
});
