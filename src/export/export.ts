// `sgfd export`: a trained run as a self-contained model directory (see MODEL_FILES):
//   student.onnx   <modality>_features [batch, D_m] → item_embedding [batch, di] (cold start)
//   scorer.onnx    user_embedding [batch, du], item_embeddings [n_items, di], k, excluded → top-K
//   user_embeddings.arrow, item_embeddings.arrow, seen_items.arrow, model.json
//   triton/        (--triton) a Triton Inference Server model repository
// The score is a dot product (du = di) or, for MAML, NeuMF and CML, the backbone's own function of a
// user row and an item row (Backbone.pairScores) with its network weights inside scorer.onnx.
// The directory is assembled beside the target and renamed into place only after the exported
// models reproduced the run's scores (export-checks.ts).
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as G from '../graph/index.ts';
import { readIdMap } from '../data/index.ts';
import { type Csr } from '../data/index.ts';
import { writeDirAtomically } from '../data/index.ts';
import { loadRun, evaluateRun, type LoadedRun } from '../run/index.ts';
import { RUN_FILES, readJson } from '../run/index.ts';
import { type RunMetrics } from '../run/index.ts';
import { servingTables, type ServingTables } from '../score/index.ts';
import { dotTopKGraph, pairTopKGraph, type PairScoreFn } from '../model/index.ts';
import { studentGraph, coldStartRule } from './cold-start.ts';
import { ColdStartUnsupported } from '../backbones/index.ts';
import { embeddingsBytes, readEmbeddings, seenBytes, seenItems, MODEL_FILES, type EmbeddingTable } from '../model/index.ts';
import { onnxInfo, userDim, bytesPerPair, CARD_FORMAT, CARD_VERSION, type ModelCard } from '../model/index.ts';
import { checkScorer, studentEmbeddings, referenceColdEmbeddings, maxScaledDiff, coldAgreement, TOLERANCE } from './export-checks.ts';
import { writeTritonRepository } from './triton.ts';
import { datasetProvenance, libraryVersion, runProvenance } from '../run/index.ts';
import { writeModelManifest, MODEL_MANIFEST } from '../model/index.ts';

export interface ExportOptions {
  run: string;
  out: string;
  /** Dataset directory (default: the one recorded in the run). */
  data?: string;
  /** Also lay out a Triton model repository under `<out>/triton`, its scorer returning `tritonK` items. */
  triton?: boolean;
  tritonK?: number;
  force?: boolean;
  threads?: number;
  modelVersion?: number;
  /** Export a run that never finished (no metrics.json); the card says so. Default: refuse. */
  allowUnfinished?: boolean;
}

/** scorer.onnx's doc string: `score` says what a score is when it is not a dot product. */
export function scorerDoc(score: string | null): string {
  return `Top-k items per user: scores = ${score ? `score(user_embedding row, item_embeddings row) — ${score}` : 'user_embedding · item_embeddingsᵀ'}; `
    + 'the (row, item) pairs in `excluded` (int64 [pairs, 2], may be [0, 2]) are set to −inf; top_scores/top_items = TopK(scores, k) with k an int64 [1]. '
    + 'Feed item_embeddings from item_embeddings.arrow followed by added_items.arrow; top_items index its rows.';
}
export const SCORER_DOC = scorerDoc(null);
export const SEEN_DOC = 'every item the user interacted with in the dataset (all splits)';

/** The top-K graph over the item rows `items` (fed, or baked in) with `score` (null: dot product). */
function scorerGraph(card: ModelCard, score: PairScoreFn | null, items: Float32Array | 'input', k: number | 'input', mask: boolean): G.Graph {
  if (!score) return dotTopKGraph({ dim: card.dims.embedding, items, k, mask });
  return pairTopKGraph({ userDim: userDim(card), itemDim: card.dims.embedding, score, items, k, mask });
}

/** Writes every model file but model.json into `dir`; returns the scorer bytes. `score`: a pairwise model's (default: dot product). */
export function writeModelTables(dir: string, card: ModelCard, t: { users: EmbeddingTable; items: EmbeddingTable; seen: Csr; student: Uint8Array | null; score?: PairScoreFn | null }): Uint8Array {
  const score = t.score ?? null;
  const scorer = G.serialize(scorerGraph(card, score, 'input', 'input', true), onnxInfo(card, scorerDoc(score ? card.scorer.score : null)));
  writeFileSync(join(dir, MODEL_FILES.users), embeddingsBytes(t.users, 'user'));
  writeFileSync(join(dir, MODEL_FILES.items), embeddingsBytes(t.items, 'item'));
  writeFileSync(join(dir, MODEL_FILES.seen), seenBytes(t.seen));
  writeFileSync(join(dir, MODEL_FILES.scorer), scorer);
  if (t.student) writeFileSync(join(dir, MODEL_FILES.student), t.student);
  return scorer;
}

export function writeCard(dir: string, card: ModelCard): void {
  writeFileSync(join(dir, MODEL_FILES.card), JSON.stringify(card, null, 2) + '\n');
}

async function runMetrics(run: LoadedRun, threads?: number): Promise<{ valid: Record<string, number>; test: Record<string, number> }> {
  const path = join(run.dir, RUN_FILES.metrics);
  if (existsSync(path)) {
    const m = readJson<RunMetrics>(path);
    return { valid: m.valid, test: m.test };
  }
  const r = await evaluateRun(run, { threads });
  return { valid: r.valid.means, test: r.test.means };
}

const denseIds = (n: number) => Array.from({ length: n }, (_, i) => String(i));

export async function exportModel(o: ExportOptions): Promise<ModelCard> {
  const run = loadRun(o.run, o.data, { allowUnfinished: o.allowUnfinished });
  const dataDir = o.data ?? run.config.dataset.path;
  const emb = await servingTables(run, o.threads);
  if (!emb) throw new Error(`export of backbone '${run.config.backbone}' is not supported: it has neither user/item representations nor a pairwise score (Backbone.buildScoring or pairScores); sgfd score works for it`);
  const idMaps = { user: readIdMap(dataDir, 'user'), item: readIdMap(dataDir, 'item') };
  const users: EmbeddingTable = { ids: idMaps.user ?? denseIds(run.ds.nUsers), data: emb.users, dim: emb.userDim };
  const items: EmbeddingTable = { ids: idMaps.item ?? denseIds(run.ds.nItems), data: emb.items, dim: emb.itemDim };
  let student: ReturnType<typeof studentGraph> | null = null;
  let unsupported = '';
  try { student = studentGraph(run); } catch (e) {
    if (!(e instanceof ColdStartUnsupported)) throw e;
    unsupported = e.message;
  }
  const modalities = Object.fromEntries(run.ds.modalities.map((m) => [m.name, m.dim]));
  const card: ModelCard = {
    format: CARD_FORMAT, format_version: CARD_VERSION, created: new Date().toISOString(),
    version: { sgfd: libraryVersion(), model_version: o.modelVersion ?? 1 },
    model: runProvenance(run),
    dataset: { ...datasetProvenance(run, dataDir), ids: idMaps.user || idMaps.item ? 'original' : 'dense' },
    dims: { embedding: emb.itemDim, user_embedding: emb.userDim, users: run.ds.nUsers, items: run.ds.nItems, modalities },
    config: run.config,
    metrics: await runMetrics(run, o.threads),
    cold_start: student ? { supported: true, rule: student.rule.description, inputs: [], output: { name: '', dtype: '', shape: [] }, agreement: null as never } : { supported: false, reason: unsupported },
    scorer: { inputs: [], outputs: [], score: emb.scoreDoc, bytes_per_pair: emb.bytesPerPair },
    seen: SEEN_DOC, checks: null, files: {}, triton: [],
    training: run.finished ? { finished: true } : { finished: false, note: `exported with --allow-unfinished from a run that never finished (no metrics.json): its best-validation parameters so far (epoch ${run.bestEpoch}); metrics re-evaluated with them` },
  };
  const studentBytes = student ? G.serialize(student.graph, onnxInfo(card, `${student.rule.description} Inputs: raw item features as in the dataset's items.arrow.`)) : null;
  await writeDirAtomically(o.out, async (tmp) => {
    const scorerBytes = writeModelTables(tmp, card, { users, items, seen: seenItems(run.ds), student: studentBytes, score: emb.score });
    const sig = G.decodeModel(scorerBytes);
    card.scorer = { ...card.scorer, inputs: sig.inputs, outputs: sig.outputs };
    const back = (file: string, dim: number) => readEmbeddings(join(tmp, file), file, dim);
    const shape = { userDim: emb.userDim, itemDim: emb.itemDim, bytesPerPair: bytesPerPair(card) };
    const scorerCheck = await checkScorer(run, scorerBytes, back(MODEL_FILES.users, emb.userDim), back(MODEL_FILES.items, emb.itemDim), shape, o.threads);
    let studentDiff: number | null = null;
    if (student && studentBytes && card.cold_start.supported) {
      const cold = await studentEmbeddings(run, studentBytes, o.threads);
      const { extractor } = coldStartRule(run);
      studentDiff = maxScaledDiff(cold, await referenceColdEmbeddings(run, extractor, student.rule, o.threads), 'student.onnx item_embedding', emb.itemDim);
      const ssig = G.decodeModel(studentBytes);
      card.cold_start = { ...card.cold_start, inputs: ssig.inputs, output: ssig.outputs[0], agreement: await coldAgreement(run, emb, cold, o.threads) };
    }
    card.checks = { tolerance: TOLERANCE, users_checked: scorerCheck.usersChecked, scorer_max_abs_diff: scorerCheck.maxAbsDiff, items_checked: studentDiff === null ? 0 : run.ds.nItems, student_max_abs_diff: studentDiff };
    card.files = describeFiles(card, scorerDoc(emb.score ? emb.scoreDoc : null), !!studentBytes);
    if (o.triton) card.triton = writeTriton(join(tmp, 'triton'), card, emb, studentBytes, o.tritonK ?? 20);
    writeCard(tmp, card);
    writeModelManifest(tmp); // last: sizes and SHA-256 of every file above, checked by sgfd serve
  }, { force: o.force });
  return card;
}

function describeFiles(card: ModelCard, scorer: string, withStudent: boolean): Record<string, string> {
  const files: Record<string, string> = {
    [MODEL_FILES.card]: 'this model card',
    [MODEL_FILES.scorer]: scorer,
    [MODEL_FILES.users]: `user rows (dims.user_embedding = ${userDim(card)} wide): id (original or dense id) and embedding; row r = dense user r`,
    [MODEL_FILES.items]: `item rows (dims.embedding = ${card.dims.embedding} wide) of the trained items; row r = dense item r`,
    [MODEL_FILES.seen]: SEEN_DOC,
    [MODEL_MANIFEST]: 'size and SHA-256 of every exported file, checked when sgfd serve starts',
  };
  if (withStudent) files[MODEL_FILES.student] = 'cold start: raw item features → item_embedding (see cold_start.rule)';
  return files;
}

function writeTriton(root: string, card: ModelCard, emb: ServingTables, studentBytes: Uint8Array | null, k: number): string[] {
  const k2 = Math.min(k, card.dims.items);
  const scorer = G.serialize(scorerGraph(card, emb.score, emb.items, k2, false), onnxInfo(card, `Top-${k2} items per user over the ${card.dims.items} exported items (a snapshot): ${card.scorer.score}.`));
  const models = [{ name: 'sgfd_scorer', onnx: scorer }];
  if (studentBytes) models.unshift({ name: 'sgfd_student', onnx: studentBytes });
  return writeTritonRepository(root, models.map((m) => ({ ...m, ...G.decodeModel(m.onnx) }))).map((p) => join('triton', p));
}
