// The stage-1 teacher cache: one key per (data, teacher settings) — stage-2 settings never retrain —,
// reuse without training, corrupted entries detected and retrained, the rename race's loser using the
// winner's copy, and the user cache dir when the dataset directory cannot be written.
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateSynthetic } from '../../src/data/synth.ts';
import { makeDataset } from '../../src/data/dataset.ts';
import { writeDataset, readDataset } from '../../src/data/arrow-io.ts';
import { sgfdConfig, PROFILES, type SgfdConfig } from '../../src/sgfd/config.ts';
import { ensureTeacher, teacherKey, teacherDataDigest, readTeacherEntry, DATASET_CACHE_DIR, type TeacherStage } from '../../src/sgfd/teacher-cache.ts';
import { TEACHER_FILES, TEACHER_CONFIG_FIELDS, encodeTeacherFeatures, decodeTeacherFeatures } from '../../src/sgfd/teacher-files.ts';
import { TEACHER_STAGE_DEFAULTS } from '../../src/sgfd/teacher-stage.ts';

const parts = generateSynthetic({ users: 80, items: 120, categories: 4, density: 0.05, imageDim: 24, textDim: 12, seed: 3 });
const ds = makeDataset(parts);
const cfg = sgfdConfig('paper', { latentDim: 8 });
const stage = { epochs: 3, batchSize: 64 };

function temp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'sgfd-teacher-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** ensureTeacher with a counter of trained epochs and the log kept. */
async function teacher(cacheDir: string, c: SgfdConfig = cfg, s: Partial<TeacherStage> = stage, extra: { onEpoch?: (e: number) => void; dataDir?: string } = {}) {
  const logs: string[] = [];
  let epochs = 0;
  const r = await ensureTeacher(ds, c, {
    cacheDir: extra.dataDir ? undefined : cacheDir, dataDir: extra.dataDir, stage: s, session: { threads: 1 }, log: (m) => logs.push(m),
    onEpoch: (e) => { epochs++; extra.onEpoch?.(e); },
  });
  return { r, logs, epochs };
}

test('the key changes with every teacher setting and with the data, never with a stage-2 setting', () => {
  const { session: _s, onEpoch: _o, ...defaults } = TEACHER_STAGE_DEFAULTS;
  const digest = teacherDataDigest(ds);
  const base = teacherKey(digest, cfg, defaults);
  assert.match(base, /^[0-9a-f]{64}$/);
  const flipped: Partial<SgfdConfig> = {
    profile: 'reference', latentDim: 16, delta: 2, teacherActivation: false, featureActivation: false, ceOnProbs: true,
    fusionActivation: 'leaky_relu', useFusion: false, shallowTeacher: true,
  };
  for (const field of TEACHER_CONFIG_FIELDS) {
    assert.notEqual(teacherKey(digest, { ...cfg, [field]: flipped[field] }, defaults), base, `teacher setting ${field}`);
  }
  for (const [k, v] of Object.entries({ epochs: 31, batchSize: 128, lr: 2e-3, weightDecay: 1e-4, seed: 2, heldOut: 0.3 })) {
    assert.notEqual(teacherKey(digest, cfg, { ...defaults, [k]: v }), base, `stage setting ${k}`);
  }
  const stageTwo: Partial<SgfdConfig> = {
    tau: 50, kdWeight: 1, ceWeight: 0.5, ldDistance: 'l1-mean', fdDistance: 'mse', modalityReduction: 'mean', detachTeacher: false,
    twoStage: false, useLd: false, useFd: false, distillUninformative: true, distilled: ['image'], studentOutput: 'linear', relationWeight: 0.5, relationTau: 0.3, kdDecayEpochs: 30,
  };
  for (const [k, v] of Object.entries(stageTwo)) assert.equal(teacherKey(digest, { ...cfg, [k]: v }, defaults), base, `stage-2 setting ${k}`);
  // Every SgfdConfig field is classified: a new field must be added to one list or the other.
  const known = new Set<string>([...TEACHER_CONFIG_FIELDS, ...Object.keys(stageTwo)]);
  assert.deepEqual(Object.keys(PROFILES.paper).filter((k) => !known.has(k)), []);
  // The data: one changed feature value or label is another teacher.
  const other = makeDataset({ ...parts, modalities: parts.modalities.map((m, i) => (i ? m : { ...m, data: m.data.map((x, j) => (j === 5 ? x + 1 : x)) })) });
  assert.notEqual(teacherDataDigest(other), digest);
  const relabelled = makeDataset({ ...parts, labels: parts.labels!.map((l, i) => (i === 0 ? (l + 1) % 4 : l)) });
  assert.notEqual(teacherDataDigest(relabelled), digest);
});

test('same settings reuse the cached teacher without training; a teacher setting retrains under another key; a stage-2 setting does not', async (t) => {
  const cache = temp(t);
  const first = await teacher(cache);
  assert.equal(first.epochs, 3);
  assert.equal(first.r.reused, false);
  assert.ok(existsSync(join(cache, 'teacher', first.r.key, TEACHER_FILES.report)));
  assert.equal(first.r.report.key, first.r.key);
  assert.equal(first.r.report.held_out_items, 24);
  assert.deepEqual(Object.keys(first.r.report.usefulness.modalities), ['image', 'text']);

  const again = await teacher(cache, { ...cfg, kdWeight: 3, tau: 50, distillUninformative: true });
  assert.equal(again.epochs, 0, 'no training when the cache has the teacher');
  assert.equal(again.r.reused, true);
  assert.equal(again.r.key, first.r.key);
  assert.match(again.logs.join('\n'), new RegExp(`stage 1: reusing cached teacher ${first.r.key.slice(0, 12)} \\(trained ${first.r.report.created}\\), held-out accuracy image`));
  first.r.features.forEach((f, m) => assert.deepEqual(again.r.features[m], f, 'identical features'));
  for (const [name, v] of first.r.parameters) assert.deepEqual(again.r.parameters.get(name), v, name);
  assert.ok([...first.r.parameters.keys()].every((n) => n.startsWith('sgfd.teacher.') || n.startsWith('sgfd.classifiers.')), 'only what stage 1 trains is kept');

  for (const [what, c, s] of [['delta', { ...cfg, delta: 2 }, stage], ['epochs', cfg, { ...stage, epochs: 4 }], ['teacher seed', cfg, { ...stage, seed: 7 }]] as const) {
    const changed = await teacher(cache, c, s);
    assert.ok(changed.epochs > 0 && !changed.r.reused, `${what}: retrained`);
    assert.notEqual(changed.r.key, first.r.key, `${what}: another key`);
  }
  assert.equal(readdirSync(join(cache, 'teacher')).length, 4, 'one entry per key, no temporary directories left');
});

test('a truncated or corrupted cache entry is detected with a clear message and retrained', async (t) => {
  const cache = temp(t);
  const first = await teacher(cache);
  const dir = first.r.dir!;
  const features = join(dir, TEACHER_FILES.features);
  const size = readFileSync(features).length;
  truncateSync(features, size - 100);
  assert.throws(() => readTeacherEntry(dir, ds, cfg, first.r.key), new RegExp(`teacher_features\\.safetensors: ${size - 100} bytes, teacher\\.json records ${size} \\(truncated or overwritten\\)`));
  const healed = await teacher(cache);
  assert.match(healed.logs.join('\n'), /warning: stage 1: cached teacher .* is unusable \(.*truncated or overwritten\)\); retraining it/);
  assert.equal(healed.epochs, 3);
  assert.equal(readTeacherEntry(dir, ds, cfg, first.r.key).features[0].length, 120 * 8, 'the entry is whole again');

  // Same size, one flipped byte: the recorded SHA-256 catches it.
  const bytes = readFileSync(join(dir, TEACHER_FILES.parameters));
  bytes[bytes.length - 1] ^= 0xff;
  writeFileSync(join(dir, TEACHER_FILES.parameters), bytes);
  assert.throws(() => readTeacherEntry(dir, ds, cfg), /teacher\.safetensors: SHA-256 does not match teacher\.json \(corrupted\)/);
  rmSync(join(dir, TEACHER_FILES.report));
  assert.throws(() => readTeacherEntry(dir, ds, cfg), /teacher\.json: missing/);
  assert.equal((await teacher(cache)).epochs, 3, 'retrained');

  // Files read outside the cache (runs) are checked for shape and finiteness.
  const bad = ds.modalities.map(() => new Float32Array(120 * 8));
  bad[1][17] = Number.NaN;
  assert.throws(() => decodeTeacherFeatures(encodeTeacherFeatures(ds, bad), 'x.safetensors', ds), /x\.safetensors: tensor 'text': value 17 is NaN \(not finite\)/);
  assert.throws(() => decodeTeacherFeatures(encodeTeacherFeatures(ds, bad), 'x.safetensors', ds, 16), /tensor 'image' has shape \[120,8\]; expected float32 \[120, 16\]/);
});

test('two writers race for one key: the rename loser uses the winner\'s copy; concurrent runs in one process train once', async (t) => {
  const [a, b] = [temp(t), temp(t)];
  const winner = await teacher(a);
  // While this process trains, "another process" finishes the same teacher into the same cache.
  const loser = await teacher(b, cfg, stage, { onEpoch: (e) => { if (e === stage.epochs) cpSync(winner.r.dir!, join(b, 'teacher', winner.r.key), { recursive: true }); } });
  assert.equal(loser.epochs, 3);
  assert.equal(loser.r.reused, true);
  assert.match(loser.logs.join('\n'), /another process cached teacher [0-9a-f]{12} first; using its copy/);
  assert.equal(loser.r.report.created, winner.r.report.created, 'the winner\'s entry');
  assert.deepEqual(readdirSync(join(b, 'teacher')), [winner.r.key], 'the loser\'s temporary directory is gone');

  const c = temp(t);
  const [x, y] = await Promise.all([teacher(c), teacher(c)]);
  assert.equal(x.epochs + y.epochs, 3, 'one of the two waited for the other');
  assert.deepEqual(x.r.features[0], y.r.features[0]);
});

test('the dataset directory holds the cache; when it cannot be written, the user cache dir does, and the log says so', async (t) => {
  const root = temp(t);
  const saved = { xdg: process.env.XDG_CACHE_HOME, env: process.env.SGFD_CACHE_DIR };
  process.env.XDG_CACHE_HOME = join(root, 'xdg');
  delete process.env.SGFD_CACHE_DIR;
  t.after(() => {
    if (saved.xdg === undefined) delete process.env.XDG_CACHE_HOME; else process.env.XDG_CACHE_HOME = saved.xdg;
    if (saved.env !== undefined) process.env.SGFD_CACHE_DIR = saved.env;
  });
  const data = join(root, 'data');
  await writeDataset(data, parts);
  const fromDisk = readDataset(data);
  assert.equal(teacherDataDigest(fromDisk, data).slice(0, 12), 'items.arrow:', 'the manifest\'s digest of items.arrow keys the data');
  const own = await teacher('', cfg, stage, { dataDir: data });
  assert.equal(own.r.dir, join(data, DATASET_CACHE_DIR, 'teacher', own.r.key));

  // A dataset directory we cannot write into (here: its cache path is taken by a file).
  const locked = join(root, 'locked');
  await writeDataset(locked, parts);
  writeFileSync(join(locked, DATASET_CACHE_DIR), 'not a directory');
  const fallback = await teacher('', cfg, stage, { dataDir: locked });
  assert.equal(fallback.r.dir, join(root, 'xdg', 'sgfd', 'teacher', own.r.key));
  assert.match(fallback.logs.join('\n'), /cannot write the teacher cache in .*locked\/\.sgfd-cache\/teacher \((ENOTDIR|EEXIST)\): cached it in .*xdg\/sgfd\/teacher/);
  const reread = await teacher('', cfg, stage, { dataDir: locked });
  assert.equal(reread.epochs, 0, 'found again in the user cache dir');
});
