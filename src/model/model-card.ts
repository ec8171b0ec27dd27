// model.json — the exported model's card: what it was trained on, its sizes, configuration and
// metrics, how new items are embedded, and the checks the export passed. The same facts go into
// every exported ONNX file's metadata_props (read back with graph/serialize's decodeModel).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ModelInfo } from '../graph/index.ts';
import { MODEL_FILES } from './embeddings-arrow.ts';

/** Which run a serving artifact was made from (run/provenance.ts fills it in). */
export interface RunProvenance { run: string; backbone: string; variant: string; extractor: string; best_epoch: number; config_sha256: string }
/** Which dataset it was trained on. */
export interface DatasetProvenance { name: string; path: string; synthetic: boolean; users: number; items: number }

export const CARD_FORMAT = 'sgfd-model';
export const CARD_VERSION = 1;

export interface TensorSignature { name: string; dtype: string; shape: (number | string)[] }

export type ColdStartCard =
  | {
    supported: true;
    rule: string;
    inputs: TensorSignature[];
    output: TensorSignature;
    /** student.onnx applied to the trained items' own features, against their trained embeddings. */
    agreement: { mean_cosine: number; median_norm_ratio: number; test_recall_at_20_warm: number; test_recall_at_20_all_items_cold: number };
  }
  | { supported: false; reason: string };

export interface ModelCard {
  format: typeof CARD_FORMAT;
  format_version: typeof CARD_VERSION;
  created: string;
  version: { sgfd: string; model_version: number };
  model: RunProvenance | { run: null; backbone: string; note: string };
  dataset: Partial<DatasetProvenance> & { ids: 'original' | 'dense' };
  /**
   * `embedding`: the width of an item row (item_embeddings.arrow, student.onnx's output);
   * `user_embedding`: of a user row (user_embeddings.arrow) — absent in older cards, where it equals
   * `embedding` (dot-product models have one width; pairwise models may differ).
   */
  dims: { embedding: number; user_embedding?: number; users: number; items: number; modalities: Record<string, number> };
  config: unknown;
  metrics: { valid: Record<string, number>; test: Record<string, number> };
  cold_start: ColdStartCard;
  /**
   * `score`: what a score is (a dot product, or the backbone's function of a user row and an item
   * row); `bytes_per_pair`: peak bytes of the scorer's intermediates per (user, item) pair, by which
   * callers size user batches (absent in older cards: a dot product).
   */
  scorer: { inputs: TensorSignature[]; outputs: TensorSignature[]; score: string; bytes_per_pair?: number };
  /** What exclude_seen removes. */
  seen: string;
  checks: { tolerance: number; users_checked: number; scorer_max_abs_diff: number; items_checked: number; student_max_abs_diff: number | null } | null;
  files: Record<string, string>;
  triton: string[];
  /** Whether the run had finished (metrics.json); an unfinished one is exported only with --allow-unfinished. Absent in older cards. */
  training?: { finished: true } | { finished: false; note: string };
}

/** The ONNX model-level fields of an exported file. */
export function onnxInfo(card: ModelCard, docString: string): ModelInfo {
  const headline = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([k]) => k.endsWith('@20')));
  return {
    producerName: 'sgfd',
    producerVersion: card.version.sgfd,
    modelVersion: card.version.model_version,
    docString,
    metadata: {
      backbone: card.model.backbone,
      dataset: card.dataset.name ?? '',
      dataset_synthetic: String(card.dataset.synthetic ?? false),
      feature_dims: JSON.stringify(card.dims.modalities),
      embedding_dim: String(card.dims.embedding),
      user_embedding_dim: String(userDim(card)),
      score: card.scorer.score,
      config_sha256: 'config_sha256' in card.model ? card.model.config_sha256 : '',
      metrics: JSON.stringify({ valid: headline(card.metrics.valid), test: headline(card.metrics.test) }),
      cold_start: card.cold_start.supported ? card.cold_start.rule : `unsupported: ${card.cold_start.reason}`,
      created: card.created,
    },
  };
}

/** Width of a user row. */
export const userDim = (card: ModelCard): number => card.dims.user_embedding ?? card.dims.embedding;
/** Dot scorer: the [B, N] score row, ScatterND's masked copy and TopK's working copy, float32 each. */
export const DOT_BYTES_PER_PAIR = 12;
/** Peak bytes of the scorer's intermediates per (user, item) pair. */
export const bytesPerPair = (card: ModelCard): number => card.scorer.bytes_per_pair ?? DOT_BYTES_PER_PAIR;

/** Reads and checks model.json in `dir` (the fields the server relies on). */
export function readModelCard(dir: string): ModelCard {
  const path = join(dir, MODEL_FILES.card);
  if (!existsSync(path)) throw new Error(`${path}: not found (is ${dir} a directory written by sgfd export?)`);
  let card: ModelCard;
  try { card = JSON.parse(readFileSync(path, 'utf8')) as ModelCard; } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  const fail = (field: string, expected: string, got: unknown) => new Error(`${path}: field ${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  if (card.format !== CARD_FORMAT) throw fail('format', `"${CARD_FORMAT}"`, card.format);
  if (card.format_version !== CARD_VERSION) throw fail('format_version', String(CARD_VERSION), card.format_version);
  const positive = (v: unknown) => Number.isInteger(v) && (v as number) > 0;
  if (!positive(card.dims?.embedding)) throw fail('dims.embedding', 'a positive integer', card.dims?.embedding);
  if (card.dims.user_embedding !== undefined && !positive(card.dims.user_embedding)) throw fail('dims.user_embedding', 'a positive integer', card.dims.user_embedding);
  if (!positive(card.dims.items)) throw fail('dims.items', 'a positive integer', card.dims.items);
  if (!Number.isInteger(card.dims.users) || card.dims.users < 0) throw fail('dims.users', 'a non-negative integer', card.dims.users);
  for (const [m, d] of Object.entries(card.dims.modalities ?? {})) if (!positive(d)) throw fail(`dims.modalities.${m}`, 'a positive integer', d);
  const pairBytes = card.scorer?.bytes_per_pair;
  if (pairBytes !== undefined && !(typeof pairBytes === 'number' && pairBytes > 0)) throw fail('scorer.bytes_per_pair', 'a positive number', pairBytes);
  const cold = card.cold_start as { supported?: unknown } | undefined;
  if (typeof cold?.supported !== 'boolean') throw fail('cold_start.supported', 'true or false', cold?.supported);
  return card;
}
