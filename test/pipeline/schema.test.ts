// Pipeline files: schema errors name the key path and what is allowed; variables; defaults; the
// shipped pipelines all validate.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parsePipelineText, substitute, loadPipeline, parseVars } from '../../src/pipeline/load.ts';
import { toPipelineSpec } from '../../src/pipeline/spec.ts';
import { SchemaError } from '../../src/pipeline/schema-check.ts';

const FILE = 'pipelines/x.yaml';
/** Matches the error's message (assert.throws matches a RegExp against `Error: …`). */
const message = (re: RegExp) => (e: Error) => re.test(e.message);
const spec = (yaml: string) => toPipelineSpec(parsePipelineText(yaml, FILE), FILE, 'x');
const minimal = 'data: { synth: { users: 50 } }\ntrain: { backbones: [bm3] }\n';

function rejects(yaml: string, pattern: RegExp): void {
  assert.throws(() => spec(yaml), (e: Error) => {
    assert.ok(e instanceof SchemaError, `expected a SchemaError, got ${e}`);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), 'one line');
    return true;
  });
}

test('an unknown variant names its key path and lists the allowed values', () => {
  rejects(`${minimal.replace('[bm3] }', '[bm3], variants: [vanilla, sgdf] }')}`, /^pipelines\/x\.yaml: train\.variants\[1\]: expected one of vanilla, sgfd, .*teacher-deep.*; got 'sgdf'$/);
});

test('an unknown key names itself and the allowed keys', () => {
  rejects(`${minimal}report: { metric: [recall@20] }\n`, /report\.metric: unknown key; allowed keys here: metrics, baseline, alpha, title/);
  rejects(`${minimal}trian: {}\n`, /^pipelines\/x\.yaml: trian: unknown key; allowed keys here: name, description, data, teacher, train/);
});

test('wrong types and ranges name the key and the expectation', () => {
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], epochs: ten'), /train\.epochs: expected an integer ≥ 1; got 'ten'/);
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], seeds: []'), /train\.seeds: expected a list, each an integer with at least 1 entry; got \[\]/);
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm4]'), /train\.backbones\[0\]: expected one of bm3, grcn/);
  rejects(`${minimal}score: { exclude: everything }\n`, /score\.exclude: expected one of train, train\+valid, none; got 'everything'/);
  rejects('train: { }\ndata: { synth: {} }\n', /train\.backbones: missing; expected a list/);
});

test('setting names are checked per backbone, SGFD settings only where SGFD runs', () => {
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], set: { n_layer: 2 }'), /train\.set\.n_layer: unknown bm3 setting; allowed: embedding_dim, n_layers/);
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], search: { params: { sgfd.tua: [5] } }'), /train\.search\.params\.sgfd\.tua: unknown SGFD setting; allowed: sgfd\.delta, sgfd\.tau/);
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], variants: [vanilla], search: { params: { sgfd.tau: [5] } }'), /sgfd\.tau: SGFD settings need an SGFD variant/);
});

test('data takes exactly one source; steps need the steps they read', () => {
  rejects('data: { synth: {}, path: /x }\n', /^pipelines\/x\.yaml: data: expected exactly one of synth, import, path; got synth and path$/);
  rejects('data: { synth: {} }\nreport: {}\n', /report: needs the step train in the same file/);
  rejects(`${minimal}report: { baseline: plain }\n`, /report\.baseline: expected one of the variants vanilla, sgfd; got 'plain'/);
});

test('YAML syntax errors name the file and the line', () => {
  assert.throws(() => spec('train: { backbones: [bm3\n'), message(/^pipelines\/x\.yaml: line \d+, column \d+: /));
  assert.throws(() => spec('a: 1\na: 2\n'), /pipelines\/x\.yaml: line 2/);
});

test('defaults fill in; string and object variants normalise per backbone', () => {
  const s = spec(`${minimal.replace('[bm3]', '[bm3, { name: grcn, variants: [vanilla, { name: sgfd-ref, variant: sgfd, profile: reference }] }]')}teacher: { epochs: 7 }\nplots: {}\n`);
  const t = s.train!;
  assert.deepEqual(t.backbones[0].variants.map((v) => [v.name, v.variant, v.profile]), [['vanilla', 'vanilla', 'paper'], ['sgfd', 'sgfd', 'paper']]);
  assert.deepEqual(t.backbones[1].variants.map((v) => [v.name, v.variant, v.profile]), [['vanilla', 'vanilla', 'paper'], ['sgfd-ref', 'sgfd', 'reference']]);
  assert.equal(t.teacher_epochs, 7, 'runs take the teacher step\'s epochs');
  assert.deepEqual([t.epochs, t.patience, t.metric, t.seeds, t.search.method], [100, 20, 'recall@20', [1], 'grid']);
  assert.equal(s.name, 'x');
  assert.ok(s.plots && s.plots.tsne && s.plots.tsne.perplexity === 30);
});

test('plots.tsne.method: barnes-hut by default (also for `tsne: true`), exact on request, anything else an error', () => {
  const method = (plots: string) => { const t = spec(`${minimal}plots: ${plots}\n`).plots!.tsne; return t && t.method; };
  assert.deepEqual([method('{}'), method('{ tsne: true }'), method('{ tsne: { perplexity: 10 } }'), method('{ tsne: { method: exact } }')], ['barnes-hut', 'barnes-hut', 'barnes-hut', 'exact']);
  assert.equal(method('{ tsne: false }'), false);
  rejects(`${minimal}plots: { tsne: { method: fast } }\n`, /plots\.tsne\.method: expected one of barnes-hut, exact; got 'fast'/);
});

test('a backbone may set its own epochs, patience and eval_every; the others keep the train-level budget', () => {
  const t = spec(`${minimal.replace('[bm3] }', '[bm3, { name: maml, epochs: 30, patience: 5, eval_every: 5 }], epochs: 80 }')}`).train!;
  assert.deepEqual(t.backbones.map((b) => [b.name, b.epochs, b.patience, b.eval_every]), [['bm3', 80, 20, 1], ['maml', 30, 5, 5]]);
  rejects(`${minimal.replace('[bm3] }', '[{ name: maml, epochs: 0 }] }')}`, /train\.backbones\[0\]\.epochs/);
  const seeded = spec(`${minimal.replace('[bm3] }', '[{ name: grcn, seeds: [1, 2], variants: [vanilla, { name: sgfd-l, variant: sgfd-l, seeds: [1] }] }], seeds: [1, 2, 3] }')}`).train!;
  assert.deepEqual(seeded.backbones[0].seeds, [1, 2]);
  assert.deepEqual(seeded.backbones[0].variants.map((v) => v.seeds), [undefined, [1]]);
});

test('${VAR} comes from --var, then the environment, then its default; a missing one names the key', () => {
  const raw = { data: { import: { inter: '${LFM}/lfm2k.inter', labels: '${LABELS:-genre.tsv}' } } };
  assert.deepEqual(substitute(raw, { LFM: '/d' }, FILE), { data: { import: { inter: '/d/lfm2k.inter', labels: 'genre.tsv' } } });
  assert.throws(() => substitute(raw, {}, FILE), message(/^pipelines\/x\.yaml: data\.import\.inter: variable LFM is not set; pass --var LFM=VALUE or set the environment variable LFM$/));
  assert.deepEqual(parseVars(['A=1', 'B=x=y']), { A: '1', B: 'x=y' });
  assert.throws(() => parseVars(['oops']), /--var 'oops': expected NAME=VALUE/);
});

test('every pipeline shipped in pipelines/ validates', () => {
  const dir = fileURLToPath(new URL('../../pipelines/', import.meta.url));
  const files = readdirSync(dir).filter((f) => /\.(ya?ml|json)$/.test(f));
  assert.ok(files.includes('demo.yaml'));
  for (const f of files) {
    const p = loadPipeline(join(dir, f), { LASTFM_DIR: '/nowhere', DATA: '/nowhere' });
    assert.ok(p.spec.train, `${f} trains something`);
  }
  const index = readFileSync(join(dir, 'README.md'), 'utf8');
  const unlisted = files.filter((f) => !index.includes(`\`${f}\``));
  assert.deepEqual(unlisted, [], 'every shipped pipeline has a row in pipelines/README.md');
});

test('a search may vary sgfd.profile, with profile names only and where SGFD runs', () => {
  assert.deepEqual(spec(minimal.replace('backbones: [bm3]', 'backbones: [bm3], search: { params: { sgfd.profile: [paper, reference] } }')).train!.search.params['sgfd.profile'], ['paper', 'reference']);
  rejects(minimal.replace('backbones: [bm3]', 'backbones: [bm3], search: { params: { sgfd.profile: [paper, papr] } }'), /train\.search\.params\.sgfd\.profile\[1\]: expected one of paper, reference; got "papr"/);
});
